"""``transitions-app vault ...``: make, check, back up, restore and move the encrypted vault;
manage users.

Every command that opens a vault takes ``--vault DIR`` (a folder, the default) or ``--db URL`` (a
PostgreSQL database, ``postgresql+psycopg://USER@HOST/DB``; or set TRANSITIONS_DB). Other command
modules get the same option with :func:`transitions_app.cli.base.add_db_arg` and open the vault
with :func:`transitions_app.cli.base.open_vault`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from models.roles import Role
from transitions_app.cli.base import (
    EXIT_NEGATIVE,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    add_db_arg,
    add_json_arg,
    add_vault_args,
    open_vault,
    print_json,
    read_secret,
    where,
)
from transitions_app.locations import vault_location

if TYPE_CHECKING:  # the vault layer (SQLAlchemy) is imported by the commands that open a vault
    from transitions_app.services.vault_service import VaultService

NEW_PASSWORD_ENV = "TRANSITIONS_NEW_PASSWORD"
RECOVERY_KEY_ENV = "TRANSITIONS_RECOVERY_KEY"
DEFAULT_USER = "manager"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    vault = sub.add_parser(
        "vault", help="make, check, back up and restore the encrypted vault; manage its users"
    )
    vault.set_defaults(func=_usage(vault))
    vsub = vault.add_subparsers(dest="vault_command", metavar="COMMAND")

    p = vsub.add_parser(
        "init", help="make a new vault with its first manager and print the recovery key once"
    )
    add_vault_args(p)
    add_db_arg(p)
    p.set_defaults(func=run_init)

    p = vsub.add_parser(
        "check",
        help="authenticate every record and the audit trail (exit 1 if anything is damaged)",
    )
    add_vault_args(p)
    add_db_arg(p)
    add_json_arg(p)
    p.set_defaults(func=run_check)

    p = vsub.add_parser("backup", help="write one encrypted backup file")
    add_vault_args(p)
    add_db_arg(p)
    p.add_argument("--out", metavar="FILE", type=Path, required=True, help="backup file to write")
    p.set_defaults(func=run_backup)

    p = vsub.add_parser("restore", help="restore a backup into a new, empty folder")
    p.add_argument("backup_file", metavar="FILE", type=Path, help="backup file to restore")
    add_vault_args(p)
    add_db_arg(p)
    p.add_argument(
        "--recovery-key-file",
        metavar="F",
        type=Path,
        help=f"open the backup with the recovery key in this file (or set {RECOVERY_KEY_ENV})",
    )
    p.set_defaults(func=run_restore)

    p = vsub.add_parser("recover", help="open with the recovery key and set a manager's password")
    add_vault_args(p)
    add_db_arg(p)
    p.add_argument(
        "--recovery-key-file",
        metavar="F",
        type=Path,
        help=f"read the recovery key from this file (or set {RECOVERY_KEY_ENV})",
    )
    p.set_defaults(func=run_recover)

    p = vsub.add_parser(
        "migrate",
        help="move a vault between a folder and a PostgreSQL database (copied as ciphertext, "
        "then checked); the target must be empty",
    )
    p.add_argument(
        "--from", dest="source", metavar="DIR|URL", required=True, help="the vault to move"
    )
    p.add_argument(
        "--to",
        dest="target",
        metavar="DIR|URL",
        required=True,
        help="a new, empty folder or an empty database (postgresql+psycopg://USER@HOST/DB)",
    )
    p.add_argument(
        "--password-file",
        metavar="F",
        type=Path,
        help="read the password from this file (or set TRANSITIONS_PASSWORD)",
    )
    p.add_argument("--user", metavar="NAME", default=None, help="user name to log in as")
    add_json_arg(p)
    p.set_defaults(func=run_migrate)

    user = vsub.add_parser("user", help="add, remove or list the vault's users")
    user.set_defaults(func=_usage(user))
    usub = user.add_subparsers(dest="user_command", metavar="COMMAND")
    p = usub.add_parser("add", help="add a user (managers only)")
    p.add_argument("name", metavar="NAME")
    p.add_argument(
        "--role", required=True, choices=[r.value for r in Role], help="the new user's role"
    )
    p.add_argument(
        "--new-password-file",
        metavar="F",
        type=Path,
        help=f"read the new user's password from this file (or set {NEW_PASSWORD_ENV})",
    )
    add_vault_args(p)
    add_db_arg(p)
    p.set_defaults(func=run_user_add)
    p = usub.add_parser("remove", help="remove a user and re-key the vault (managers only)")
    p.add_argument("name", metavar="NAME")
    add_vault_args(p)
    add_db_arg(p)
    p.set_defaults(func=run_user_remove)
    p = usub.add_parser(
        "reset-password",
        help="give a user who forgot their password a new one (managers only; role and records stay)",
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument(
        "--new-password-file",
        metavar="F",
        type=Path,
        help=f"read the user's new password from this file (or set {NEW_PASSWORD_ENV})",
    )
    add_vault_args(p)
    add_db_arg(p)
    p.set_defaults(func=run_user_reset_password)
    p = usub.add_parser("list", help="list users and roles")
    add_vault_args(p)
    add_db_arg(p)
    add_json_arg(p)
    p.set_defaults(func=run_user_list)


def _usage(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    def run(_args: argparse.Namespace) -> int:
        parser.print_usage(sys.stderr)
        return EXIT_USAGE

    return run


def _user(args: argparse.Namespace) -> str:
    return str(args.user or DEFAULT_USER)


def _open(args: argparse.Namespace) -> VaultService:
    return open_vault(args, default_user=DEFAULT_USER)


def run_init(args: argparse.Namespace) -> int:
    from transitions_app.services.vault_service import VaultService

    directory, db_url = vault_location(args)
    if VaultService.exists(directory, db_url=db_url):
        raise CliError(f"There is already a vault in {where(args)}.")
    password = read_secret(args.password_file)
    service, recovery_key = VaultService.create(directory, _user(args), password, db_url=db_url)
    service.close()
    print(f"Made a vault in {where(args)} for {_user(args)} (manager).")
    print("Recovery key (shown once; write it down and keep it somewhere safe):")
    print(recovery_key)
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    service = _open(args)
    try:
        report = service.check()
    finally:
        service.close()
    if args.json:
        print_json({"ok": report.ok, "problems": report.problems})
    elif report.ok:
        print("The vault is sound: every record and the audit trail passed their checks.")
    else:
        for problem in report.problems:
            print(problem)
    return EXIT_OK if report.ok else EXIT_NEGATIVE


def run_backup(args: argparse.Namespace) -> int:
    service = _open(args)
    try:
        service.backup(args.out)
    finally:
        service.close()
    print(f"Wrote the encrypted backup {args.out}.")
    return EXIT_OK


def run_restore(args: argparse.Namespace) -> int:
    from transitions_app.services.vault_service import VaultService

    if args.vault is None and not args.db:
        raise CliError("Give the new folder to restore into with --vault DIR (or --db URL).")
    directory, db_url = vault_location(args)
    if args.recovery_key_file is not None or (
        args.password_file is None and os.environ.get(RECOVERY_KEY_ENV)
    ):
        key = read_secret(
            args.recovery_key_file,
            env=RECOVERY_KEY_ENV,
            prompt="Recovery key: ",
            what="recovery key",
        )
        VaultService.restore(args.backup_file, directory, db_url=db_url, recovery_key=key)
    else:
        VaultService.restore(
            args.backup_file,
            directory,
            db_url=db_url,
            user=_user(args),
            password=read_secret(args.password_file),
        )
    print(f"Restored the backup into {where(args)}.")
    return EXIT_OK


def run_recover(args: argparse.Namespace) -> int:
    from transitions_app.services.vault_service import VaultService

    directory, db_url = vault_location(args)
    key = read_secret(
        args.recovery_key_file, env=RECOVERY_KEY_ENV, prompt="Recovery key: ", what="recovery key"
    )
    password = read_secret(args.password_file, prompt="New password: ", what="new password")
    service = VaultService.open_with_recovery_key(
        directory, key, db_url=db_url, new_manager=_user(args), new_password=password
    )
    service.close()
    print(f"{_user(args)} is a manager of the vault with the new password.")
    return EXIT_OK


def run_migrate(args: argparse.Namespace) -> int:
    from transitions_app.services.vault_service import VaultService

    password = read_secret(args.password_file)
    report = VaultService.move(args.source, args.target, _user(args), password)
    if args.json:
        print_json({"from": report.source, "to": report.target, "rows": report.rows})
    else:
        rows = report.rows
        print(
            f"Moved the vault from {report.source} to {report.target}: {rows['records']} records, "
            f"{rows['blobs']} files, {rows['audit']} audit entries, {rows['users']} users; "
            "the copy passed its check."
        )
        print(f"Stop using {report.source} now, so the two copies do not drift apart.")
    return EXIT_OK


def run_user_add(args: argparse.Namespace) -> int:
    new_password = read_secret(
        args.new_password_file,
        env=NEW_PASSWORD_ENV,
        prompt="New user's password: ",
        what="new user's password",
    )
    service = _open(args)
    try:
        info = service.add_user(args.name, Role(args.role), new_password)
    finally:
        service.close()
    print(f"Added {info.name} ({info.role.label}).")
    return EXIT_OK


def run_user_reset_password(args: argparse.Namespace) -> int:
    new_password = read_secret(
        args.new_password_file,
        env=NEW_PASSWORD_ENV,
        prompt=f"New password for {args.name}: ",
        what="new password",
    )
    service = _open(args)
    try:
        service.reset_password(args.name, new_password)
    finally:
        service.close()
    print(f"{args.name} has a new password; tell it to them in person.")
    return EXIT_OK


def run_user_remove(args: argparse.Namespace) -> int:
    service = _open(args)
    try:
        service.remove_user(args.name)
    finally:
        service.close()
    print(f"Removed {args.name} and re-keyed the vault.")
    return EXIT_OK


def run_user_list(args: argparse.Namespace) -> int:
    service = _open(args)
    try:
        users = service.list_users()
    finally:
        service.close()
    if args.json:
        print_json([{"name": u.name, "role": u.role.value} for u in users])
    else:
        for u in users:
            print(f"{u.name}\t{u.role.label}")
    return EXIT_OK
