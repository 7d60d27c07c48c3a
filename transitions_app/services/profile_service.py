"""The setting profile service: read, suggest and save the setting's profile, and start new records
from it (the window's New child and ``records new`` both come here).

Only a manager (or a childminder) saves the profile; the vault service refuses anyone else's write
of the profile blob too. Every logged-in user reads it, since every new record is pre-filled from it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, Protocol

from cryptography.x509.oid import NameOID

from models.errors import PermissionDenied, TransitionsError
from models.framework.registry import current_framework
from models.record import Record
from models.roles import Permission, Role, can
from models.setting_profile import (
    SettingProfile,
    StaffMember,
    check_profile,
    name_and_urn_from_certificate,
    profile_from_bytes,
)
from models.values import MAX_TEXT
from transitions_app.services.vault_service import PROFILE_BLOB, UserInfo

__all__ = ["ProfileService", "StaffRow"]


class _Vault(Protocol):
    @property
    def user(self) -> UserInfo: ...

    def get_blob(self, name: str) -> bytes | None: ...

    def put_blob(self, name: str, data: bytes) -> None: ...

    def list_users(self) -> list[UserInfo]: ...

    def new_record(self, values: dict[str, Any] | None = None) -> Record: ...


class StaffRow:
    """One vault user with what the profile says about them (for the profile dialog)."""

    __slots__ = ("login", "role", "display_name", "job_title")

    def __init__(self, login: str, role: Role, display_name: str, job_title: str) -> None:
        self.login, self.role = login, role
        self.display_name, self.job_title = display_name, job_title


class ProfileService:
    def __init__(self, vault: _Vault, charters: Any = None) -> None:
        """``charters`` is a ``CharterService`` for :meth:`suggested` (the LA certificate and the
        charter); without one, suggestions come from the stored profile only."""
        self._vault = vault
        self._charters = charters

    # --- reading ------------------------------------------------------------------------------

    def profile(self) -> SettingProfile:
        """The stored profile, or an empty one before a manager has saved it."""
        raw = self._vault.get_blob(PROFILE_BLOB)
        return SettingProfile() if raw is None else profile_from_bytes(raw)

    def can_edit(self) -> bool:
        return can(self._vault.user.role, Permission.IMPORT_CHARTER)

    def staff(self) -> list[StaffRow]:
        """Every user of the vault with their display name and job title (blank when unset)."""
        profile = self.profile()
        rows = []
        for user in self._vault.list_users():
            member = profile.staff_member(user.name)
            rows.append(
                StaffRow(
                    user.name,
                    user.role,
                    member.display_name if member else "",
                    member.job_title if member else "",
                )
            )
        return rows

    def suggested(self) -> SettingProfile:
        """The stored profile with its empty parts filled from what the LA has said: the
        setting's name and URN from the LA-issued (or self-signed) certificate, the local
        authority from the charter. Nothing already written is replaced. Slow (opens the
        certificate): call it off the UI thread."""
        profile = self.profile()
        if self._charters is None:
            return profile
        name, urn, local_authority = profile.name, profile.urn, profile.local_authority
        try:
            identity = self._charters.setting_identity()
        except TransitionsError:
            identity = None
        if identity is not None:
            subject = identity.cert.subject
            org = subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
            cn = subject.get_attributes_for_oid(NameOID.COMMON_NAME)
            found_name, found_urn = name_and_urn_from_certificate(
                str(org[0].value) if org else "", str(cn[0].value) if cn else ""
            )
            if found_name and not profile.name.strip():
                name = found_name
            if found_urn and not profile.urn.strip():
                urn = found_urn
        try:
            charter = self._charters.charter()
        except TransitionsError:
            charter = None
        if charter is not None and not profile.local_authority.strip():
            local_authority = charter.identity.issuing_la
        if (name, urn, local_authority) == (profile.name, profile.urn, profile.local_authority):
            return profile
        return replace(profile, name=name, urn=urn, local_authority=local_authority)

    # --- writing ------------------------------------------------------------------------------

    def save(self, profile: SettingProfile) -> SettingProfile:
        """Store the profile (manager or childminder). Staff entries for logins the vault does
        not have are dropped; empty entries are not kept."""
        if not self.can_edit():
            raise PermissionDenied("Only a manager can change the setting profile.")
        check_profile(profile)
        logins = {u.name for u in self._vault.list_users()}
        staff = tuple(
            StaffMember(m.login, m.display_name.strip(), m.job_title.strip())
            for m in profile.staff
            if m.login in logins and (m.display_name.strip() or m.job_title.strip())
        )
        stored = replace(profile, staff=tuple(sorted(staff, key=lambda m: m.login)))
        self._vault.put_blob(PROFILE_BLOB, stored.to_bytes())
        return stored

    # --- new records ----------------------------------------------------------------------------

    def new_values(
        self, forename: str = "", surname: str = "", dob: date | None = None
    ) -> dict[str, Any]:
        """What a new record starts with: the profile's pre-fill plus the child's names and
        date of birth when given."""
        user = self._vault.user
        values = self.profile().prefill(user.name, user.role)
        for path, text in (("child.legal_forenames", forename), ("child.legal_surname", surname)):
            text = text.strip()
            if len(text) > MAX_TEXT:
                raise TransitionsError("That name is too long.")
            if text:
                values[path] = text
        if dob is not None:
            values["child.date_of_birth"] = dob
        fw = current_framework()
        return {path: value for path, value in values.items() if fw.has_field(path)}

    def new_record(self, forename: str = "", surname: str = "", dob: date | None = None) -> Record:
        """A new draft record pre-filled from the setting profile (as the window's New child)."""
        return self._vault.new_record(self.new_values(forename, surname, dob))
