"""``transitions-app vault ...``: make, check, back up, restore and move the encrypted vault;
manage users.

Every command that opens a vault takes ``--vault DIR`` (a folder, the default) or ``--db URL`` (a
PostgreSQL database, ``postgresql+psycopg://USER@HOST/DB``; or set TRANSITIONS_DB): see
:func:`transitions_app.cli.base.open_vault`.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from models.roles import Role
from transitions_app.cli.base import (
    DEFAULT_USER,
    EXIT_NEGATIVE,
    EXIT_OK,
    CliError,
    Group,
    Result,
    Subparsers,
    add_db_arg,
    add_json_arg,
    add_vault_args,
    add_vault_db_json,
    arg,
    command,
    open_vault,
    read_secret,
    where,
)
from transitions_app.locations import vault_location

NEW_PASSWORD_ENV = "TRANSITIONS_NEW_PASSWORD"
RECOVERY_KEY_ENV = "TRANSITIONS_RECOVERY_KEY"


def _vault_db(parser: argparse.ArgumentParser) -> None:
    add_vault_args(parser)
    add_db_arg(parser)


def _user(args: argparse.Namespace) -> str:
    return str(args.user or DEFAULT_USER)


@command(
    "init", "make a new vault with its first manager and print the recovery key once", _vault_db
)
def run_init(args: argparse.Namespace) -> Result:
    from transitions_app.services.vault_service import VaultService

    directory, db_url = vault_location(args)
    if VaultService.exists(directory, db_url=db_url):
        raise CliError(f"There is already a vault in {where(args)}.")
    password = read_secret(args.password_file)
    service, recovery_key = VaultService.create(directory, _user(args), password, db_url=db_url)
    service.close()
    return Result(
        text=f"Made a vault in {where(args)} for {_user(args)} (manager).\n"
        "Recovery key (shown once; write it down and keep it somewhere safe):\n"
        f"{recovery_key}"
    )


@command(
    "check",
    "authenticate every record and the audit trail (exit 1 if anything is damaged)",
    add_vault_db_json,
)
def run_check(args: argparse.Namespace) -> Result:
    with open_vault(args) as service:
        report = service.check()
    return Result(
        json={"ok": report.ok, "problems": report.problems},
        text="The vault is sound: every record and the audit trail passed their checks."
        if report.ok
        else "\n".join(report.problems),
        code=EXIT_OK if report.ok else EXIT_NEGATIVE,
    )


@command(
    "backup",
    "write one encrypted backup file",
    _vault_db,
    arg("--out", metavar="FILE", type=Path, required=True, help="backup file to write"),
)
def run_backup(args: argparse.Namespace) -> Result:
    with open_vault(args) as service:
        service.backup(args.out)
    return Result(text=f"Wrote the encrypted backup {args.out}.")


@command(
    "restore",
    "restore a backup into a new, empty folder",
    arg("backup_file", metavar="FILE", type=Path, help="backup file to restore"),
    _vault_db,
    arg(
        "--recovery-key-file",
        metavar="F",
        type=Path,
        help=f"open the backup with the recovery key in this file (or set {RECOVERY_KEY_ENV})",
    ),
)
def run_restore(args: argparse.Namespace) -> Result:
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
    return Result(text=f"Restored the backup into {where(args)}.")


@command(
    "recover",
    "open with the recovery key and set a manager's password",
    _vault_db,
    arg(
        "--recovery-key-file",
        metavar="F",
        type=Path,
        help=f"read the recovery key from this file (or set {RECOVERY_KEY_ENV})",
    ),
)
def run_recover(args: argparse.Namespace) -> Result:
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
    return Result(text=f"{_user(args)} is a manager of the vault with the new password.")


@command(
    "migrate",
    "move a vault between a folder and a PostgreSQL database (copied as ciphertext, "
    "then checked); the target must be empty",
    arg("--from", dest="source", metavar="DIR|URL", required=True, help="the vault to move"),
    arg(
        "--to",
        dest="target",
        metavar="DIR|URL",
        required=True,
        help="a new, empty folder or an empty database (postgresql+psycopg://USER@HOST/DB)",
    ),
    arg(
        "--password-file",
        metavar="F",
        type=Path,
        help="read the password from this file (or set TRANSITIONS_PASSWORD)",
    ),
    arg("--user", metavar="NAME", default=None, help="user name to log in as"),
    add_json_arg,
)
def run_migrate(args: argparse.Namespace) -> Result:
    from transitions_app.services.vault_service import VaultService

    password = read_secret(args.password_file)
    report = VaultService.move(args.source, args.target, _user(args), password)
    rows = report.rows
    return Result(
        json={"from": report.source, "to": report.target, "rows": report.rows},
        text=f"Moved the vault from {report.source} to {report.target}: {rows['records']} records, "
        f"{rows['blobs']} files, {rows['audit']} audit entries, {rows['users']} users; "
        "the copy passed its check.\n"
        f"Stop using {report.source} now, so the two copies do not drift apart.",
    )


@command(
    "add",
    "add a user (managers only)",
    arg("name", metavar="NAME"),
    arg("--role", required=True, choices=[r.value for r in Role], help="the new user's role"),
    arg(
        "--new-password-file",
        metavar="F",
        type=Path,
        help=f"read the new user's password from this file (or set {NEW_PASSWORD_ENV})",
    ),
    _vault_db,
)
def run_user_add(args: argparse.Namespace) -> Result:
    new_password = read_secret(
        args.new_password_file,
        env=NEW_PASSWORD_ENV,
        prompt="New user's password: ",
        what="new user's password",
    )
    with open_vault(args) as service:
        info = service.add_user(args.name, Role(args.role), new_password)
    return Result(text=f"Added {info.name} ({info.role.label}).")


@command(
    "remove",
    "remove a user and re-key the vault (managers only)",
    arg("name", metavar="NAME"),
    _vault_db,
)
def run_user_remove(args: argparse.Namespace) -> Result:
    with open_vault(args) as service:
        service.remove_user(args.name)
    return Result(text=f"Removed {args.name} and re-keyed the vault.")


@command(
    "reset-password",
    "give a user who forgot their password a new one (managers only; role and records stay)",
    arg("name", metavar="NAME"),
    arg(
        "--new-password-file",
        metavar="F",
        type=Path,
        help=f"read the user's new password from this file (or set {NEW_PASSWORD_ENV})",
    ),
    _vault_db,
)
def run_user_reset_password(args: argparse.Namespace) -> Result:
    new_password = read_secret(
        args.new_password_file,
        env=NEW_PASSWORD_ENV,
        prompt=f"New password for {args.name}: ",
        what="new password",
    )
    with open_vault(args) as service:
        service.reset_password(args.name, new_password)
    return Result(text=f"{args.name} has a new password; tell it to them in person.")


@command("list", "list users and roles", add_vault_db_json)
def run_user_list(args: argparse.Namespace) -> Result:
    with open_vault(args) as service:
        users = service.list_users()
    return Result(
        json=[{"name": u.name, "role": u.role.value} for u in users],
        text="\n".join(f"{u.name}\t{u.role.label}" for u in users),
    )


VAULT = Group(
    "vault",
    "make, check, back up and restore the encrypted vault; manage its users",
    (
        run_init,
        run_check,
        run_backup,
        run_restore,
        run_recover,
        run_migrate,
        Group(
            "user",
            "add, remove or list the vault's users",
            (run_user_add, run_user_remove, run_user_reset_password, run_user_list),
            metavar="COMMAND",
            required=False,
        ),
    ),
    metavar="COMMAND",
    required=False,
)


def register(sub: Subparsers) -> None:
    VAULT.add_to(sub)
