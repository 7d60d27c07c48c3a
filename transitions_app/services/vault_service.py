"""The vault service: what the window and the command line call to read and change records.

It sits on :class:`models.vault.VaultStore` (encrypted bytes in, bytes out) and adds what a record
means: (de)serialisation, the status workflow, and the role rules of :mod:`models.roles`. The rules
are enforced here, not in the UI, so every caller gets them:

* only a role with SIGN_OFF_SEND (SENCO, childminder) signs off the SEND section;
* only a role with SET_SAFEGUARDING (DSL, manager, childminder) changes a field whose
  ``FieldDef.guard`` is safeguarding (old and new values are compared on every save and import);
* only a role with MANAGE_USERS / DELETE_RECORDS / IMPORT_CHARTER manages users, deletes records
  or stores a charter;
* a save with a stale version raises :class:`SaveConflict`.

A vault is a folder (SQLite, the default) or, with the keyword ``db_url``, a PostgreSQL database
(``postgresql+psycopg://USER@HOST/DB``) that several instances of the app use at once. To pick up
what other instances changed, poll :meth:`VaultService.changes_since` (cheap: two indexed queries).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from models.errors import (
    AuthenticationFailed,
    IntegrityError,
    InterchangeError,
    PermissionDenied,
    SaveConflict,
    ValidationFailed,
    VaultError,
)
from models.framework.definition import Guard, Kind
from models.framework.registry import current_framework, get_framework
from models.interchange import record_from_bytes, record_to_bytes
from models.record import Record, SignOff, SignOffScope, Status
from models.roles import Permission, Role, can
from models.setting_profile import profile_from_bytes
from models.vault import (
    AuditEntry,
    KdfParams,
    Location,
    MoveReport,
    VaultStore,
    folder_or_url,
    locate,
    move_vault,
    restore_backup,
)
from models.vault.store import Sleeper

Clock = Callable[[], datetime]
Progress = Callable[[int, int], None]

CHARTER_BLOB = "charter"
PROFILE_BLOB = "setting_profile"  # models.setting_profile: a manager edits it
_MANAGER_BLOBS = {
    CHARTER_BLOB: ("Only a manager can import a charter.", "Only a manager can remove a charter."),
    PROFILE_BLOB: (
        "Only a manager can change the setting profile.",
        "Only a manager can remove the setting profile.",
    ),
}
_ACTION = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_SIGN_OFF_PERMISSION = {
    SignOffScope.RECORD: Permission.SIGN_OFF_RECORD,
    SignOffScope.SEND: Permission.SIGN_OFF_SEND,
    SignOffScope.MANAGER: Permission.SIGN_OFF_MANAGER,
}
_CALLER_STATUSES = frozenset({Status.DRAFT, Status.READY_FOR_REVIEW})

__all__ = ["AuditEntry", "CheckReport", "KdfParams", "MoveReport", "UserInfo", "VaultService"]


@dataclass(frozen=True, slots=True)
class UserInfo:
    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class CheckReport:
    ok: bool
    problems: list[str]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _guarded_paths(record: Record) -> list[str]:
    fw = get_framework(record.framework_id, record.framework_version)
    paths = []
    for fd in fw.iter_fields():
        if fd.guard == Guard.SAFEGUARDING or (
            fd.kind == Kind.LIST and any(i.guard == Guard.SAFEGUARDING for i in fd.item_fields)
        ):
            paths.append(fd.path)
    return paths


class VaultService:
    """One logged-in session on a vault. Make it with :meth:`create`, :meth:`open` or
    :meth:`open_with_recovery_key`; call :meth:`close` when done."""

    def __init__(self, store: VaultStore, *, clock: Clock | None = None) -> None:
        self._store = store
        self._clock = clock or _utc_now
        self._versions: dict[str, int] = {}  # record id -> version as last read by this session

    # --- opening ---------------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        directory: Path | None,
        user: str,
        password: str,
        *,
        db_url: str | None = None,
        kdf: KdfParams | None = None,
        clock: Clock | None = None,
        role: Role = Role.MANAGER,
    ) -> tuple[VaultService, str]:
        """A new vault whose first user is a manager (or childminder). Returns the session and
        the recovery key, which is shown once and never stored."""
        if role not in (Role.MANAGER, Role.CHILDMINDER, Role.HEADTEACHER):
            raise PermissionDenied("The first user of a vault must be a manager.")
        store, recovery_key = VaultStore.create(
            directory, user, password, role.value, db_url=db_url, kdf=kdf, clock=clock
        )
        return cls(store, clock=clock), recovery_key

    @classmethod
    def open(
        cls,
        directory: Path | None,
        user: str,
        password: str,
        *,
        db_url: str | None = None,
        clock: Clock | None = None,
        sleeper: Sleeper | None = None,
    ) -> VaultService:
        """Raises AuthenticationFailed (wrong or removed user, wrong password) or VaultError."""
        return cls(
            VaultStore.open(directory, user, password, db_url=db_url, clock=clock, sleeper=sleeper),
            clock=clock,
        )

    @classmethod
    def open_with_recovery_key(
        cls,
        directory: Path | None,
        recovery_key: str,
        *,
        db_url: str | None = None,
        new_manager: str,
        new_password: str,
        clock: Clock | None = None,
        sleeper: Sleeper | None = None,
    ) -> VaultService:
        """Unlock with the recovery key and (re)make ``new_manager`` as a manager with a new password."""
        store = VaultStore.open_with_recovery_key(
            directory, recovery_key, db_url=db_url, clock=clock, sleeper=sleeper
        )
        try:
            store.set_user(new_manager, Role.MANAGER.value, new_password)
        except BaseException:
            store.close()
            raise
        store.user, store.role = new_manager.strip(), Role.MANAGER.value
        return cls(store, clock=clock)

    @staticmethod
    def exists(directory: Path | None = None, *, db_url: str | None = None) -> bool:
        """Is there a vault in the folder (or database)? A server that cannot be reached raises
        VaultError rather than answering no."""
        return VaultStore.exists(directory, db_url=db_url)

    @staticmethod
    def describe_location(directory: Path | None = None, *, db_url: str | None = None) -> str:
        """The folder, or the database URL with any password hidden: for messages and titles."""
        return str(locate(directory, db_url))

    @staticmethod
    def move(
        source: Path | str,
        target: Path | str,
        user: str,
        password: str,
        *,
        progress: Progress | None = None,
    ) -> MoveReport:
        """Move a vault between a folder and a PostgreSQL database (either way): rows copied as
        ciphertext into an empty target, then verified with the same check as :meth:`check`.
        A ``str`` containing ``://`` is a database URL; anything else is a folder."""

        def place(value: Path | str) -> Location:
            return folder_or_url(value) if isinstance(value, str) else locate(value)

        return move_vault(place(source), place(target), user, password, progress=progress)

    def close(self) -> None:
        self._store.close()
        self._versions.clear()

    @property
    def user(self) -> UserInfo:
        return UserInfo(self._store.user, Role(self._store.role))

    @property
    def directory(self) -> Path | None:
        """The vault folder; None when the vault is on a database server (see :attr:`location`)."""
        return self._store.directory

    @property
    def location(self) -> str:
        """Where the vault is, for display: the folder, or the URL with any password hidden."""
        return str(self._store.location)

    @property
    def on_server(self) -> bool:
        return self._store.location.on_server

    def changes_since(self, token: int = 0) -> tuple[list[str], int]:
        """Ids of records saved or deleted by anyone (this session included) after ``token``,
        and the token to pass next time.

        Start with ``0`` (every record id present, plus deleted ids), keep the returned token,
        and call again on a timer (a few seconds) or when the window gets focus. For each id,
        reload it with :meth:`load`/:meth:`list_records` (it may now be missing: deleted).
        Tokens are integers that only grow; an id may be reported twice, never missed.
        """
        return self._store.changes_since(token)

    def _require(self, permission: Permission, message: str) -> None:
        if not can(self.user.role, permission):
            raise PermissionDenied(message)

    # --- records ---------------------------------------------------------------------------------

    def _decode(self, record_id: str, data: bytes) -> Record:
        try:
            record = record_from_bytes(data)
        except InterchangeError:
            raise IntegrityError(
                f"The record {record_id} is damaged and cannot be opened."
            ) from None
        if record.id != record_id:
            raise IntegrityError(f"The record {record_id} is damaged and cannot be opened.")
        return record

    def list_records(self) -> list[Record]:
        """Every record that opens; damaged ones are left out (see :meth:`damaged_records`).

        Listing does not move the version this session expects for a record it already read:
        with another instance saving, a refreshed dashboard must not let an editor's older copy
        overwrite the newer save (that save raises SaveConflict; :meth:`load` takes the new one).
        """
        good, _damaged = self._store.list_records()
        out = []
        for stored in good:
            try:
                out.append(self._decode(stored.id, stored.data))
            except IntegrityError:
                continue
            self._versions.setdefault(stored.id, stored.version)
        return out

    def get_records(self, record_ids: list[str]) -> tuple[list[Record], list[str]]:
        """The current copies of some records (for a dashboard refreshing what
        :meth:`changes_since` reported), and the ids that are no longer there. Damaged ones are
        left out of both (see :meth:`damaged_records`). Writes no audit entry, unlike :meth:`load`."""
        found: list[Record] = []
        gone: list[str] = []
        present = self._store.record_versions()
        for record_id in record_ids:
            if record_id not in present:
                gone.append(record_id)
                continue
            try:
                stored = self._store.get_record(record_id)
                found.append(self._decode(record_id, stored.data))
            except IntegrityError:
                continue
            except VaultError:  # deleted in the meantime
                gone.append(record_id)
                continue
            self._versions.setdefault(record_id, stored.version)
        return found, gone

    def damaged_records(self) -> list[str]:
        good, damaged = self._store.list_records()
        for stored in good:
            try:
                self._decode(stored.id, stored.data)
            except IntegrityError:
                damaged.append(stored.id)
        return sorted(damaged)

    def load(self, record_id: str) -> Record:
        stored = self._store.get_record(record_id)
        record = self._decode(record_id, stored.data)
        self._versions[record_id] = stored.version
        self._store.append_audit("opened", record_id, {})
        return record

    def new_record(self, values: Mapping[str, Any] | None = None) -> Record:
        """A new draft, starting with ``values`` ("section.field" -> value; the setting
        profile's pre-fill, see ``ProfileService.new_record``)."""
        self._require(Permission.EDIT_RECORDS, "Your role cannot create records.")
        fw = current_framework()
        now = self._clock()
        record = Record(framework_id=fw.id, framework_version=fw.version, created=now, updated=now)
        for path, value in (values or {}).items():
            fw.field(path)  # a path the framework does not have is a programming error
            record.set(path, value)
        self._check_guarded(None, record)
        self._versions[record.id] = self._store.put_record(
            record.id, record_to_bytes(record), None, action="created"
        )
        return record

    def _check_guarded(self, old: Record | None, new: Record) -> None:
        if can(self.user.role, Permission.SET_SAFEGUARDING):
            return
        for path in _guarded_paths(new):
            before = old.get(path) if old is not None else None
            if before != new.get(path):
                raise PermissionDenied(
                    "Only the designated safeguarding lead or a manager can change the safeguarding flag."
                )

    def _check_imported_signoffs(self, old: Record | None, new: Record) -> None:
        """An import must not add a sign-off its importer could not give (managers bring in
        records signed elsewhere, so they may)."""
        role = self.user.role
        if can(role, Permission.IMPORT_CHARTER):
            return
        before = set(old.signoffs) if old is not None else set()
        for signoff in new.signoffs:
            if signoff not in before and not can(role, _SIGN_OFF_PERMISSION[signoff.scope]):
                raise PermissionDenied(
                    f"Your role cannot bring in a record with a {signoff.scope.label.lower()}."
                )

    def save(self, record: Record) -> Record:
        """Save a change. A change to a signed-off record re-opens it (status draft, sign-offs
        cleared); a change to an exported record marks it changed after export."""
        self._require(Permission.EDIT_RECORDS, "Your role cannot change records.")
        expected = self._versions.get(record.id)
        old: Record | None = None
        if expected is not None:
            stored = self._store.get_record(record.id)
            if stored.version != expected:
                raise SaveConflict(
                    "Someone else saved this record after it was opened here; reopen it and make the change again."
                )
            old = self._decode(record.id, stored.data)
        self._check_guarded(old, record)
        new = record.copy()
        detail: dict[str, Any] = {}
        if old is None:
            new.signoffs = []
            new.status = new.status if new.status in _CALLER_STATUSES else Status.DRAFT
        else:
            changed = not old.content_equals(new)
            new.signoffs = list(old.signoffs)
            new.export_version = old.export_version
            if changed and old.status == Status.SIGNED_OFF:
                new.status, new.signoffs = Status.DRAFT, []
                detail["reopened"] = True
            elif changed and old.status in (Status.EXPORTED, Status.CHANGED_AFTER_EXPORT):
                new.status = Status.CHANGED_AFTER_EXPORT
                detail["changed_after_export"] = True
            elif not (old.status in _CALLER_STATUSES and new.status in _CALLER_STATUSES):
                new.status = old.status
            detail["changed"] = changed
        new.updated = self._clock()
        version = self._store.put_record(
            new.id, record_to_bytes(new), expected, action="saved", detail=detail
        )
        self._versions[new.id] = version
        return new

    def mark_exported(self, record_id: str) -> Record:
        """Record that an export was made: status exported, export version + 1."""
        self._require(Permission.EXPORT, "Your role cannot export records.")
        stored = self._store.get_record(record_id)
        record = self._decode(record_id, stored.data)
        record.status = Status.EXPORTED
        record.export_version += 1
        record.updated = self._clock()
        self._versions[record_id] = self._store.put_record(
            record_id,
            record_to_bytes(record),
            stored.version,
            action="exported",
            detail={"export_version": record.export_version},
        )
        return record

    def sign_off(self, record_id: str, scope: str) -> Record:
        """Sign off the whole record ("record"), the SEND section ("send") or as manager ("manager")."""
        try:
            which = SignOffScope(scope)
        except ValueError:
            raise VaultError(f"“{scope}” is not a sign-off; use record, send or manager.") from None
        self._require(
            _SIGN_OFF_PERMISSION[which], f"Your role cannot give the {which.label.lower()}."
        )
        stored = self._store.get_record(record_id)
        record = self._decode(record_id, stored.data)
        me = self.user
        record.signoffs = [s for s in record.signoffs if s.scope != which]
        record.signoffs.append(
            SignOff(which, self.display_name(me.name), me.role, self._clock().date())
        )
        if which == SignOffScope.RECORD and record.status in (
            *_CALLER_STATUSES,
            Status.CHANGED_AFTER_EXPORT,
        ):
            record.status = Status.SIGNED_OFF
        record.updated = self._clock()
        self._versions[record_id] = self._store.put_record(
            record_id,
            record_to_bytes(record),
            stored.version,
            action="signed_off",
            detail={"scope": which.value},
        )
        return record

    def delete(self, record_id: str) -> None:
        self._require(Permission.DELETE_RECORDS, "Only a manager can delete records.")
        self._store.delete_record(record_id)
        self._versions.pop(record_id, None)

    def import_record(self, record: Record) -> Record:
        """Store a record from elsewhere, keeping its id; an existing one gets a new version."""
        self._require(Permission.EDIT_RECORDS, "Your role cannot import records.")
        try:
            old: Record | None = self._decode(record.id, self._store.get_record(record.id).data)
        except VaultError:
            old = None
        self._check_guarded(old, record)
        self._check_imported_signoffs(old, record)
        new = record.copy()
        self._versions[new.id] = self._store.put_record(
            new.id, record_to_bytes(new), None, action="imported", force=True
        )
        return new

    # --- users -----------------------------------------------------------------------------------

    def list_users(self) -> list[UserInfo]:
        return [UserInfo(u.name, Role(u.role)) for u in self._store.list_users()]

    def add_user(self, name: str, role: Role | str, password: str) -> UserInfo:
        self._require(Permission.MANAGE_USERS, "Only a manager can add users.")
        try:
            which = Role(role)
        except ValueError:
            raise VaultError(f"“{role}” is not a role this app knows.") from None
        self._store.add_user(name, which.value, password)
        return UserInfo(name.strip(), which)

    def remove_user(self, name: str) -> None:
        """Remove a user's key slot, then re-key the vault (new data key, everything re-encrypted)."""
        self._require(Permission.MANAGE_USERS, "Only a manager can remove users.")
        managers = [u for u in self.list_users() if can(u.role, Permission.MANAGE_USERS)]
        if [u.name for u in managers] == [name]:
            raise VaultError("You cannot remove the last user who can manage users.")
        self._store.remove_user(name)

    def reset_password(self, name: str, new: str) -> None:
        """Give another user a new password when they have forgotten theirs: their key slot is
        replaced (the old password opens nothing any more); their role and records stay."""
        self._require(Permission.MANAGE_USERS, "Only a manager can set another user's password.")
        if name == self.user.name:
            raise VaultError("Change your own password with Change password instead.")
        user = next((u for u in self.list_users() if u.name == name), None)
        if user is None:
            raise VaultError(f"There is no user called {name}.")
        self._store.set_user(name, user.role.value, new)

    def change_password(self, old: str, new: str) -> None:
        me = self.user
        if not self._store.verify_password(me.name, old):
            raise AuthenticationFailed("The current password is not right.")
        self._store.set_user(me.name, me.role.value, new)

    # --- audit, check, blobs, backup -------------------------------------------------------------

    def record_event(self, action: str, record_id: str | None, detail: dict[str, Any]) -> None:
        """Write an audit entry (for export, verification, etc.). ``detail`` is stored encrypted."""
        if not _ACTION.match(action):
            raise VaultError("An audit action must be a short lower-case name.")
        self._store.append_audit(action, record_id, detail)

    def audit_entries(self, record_id: str | None = None) -> list[AuditEntry]:
        return self._store.audit_entries(record_id)

    def check(self) -> CheckReport:
        """Authenticate every record, blob and audit link; one problem sentence each."""
        problems = self._store.check()
        good, _damaged = self._store.list_records()
        for stored in good:
            try:
                self._decode(stored.id, stored.data)
            except IntegrityError:
                problems.append(f"Record {stored.id}: its contents cannot be read as a record.")
        return CheckReport(ok=not problems, problems=problems)

    def put_blob(self, name: str, data: bytes) -> None:
        if name in _MANAGER_BLOBS:
            self._require(Permission.IMPORT_CHARTER, _MANAGER_BLOBS[name][0])
        self._store.put_blob(name, data)

    def delete_blob(self, name: str) -> bool:
        if name in _MANAGER_BLOBS:
            self._require(Permission.IMPORT_CHARTER, _MANAGER_BLOBS[name][1])
        return self._store.delete_blob(name)

    def display_name(self, login: str | None = None) -> str:
        """How ``login`` (default: the logged-in user) is named on sign-offs and PDFs: the
        display name in the setting profile, or the login when none is set."""
        login = self.user.name if login is None else login
        raw = self._store.get_blob(PROFILE_BLOB)
        if raw is None:
            return login
        try:
            return profile_from_bytes(raw).display_name(login)
        except ValidationFailed:
            return login

    def get_blob(self, name: str) -> bytes | None:
        return self._store.get_blob(name)

    def backup(self, out: Path, progress: Progress | None = None) -> None:
        self._store.backup(Path(out), progress)

    @staticmethod
    def restore(
        backup_file: Path,
        directory: Path | None,
        *,
        db_url: str | None = None,
        user: str | None = None,
        password: str | None = None,
        recovery_key: str | None = None,
        progress: Progress | None = None,
    ) -> None:
        """Restore a backup into a new, empty folder (or an empty database given by ``db_url``);
        on failure nothing is created."""
        restore_backup(
            Path(backup_file),
            None if directory is None else Path(directory),
            db_url=db_url,
            user=user,
            password=password,
            recovery_key=recovery_key,
            progress=progress,
        )
