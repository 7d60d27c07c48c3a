"""Who may do what. The rules live here as data; the service layer enforces them."""

from __future__ import annotations

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
SCHOOL_ROLES = frozenset({Role.RECEPTION_TEACHER, Role.SCHOOL_SENCO, Role.SCHOOL_DSL, Role.HEADTEACHER})


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


_ALL_SETTING = frozenset(
    {Permission.EDIT_RECORDS, Permission.SIGN_OFF_RECORD, Permission.EXPORT}
)

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
        {Permission.MANAGE_USERS, Permission.IMPORT_CHARTER, Permission.DELETE_RECORDS, Permission.REVIEW_SEND_PLANS}
    ),
}


def can(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
