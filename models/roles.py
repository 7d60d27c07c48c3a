"""Who may do what. The rules live here as data; the service layer enforces them."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    # Early years setting roles
    PRACTITIONER = "practitioner"  # key person
    CHILDMINDER = "childminder"  # one person holding every setting role
    SENCO = "senco"
    DSL = "dsl"  # designated safeguarding lead
    MANAGER = "manager"
    # Receiving school roles
    RECEPTION_TEACHER = "reception_teacher"
    SCHOOL_SENCO = "school_senco"
    SCHOOL_DSL = "school_dsl"
    HEADTEACHER = "headteacher"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.PRACTITIONER: "Practitioner / key person",
    Role.CHILDMINDER: "Childminder",
    Role.SENCO: "SENCO",
    Role.DSL: "Designated safeguarding lead",
    Role.MANAGER: "Manager",
    Role.RECEPTION_TEACHER: "Reception teacher",
    Role.SCHOOL_SENCO: "School SENCO",
    Role.SCHOOL_DSL: "School designated safeguarding lead",
    Role.HEADTEACHER: "Headteacher",
}

SETTING_ROLES = frozenset({Role.PRACTITIONER, Role.CHILDMINDER, Role.SENCO, Role.DSL, Role.MANAGER})
SCHOOL_ROLES = frozenset(
    {Role.RECEPTION_TEACHER, Role.SCHOOL_SENCO, Role.SCHOOL_DSL, Role.HEADTEACHER}
)


class Permission(StrEnum):
    EDIT_RECORDS = "edit_records"
    SIGN_OFF_RECORD = "sign_off_record"  # practitioner sign-off of the whole record
    SIGN_OFF_SEND = "sign_off_send"  # SENCO review of section 8
    SIGN_OFF_MANAGER = "sign_off_manager"
    SET_SAFEGUARDING = "set_safeguarding"
    MANAGE_USERS = "manage_users"
    DELETE_RECORDS = "delete_records"
    IMPORT_CHARTER = "import_charter"
    EXPORT = "export"
    REVIEW_SEND_PLANS = "review_send_plans"  # school SENCO queue


_ALL_SETTING = frozenset({Permission.EDIT_RECORDS, Permission.SIGN_OFF_RECORD, Permission.EXPORT})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.PRACTITIONER: _ALL_SETTING,
    Role.SENCO: _ALL_SETTING | {Permission.SIGN_OFF_SEND},
    Role.DSL: _ALL_SETTING | {Permission.SET_SAFEGUARDING},
    Role.MANAGER: _ALL_SETTING
    | {
        Permission.SET_SAFEGUARDING,
        Permission.SIGN_OFF_MANAGER,
        Permission.MANAGE_USERS,
        Permission.DELETE_RECORDS,
        Permission.IMPORT_CHARTER,
    },
    Role.CHILDMINDER: frozenset(Permission) - {Permission.REVIEW_SEND_PLANS},
    Role.RECEPTION_TEACHER: frozenset(),
    Role.SCHOOL_SENCO: frozenset({Permission.REVIEW_SEND_PLANS}),
    Role.SCHOOL_DSL: frozenset(),
    Role.HEADTEACHER: frozenset(
        {
            Permission.MANAGE_USERS,
            Permission.IMPORT_CHARTER,
            Permission.DELETE_RECORDS,
            Permission.REVIEW_SEND_PLANS,
        }
    ),
}


def can(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


# What each refused action is called, in the framework's words, and who may do it.
_ONLY: dict[Permission, str] = {
    Permission.EDIT_RECORDS: "Only the setting's staff can change records.",
    Permission.SIGN_OFF_RECORD: "Only the child's key person or another practitioner can sign off the record.",
    Permission.SIGN_OFF_SEND: "Only a SENCO can review the SEND section.",
    Permission.SIGN_OFF_MANAGER: "Only a manager can give the manager's sign-off.",
    Permission.SET_SAFEGUARDING: "Only the designated safeguarding lead or a manager can change the safeguarding flag.",
    Permission.MANAGE_USERS: "Only a manager can manage users.",
    Permission.DELETE_RECORDS: "Only a manager can delete records.",
    Permission.IMPORT_CHARTER: "Only a manager can import a charter.",
    Permission.EXPORT: "Only the setting's staff can export records.",
    Permission.REVIEW_SEND_PLANS: "Only the school's SENCO or the headteacher can review SEND plans.",
}
_HOLDER_LIMIT = 3


def refusal(permission: Permission, users: Iterable[tuple[str, Role]] = ()) -> str:
    """The sentence for a person whose role may not do ``permission``, naming who can: "Only a
    SENCO can review the SEND section. Ask Sam Okafor (SENCO) or the manager."

    ``users`` are the vault's users (name, role); without them only the first sentence is given.
    """
    first = _ONLY[permission]
    people = list(users)
    if not people:
        return first
    holders = [(n, r) for n, r in people if can(r, permission) and r is not Role.CHILDMINDER]
    managers = [n for n, r in people if r in (Role.MANAGER, Role.HEADTEACHER)]
    named = [f"{n} ({r.label})" for n, r in holders[:_HOLDER_LIMIT]]
    if any(r in (Role.MANAGER, Role.HEADTEACHER) for _n, r in holders):
        who = named
    elif named:
        who = [*named, "the manager"] if managers else named
    else:
        return f"{first} Ask the manager to add a user with that role."
    if len(who) == 1:
        return f"{first} Ask {who[0]}."
    return f"{first} Ask {', '.join(who[:-1])} or {who[-1]}."
