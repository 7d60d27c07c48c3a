"""The vault service: what the window and the command line call to read and change records.

It sits on :class:`models.vault.VaultStore` (encrypted bytes in, bytes out) and adds what a record
means: (de)serialisation, the status workflow, and the role rules of :mod:`models.roles`. The rules
are enforced here, not in the UI, so every caller gets them:

* only a role with SIGN_OFF_SEND (SENCO, childminder) signs off the SEND section, and only when
  what the sign-off covers is complete and valid (:mod:`models.readiness`);
* a sign-off is bound to the content it signed (:mod:`models.signoff`): a save keeps every
  sign-off and the status is worked out again, so an edit makes a sign-off "changed since signed
  off" and undoing it makes it valid again; an import keeps a file's sign-off only as history
  unless this vault recorded that very sign-off (same user, role, scope and content);
* only a role with SET_SAFEGUARDING (DSL, manager, childminder) changes a field whose
  ``FieldDef.guard`` is safeguarding (old and new values are compared on every save and import);
* only a role with MANAGE_USERS / DELETE_RECORDS / IMPORT_CHARTER manages users, deletes records
  or stores a charter;
* every blob and audit event is written only by a role allowed to (the rules in
  :mod:`transitions_app.services.write_rules`: the setting's signing identity needs a manager, an
  audit event must be one this app writes and one the role could cause);
* a save with a stale version raises :class:`SaveConflict`.

A vault is a folder (SQLite, the default) or, with the keyword ``db_url``, a PostgreSQL database
(``postgresql+psycopg://USER@HOST/DB``) that several instances of the app use at once. To pick up
what other instances changed, poll :meth:`VaultService.changes_since` (cheap: two indexed queries).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from models.errors import (
    AuthenticationFailed,
    CharterInvalid,
    IntegrityError,
    InterchangeError,
    PermissionDenied,
    SaveConflict,
    SignOffRefused,
    ValidationFailed,
    VaultError,
)
from models.framework.definition import Guard, Kind
from models.framework.registry import current_framework, get_framework
from models.interchange import record_from_bytes, record_to_bytes
from models.readiness import Readiness, readiness, refusal_sentence
from models.record import Record, SignOff, SignOffScope, Status, is_record_id
from models.roles import Permission, Role, can, refusal
from models.setting_profile import profile_from_bytes
from models.signoff import (
    as_history,
    bind_legacy_signoffs,
    derive_status,
    is_valid,
    record_digest,
    valid_scopes,
    with_signoff,
)
from models.vault import (
    AuditEntry,
    KdfParams,
    Location,
    MoveReport,
    VaultStore,
    folder_or_url,
    local_mark,
    locate,
    move_vault,
    restore_backup,
)
from models.vault.backup import backup_identity
from models.vault.store import Sleeper
from transitions_app.services.write_rules import WriteRule, blob_rule, event_rule
from transitions_app.state_dir import default_state_dir

Clock = Callable[[], datetime]
Progress = Callable[[int, int], None]

CHARTER_BLOB = "charter"
PROFILE_BLOB = "setting_profile"  # models.setting_profile: a manager edits it
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
        state_dir: Path | None = None,
    ) -> VaultService:
        """Raises AuthenticationFailed (wrong or removed user, wrong password) or VaultError.

        ``state_dir`` is this PC's state folder (by default :func:`default_state_dir`), where the
        newest audit entry each user has seen is kept outside the vault."""
        return cls(
            VaultStore.open(
                directory,
                user,
                password,
                db_url=db_url,
                clock=clock,
                sleeper=sleeper,
                state_dir=state_dir if state_dir is not None else default_state_dir(),
            ),
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

    @property
    def notices(self) -> list[str]:
        """What people should be told about this opening, one sentence each: that it could not
        be written to the audit trail (a read-only vault, a full disk), or damage found at the
        end of the audit trail."""
        return list(self._store.notices)

    @property
    def read_only(self) -> bool:
        """True when this session cannot change the vault (read-only here, or the disk is full)."""
        return self._store.read_only is not None

    def changes_since(self, token: int = 0) -> tuple[list[str], int]:
        """Ids of records saved or deleted by anyone (this session included) after ``token``,
        and the token to pass next time.

        Start with ``0`` (every record id present, plus deleted ids), keep the returned token,
        and call again on a timer (a few seconds) or when the window gets focus. For each id,
        reload it with :meth:`load`/:meth:`list_records` (it may now be missing: deleted).
        Tokens are integers that only grow; an id may be reported twice, never missed.
        """
        return self._store.changes_since(token)

    def _require(self, permission: Permission, message: str = "") -> None:
        if not can(self.user.role, permission):
            raise PermissionDenied(message or self.refusal(permission))

    def refusal(self, permission: Permission) -> str:
        """Why this user may not do ``permission``, naming who can by the names the setting gives
        them ("Only a SENCO can review the SEND section. Ask Sam Okafor (SENCO) or the manager.")."""
        names = self._display_names()
        return refusal(permission, [(names(u.name), u.role) for u in self.list_users()])

    def sign_off_refusal(self, scope: str) -> str | None:
        """The sentence for a sign-off this user's role may not give, or None when it may."""
        permission = _SIGN_OFF_PERMISSION[SignOffScope(scope)]
        return None if can(self.user.role, permission) else self.refusal(permission)

    # --- the rules: charter and readiness ----------------------------------------------------------

    def charter(self) -> Any:
        """The vault's charter, verified (None when none is imported or it no longer verifies:
        then the framework's rules alone apply to sign-off)."""
        from transitions_app.services.charter_service import CharterService

        try:
            return CharterService(self, clock=self._clock).charter()
        except CharterInvalid:
            return None

    def readiness(self, record: Record, charter: Any = None) -> Readiness:
        """Everything that stops ``record`` being signed off or exported today, under the vault's
        charter (or ``charter`` when the caller already has it)."""
        rules = charter if charter is not None else self.charter()
        return readiness(record, rules, self._clock().date())

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
        if bind_legacy_signoffs(record):
            record.status = derive_status(record)
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
        self._store.note_reading(record_id)
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
            if before != new.get(path) or (
                new.typed.get(path) != (old.typed.get(path) if old else None)
            ):
                raise PermissionDenied(self.refusal(Permission.SET_SAFEGUARDING))

    def _vouched_signoffs(self, old: Record | None, new: Record) -> list[SignOff]:
        """The sign-offs an imported ``new`` keeps. A sign-off from the file counts only when this
        vault recorded exactly it (its audit trail has that user signing that scope of that
        content), the user still has that role, and the content still matches; any other is kept
        as history. A scope the file does not vouch for keeps the stored record's sign-off (valid
        or changed, as for an edit)."""
        users = {u.name: u.role for u in self.list_users()}
        recorded = {
            (e.user, str(e.detail.get("scope")), str(e.detail.get("digest")))
            for e in self._store.audit_entries(new.id)
            if e.action == "signed_off" and e.intact
        }
        current: dict[SignOffScope, SignOff] = {}
        history: list[SignOff] = []
        for s in new.signoffs:
            vouched = (
                not s.history
                and users.get(s.user) == s.role
                and can(s.role, _SIGN_OFF_PERMISSION[s.scope])
                and (s.user, s.scope.value, s.digest) in recorded
                and is_valid(new, s)
            )
            if vouched and s.scope not in current:
                current[s.scope] = s
            else:
                history.extend(as_history([s]))
        if old is not None:
            for s in old.signoffs:
                if s.history:
                    history.append(s)
                elif s.scope not in current:
                    current[s.scope] = s
        kept = list(current.values())
        seen = {(s.scope, s.name, s.signed_on, s.digest) for s in kept}
        for s in history:
            key = (s.scope, s.name, s.signed_on, s.digest)
            if key not in seen:
                seen.add(key)
                kept.append(s)
        return kept

    def save(self, record: Record) -> Record:
        """Save a change. Sign-offs stay bound to what they signed: the status is worked out
        again (a change to signed content makes its sign-off "changed since signed off"; a change
        to an exported record marks it changed after export; undoing either restores it)."""
        self._require(Permission.EDIT_RECORDS)
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
        if record.status in _CALLER_STATUSES:
            ready = record.status is Status.READY_FOR_REVIEW
        else:
            ready = old is not None and old.status is Status.READY_FOR_REVIEW
        if old is None:
            new.signoffs, new.export_version, new.exported_digest = [], 0, ""
            new.exported_on = None
        else:
            new.signoffs = list(old.signoffs)
            new.export_version = old.export_version
            new.exported_digest = old.exported_digest
            new.exported_on = old.exported_on
            detail["changed"] = not old.content_equals(new)
        new.status = derive_status(new, ready=ready)
        if old is not None:
            before, after = valid_scopes(old), valid_scopes(new)
            if before - after:
                detail["signoffs_changed"] = sorted(s.value for s in before - after)
            if after - before:
                detail["signoffs_valid_again"] = sorted(s.value for s in after - before)
            if SignOffScope.RECORD in before - after:
                detail["reopened"] = True
            if (
                new.status is Status.CHANGED_AFTER_EXPORT
                and old.status is not Status.CHANGED_AFTER_EXPORT
            ):
                detail["changed_after_export"] = True
        new.updated = self._clock()
        version = self._store.put_record(
            new.id, record_to_bytes(new), expected, action="saved", detail=detail
        )
        self._versions[new.id] = version
        return new

    def mark_exported(self, record_id: str, on: date | None = None) -> Record:
        """Record that an export was made (on ``on``, the export's own day; else today): status
        exported, export version + 1."""
        self._require(Permission.EXPORT, "Your role cannot export records.")
        stored = self._store.get_record(record_id)
        record = self._decode(record_id, stored.data)
        record.export_version += 1
        record.exported_digest = record_digest(record)
        record.exported_on = on or self._clock().date()
        record.status = derive_status(record)
        record.updated = self._clock()
        self._versions[record_id] = self._store.put_record(
            record_id,
            record_to_bytes(record),
            stored.version,
            action="exported",
            detail={"export_version": record.export_version},
        )
        return record

    def sign_off(self, record_id: str, scope: str, *, charter: Any = None) -> Record:
        """Sign off the whole record ("record"), the SEND section ("send") or as manager
        ("manager"), bound to the content as it is now.

        Raises PermissionDenied (naming who can) for a role that may not, and SignOffRefused with
        the blocking items while what the sign-off covers is incomplete or not valid."""
        try:
            which = SignOffScope(scope)
        except ValueError:
            raise VaultError(f"“{scope}” is not a sign-off; use record, send or manager.") from None
        self._require(_SIGN_OFF_PERMISSION[which])
        stored = self._store.get_record(record_id)
        record = self._decode(record_id, stored.data)
        stopping = self.readiness(record, charter).stopping(which)
        if stopping:
            raise SignOffRefused(refusal_sentence(which, stopping), tuple(stopping))
        me = self.user
        record = with_signoff(
            record, which, self.display_name(), me.role, self._clock().date(), login=me.name
        )
        record.updated = self._clock()
        given = record.signoff(which)
        self._versions[record_id] = self._store.put_record(
            record_id,
            record_to_bytes(record),
            stored.version,
            action="signed_off",
            detail={"scope": which.value, "digest": given.digest if given else ""},
        )
        return record

    def delete(self, record_id: str) -> None:
        self._require(Permission.DELETE_RECORDS, "Only a manager can delete records.")
        self._store.delete_record(record_id)
        self._versions.pop(record_id, None)

    def import_record(self, record: Record) -> Record:
        """Store a record from elsewhere, keeping its id; an existing one gets a new version.

        The same rules as an edit: role checks, sign-offs kept only where this vault vouches for
        them (see :meth:`_vouched_signoffs`), the status worked out, never taken from the file."""
        self._require(Permission.EDIT_RECORDS)
        if not is_record_id(record.id):
            raise InterchangeError(
                "The record's id is not a record id (a UUID); it was not imported."
            )
        try:
            old: Record | None = self._decode(record.id, self._store.get_record(record.id).data)
        except VaultError:
            old = None
        self._check_guarded(old, record)
        new = record.copy()
        new.signoffs = self._vouched_signoffs(old, record)
        new.export_version = old.export_version if old is not None else 0
        new.exported_digest = old.exported_digest if old is not None else ""
        new.exported_on = old.exported_on if old is not None else None
        new.status = derive_status(
            new, ready=old is not None and old.status is Status.READY_FOR_REVIEW
        )
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
        """Write an audit entry (for export, verification, etc.). ``detail`` is stored encrypted.

        Only the events of :data:`~transitions_app.services.write_rules.EVENT_RULES`, each by a
        role that could cause it."""
        if not _ACTION.match(action):
            raise VaultError("An audit action must be a short lower-case name.")
        rule = event_rule(action)
        if rule is None:
            raise VaultError(f"“{action}” is not an audit event this app writes.")
        self._require_rule(rule)
        self._store.append_audit(action, record_id, detail)

    def _require_rule(self, rule: WriteRule) -> None:
        if not rule.allows(self.user.role):
            raise PermissionDenied(f"Your role cannot {rule.what}.")

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
        if name == CHARTER_BLOB:
            self._require(Permission.IMPORT_CHARTER, "Only a manager can import a charter.")
        self._require_rule(blob_rule(name))
        self._store.put_blob(name, data)

    def delete_blob(self, name: str) -> bool:
        if name == CHARTER_BLOB:
            self._require(Permission.IMPORT_CHARTER, "Only a manager can remove a charter.")
        self._require_rule(blob_rule(name))
        return self._store.delete_blob(name)

    def display_name(self, login: str | None = None) -> str:
        """How ``login`` (default: the logged-in user) is named on sign-offs and PDFs: the
        display name in the setting profile, or the login when none is set."""
        return self._display_names()(self.user.name if login is None else login)

    def _display_names(self) -> Callable[[str], str]:
        """login -> display name, reading the setting profile once."""
        raw = self._store.get_blob(PROFILE_BLOB)
        if raw is None:
            return lambda login: login
        try:
            return profile_from_bytes(raw).display_name
        except ValidationFailed:
            return lambda login: login

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
        # A restore steps back on purpose: what people saw of the newer state on this PC is
        # forgotten, so the restored vault is not taken for an older copy put back in secret.
        vault_id, names = backup_identity(Path(backup_file))
        place = local_mark.place_id(vault_id, locate(directory, db_url))
        local_mark.forget(default_state_dir(), place, names)
