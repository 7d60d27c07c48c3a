"""Move a vault between a folder (SQLite) and a PostgreSQL database, in either direction.

Rows are copied exactly as stored: ciphertext stays ciphertext, the audit chain and its MACs are
carried over byte for byte, and the key slots (so every password and the recovery key) come along.
Nothing is decrypted to move it. The password is needed twice, to make sure the right person is
moving the vault: to open the source (which also upgrades it to the current schema and proves
that the login works) and to open the copy and run :meth:`VaultStore.check` on it. If the check
finds anything, the copy is removed again and nothing else has changed.

The source is left as it was, with a ``moved_out`` audit entry; the target gets ``moved_in``.
Retire the source once the move is done, or two copies of the vault will drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from models.errors import IntegrityError, VaultError
from models.vault import schema
from models.vault.connection import (
    Progress,
    Sleeper,
    _remove_db_files,
    _storage_message,
    make_vault_folder,
)
from models.vault.store import VaultStore


@dataclass(frozen=True, slots=True)
class MoveReport:
    source: str
    target: str
    rows: dict[str, int]


def _prepare_target(target: schema.Location) -> bool:
    """Refuse a target that holds anything; returns whether a folder was made."""
    if target.on_server:
        if VaultStore.exists(db_url=target.db_url):
            raise VaultError(
                f"The database {target} already holds a vault; move only into an empty one."
            )
        return False
    folder = target.directory
    assert folder is not None
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise VaultError(f"Move a vault only into a new, empty folder; {folder} is not empty.")
    return make_vault_folder(folder)


def _discard(target: schema.Location, made_dir: bool) -> None:
    if target.directory is not None:
        _remove_db_files(target.directory, remove_dir=made_dir)
        return
    engine = schema.make_engine(target)
    try:
        with engine.begin() as conn:
            schema.drop_vault_tables(conn)
    finally:
        engine.dispose()


def move_vault(
    source: schema.Location,
    target: schema.Location,
    user: str,
    password: str,
    *,
    progress: Progress | None = None,
    sleeper: Sleeper | None = None,
) -> MoveReport:
    """Copy the vault at ``source`` into the empty ``target`` and verify the copy."""
    if source.place == target.place:
        raise VaultError("The source and the target are the same place.")
    store = VaultStore.open(source.directory, user, password, db_url=source.db_url, sleeper=sleeper)
    try:
        made_dir = _prepare_target(target)
        engine = schema.make_engine(target)
        copied = False
        try:
            # the source's writers' lock is held while copying, so the copy is one consistent state
            with store._write() as src, engine.begin() as dst:
                if schema.vault_tables_present(dst):
                    raise VaultError(f"The database {target} is not empty; nothing was moved.")
                rows = schema.copy_vault(src, dst, progress)
            copied = True
        except SQLAlchemyError as exc:
            raise VaultError(_storage_message(exc, "copied", target)) from None
        finally:
            engine.dispose()
            if not copied and target.directory is not None:
                # (a server rolled the whole copy back, DDL included)
                _remove_db_files(target.directory, remove_dir=made_dir)
        try:
            moved = VaultStore.open(target.directory, user, password, db_url=target.db_url)
        except BaseException:
            _discard(target, made_dir)
            raise
        try:
            problems = moved.check()
            if problems:
                moved.close()
                _discard(target, made_dir)
                raise IntegrityError(
                    "The copy did not pass its check, so it was removed: " + " ".join(problems[:3])
                )
            moved.append_audit("moved_in", None, {"from": source.kind, "rows": rows})
        finally:
            moved.close()
        store.append_audit("moved_out", None, {"to": target.kind, "rows": rows})
    finally:
        store.close()
    return MoveReport(str(source), str(target), rows)


def folder_or_url(value: str) -> schema.Location:
    """Read a command-line place: a ``postgresql...://`` URL, or else a folder."""
    if "://" in value:
        return schema.locate(db_url=value)
    return schema.locate(Path(value))
