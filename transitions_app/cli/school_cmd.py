"""``transitions-app school ...`` (the receiving school) and, for settings, ``receipts import``,
``outcomes import`` and ``outcomes show`` (the feedback loop)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from models.safe_output import shown_name
from transitions_app.cli.base import (
    EXIT_NEGATIVE,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    Group,
    Result,
    Subparsers,
    add_json_arg,
    add_vault_args,
    add_vault_json,
    arg,
    command,
    open_vault,
    read_secret,
)
from transitions_app.locations import vault_dir

SCHOOL_USER = "headteacher"
SETTING_USER = "manager"
P12_PASSWORD_ENV = "TRANSITIONS_P12_PASSWORD"
PDF_PASSWORD_ENV = "TRANSITIONS_PDF_PASSWORD"


def _p12_password_arg(parser: Any) -> None:
    parser.add_argument(
        "--p12-password-file",
        metavar="F",
        type=Path,
        help=f"the PKCS#12 passphrase (or set {P12_PASSWORD_ENV})",
    )


def _trust_arg(parser: Any) -> None:
    parser.add_argument(
        "--trust", metavar="ROOT.pem", type=Path, help="store this LA root as trusted first"
    )


def _read(path: Path, what: str) -> bytes:
    from models.safe_input import DOCUMENT_BYTES, read_file

    return read_file(path, limit=DOCUMENT_BYTES, what=what)


def _p12_secret(args: argparse.Namespace) -> str:
    return read_secret(
        args.p12_password_file,
        env=P12_PASSWORD_ENV,
        prompt="Certificate passphrase: ",
        what="certificate passphrase",
    )


def _pdf_password(args: argparse.Namespace) -> str | None:
    if args.pdf_password_file is None and not os.environ.get(PDF_PASSWORD_ENV):
        return None
    return read_secret(args.pdf_password_file, env=PDF_PASSWORD_ENV, what="PDF password")


@contextmanager
def _school(args: argparse.Namespace) -> Iterator[Any]:
    """The school's service on the vault of --vault, logged in as --user (the headteacher)."""
    from transitions_app.services.school_service import SchoolService

    with open_vault(args, default_user=SCHOOL_USER) as vault:
        yield SchoolService(vault)


@contextmanager
def _feedback(args: argparse.Namespace) -> Iterator[Any]:
    """The setting's feedback service (receipts and outcomes from schools)."""
    from transitions_app.services.feedback_service import FeedbackService

    with open_vault(args, default_user=SETTING_USER) as vault:
        yield FeedbackService(vault)


@command(
    "init",
    "make a school vault (first user: the headteacher)",
    add_vault_args,
    arg("--urn", required=True, metavar="URN", help="the school's six-digit DfE URN"),
    arg("--name", metavar="NAME", help="the school's name (shown on receipts and outcome files)"),
    arg(
        "--p12",
        metavar="FILE",
        type=Path,
        help="an LA-issued signing certificate (PKCS#12); otherwise a self-signed one is made",
    ),
    _p12_password_arg,
)
def run_init(args: argparse.Namespace) -> Result:
    from export.pki import load_setting_p12
    from transitions_app.services.school_service import SchoolService
    from transitions_app.services.vault_service import VaultService

    directory = vault_dir(args)
    if VaultService.exists(directory):
        raise CliError(f"There is already a vault in {directory}.")
    identity = None
    if args.p12 is not None:
        identity = load_setting_p12(_read(args.p12, "certificate file"), _p12_secret(args))
    password = read_secret(args.password_file)
    user = args.user or SCHOOL_USER
    name = args.name or f"School {args.urn}"
    service, recovery_key = SchoolService.create(
        directory, user, password, urn=args.urn, name=name, identity=identity
    )
    service.close()
    return Result(
        text=f"Made a school vault for {name} (URN {args.urn}) in {directory}; {user} is the headteacher.\n"
        "Recovery key (shown once; write it down and keep it somewhere safe):\n"
        f"{recovery_key}"
    )


@command(
    "import",
    "verify and import record PDFs: invalid or unvouched files are quarantined (exit 1 if any file was quarantined or refused)",
    arg("files", metavar="FILES", nargs="+", type=Path, help="PDF files, or folders of them"),
    add_vault_args,
    arg(
        "--trust",
        metavar="ROOT.pem",
        type=Path,
        help="store this LA root certificate as trusted first (headteacher)",
    ),
    arg(
        "--crl", metavar="FILE", type=Path, help="store this LA revocation list first (headteacher)"
    ),
    arg(
        "--pdf-password-file",
        metavar="F",
        type=Path,
        help=f"password of encrypted PDFs (or set {PDF_PASSWORD_ENV})",
    ),
    add_json_arg,
)
def run_import(args: argparse.Namespace) -> Result:
    with _school(args) as service:
        if args.trust is not None or args.crl is not None:
            service.set_trust(
                _read(args.trust, "trust file") if args.trust else None,
                _read(args.crl, "revocation list") if args.crl else None,
            )
        if not service.trust().roots:
            raise CliError(
                "No LA root is trusted yet: import the LA's charter or give --trust ROOT.pem."
            )
        password = _pdf_password(args)
        files = service.pdf_files_in(args.files)
        if not files:
            raise CliError("No PDF files were found in the folder(s) given.")
        outcomes = service.import_files(files, password=password)
    lines = []
    for o in outcomes:
        lines.append(shown_name(f"{o.file}: {o.status}. {o.reason}"))
        lines.extend(f"    changed: {name}" for name in o.changed_fields)
    if any(o.unreadable for o in outcomes):
        code = EXIT_USAGE  # a file that is not a readable file is bad input, reported above
    elif all(o.status in ("imported", "updated") for o in outcomes):
        code = EXIT_OK
    else:
        code = EXIT_NEGATIVE
    return Result(json=[o.to_dict() for o in outcomes], text="\n".join(lines), code=code)


def _overview_text(overview: Any) -> str:
    from models.school.overview import COLUMNS, FLAG_COUNTS, GROUPS

    counts = overview.counts
    lines = [
        f"{counts.total} children.",
        "  ".join(f"{label}: {counts.flags[key]}" for key, label in FLAG_COUNTS),
        "  ".join(f"{label}: {counts.groups[key]}" for key, label in GROUPS),
    ]
    lines.extend(" | ".join(row.text(c.key) for c in COLUMNS) for row in overview.rows)
    lines.extend(shown_name(f"Quarantined: {q.file}: {q.reason}") for q in overview.quarantine)
    return "\n".join(lines)


@command("overview", "the class overview: one row per child, counts and quarantine", add_vault_json)
def run_overview(args: argparse.Namespace) -> Result:
    with _school(args) as service:
        overview = service.overview()
    return Result(json=overview.to_dict, text=lambda: _overview_text(overview))


def _senco_text(queue: Any, reviews: Any) -> str:
    lines = []
    for i in queue:
        when = (
            f"due {i.due.isoformat()}"
            if i.due
            else (f"since {i.since.isoformat()}" if i.since else "")
        )
        flag = "OVERDUE " if i.overdue else ""
        review = reviews.get(i.key)
        seen = f" [reviewed by {review['by']} on {review['on']}]" if review else ""
        lines.append(f"{flag}{i.child}: {i.what} ({i.owner}; {when}){seen}")
    return "\n".join(lines)


@command(
    "senco-queue",
    "the SENCO's review queue, overdue first",
    add_vault_args,
    arg(
        "--today",
        metavar="YYYY-MM-DD",
        type=date.fromisoformat,
        help="the date to count from (default today)",
    ),
    add_json_arg,
)
def run_senco_queue(args: argparse.Namespace) -> Result:
    with _school(args) as service:
        queue = service.senco_queue(args.today)
        reviews = service.senco_reviews()
    return Result(
        json=[{**i.to_dict(), "reviewed": reviews.get(i.key)} for i in queue],
        text=_senco_text(queue, reviews),
    )


@command(
    "show",
    "read one received record (the first reading is noted for the receipt)",
    arg("record_id", metavar="ID"),
    add_vault_json,
)
def run_show(args: argparse.Namespace) -> Result:
    from models.flags import derive_flags
    from models.interchange import record_to_dict

    with _school(args) as service:
        record = service.read_record(args.record_id)
    return Result(
        json=lambda: record_to_dict(record),
        text=lambda: (
            f"{record.display_name}: {', '.join(derive_flags(record).badges()) or 'no flags'}"
        ),
    )


@command(
    "senco-review",
    "mark a SENCO queue item reviewed (your name and today's date)",
    arg("key", metavar="KEY", help="the item's key from “school senco-queue --json”"),
    add_vault_json,
)
def run_senco_review(args: argparse.Namespace) -> Result:
    with _school(args) as service:
        entry = service.mark_reviewed(args.key)
    return Result(
        json={"key": args.key, **entry}, text=f"Marked reviewed by {entry['by']} on {entry['on']}."
    )


@command(
    "receipt",
    "write a signed receipt for the records from one setting",
    add_vault_args,
    arg("--setting", required=True, metavar="URN", help="the setting's Ofsted URN"),
    arg("--out", required=True, metavar="FILE", type=Path),
)
def run_receipt(args: argparse.Namespace) -> Result:
    with _school(args) as service:
        service.save_receipt(args.setting, args.out)
    return Result(text=f"Wrote a signed receipt for setting {args.setting} to {args.out}.")


@command(
    "outcomes",
    "write a signed EYFS profile outcome file per setting from the EYFSP CSV",
    add_vault_args,
    arg(
        "--csv",
        required=True,
        metavar="FILE",
        type=Path,
        help="EYFSP CSV (see docs in models/school/outcomes.py)",
    ),
    arg("--out", required=True, metavar="DIR", type=Path),
    add_json_arg,
)
def run_outcomes(args: argparse.Namespace) -> Result:
    data = _read(args.csv, "outcomes file")
    with _school(args) as service:
        result = service.outcome_files(data)
        if result.errors:
            return Result(code=EXIT_USAGE, errors="\n".join(str(e) for e in result.errors))
        paths = service.save_outcome_files(result.files, args.out)
    written = [
        {"setting_urn": urn, "file": str(path)}
        for urn, path in zip(sorted(result.files), paths, strict=True)
    ]
    return Result(
        json=written,
        text="\n".join(
            f"Wrote the signed outcome file for setting {w['setting_urn']} to {w['file']}."
            for w in written
        ),
    )


@command(
    "outcomes-sheet",
    "write a blank outcomes sheet of the class (EYFSP columns) to fill in a spreadsheet",
    add_vault_args,
    arg("--out", required=True, metavar="FILE", type=Path),
)
def run_outcomes_sheet(args: argparse.Namespace) -> Result:
    with _school(args) as service:
        children = service.save_outcomes_template(args.out)
    return Result(
        text=f"Wrote a blank outcomes sheet for {children} children to {args.out}. Fill in GLD (Y or N) "
        "and each ELG (expected or emerging), then run “school outcomes --csv” with it."
    )


@command(
    "certificate",
    "use an LA-issued signing certificate (PKCS#12) for receipts and outcome files (headteacher)",
    add_vault_args,
    arg("--p12", required=True, metavar="FILE", type=Path),
    _p12_password_arg,
)
def run_certificate(args: argparse.Namespace) -> Result:
    secret = _p12_secret(args)
    data = _read(args.p12, "certificate file")
    with _school(args) as service:
        service.set_identity_p12(data, secret)
        subject = service.identity().cert.subject.rfc4514_string()
    return Result(
        text=f"Receipts and outcome files are now signed with the certificate of {subject}."
    )


@command(
    "add",
    "keep the school's decryption key (PKCS#12 from the LA) in the vault (headteacher)",
    add_vault_args,
    arg("--p12", required=True, metavar="FILE", type=Path),
    _p12_password_arg,
    add_json_arg,
)
def run_key_add(args: argparse.Namespace) -> Result:
    secret = _p12_secret(args)
    data = _read(args.p12, "certificate file")
    with _school(args) as service:
        key = service.add_decryption_key(data, secret)
    return Result(
        json=key.to_dict(),
        text=f"Kept the decryption key for {key.subject} (certificate valid to {key.not_after}).",
    )


@command("list", "the decryption keys this school holds", add_vault_json)
def run_key_list(args: argparse.Namespace) -> Result:
    with _school(args) as service:
        keys = service.decryption_keys()
    return Result(
        json=[k.to_dict() for k in keys],
        text="\n".join(
            f"{k.subject} (valid to {k.not_after}; SHA-256 {k.fingerprint_sha256})" for k in keys
        )
        or "No decryption keys: records encrypted to the school's certificate cannot be imported yet.",
    )


def _quarantine_line(q: Any) -> str:
    can_release = (
        f"can be released after a phone check (signer's fingerprint {q.fingerprint_sha256})"
        if q.releasable
        else "cannot be released: ask the setting to send it again"
    )
    return shown_name(f"{q.file_sha256[:12]}  {q.file}: {q.reason} ({can_release})")


@command(
    "quarantine",
    "files that did not verify, with the reason and whether they can be released",
    add_vault_json,
)
def run_quarantine(args: argparse.Namespace) -> Result:
    with _school(args) as service:
        entries = service.quarantine()
    return Result(
        json=[q.to_dict() for q in entries],
        text="\n".join(_quarantine_line(q) for q in entries) or "No files in quarantine.",
    )


@command(
    "release",
    "import a quarantined file whose signer you checked by phone (headteacher; "
    "intact signatures only)",
    arg("sha256", metavar="SHA256", help="the file's SHA-256 (or its first characters)"),
    arg(
        "--checked-with",
        required=True,
        metavar="NAME",
        help="who at the setting read you the same certificate fingerprint on the phone",
    ),
    add_vault_args,
    arg(
        "--pdf-password-file",
        metavar="F",
        type=Path,
        help=f"password of the encrypted PDF (or set {PDF_PASSWORD_ENV})",
    ),
    add_json_arg,
)
def run_release(args: argparse.Namespace) -> Result:
    password = _pdf_password(args)
    with _school(args) as service:
        outcome = service.release(args.sha256, args.checked_with, password=password)
    return Result(
        json=outcome.to_dict(),
        text=shown_name(f"{outcome.file}: released and {outcome.status}. {outcome.reason}"),
    )


@command(
    "discard",
    "remove a file from quarantine without importing it",
    arg("sha256", metavar="SHA256", help="the file's SHA-256 (or its first characters)"),
    add_vault_args,
)
def run_discard(args: argparse.Namespace) -> Result:
    with _school(args) as service:
        entry = service.discard(args.sha256)
    return Result(text=shown_name(f"Removed {entry.file} from quarantine; it was not imported."))


@command(
    "pdf",
    "write a received record's PDF exactly as received (signed, still encrypted if it was)",
    arg("record_id", metavar="ID"),
    add_vault_args,
    arg("--out", required=True, metavar="FILE", type=Path),
    arg(
        "--packet",
        choices=("teacher", "senco"),
        help="which packet, when both were received (default: the first kept)",
    ),
)
def run_pdf(args: argparse.Namespace) -> Result:
    with _school(args) as service:
        service.save_received_file(args.record_id, args.out, args.packet)
    return Result(text=f"Wrote the file as received to {args.out}.")


def _feedback_import(args: argparse.Namespace, kind: str) -> Result:
    data = _read(args.file, "file")
    with _feedback(args) as service:
        if args.trust is not None:
            service.set_trust(_read(args.trust, "trust file"))
        got = service.import_receipt(data) if kind == "receipt" else service.import_outcomes(data)
    what = "receipt" if kind == "receipt" else "outcome file"
    vouch = (
        "signed with a certificate issued by your LA"
        if got.document.vouched
        else (
            f"signer not vouched for by your LA; compare the fingerprint {got.document.fingerprint_sha256} by phone"
        )
    )
    lines = [f"Imported the {what} from {got.school} for {got.children} children ({vouch})."]
    if got.unknown_records:
        lines.append(f"{len(got.unknown_records)} of them are not in this vault.")
    return Result(json=got.to_dict(), text="\n".join(lines))


_FEEDBACK_IMPORT = (
    arg("file", metavar="FILE", type=Path),
    add_vault_args,
    _trust_arg,
    add_json_arg,
)


@command("import", "verify and store a school's signed receipt", *_FEEDBACK_IMPORT)
def run_receipts_import(args: argparse.Namespace) -> Result:
    return _feedback_import(args, "receipt")


@command("import", "verify and store a school's signed outcome file", *_FEEDBACK_IMPORT)
def run_outcomes_import(args: argparse.Namespace) -> Result:
    return _feedback_import(args, "outcomes")


@command(
    "show",
    "the setting's cohort figures: GLD by group, each goal, agreement",
    add_vault_args,
    arg("--csv", metavar="FILE", type=Path, help="also write the figures as CSV for a spreadsheet"),
    add_json_arg,
)
def run_outcomes_show(args: argparse.Namespace) -> Result:
    with _feedback(args) as service:
        stats = service.cohort()
        target = service.gld_target_percent()
        if args.csv is not None:
            service.save_cohort_csv(args.csv)
    lines = []
    for g in stats.groups:
        pct = "-" if g.gld_percent is None else f"{g.gld_percent}%"
        lines.append(f"{g.label}: {g.gld} of {g.children} reached GLD ({pct})")
    if target is not None:
        lines.append(f"LA target: {target:g}% reaching GLD.")
    if args.csv is not None:
        lines.append(f"Wrote the figures to {args.csv}.")
    return Result(json=stats.to_dict, text="\n".join(lines))


SCHOOL = Group(
    "school",
    "the receiving school: import records, overview, SENCO queue, receipts, outcomes",
    (
        run_init,
        run_import,
        run_overview,
        run_senco_queue,
        run_show,
        run_senco_review,
        run_receipt,
        run_outcomes,
        run_outcomes_sheet,
        run_certificate,
        Group(
            "key",
            "the school's decryption keys, for records encrypted to its certificate",
            (run_key_add, run_key_list),
        ),
        run_quarantine,
        run_release,
        run_discard,
        run_pdf,
    ),
)
RECEIPTS = Group("receipts", "a setting's receipts from schools", (run_receipts_import,))
OUTCOMES = Group(
    "outcomes",
    "a setting's EYFS profile outcomes from schools",
    (run_outcomes_import, run_outcomes_show),
)


def register(sub: Subparsers) -> None:
    for group in (SCHOOL, RECEIPTS, OUTCOMES):
        group.add_to(sub)
