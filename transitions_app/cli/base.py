"""Shared plumbing for the command line: exit codes, errors, passwords, opening the vault, and
the declaration of commands.

A command is declared once, with :func:`command`: its name, help and options, and a function
``run(args) -> Result`` holding the real work. The vault is opened as a context manager
(``with open_vault(args) as vault:``), so it is closed however the work ends. The function returns
a :class:`Result` (the data for ``--json``, the text otherwise, the exit code, anything for
stderr) and :func:`render` prints it. A :class:`Group` is a command with sub-commands (``vault``,
``vault user``). Each module's ``register(sub)`` adds its commands and groups.

Commands raise :class:`CliError` (or a domain exception carrying its exit code) with a plain
sentence; ``main`` prints it to stderr and exits with the code. No tracebacks reach people.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from models.safe_output import shown_name
from transitions_app.locations import DB_ENV, vault_dir, vault_location

if TYPE_CHECKING:  # the vault layer (SQLAlchemy) is imported by the commands that open a vault
    from transitions_app.services.vault_service import VaultService

EXIT_OK = 0
EXIT_NEGATIVE = 1
EXIT_USAGE = 2
EXIT_AUTH = 3

PASSWORD_ENV = "TRANSITIONS_PASSWORD"
DEFAULT_USER = "manager"

Parser = argparse.ArgumentParser
if TYPE_CHECKING:  # the class is generic for type checkers only (not subscriptable at run time)
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    Subparsers = argparse._SubParsersAction
# An option of a command: adds one or more arguments to the command's parser.
Option = Callable[[Any], object]


class CliError(Exception):
    """A failure to report as one plain sentence with an exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


# --- options ------------------------------------------------------------------------------------


def arg(*flags: str, **kwargs: Any) -> Option:
    """One ``add_argument`` call, declared."""

    def add(parser: Any) -> None:
        parser.add_argument(*flags, **kwargs)

    return add


def one_of(*options: Option, required: bool = False) -> Option:
    """Options of which at most one (with ``required``, exactly one) may be given."""

    def add(parser: Any) -> None:
        group = parser.add_mutually_exclusive_group(required=required)
        for option in options:
            option(group)

    return add


def add_vault_args(parser: Any, *, user: bool = True) -> None:
    """The options every vault-opening command takes."""
    parser.add_argument(
        "--vault", metavar="DIR", type=Path, help="vault folder (default: your user data folder)"
    )
    parser.add_argument(
        "--password-file",
        metavar="F",
        type=Path,
        help=f"read the password from this file (or set {PASSWORD_ENV})",
    )
    if user:
        parser.add_argument("--user", metavar="NAME", default=None, help="user name to log in as")


def add_db_arg(parser: Any) -> None:
    """``--db URL``: open a vault on a PostgreSQL server instead of a folder."""
    parser.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="vault on a PostgreSQL server, postgresql+psycopg://USER@HOST/DB, instead of "
        f"--vault (or set {DB_ENV}; keep the password in ~/.pgpass, not in the URL)",
    )


def add_json_arg(parser: Any) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def add_vault_db_json(parser: Any) -> None:
    """--vault, --password-file, --user, --db and --json: most commands on a vault."""
    add_vault_args(parser)
    add_db_arg(parser)
    add_json_arg(parser)


def add_vault_json(parser: Any) -> None:
    """--vault, --password-file, --user and --json (the school's commands: a folder vault)."""
    add_vault_args(parser)
    add_json_arg(parser)


# --- secrets and the vault ----------------------------------------------------------------------


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


def read_input(path: Path) -> bytes:
    """A record file someone gave (JSON or PDF), refused when it is not a regular file or too large."""
    from models.safe_input import PDF_BYTES, read_file

    return read_file(path, limit=PDF_BYTES, what="record file")


def where(args: argparse.Namespace) -> str:
    """The vault's folder or database, as messages name it."""
    from transitions_app.services.vault_service import VaultService

    directory, db_url = vault_location(args)
    return VaultService.describe_location(directory, db_url=db_url)


@contextmanager
def open_vault(
    args: argparse.Namespace, *, default_user: str = DEFAULT_USER, folder_only: bool = False
) -> Iterator[VaultService]:
    """The vault named by --vault or --db (or TRANSITIONS_DB), opened as --user with the password
    from the usual sources, and closed when the block ends. ``folder_only``: --vault or the
    default folder, never a database (commands without --db).

    A missing vault is a usage error (exit 2); a wrong password or user is an authentication
    failure (exit 3). Notices found on opening (a read-only vault, a full disk) go to stderr.
    """
    from transitions_app.services.vault_service import VaultService

    directory, db_url = (vault_dir(args), None) if folder_only else vault_location(args)
    if not VaultService.exists(directory, db_url=db_url):
        shown = VaultService.describe_location(directory, db_url=db_url)
        raise CliError(f"No vault was found in {shown}.")
    user = getattr(args, "user", None) or default_user
    password = read_secret(getattr(args, "password_file", None))
    service = VaultService.open(directory, user, password, db_url=db_url)
    try:
        for notice in service.notices:  # a read-only vault, a full disk, damage found on opening
            sys.stderr.write(f"{notice}\n")
        yield service
    finally:
        service.close()


# --- output -------------------------------------------------------------------------------------


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, sort_keys=False, default=str)
    sys.stdout.write("\n")


class Result(NamedTuple):
    """What a command found or did, in both its forms.

    ``json`` is printed with ``--json``, ``text`` (lines, without the last newline) otherwise;
    either may be a function, called only when that form is asked for, and ``None`` or ``""``
    prints nothing. ``errors`` goes to stderr after the output in either form.

    (These are named tuples, not dataclasses: importing ``dataclasses`` would add ``inspect``,
    ``ast`` and ``dis`` to every start-up of the command line and the window.)
    """

    json: Any = None
    text: str | Callable[[], str] = ""
    code: int = EXIT_OK
    errors: str = ""


def render(args: argparse.Namespace, result: Result) -> int:
    """Print ``result`` as ``--json`` asks, and return its exit code."""
    if getattr(args, "json", False):
        data = result.json() if callable(result.json) else result.json
        if data is not None:  # nothing to print: a refusal said on stderr only
            print_json(data)
    else:
        text = result.text() if callable(result.text) else result.text
        if text:
            sys.stdout.write(f"{text}\n")
    if result.errors:
        sys.stderr.write(f"{result.errors}\n")
    return result.code


# --- declaring commands -------------------------------------------------------------------------


class Command(NamedTuple):
    """One command: ``transitions-app NAME [options]`` runs ``run`` and renders its result."""

    name: str
    help: str
    run: Callable[[argparse.Namespace], Result]
    options: tuple[Option, ...] = ()
    description: str | None = None

    def __call__(self, args: argparse.Namespace) -> int:
        return render(args, self.run(args))

    def add_to(self, sub: Subparsers) -> None:
        parser = sub.add_parser(self.name, help=self.help, description=self.description)
        for option in self.options:
            option(parser)
        parser.set_defaults(func=self)


def command(
    name: str, help: str, *options: Option, description: str | None = None
) -> Callable[[Callable[[argparse.Namespace], Result]], Command]:
    """Declare the function below as the command ``name`` with these options."""

    def declare(run: Callable[[argparse.Namespace], Result]) -> Command:
        return Command(name, help, run, options, description)

    return declare


class Group(NamedTuple):
    """A command with sub-commands. Without ``required``, the group alone prints its usage to
    stderr and exits 2."""

    name: str
    help: str
    commands: tuple[Command | Group, ...]
    metavar: str = "ACTION"
    required: bool = True
    description: str | None = None

    def add_to(self, sub: Subparsers) -> None:
        parser = sub.add_parser(self.name, help=self.help, description=self.description)
        if not self.required:
            parser.set_defaults(func=_usage(parser))
        inner = parser.add_subparsers(
            dest=f"{self.name}_command", metavar=self.metavar, required=self.required
        )
        for item in self.commands:
            item.add_to(inner)


def _usage(parser: Parser) -> Callable[[argparse.Namespace], int]:
    def run(_args: argparse.Namespace) -> int:
        parser.print_usage(sys.stderr)
        return EXIT_USAGE

    return run
