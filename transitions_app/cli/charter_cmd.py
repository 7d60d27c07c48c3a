"""``transitions-app charter ...``: verify a signed charter, import it into a vault, show it."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from models.errors import CharterInvalid
from transitions_app.cli.base import (
    EXIT_NEGATIVE,
    CliError,
    Group,
    Result,
    Subparsers,
    add_json_arg,
    add_vault_args,
    arg,
    command,
    open_vault,
    read_secret,
)

P12_PASSWORD_ENV = "TRANSITIONS_P12_PASSWORD"

# The clock, replaceable in tests.
now_utc: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a date like 2027-01-31") from None


def _read(path: Path, what: str) -> bytes:
    from models.safe_input import DOCUMENT_BYTES, read_file

    return read_file(path, limit=DOCUMENT_BYTES, what=what)


def _charter_file(parser: Any) -> None:
    parser.add_argument("file", metavar="FILE", type=Path, help="the signed charter file")


@command(
    "verify",
    "check a signed charter file against an LA root (no vault)",
    _charter_file,
    arg("--root", metavar="ROOT.pem", type=Path, required=True, help="the LA root certificate"),
    arg("--today", metavar="YYYY-MM-DD", type=_date, help="check as on this date (default: today)"),
    add_json_arg,
)
def run_verify(args: argparse.Namespace) -> Result:
    from export import pki

    signed = _read(args.file, "charter file")
    root = pki.load_root_cert(args.root)
    today = args.today or now_utc().date()
    try:
        result = pki.verify_charter(signed, root, today=today)
    except CharterInvalid as exc:
        return Result(
            json={"valid": False, "reason": str(exc)},
            code=EXIT_NEGATIVE,
            errors="" if args.json else str(exc),  # with --json, the reason is in the output
        )
    ident = result.charter.identity
    return Result(
        json={
            "valid": True,
            "id": ident.id,
            "title": ident.title,
            "version": ident.version,
            "expires": ident.expires.isoformat(),
            "signer": result.signer.subject.rfc4514_string(),
            "signer_fingerprint": pki.fingerprint_sha256(result.signer),
        },
        text=f"Valid: “{ident.title}” version {ident.version}, signed by {ident.issuing_la}, "
        f"in force {ident.in_force} to {ident.expires}.",
    )


@command(
    "import",
    "verify and store a signed charter in the vault (managers)",
    _charter_file,
    add_vault_args,
    arg("--root", metavar="ROOT.pem", type=Path, help="the LA root certificate (first import)"),
    arg("--crl", metavar="CRL", type=Path, help="the LA's revocation list"),
    arg(
        "--replace-root",
        action="store_true",
        help="trust a different LA root (only when moving to another local authority)",
    ),
    arg("--p12", metavar="FILE", type=Path, help="the setting's certificate from the LA"),
    arg(
        "--p12-password-file",
        metavar="F",
        type=Path,
        help=f"passphrase of the --p12 file (or set {P12_PASSWORD_ENV})",
    ),
    add_json_arg,
)
def run_import(args: argparse.Namespace) -> Result:
    from export import pki
    from transitions_app.services.charter_service import CharterService

    signed = _read(args.file, "charter file")
    root = _read(args.root, "LA root certificate") if args.root else None
    crl = _read(args.crl, "revocation list") if args.crl else None
    p12 = _read(args.p12, "certificate file") if args.p12 else None
    p12_pass = None
    if p12 is not None:
        p12_pass = read_secret(
            args.p12_password_file,
            env=P12_PASSWORD_ENV,
            prompt="Certificate file passphrase: ",
            what="certificate file passphrase",
        )
    elif args.p12_password_file is not None:
        raise CliError("--p12-password-file needs --p12 FILE.")
    with open_vault(args, folder_only=True) as vault:
        service = CharterService(vault, clock=now_utc)
        verified = service.import_charter(
            signed, root_pem=root, crl=crl, replace_root=args.replace_root
        )
        identity = (
            service.import_setting_p12(p12, p12_pass) if p12 is not None and p12_pass else None
        )
        vault.record_event(
            "charter_imported",
            None,
            {"id": verified.charter.identity.id, "version": verified.charter.identity.version},
        )
    ident = verified.charter.identity
    serial = pki.format_serial(identity.cert.serial_number) if identity is not None else None
    lines = [f"Imported “{ident.title}” version {ident.version}."]
    if serial is not None:
        lines.append(f"Stored the setting certificate {serial}.")
    return Result(
        json={
            "imported": ident.id,
            "version": ident.version,
            "title": ident.title,
            "setting_certificate": serial,
        },
        text="\n".join(lines),
    )


def _summary_text(summary: dict[str, Any]) -> str:
    c = summary["charter"]
    lines = [
        f"{c['title']} (version {c['version']}), issued by {c['issuing_la']}",
        f"In force {c['in_force']} to {c['expires']}{'' if summary['in_force'] else ' (not in force today)'}",
        f"LA root fingerprint: {summary['la_root']['fingerprint']}",
        "Deadlines: "
        + "; ".join(f"{d['name']} by {d['day']}/{d['month']}" for d in c["deadlines"]),
        "Sign-off: " + ", ".join(f"{s['scope']} ({s['when']})" for s in c["signoff"]),
        f"Consent before export: {'yes' if c['consent']['required_before_export'] else 'no'}; "
        f"separate consent: {', '.join(c['consent']['separate_consent_sections']) or 'none'}",
        f"Export: {'encrypted for the school' if c['export']['encrypt_for_recipient'] else 'not encrypted'}, "
        f"signature {c['export']['signature_level']}",
        f"Retention: {c['retention']['years_after_leaving']} year(s) after leaving",
    ]
    cert = summary["setting_certificate"]
    if cert is None:
        lines.append("Setting certificate: none")
    else:
        issued = "issued by the LA" if cert["la_issued"] else "not vouched for by the LA"
        lines.append(
            f"Setting certificate: {cert['serial']} ({issued}), fingerprint {cert['fingerprint']}"
        )
    return "\n".join(lines)


@command(
    "show",
    "show the charter in force, its LA root and certificates",
    add_vault_args,
    add_json_arg,
)
def run_show(args: argparse.Namespace) -> Result:
    from transitions_app.services.charter_service import CharterService

    with open_vault(args, folder_only=True) as vault:
        summary = CharterService(vault, clock=now_utc).summary()
    if summary["charter"] is None:
        return Result(json=summary, text="No charter has been imported.", code=EXIT_NEGATIVE)
    return Result(json=summary, text=lambda: _summary_text(summary))


CHARTER = Group(
    "charter",
    "verify, import and show the local authority's transitions charter",
    (run_verify, run_import, run_show),
    description="Verify a signed charter against the LA root, import it into a vault "
    "(managers), and show the rules in force.",
)


def register(sub: Subparsers) -> None:
    CHARTER.add_to(sub)
