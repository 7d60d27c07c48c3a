"""`export` (signed PDF packets from a vault) and `verify` (strict checks of received PDFs)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from transitions_app.cli.base import (
    EXIT_NEGATIVE,
    EXIT_OK,
    CliError,
    Result,
    Subparsers,
    add_db_arg,
    add_json_arg,
    add_vault_args,
    arg,
    command,
    one_of,
    open_vault,
    read_secret,
)


@command(
    "export",
    "export signed PDF packets under the charter's rules",
    add_vault_args,
    add_db_arg,
    one_of(
        arg("--record", metavar="ID", action="append", help="a record id (repeatable)"),
        arg("--school", metavar="URN", help="every child going to this school"),
        arg("--all", action="store_true", help="every child in the vault"),
        required=True,
    ),
    arg(
        "--out",
        metavar="DIR",
        type=Path,
        required=True,
        help="folder for the PDFs and the manifest",
    ),
    arg(
        "--packet",
        choices=("teacher", "senco", "all"),
        default="all",
        help="which packets (default all: the teacher's, plus the SENCO's where SEND support is recorded)",
    ),
    arg(
        "--encrypt-password-file",
        metavar="F",
        type=Path,
        help="encrypt the PDFs with the password in this file (when a school has no certificate)",
    ),
    arg(
        "--ready-only",
        action="store_true",
        help="with --school or --all: export only the records that are ready and list the others "
        "(exit 0 when every ready record was exported)",
    ),
    add_json_arg,
)
def run_export(args: argparse.Namespace) -> Result:
    from transitions_app.services.export_service import ExportService

    password = None
    if args.encrypt_password_file is not None:
        password = read_secret(args.encrypt_password_file, what="encryption password")
    with open_vault(args) as service:
        exporter = ExportService(service)
        if args.record:
            ids = list(args.record)
        else:
            ids = exporter.record_ids_for(school_urn=args.school, all_records=args.all)
            if not ids:
                raise CliError("No records match: check the school URN.")
        skipped: list[str] = []
        if args.ready_only:
            if args.record:
                raise CliError("--ready-only goes with --school or --all.")
            records, _missing = service.get_records(ids)
            ready = [r for r in records if not exporter.missing_for_export(r)]
            ready_ids = {r.id for r in ready}
            skipped = sorted(r.display_name for r in records if r.id not in ready_ids)
            if not ready:
                raise CliError(
                    "None of these records is ready to export yet; see what is missing in the app."
                )
            ids = [r.id for r in ready]

        def progress(done: int, total: int, name: str) -> None:
            if not args.json and total and sys.stderr.isatty():
                sys.stderr.write(f"\rSigned {done} of {total} packets")

        report = exporter.export(
            ids, args.out, packets=args.packet, password=password, progress=progress
        )
    lines = [
        f"Exported {f.describe()} (version {f.version}, SHA-256 {f.sha256[:16]}…)"
        for f in report.files
    ]
    if report.manifest_json:
        lines.append(
            f"Manifest: {report.manifest_json.name} and {report.manifest_csv.name if report.manifest_csv else ''}"
        )
    if skipped:
        lines.append(f"Not ready, so not exported ({len(skipped)}): {', '.join(skipped)}.")
    return Result(
        json={
            "ok": report.ok,
            "not_ready": skipped,
            "files": [
                {
                    "file": str(f.path),
                    "file_code": f.code,
                    "record_id": f.record_id,
                    "packet": f.packet,
                    "sha256": f.sha256,
                    "record_version": f.version,
                    "supersedes_version": f.supersedes,
                    "encrypted": f.encrypted or None,
                }
                for f in report.files
            ],
            "refused": [
                {
                    "record_id": r.record_id,
                    "reason": r.message(),
                    "missing": [
                        {"path": m.path, "label": m.label, "reason": m.reason} for m in r.missing
                    ],
                }
                for r in report.refused
            ],
            "manifest": str(report.manifest_json) if report.manifest_json else None,
        },
        text="\n".join(lines),
        code=EXIT_OK if report.ok else EXIT_NEGATIVE,
        # With --json the refusals are in the output; as text they go to stderr.
        errors="" if args.json else "\n".join(r.message() for r in report.refused),
    )


def _trust_material(args: argparse.Namespace) -> tuple[list[Any], list[Any]]:
    from export import pki
    from models.safe_input import DOCUMENT_BYTES, read_file

    roots = [pki.load_root_cert(path) for path in args.trust]
    crls = [
        pki.load_crl(read_file(path, limit=DOCUMENT_BYTES, what="revocation list"))
        for path in args.crl
    ]
    if args.vault is not None:
        from transitions_app.services.charter_service import CharterService

        ns = argparse.Namespace(
            vault=args.vault, password_file=args.vault_password_file, user=args.user
        )
        with open_vault(ns) as service:
            charters = CharterService(service)
            root, crl = charters.la_root(), charters.crl()
        if root is None:
            raise CliError("The vault has no charter, so it trusts no LA root yet.")
        roots.append(root)
        if crl is not None:
            crls.append(crl)
    return roots, crls


def _json_check(data: bytes) -> None:
    from models.interchange import record_from_bytes

    record_from_bytes(data)


@command(
    "verify",
    "verify signed record PDFs strictly; exit 0 only when all are valid and checked against a current revocation list",
    arg("files", metavar="FILE", nargs="+", type=Path),
    arg(
        "--trust",
        metavar="ROOT.pem",
        type=Path,
        action="append",
        default=[],
        help="an LA root certificate to trust (repeatable)",
    ),
    arg(
        "--crl",
        metavar="FILE",
        type=Path,
        action="append",
        default=[],
        help="a revocation list (repeatable)",
    ),
    arg(
        "--vault",
        metavar="DIR",
        type=Path,
        help="also trust the LA root and revocation list of this vault's charter "
        "(vault password from TRANSITIONS_PASSWORD or --vault-password-file)",
    ),
    arg("--user", metavar="NAME", default=None, help="user name for --vault"),
    arg("--vault-password-file", metavar="F", type=Path, help="the vault password, for --vault"),
    arg("--password-file", metavar="F", type=Path, help="password of password-encrypted PDFs"),
    arg(
        "--key-p12",
        metavar="FILE",
        type=Path,
        help="the recipient's decryption key (PKCS#12), for PDFs encrypted to a school's certificate",
    ),
    arg(
        "--key-p12-password-file",
        metavar="F",
        type=Path,
        help="the passphrase of --key-p12 (or set TRANSITIONS_P12_PASSWORD)",
    ),
    arg(
        "--accept-self-signed",
        action="store_true",
        help="count intact files from signers not vouched for by the LA as valid",
    ),
    add_json_arg,
)
def run_verify(args: argparse.Namespace) -> Result:
    from export.verify import verify_pdf
    from models.safe_input import DOCUMENT_BYTES, PDF_BYTES, read_file
    from models.safe_output import shown_name

    roots, crls = _trust_material(args)
    pdf_password = None
    if args.password_file is not None:
        pdf_password = read_secret(args.password_file, what="PDF password")
    recipient = None
    if args.key_p12 is not None:
        from export.encrypt import load_recipient_p12

        secret = read_secret(
            args.key_p12_password_file, env="TRANSITIONS_P12_PASSWORD", what="key passphrase"
        )
        key_data = read_file(args.key_p12, limit=DOCUMENT_BYTES, what="key file")
        recipient = load_recipient_p12(key_data, secret)
    now = datetime.now(UTC)
    results = []
    for path in args.files:
        data = read_file(path, limit=PDF_BYTES, what="record PDF")
        results.append(
            verify_pdf(
                data,
                trust_roots=roots,
                crls=crls,
                accept_self_signed=args.accept_self_signed,
                password=pdf_password,
                recipient=recipient,
                file_name=shown_name(path),
                json_check=_json_check,
                now=now,
            )
        )
    lines = []
    for result in results:
        mark = (
            ("VALID  " if result.fully_checked else "VALID, NOT FULLY CHECKED")
            if result.valid
            else "INVALID"
        )
        who = (
            f" Signed by {result.signer}"
            + (f", {result.organisation}" if result.organisation else "")
            if result.signer
            else ""
        )
        lines.append(shown_name(f"{mark} {result.file}: {result.reason}{who}.".replace("..", ".")))
        if result.fingerprint_sha256 and not result.vouched:
            lines.append(f"        Certificate fingerprint (SHA-256): {result.fingerprint_sha256}")
    # Exit 0 only for files valid and checked against a current CRL of their LA: a file whose
    # revocation could not be checked (no CRL, or one past its next update) is valid but not
    # fully checked, and says which list is missing or stale.
    return Result(
        json=[result.to_json() for result in results],
        text="\n".join(lines),
        code=EXIT_OK if all(result.fully_checked for result in results) else EXIT_NEGATIVE,
    )


def register(sub: Subparsers) -> None:
    run_export.add_to(sub)
    run_verify.add_to(sub)
