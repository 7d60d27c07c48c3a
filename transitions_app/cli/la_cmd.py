"""``transitions-app la ...``: the local authority's tooling.

Create the LA root, issue and revoke setting certificates, publish the revocation list and sign
charter files. Everything an LA needs ships in the app; see docs/charter-format.md.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from transitions_app.cli import la_insight_cmd
from transitions_app.cli.base import (
    CliError,
    Group,
    Result,
    Subparsers,
    add_json_arg,
    arg,
    command,
    read_secret,
)

if TYPE_CHECKING:  # export.pki (cryptography.x509) is imported by the commands that use it
    from export import pki

MIN_PASSPHRASE = 12

# The clock, replaceable in tests.
now_utc: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def _passphrase_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--password-file",
        metavar="F",
        type=Path,
        help="read the LA root passphrase from this file (or set TRANSITIONS_PASSWORD)",
    )


def _ca_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ca", metavar="DIR", type=Path, required=True, help="the LA CA folder")
    _passphrase_arg(p)


def _la_passphrase(args: argparse.Namespace) -> str:
    return read_secret(args.password_file, prompt="LA root passphrase: ", what="LA root passphrase")


def _open_ca(args: argparse.Namespace) -> pki.CertificateAuthority:
    from export import pki

    if not any(
        (args.ca / name).is_file() for name in (pki.ROOT_KEY_FILE, pki.LEGACY_ROOT_KEY_FILE)
    ):
        raise CliError(f"{args.ca} is not an LA CA folder: run 'la init' first.")
    passphrase = _la_passphrase(args)
    ca = pki.load_ca(args.ca, passphrase)
    # A folder from before root-key.p12: the key is rewritten with far more KDF rounds, once.
    pki.upgrade_root_key(args.ca, passphrase)
    return ca


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@command(
    "init",
    "create a new LA root key and certificate",
    arg("--out", metavar="DIR", type=Path, required=True, help="new CA folder"),
    arg("--name", required=True, help="the local authority's name"),
    _passphrase_arg,
    add_json_arg,
)
def run_init(args: argparse.Namespace) -> Result:
    from export import pki

    if any((args.out / name).exists() for name in (pki.ROOT_KEY_FILE, pki.LEGACY_ROOT_KEY_FILE)):
        raise CliError(f"{args.out} already holds an LA root; choose an empty folder.")
    passphrase = _la_passphrase(args)
    if len(passphrase) < MIN_PASSPHRASE:
        raise CliError(f"The LA root passphrase must be at least {MIN_PASSPHRASE} characters.")
    ca = pki.init_ca(args.out, args.name, passphrase, now=now_utc())
    fp = pki.fingerprint_sha256(ca.cert)
    return Result(
        {
            "folder": str(args.out),
            "root_certificate": str(args.out / pki.ROOT_CERT_FILE),
            "fingerprint": fp,
        },
        f"Created the LA root for {args.name} in {args.out}.\nRoot certificate fingerprint (SHA-256): {fp}",
    )


@command(
    "issue",
    "issue a setting's signing certificate as a PKCS#12 file",
    _ca_arg,
    arg("--setting", required=True, help="the setting's name"),
    arg("--urn", required=True, help="the setting's Ofsted URN (or the school's DfE URN)"),
    arg(
        "--school",
        action="store_true",
        help="the certificate is a school's (its returns are a school's)",
    ),
    arg("--out", metavar="FILE.p12", type=Path, required=True),
    arg(
        "--p12-password-file",
        metavar="F",
        type=Path,
        help="passphrase for the PKCS#12 file (default: the same as the LA passphrase)",
    ),
    # The default (None: export.pki.SETTING_VALID_DAYS) is filled in by run_issue, so that
    # building the parser does not import export.pki.
    arg("--days", type=int, default=None, help="validity in days"),
    add_json_arg,
)
def run_issue(args: argparse.Namespace) -> Result:
    from export import pki

    if args.days is None:
        args.days = pki.SETTING_VALID_DAYS
    if args.days < 1:
        raise CliError("--days must be at least 1.")
    ca = _open_ca(args)
    if args.p12_password_file is not None:
        p12_pass = read_secret(args.p12_password_file, what="certificate file passphrase")
    else:
        p12_pass = _la_passphrase(args)
    if len(p12_pass) < MIN_PASSPHRASE:
        raise CliError(
            f"The certificate file passphrase must be at least {MIN_PASSPHRASE} characters."
        )
    identity = ca.issue_setting(
        args.setting,
        args.urn,
        now=now_utc(),
        valid_days=args.days,
        kind="school" if args.school else "setting",
    )
    data = pki.identity_to_p12(identity, p12_pass, friendly_name=args.setting)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    pki.write_private_file(args.out, data)
    serial = pki.format_serial(identity.cert.serial_number)
    return Result(
        {
            "serial": serial,
            "setting": args.setting,
            "urn": args.urn,
            "file": str(args.out),
            "not_after": identity.cert.not_valid_after_utc.isoformat(),
            "fingerprint": identity.fingerprint,
        },
        f"Issued certificate {serial} to {args.setting} (URN {args.urn}), written to {args.out}.",
    )


@command(
    "revoke",
    "revoke a setting certificate by serial number",
    _ca_arg,
    arg("serial", metavar="SERIAL", help="the serial printed by 'la issue' or 'la list'"),
    add_json_arg,
)
def run_revoke(args: argparse.Namespace) -> Result:
    from export import pki

    serial = pki.parse_serial(args.serial)  # ValidationFailed: exit 2
    ca = _open_ca(args)
    row = ca.revoke(serial, now=now_utc())
    return Result(
        {"serial": row.serial_hex, "setting": row.setting, "revoked_on": _iso(row.revoked_on)},
        f"Revoked certificate {row.serial_hex} ({row.setting}). Publish a new list with 'la crl'.",
    )


@command(
    "crl",
    "write the certificate revocation list signed by the root",
    _ca_arg,
    arg("--out", metavar="FILE", type=Path, required=True),
    # default None: export.pki.CRL_VALID_DAYS, filled in by run_crl
    arg("--days", type=int, default=None, help="days until the next update"),
    add_json_arg,
)
def run_crl(args: argparse.Namespace) -> Result:
    from export import pki

    if args.days is None:
        args.days = pki.CRL_VALID_DAYS
    if args.days < 1:
        raise CliError("--days must be at least 1.")
    ca = _open_ca(args)
    crl = ca.make_crl(now=now_utc(), valid_days=args.days)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    pki.write_public_file(args.out, pki.crl_to_pem(crl))
    serials = [pki.format_serial(r.serial_number) for r in crl]
    return Result(
        {"file": str(args.out), "revoked": serials, "next_update": _iso(crl.next_update_utc)},
        f"Wrote the revocation list ({len(serials)} revoked) to {args.out}.",
    )


@command(
    "sign-charter",
    "sign a charter TOML file with the LA root",
    _ca_arg,
    arg("charter", metavar="CHARTER", type=Path, help="the unsigned charter TOML file"),
    arg("--out", metavar="SIGNED", type=Path, required=True),
    add_json_arg,
)
def run_sign_charter(args: argparse.Namespace) -> Result:
    from export import pki
    from models.charter import parse_charter
    from models.safe_input import DOCUMENT_BYTES, read_file

    toml_bytes = read_file(args.charter, limit=DOCUMENT_BYTES, what="charter file")
    parse_charter(toml_bytes)  # refused (exit 2 when unreadable) before the passphrase is asked for
    ca = _open_ca(args)
    signed = ca.sign_charter(toml_bytes)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    pki.write_public_file(args.out, signed)
    return Result(
        {"file": str(args.out), "signer": ca.cert.subject.rfc4514_string()},
        f"Signed the charter; wrote {args.out}.",
    )


@command(
    "list",
    "list the certificates issued from a CA folder",
    arg("--ca", metavar="DIR", type=Path, required=True, help="the LA CA folder"),
    add_json_arg,
)
def run_list(args: argparse.Namespace) -> Result:
    from export import pki

    rows = pki.list_issued(args.ca)
    lines = [
        f"{r.serial_hex}  {r.setting} (URN {r.urn})  until {r.not_after.date()}  "
        + (f"revoked {r.revoked_on.date().isoformat()}" if r.revoked_on else "valid")
        for r in rows
    ]
    return Result(
        json=[
            {
                "serial": r.serial_hex,
                "setting": r.setting,
                "urn": r.urn,
                "not_after": r.not_after.isoformat(),
                "fingerprint": r.fingerprint,
                "revoked_on": _iso(r.revoked_on),
            }
            for r in rows
        ],
        text="\n".join(lines) or "No certificates issued yet.",
    )


LA = Group(
    "la",
    "local authority tools: root certificate, setting certificates, charters",
    (
        run_init,
        run_issue,
        run_revoke,
        run_crl,
        run_sign_charter,
        la_insight_cmd.run_return,
        la_insight_cmd.run_report,
        run_list,
    ),
    description="Local authority tools: create the LA root, issue and revoke setting "
    "certificates, publish the revocation list and sign charter files.",
)


def register(sub: Subparsers) -> None:
    LA.add_to(sub)
