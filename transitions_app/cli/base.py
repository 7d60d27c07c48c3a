"""Shared plumbing for command-line commands: exit codes, errors, passwords, output.

Every command is a function ``run(args) -> int`` registered by a module's ``register(sub)``.
Commands raise :class:`CliError` (or a domain exception mapped in :func:`exit_code_for`) with a
plain sentence; ``main`` prints it to stderr and exits with the code. No tracebacks reach people.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.safe_output import shown_name
from transitions_app.locations import DB_ENV, default_vault_dir, vault_dir, vault_location

if TYPE_CHECKING:  # the vault layer (SQLAlchemy) is imported by the commands that open a vault
    from transitions_app.services.vault_service import VaultService

__all__ = [  # vault_dir and default_vault_dir are the command modules' too
    "default_vault_dir",
    "vault_dir",
]

EXIT_OK = 0
EXIT_NEGATIVE = 1
EXIT_USAGE = 2
EXIT_AUTH = 3

PASSWORD_ENV = "TRANSITIONS_PASSWORD"


class CliError(Exception):
    """A failure to report as one plain sentence with an exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def add_vault_args(parser: argparse.ArgumentParser, *, user: bool = True) -> None:
    """The options every vault-opening command takes."""
    parser.add_argument("--vault", metavar="DIR", type=Path, help="vault folder (default: your user data folder)")
    parser.add_argument("--password-file", metavar="F", type=Path, help=f"read the password from this file (or set {PASSWORD_ENV})")
    if user:
        parser.add_argument("--user", metavar="NAME", default=None, help="user name to log in as")


def add_db_arg(parser: argparse.ArgumentParser) -> None:
    """``--db URL``: open a vault on a PostgreSQL server instead of a folder."""
    parser.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="vault on a PostgreSQL server, postgresql+psycopg://USER@HOST/DB, instead of "
        f"--vault (or set {DB_ENV}; keep the password in ~/.pgpass, not in the URL)",
    )


def add_json_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def read_secret(
    path: Path | None,
    *,
    env: str = PASSWORD_ENV,
    prompt: str = "Password: ",
    what: str = "password",
) -> str:
    """Read a password from a file, then the environment, then a terminal prompt.

    Never prompts when stdin is not a terminal: a missing password is then a usage error.
    """
    if path is not None:
        from models.safe_input import SECRET_BYTES, read_file

        try:
            text = read_file(path, limit=SECRET_BYTES, what=f"{what} file").decode("utf-8")
        except UnicodeDecodeError:
            raise CliError(
                f"The {what} file {shown_name(path)} is not UTF-8 text; save it as UTF-8 and try again."
            ) from None
        secret = text.rstrip("\r\n")
        if not secret:
            raise CliError(f"The {what} file {shown_name(path)} is empty.")
        return secret
    value = os.environ.get(env)
    if value:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # bytes that are not UTF-8 reach Python as lone surrogates
            raise CliError(f"{env} is not UTF-8 text.") from None
        return value
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        secret = getpass.getpass(prompt)
        if secret:
            return secret
    raise CliError(f"No {what} given: use --password-file F or set {env}.")


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, sort_keys=False, default=str)
    sys.stdout.write("\n")


def read_input(path: Path) -> bytes:
    """A record file someone gave (JSON or PDF), refused when it is not a regular file or too large."""
    from models.safe_input import PDF_BYTES, read_file

    return read_file(path, limit=PDF_BYTES, what="record file")


def where(args: argparse.Namespace) -> str:
    """The vault's folder or database, as messages name it."""
    from transitions_app.services.vault_service import VaultService

    directory, db_url = vault_location(args)
    return VaultService.describe_location(directory, db_url=db_url)


def open_vault(args: argparse.Namespace, *, default_user: str = "manager") -> VaultService:
    """Open the vault named by --vault or --db (or TRANSITIONS_DB) as --user with the password
    from the usual sources. A missing vault is a usage error (exit 2); a wrong password or user
    is an authentication failure (exit 3)."""
    from transitions_app.services.vault_service import VaultService

    directory, db_url = vault_location(args)
    if not VaultService.exists(directory, db_url=db_url):
        raise CliError(f"No vault was found in {where(args)}.")
    user = getattr(args, "user", None) or default_user
    password = read_secret(getattr(args, "password_file", None))
    service = VaultService.open(directory, user, password, db_url=db_url)
    for notice in service.notices:  # a read-only vault, a full disk, damage found on opening
        sys.stderr.write(f"{notice}\n")
    return service
