"""``transitions-app charter ...``: verify a signed charter, import it into a vault, show it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from models.errors import CharterInvalid
from transitions_app.cli.base import (
    EXIT_NEGATIVE,
    EXIT_OK,
    CliError,
    add_json_arg,
    add_vault_args,
    print_json,
    read_secret,
    vault_dir,
)

if TYPE_CHECKING:  # imported by the commands that use them (export.pki, SQLAlchemy)
    from transitions_app.services.vault_service import VaultService

P12_PASSWORD_ENV = "TRANSITIONS_P12_PASSWORD"
DEFAULT_USER = "manager"

# The clock, replaceable in tests.
now_utc: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    charter = sub.add_parser(
        "charter",
        help="verify, import and show the local authority's transitions charter",
        description="Verify a signed charter against the LA root, import it into a vault "
        "(managers), and show the rules in force.",
    )
    csub = charter.add_subparsers(dest="charter_command", metavar="ACTION", required=True)

    p = csub.add_parser("verify", help="check a signed charter file against an LA root (no vault)")
    p.add_argument("file", metavar="FILE", type=Path, help="the signed charter file")
    p.add_argument(
        "--root", metavar="ROOT.pem", type=Path, required=True, help="the LA root certificate"
    )
    p.add_argument(
        "--today", metavar="YYYY-MM-DD", type=_date, help="check as on this date (default: today)"
    )
    add_json_arg(p)
    p.set_defaults(func=run_verify)

    p = csub.add_parser("import", help="verify and store a signed charter in the vault (managers)")
    p.add_argument("file", metavar="FILE", type=Path, help="the signed charter file")
    add_vault_args(p)
    p.add_argument(
        "--root", metavar="ROOT.pem", type=Path, help="the LA root certificate (first import)"
    )
    p.add_argument("--crl", metavar="CRL", type=Path, help="the LA's revocation list")
    p.add_argument(
        "--replace-root",
        action="store_true",
        help="trust a different LA root (only when moving to another local authority)",
    )
    p.add_argument("--p12", metavar="FILE", type=Path, help="the setting's certificate from the LA")
    p.add_argument(
        "--p12-password-file",
        metavar="F",
        type=Path,
        help=f"passphrase of the --p12 file (or set {P12_PASSWORD_ENV})",
    )
    add_json_arg(p)
    p.set_defaults(func=run_import)

    p = csub.add_parser("show", help="show the charter in force, its LA root and certificates")
    add_vault_args(p)
    add_json_arg(p)
    p.set_defaults(func=run_show)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a date like 2027-01-31") from None


def _read(path: Path, what: str) -> bytes:
    from models.safe_input import DOCUMENT_BYTES, read_file

    return read_file(path, limit=DOCUMENT_BYTES, what=what)


def _open_vault(args: argparse.Namespace) -> VaultService:
    from transitions_app.services.vault_service import VaultService

    directory = vault_dir(args)
    if not VaultService.exists(directory):
        raise CliError(f"No vault was found in {directory}.")
    return VaultService.open(directory, args.user or DEFAULT_USER, read_secret(args.password_file))


def run_verify(args: argparse.Namespace) -> int:
    from export import pki

    signed = _read(args.file, "charter file")
    root = pki.load_root_cert(args.root)
    today = args.today or now_utc().date()
    try:
        result = pki.verify_charter(signed, root, today=today)
    except CharterInvalid as exc:
        if args.json:
            print_json({"valid": False, "reason": str(exc)})
        else:
            sys.stderr.write(f"{exc}\n")
        return EXIT_NEGATIVE
    ident = result.charter.identity
    if args.json:
        print_json(
            {
                "valid": True,
                "id": ident.id,
                "title": ident.title,
                "version": ident.version,
                "expires": ident.expires.isoformat(),
                "signer": result.signer.subject.rfc4514_string(),
                "signer_fingerprint": pki.fingerprint_sha256(result.signer),
            }
        )
    else:
        sys.stdout.write(
            f"Valid: “{ident.title}” version {ident.version}, signed by {ident.issuing_la}, "
            f"in force {ident.in_force} to {ident.expires}.\n"
        )
    return EXIT_OK


def run_import(args: argparse.Namespace) -> int:
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
    vault = _open_vault(args)
    try:
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
    finally:
        vault.close()
    ident = verified.charter.identity
    if args.json:
        print_json(
            {
                "imported": ident.id,
                "version": ident.version,
                "title": ident.title,
                "setting_certificate": pki.format_serial(identity.cert.serial_number)
                if identity
                else None,
            }
        )
    else:
        sys.stdout.write(f"Imported “{ident.title}” version {ident.version}.\n")
        if identity is not None:
            sys.stdout.write(
                f"Stored the setting certificate {pki.format_serial(identity.cert.serial_number)}.\n"
            )
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    from transitions_app.services.charter_service import CharterService

    vault = _open_vault(args)
    try:
        summary = CharterService(vault, clock=now_utc).summary()
    finally:
        vault.close()
    if args.json:
        print_json(summary)
        return EXIT_OK if summary["charter"] is not None else EXIT_NEGATIVE
    if summary["charter"] is None:
        sys.stdout.write("No charter has been imported.\n")
        return EXIT_NEGATIVE
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
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK
