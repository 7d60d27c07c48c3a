"""The setting profile: what a setting says about itself once, so no record asks for it again.

A manager fills it in once (name, Ofsted URN, type, address, phone, the SENCO, the DSL, the
manager, the named contact for schools, and each member of staff's display name and job title).
Every new record starts with the setting's fields, the key person's organisation and contact and
the named contact for the school filled in from it (:meth:`SettingProfile.prefill`); sign-offs and
the exported PDF name staff by their display name (:meth:`SettingProfile.display_name`).

The profile is stored encrypted in the vault like any other data (the service keeps it as a blob).
Its JSON form is versioned with ``format``; unknown keys are refused rather than kept silently.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from models.errors import ValidationFailed
from models.record import Person
from models.roles import Role

PROFILE_FORMAT = 1
MAX_TEXT = 500  # characters in any one profile value
SETTING_TYPES = ("group", "school_nursery", "childminder")  # child.setting_type's option values
_URN_IN_NAME = re.compile(r"\(URN\s+([A-Za-z0-9]+)\)\s*$")


class SchoolContact(StrEnum):
    """Who is the named contact for the school's questions in the first term."""

    KEY_PERSON = "key_person"  # the child's key person (the person creating the record)
    MANAGER = "manager"
    SENCO = "senco"
    DSL = "dsl"


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A login's name as people read it (on sign-offs and the PDF) and their job title."""

    login: str
    display_name: str = ""
    job_title: str = ""


@dataclass(frozen=True, slots=True)
class Contact:
    """A named person of the setting: the SENCO, the DSL or the manager."""

    name: str = ""
    phone: str = ""
    email: str = ""

    def is_empty(self) -> bool:
        return not (self.name.strip() or self.phone.strip() or self.email.strip())

    def contact_line(self, fallback: str = "") -> str:
        parts = [p for p in (self.phone.strip(), self.email.strip()) if p]
        return ", ".join(parts) if parts else fallback


@dataclass(frozen=True, slots=True)
class SettingProfile:
    name: str = ""
    urn: str = ""
    setting_type: str = ""  # one of SETTING_TYPES, or "" when not chosen
    address: str = ""
    phone: str = ""
    email: str = ""
    local_authority: str = ""
    senco: Contact = field(default_factory=Contact)
    dsl: Contact = field(default_factory=Contact)
    manager: Contact = field(default_factory=Contact)
    school_contact: SchoolContact = SchoolContact.KEY_PERSON
    staff: tuple[StaffMember, ...] = ()

    # -- staff ---------------------------------------------------------------------------------

    def staff_member(self, login: str) -> StaffMember | None:
        for member in self.staff:
            if member.login == login:
                return member
        return None

    def display_name(self, login: str) -> str:
        """The name to print for ``login``: its display name, or the login itself."""
        member = self.staff_member(login)
        return member.display_name.strip() if member and member.display_name.strip() else login

    def with_staff(self, member: StaffMember) -> SettingProfile:
        others = tuple(m for m in self.staff if m.login != member.login)
        return replace(self, staff=tuple(sorted((*others, member), key=lambda m: m.login)))

    # -- what a new record starts with -----------------------------------------------------------

    def _org_contact(self) -> str:
        return ", ".join(p for p in (self.phone.strip(), self.email.strip()) if p)

    def person_for(self, who: SchoolContact, key_person: Person | None) -> Person | None:
        if who is SchoolContact.KEY_PERSON:
            return key_person
        contact, role = {
            SchoolContact.MANAGER: (self.manager, "Manager"),
            SchoolContact.SENCO: (self.senco, "SENCO"),
            SchoolContact.DSL: (self.dsl, "Designated safeguarding lead"),
        }[who]
        if contact.is_empty():
            return None
        return Person(
            name=contact.name.strip(),
            role=role,
            organisation=self.name.strip(),
            contact=contact.contact_line(self._org_contact()),
        )

    def key_person(self, login: str | None, role: Role | None) -> Person | None:
        """The key person a new record starts with: the creator, when they are a key person
        (practitioner or childminder), else only the setting's organisation and contact."""
        name, title = "", "Key person"
        if login is not None and role in (Role.PRACTITIONER, Role.CHILDMINDER):
            member = self.staff_member(login)
            name = self.display_name(login)
            if member is not None and member.job_title.strip():
                title = member.job_title.strip()
        person = Person(
            name=name,
            role=title if name else "",
            organisation=self.name.strip(),
            contact=self._org_contact(),
        )
        return None if person.is_empty() else person

    def prefill(self, login: str | None = None, role: Role | None = None) -> dict[str, Any]:
        """Record values ("section.field" -> value) a new record starts with. Empty parts of the
        profile fill nothing."""
        values: dict[str, Any] = {}
        if self.name.strip():
            values["child.setting_name"] = self.name.strip()
        if self.urn.strip():
            values["child.setting_urn"] = self.urn.strip()
        if self.setting_type in SETTING_TYPES:
            values["child.setting_type"] = self.setting_type
        key_person = self.key_person(login, role)
        if key_person is not None:
            values["child.key_person"] = key_person
        contact = self.person_for(self.school_contact, key_person)
        if contact is not None and not contact.is_empty():
            values["transition.setting_contact"] = contact
        return values

    def is_empty(self) -> bool:
        return self == SettingProfile()

    # -- JSON ----------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        def contact(c: Contact) -> dict[str, str]:
            return {"name": c.name, "phone": c.phone, "email": c.email}

        return {
            "format": PROFILE_FORMAT,
            "name": self.name,
            "urn": self.urn,
            "setting_type": self.setting_type,
            "address": self.address,
            "phone": self.phone,
            "email": self.email,
            "local_authority": self.local_authority,
            "senco": contact(self.senco),
            "dsl": contact(self.dsl),
            "manager": contact(self.manager),
            "school_contact": self.school_contact.value,
            "staff": [
                {"login": m.login, "display_name": m.display_name, "job_title": m.job_title}
                for m in self.staff
            ],
        }

    def to_bytes(self) -> bytes:
        return json.dumps(self.to_json(), ensure_ascii=False, sort_keys=True).encode("utf-8")


_TEXT_KEYS = ("name", "urn", "setting_type", "address", "phone", "email", "local_authority")
_CONTACT_KEYS = ("senco", "dsl", "manager")
_KNOWN = {"format", *_TEXT_KEYS, *_CONTACT_KEYS, "school_contact", "staff"}


def _text(raw: Any, what: str) -> str:
    if not isinstance(raw, str):
        raise ValidationFailed(f"The setting profile's {what} must be text.")
    if len(raw) > MAX_TEXT:
        raise ValidationFailed(
            f"The setting profile's {what} is longer than {MAX_TEXT} characters."
        )
    return raw


def _contact(raw: Any, what: str) -> Contact:
    if not isinstance(raw, dict) or set(raw) - {"name", "phone", "email"}:
        raise ValidationFailed(f"The setting profile's {what} must have a name, phone and email.")
    return Contact(**{k: _text(raw.get(k, ""), f"{what} {k}") for k in ("name", "phone", "email")})


def check_profile(profile: SettingProfile) -> SettingProfile:
    """The profile itself if every value fits; raises ValidationFailed naming the first that
    does not (too long, an unknown setting type, a staff login listed twice)."""
    for key in _TEXT_KEYS:
        _text(getattr(profile, key), key.replace("_", " "))
    if profile.setting_type and profile.setting_type not in SETTING_TYPES:
        raise ValidationFailed(f"“{profile.setting_type}” is not a type of setting.")
    for key in _CONTACT_KEYS:
        c: Contact = getattr(profile, key)
        for part in ("name", "phone", "email"):
            _text(getattr(c, part), f"{key} {part}")
    logins = [m.login for m in profile.staff]
    if len(set(logins)) != len(logins):
        raise ValidationFailed("A member of staff is listed twice in the setting profile.")
    for m in profile.staff:
        for part in (m.login, m.display_name, m.job_title):
            _text(part, "staff details")
    return profile


def profile_from_json(data: Any) -> SettingProfile:
    """Read a profile's JSON form; raises ValidationFailed with one plain sentence."""
    if not isinstance(data, dict) or data.get("format") != PROFILE_FORMAT:
        raise ValidationFailed("The setting profile is not in a format this app reads.")
    unknown = set(data) - _KNOWN
    if unknown:
        raise ValidationFailed(
            f"The setting profile has unknown entries ({', '.join(sorted(unknown))})."
        )
    texts: dict[str, Any] = {k: _text(data.get(k, ""), k.replace("_", " ")) for k in _TEXT_KEYS}
    contacts: dict[str, Any] = {k: _contact(data.get(k, {}), k) for k in _CONTACT_KEYS}
    try:
        school_contact = SchoolContact(data.get("school_contact", SchoolContact.KEY_PERSON.value))
    except ValueError:
        raise ValidationFailed(
            "The setting profile's named contact for schools is not known."
        ) from None
    raw_staff = data.get("staff", [])
    if not isinstance(raw_staff, list):
        raise ValidationFailed("The setting profile's staff must be a list.")
    staff = []
    for entry in raw_staff:
        if not isinstance(entry, dict) or set(entry) - {"login", "display_name", "job_title"}:
            raise ValidationFailed("A member of staff in the setting profile is not readable.")
        staff.append(
            StaffMember(
                login=_text(entry.get("login", ""), "staff login"),
                display_name=_text(entry.get("display_name", ""), "staff display name"),
                job_title=_text(entry.get("job_title", ""), "staff job title"),
            )
        )
    return check_profile(
        SettingProfile(**texts, **contacts, school_contact=school_contact, staff=tuple(staff))
    )


def profile_from_bytes(data: bytes) -> SettingProfile:
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValidationFailed(
            "The stored setting profile is damaged; a manager saves it again."
        ) from None
    return profile_from_json(raw)


def name_and_urn_from_certificate(organisation: str, common_name: str) -> tuple[str, str]:
    """The setting's name and URN as an LA-issued certificate states them: the organisation is
    the name, the common name ends "(URN EY123456)" when the LA gave the URN."""
    found = _URN_IN_NAME.search(common_name)
    urn = found.group(1) if found else ""
    name = organisation.strip() or (_URN_IN_NAME.sub("", common_name).strip())
    return name, urn
