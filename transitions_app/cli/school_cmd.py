"""``transitions-app school ...`` (the receiving school) and, for settings, ``receipts import``,
``outcomes import`` and ``outcomes show`` (the feedback loop)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from models.safe_output import shown_name
from transitions_app.cli.base import (
    EXIT_NEGATIVE,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    add_json_arg,
    add_vault_args,
    open_vault,
    print_json,
    read_secret,
    vault_dir,
)

SCHOOL_USER = "headteacher"
SETTING_USER = "manager"
P12_PASSWORD_ENV = "TRANSITIONS_P12_PASSWORD"
PDF_PASSWORD_ENV = "TRANSITIONS_PDF_PASSWORD"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    school = sub.add_parser(
        "school",
        help="the receiving school: import records, overview, SENCO queue, receipts, outcomes",
    )
    ssub = school.add_subparsers(dest="school_command", metavar="ACTION", required=True)

    p = ssub.add_parser("init", help="make a school vault (first user: the headteacher)")
    add_vault_args(p)
    p.add_argument("--urn", required=True, metavar="URN", help="the school's six-digit DfE URN")
    p.add_argument(
        "--name", metavar="NAME", help="the school's name (shown on receipts and outcome files)"
    )
    p.add_argument(
        "--p12",
        metavar="FILE",
        type=Path,
        help="an LA-issued signing certificate (PKCS#12); otherwise a self-signed one is made",
    )
    p.add_argument(
        "--p12-password-file",
        metavar="F",
        type=Path,
        help=f"the PKCS#12 passphrase (or set {P12_PASSWORD_ENV})",
    )
    p.set_defaults(func=run_init)

    p = ssub.add_parser(
        "import",
        help="verify and import record PDFs: invalid or unvouched files are quarantined (exit 1 if any file was quarantined or refused)",
    )
    p.add_argument(
        "files", metavar="FILES", nargs="+", type=Path, help="PDF files, or folders of them"
    )
    add_vault_args(p)
    p.add_argument(
        "--trust",
        metavar="ROOT.pem",
        type=Path,
        help="store this LA root certificate as trusted first (headteacher)",
    )
    p.add_argument(
        "--crl", metavar="FILE", type=Path, help="store this LA revocation list first (headteacher)"
    )
    p.add_argument(
        "--pdf-password-file",
        metavar="F",
        type=Path,
        help=f"password of encrypted PDFs (or set {PDF_PASSWORD_ENV})",
    )
    add_json_arg(p)
    p.set_defaults(func=run_import)

    p = ssub.add_parser(
        "overview", help="the class overview: one row per child, counts and quarantine"
    )
    add_vault_args(p)
    add_json_arg(p)
    p.set_defaults(func=run_overview)

    p = ssub.add_parser("senco-queue", help="the SENCO's review queue, overdue first")
    add_vault_args(p)
    p.add_argument(
        "--today",
        metavar="YYYY-MM-DD",
        type=date.fromisoformat,
        help="the date to count from (default today)",
    )
    add_json_arg(p)
    p.set_defaults(func=run_senco_queue)

    p = ssub.add_parser("show", help="read one received record (the first reading is noted for the receipt)")
    p.add_argument("record_id", metavar="ID")
    add_vault_args(p)
    add_json_arg(p)
    p.set_defaults(func=run_show)

    p = ssub.add_parser("senco-review", help="mark a SENCO queue item reviewed (your name and today's date)")
    p.add_argument("key", metavar="KEY", help="the item's key from “school senco-queue --json”")
    add_vault_args(p)
    add_json_arg(p)
    p.set_defaults(func=run_senco_review)

    p = ssub.add_parser("receipt", help="write a signed receipt for the records from one setting")
    add_vault_args(p)
    p.add_argument("--setting", required=True, metavar="URN", help="the setting's Ofsted URN")
    p.add_argument("--out", required=True, metavar="FILE", type=Path)
    p.set_defaults(func=run_receipt)

    p = ssub.add_parser(
        "outcomes", help="write a signed EYFS profile outcome file per setting from the EYFSP CSV"
    )
    add_vault_args(p)
    p.add_argument(
        "--csv",
        required=True,
        metavar="FILE",
        type=Path,
        help="EYFSP CSV (see docs in models/school/outcomes.py)",
    )
    p.add_argument("--out", required=True, metavar="DIR", type=Path)
    add_json_arg(p)
    p.set_defaults(func=run_outcomes)

    p = ssub.add_parser(
        "outcomes-sheet",
        help="write a blank outcomes sheet of the class (EYFSP columns) to fill in a spreadsheet",
    )
    add_vault_args(p)
    p.add_argument("--out", required=True, metavar="FILE", type=Path)
    p.set_defaults(func=run_outcomes_sheet)

    p = ssub.add_parser(
        "certificate",
        help="use an LA-issued signing certificate (PKCS#12) for receipts and outcome files (headteacher)",
    )
    add_vault_args(p)
    p.add_argument("--p12", required=True, metavar="FILE", type=Path)
    p.add_argument(
        "--p12-password-file",
        metavar="F",
        type=Path,
        help=f"the PKCS#12 passphrase (or set {P12_PASSWORD_ENV})",
    )
    p.set_defaults(func=run_certificate)

    key = ssub.add_parser(
        "key", help="the school's decryption keys, for records encrypted to its certificate"
    )
    ksub = key.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    p = ksub.add_parser(
        "add",
        help="keep the school's decryption key (PKCS#12 from the LA) in the vault (headteacher)",
    )
    add_vault_args(p)
    p.add_argument("--p12", required=True, metavar="FILE", type=Path)
    p.add_argument(
        "--p12-password-file",
        metavar="F",
        type=Path,
        help=f"the PKCS#12 passphrase (or set {P12_PASSWORD_ENV})",
    )
    add_json_arg(p)
    p.set_defaults(func=run_key_add)
    p = ksub.add_parser("list", help="the decryption keys this school holds")
    add_vault_args(p)
    add_json_arg(p)
    p.set_defaults(func=run_key_list)

    p = ssub.add_parser(
        "quarantine", help="files that did not verify, with the reason and whether they can be released"
    )
    add_vault_args(p)
    add_json_arg(p)
    p.set_defaults(func=run_quarantine)

    p = ssub.add_parser(
        "release",
        help="import a quarantined file whose signer you checked by phone (headteacher; "
        "intact signatures only)",
    )
    p.add_argument("sha256", metavar="SHA256", help="the file's SHA-256 (or its first characters)")
    p.add_argument(
        "--checked-with",
        required=True,
        metavar="NAME",
        help="who at the setting read you the same certificate fingerprint on the phone",
    )
    add_vault_args(p)
    p.add_argument(
        "--pdf-password-file",
        metavar="F",
        type=Path,
        help=f"password of the encrypted PDF (or set {PDF_PASSWORD_ENV})",
    )
    add_json_arg(p)
    p.set_defaults(func=run_release)

    p = ssub.add_parser("discard", help="remove a file from quarantine without importing it")
    p.add_argument("sha256", metavar="SHA256", help="the file's SHA-256 (or its first characters)")
    add_vault_args(p)
    p.set_defaults(func=run_discard)

    p = ssub.add_parser(
        "pdf", help="write a received record's PDF exactly as received (signed, still encrypted if it was)"
    )
    p.add_argument("record_id", metavar="ID")
    add_vault_args(p)
    p.add_argument("--out", required=True, metavar="FILE", type=Path)
    p.add_argument(
        "--packet",
        choices=("teacher", "senco"),
        help="which packet, when both were received (default: the first kept)",
    )
    p.set_defaults(func=run_pdf)

    receipts = sub.add_parser("receipts", help="a setting's receipts from schools")
    rsub = receipts.add_subparsers(dest="receipts_command", metavar="ACTION", required=True)
    p = rsub.add_parser("import", help="verify and store a school's signed receipt")
    p.add_argument("file", metavar="FILE", type=Path)
    add_vault_args(p)
    p.add_argument(
        "--trust", metavar="ROOT.pem", type=Path, help="store this LA root as trusted first"
    )
    add_json_arg(p)
    p.set_defaults(func=run_receipts_import)

    outcomes = sub.add_parser("outcomes", help="a setting's EYFS profile outcomes from schools")
    osub = outcomes.add_subparsers(dest="outcomes_command", metavar="ACTION", required=True)
    p = osub.add_parser("import", help="verify and store a school's signed outcome file")
    p.add_argument("file", metavar="FILE", type=Path)
    add_vault_args(p)
    p.add_argument(
        "--trust", metavar="ROOT.pem", type=Path, help="store this LA root as trusted first"
    )
    add_json_arg(p)
    p.set_defaults(func=run_outcomes_import)
    p = osub.add_parser(
        "show", help="the setting's cohort figures: GLD by group, each goal, agreement"
    )
    add_vault_args(p)
    p.add_argument(
        "--csv", metavar="FILE", type=Path, help="also write the figures as CSV for a spreadsheet"
    )
    add_json_arg(p)
    p.set_defaults(func=run_outcomes_show)


def _read(path: Path, what: str) -> bytes:
    from models.safe_input import DOCUMENT_BYTES, read_file

    return read_file(path, limit=DOCUMENT_BYTES, what=what)


def _school(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from transitions_app.services.school_service import SchoolService

    vault = open_vault(args, default_user=SCHOOL_USER)
    try:
        return SchoolService(vault)
    except BaseException:
        vault.close()
        raise


def _feedback(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from transitions_app.services.feedback_service import FeedbackService

    vault = open_vault(args, default_user=SETTING_USER)
    try:
        return FeedbackService(vault)
    except BaseException:
        vault.close()
        raise


def run_init(args: argparse.Namespace) -> int:
    from export.pki import load_setting_p12
    from transitions_app.services.school_service import SchoolService
    from transitions_app.services.vault_service import VaultService

    directory = vault_dir(args)
    if VaultService.exists(directory):
        raise CliError(f"There is already a vault in {directory}.")
    identity = None
    if args.p12 is not None:
        secret = read_secret(
            args.p12_password_file,
            env=P12_PASSWORD_ENV,
            prompt="Certificate passphrase: ",
            what="certificate passphrase",
        )
        identity = load_setting_p12(_read(args.p12, "certificate file"), secret)
    password = read_secret(args.password_file)
    user = args.user or SCHOOL_USER
    name = args.name or f"School {args.urn}"
    service, recovery_key = SchoolService.create(
        directory, user, password, urn=args.urn, name=name, identity=identity
    )
    service.close()
    print(
        f"Made a school vault for {name} (URN {args.urn}) in {directory}; {user} is the headteacher."
    )
    print("Recovery key (shown once; write it down and keep it somewhere safe):")
    print(recovery_key)
    return EXIT_OK


def run_import(args: argparse.Namespace) -> int:
    import os

    service = _school(args)
    try:
        if args.trust is not None or args.crl is not None:
            service.set_trust(
                _read(args.trust, "trust file") if args.trust else None,
                _read(args.crl, "revocation list") if args.crl else None,
            )
        if not service.trust().roots:
            raise CliError(
                "No LA root is trusted yet: import the LA's charter or give --trust ROOT.pem."
            )
        password = None
        if args.pdf_password_file is not None or os.environ.get(PDF_PASSWORD_ENV):
            password = read_secret(
                args.pdf_password_file, env=PDF_PASSWORD_ENV, what="PDF password"
            )
        files = service.pdf_files_in(args.files)
        if not files:
            raise CliError("No PDF files were found in the folder(s) given.")
        outcomes = service.import_files(files, password=password)
    finally:
        service.close()
    if args.json:
        print_json([o.to_dict() for o in outcomes])
    else:
        for o in outcomes:
            print(shown_name(f"{o.file}: {o.status}. {o.reason}"))
            for name in o.changed_fields:
                print(f"    changed: {name}")
    if any(o.unreadable for o in outcomes):
        return EXIT_USAGE  # a file that is not a readable file is bad input, reported above
    return EXIT_OK if all(o.status in ("imported", "updated") for o in outcomes) else EXIT_NEGATIVE


def run_overview(args: argparse.Namespace) -> int:
    from models.school.overview import COLUMNS, FLAG_COUNTS, GROUPS

    service = _school(args)
    try:
        overview = service.overview()
    finally:
        service.close()
    if args.json:
        print_json(overview.to_dict())
        return EXIT_OK
    counts = overview.counts
    print(f"{counts.total} children.")
    print("  ".join(f"{label}: {counts.flags[key]}" for key, label in FLAG_COUNTS))
    print("  ".join(f"{label}: {counts.groups[key]}" for key, label in GROUPS))
    for row in overview.rows:
        print(" | ".join(row.text(c.key) for c in COLUMNS))
    for q in overview.quarantine:
        print(shown_name(f"Quarantined: {q.file}: {q.reason}"))
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    from models.interchange import record_to_dict

    service = _school(args)
    try:
        record = service.read_record(args.record_id)
    finally:
        service.close()
    if args.json:
        print_json(record_to_dict(record))
    else:
        from models.flags import derive_flags

        print(f"{record.display_name}: {', '.join(derive_flags(record).badges()) or 'no flags'}")
    return EXIT_OK


def run_certificate(args: argparse.Namespace) -> int:
    secret = read_secret(
        args.p12_password_file,
        env=P12_PASSWORD_ENV,
        prompt="Certificate passphrase: ",
        what="certificate passphrase",
    )
    data = _read(args.p12, "certificate file")
    service = _school(args)
    try:
        service.set_identity_p12(data, secret)
        subject = service.identity().cert.subject.rfc4514_string()
    finally:
        service.close()
    print(f"Receipts and outcome files are now signed with the certificate of {subject}.")
    return EXIT_OK


def run_key_add(args: argparse.Namespace) -> int:
    secret = read_secret(
        args.p12_password_file,
        env=P12_PASSWORD_ENV,
        prompt="Certificate passphrase: ",
        what="certificate passphrase",
    )
    data = _read(args.p12, "certificate file")
    service = _school(args)
    try:
        key = service.add_decryption_key(data, secret)
    finally:
        service.close()
    if args.json:
        print_json(key.to_dict())
    else:
        print(f"Kept the decryption key for {key.subject} (certificate valid to {key.not_after}).")
    return EXIT_OK


def run_key_list(args: argparse.Namespace) -> int:
    service = _school(args)
    try:
        keys = service.decryption_keys()
    finally:
        service.close()
    if args.json:
        print_json([k.to_dict() for k in keys])
    elif not keys:
        print("No decryption keys: records encrypted to the school's certificate cannot be imported yet.")
    else:
        for k in keys:
            print(f"{k.subject} (valid to {k.not_after}; SHA-256 {k.fingerprint_sha256})")
    return EXIT_OK


def run_quarantine(args: argparse.Namespace) -> int:
    service = _school(args)
    try:
        entries = service.quarantine()
    finally:
        service.close()
    if args.json:
        print_json([q.to_dict() for q in entries])
        return EXIT_OK
    if not entries:
        print("No files in quarantine.")
    for q in entries:
        can_release = (
            f"can be released after a phone check (signer's fingerprint {q.fingerprint_sha256})"
            if q.releasable
            else "cannot be released: ask the setting to send it again"
        )
        print(shown_name(f"{q.file_sha256[:12]}  {q.file}: {q.reason} ({can_release})"))
    return EXIT_OK


def run_release(args: argparse.Namespace) -> int:
    import os

    password = None
    if args.pdf_password_file is not None or os.environ.get(PDF_PASSWORD_ENV):
        password = read_secret(args.pdf_password_file, env=PDF_PASSWORD_ENV, what="PDF password")
    service = _school(args)
    try:
        outcome = service.release(args.sha256, args.checked_with, password=password)
    finally:
        service.close()
    if args.json:
        print_json(outcome.to_dict())
    else:
        print(shown_name(f"{outcome.file}: released and {outcome.status}. {outcome.reason}"))
    return EXIT_OK


def run_discard(args: argparse.Namespace) -> int:
    service = _school(args)
    try:
        entry = service.discard(args.sha256)
    finally:
        service.close()
    print(shown_name(f"Removed {entry.file} from quarantine; it was not imported."))
    return EXIT_OK


def run_pdf(args: argparse.Namespace) -> int:
    service = _school(args)
    try:
        service.save_received_file(args.record_id, args.out, args.packet)
    finally:
        service.close()
    print(f"Wrote the file as received to {args.out}.")
    return EXIT_OK


def run_senco_review(args: argparse.Namespace) -> int:
    service = _school(args)
    try:
        entry = service.mark_reviewed(args.key)
    finally:
        service.close()
    if args.json:
        print_json({"key": args.key, **entry})
    else:
        print(f"Marked reviewed by {entry['by']} on {entry['on']}.")
    return EXIT_OK


def run_senco_queue(args: argparse.Namespace) -> int:
    service = _school(args)
    try:
        queue = service.senco_queue(args.today)
        reviews = service.senco_reviews()
    finally:
        service.close()
    if args.json:
        print_json([{**i.to_dict(), "reviewed": reviews.get(i.key)} for i in queue])
        return EXIT_OK
    for i in queue:
        when = (
            f"due {i.due.isoformat()}"
            if i.due
            else (f"since {i.since.isoformat()}" if i.since else "")
        )
        flag = "OVERDUE " if i.overdue else ""
        review = reviews.get(i.key)
        seen = f" [reviewed by {review['by']} on {review['on']}]" if review else ""
        print(f"{flag}{i.child}: {i.what} ({i.owner}; {when}){seen}")
    return EXIT_OK


def run_receipt(args: argparse.Namespace) -> int:
    service = _school(args)
    try:
        service.save_receipt(args.setting, args.out)
    finally:
        service.close()
    print(f"Wrote a signed receipt for setting {args.setting} to {args.out}.")
    return EXIT_OK


def run_outcomes_sheet(args: argparse.Namespace) -> int:
    service = _school(args)
    try:
        children = service.save_outcomes_template(args.out)
    finally:
        service.close()
    print(
        f"Wrote a blank outcomes sheet for {children} children to {args.out}. Fill in GLD (Y or N) "
        "and each ELG (expected or emerging), then run “school outcomes --csv” with it."
    )
    return EXIT_OK


def run_outcomes(args: argparse.Namespace) -> int:
    data = _read(args.csv, "outcomes file")
    service = _school(args)
    try:
        result = service.outcome_files(data)
        if result.errors:
            for error in result.errors:
                sys.stderr.write(f"{error}\n")
            return EXIT_USAGE
        paths = service.save_outcome_files(result.files, args.out)
    finally:
        service.close()
    written = [
        {"setting_urn": urn, "file": str(path)}
        for urn, path in zip(sorted(result.files), paths, strict=True)
    ]
    if args.json:
        print_json(written)
    else:
        for w in written:
            print(f"Wrote the signed outcome file for setting {w['setting_urn']} to {w['file']}.")
    return EXIT_OK


def _feedback_import(args: argparse.Namespace, kind: str) -> int:
    data = _read(args.file, "file")
    service = _feedback(args)
    try:
        if args.trust is not None:
            service.set_trust(_read(args.trust, "trust file"))
        got = service.import_receipt(data) if kind == "receipt" else service.import_outcomes(data)
    finally:
        service.close()
    if args.json:
        print_json(got.to_dict())
        return EXIT_OK
    what = "receipt" if kind == "receipt" else "outcome file"
    vouch = (
        "signed with a certificate issued by your LA"
        if got.document.vouched
        else (
            f"signer not vouched for by your LA; compare the fingerprint {got.document.fingerprint_sha256} by phone"
        )
    )
    print(f"Imported the {what} from {got.school} for {got.children} children ({vouch}).")
    if got.unknown_records:
        print(f"{len(got.unknown_records)} of them are not in this vault.")
    return EXIT_OK


def run_receipts_import(args: argparse.Namespace) -> int:
    return _feedback_import(args, "receipt")


def run_outcomes_import(args: argparse.Namespace) -> int:
    return _feedback_import(args, "outcomes")


def run_outcomes_show(args: argparse.Namespace) -> int:
    service = _feedback(args)
    try:
        stats = service.cohort()
        target = service.gld_target_percent()
        if args.csv is not None:
            service.save_cohort_csv(args.csv)
    finally:
        service.close()
    if args.json:
        print_json(stats.to_dict())
        return EXIT_OK
    for g in stats.groups:
        pct = "-" if g.gld_percent is None else f"{g.gld_percent}%"
        print(f"{g.label}: {g.gld} of {g.children} reached GLD ({pct})")
    if target is not None:
        print(f"LA target: {target:g}% reaching GLD.")
    if args.csv is not None:
        print(f"Wrote the figures to {args.csv}.")
    return EXIT_OK
