"""Who may write which blob and which audit event: the rules :class:`VaultService` enforces on
``put_blob``, ``delete_blob`` and ``record_event``, so a caller with any role cannot replace the
setting's signing identity or write an audit entry its role could never cause.

Blobs are matched by the longest name prefix in :data:`BLOB_RULES`; a name no rule covers is the
vault's own business and needs a manager (or headteacher). Audit events are a closed list: an
action not in :data:`EVENT_RULES` is refused, so an entry such as "retention_deleted" or
"school_released" in the trail was written by someone whose role can do that.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.roles import SCHOOL_ROLES, SETTING_ROLES, Permission, Role, can

_ANY = frozenset(Role)


@dataclass(frozen=True, slots=True)
class WriteRule:
    """Allowed when the role is in ``roles`` and, if ``permission`` is set, has it."""

    what: str  # finishes "Your role cannot ..."
    roles: frozenset[Role] = _ANY
    permission: Permission | None = None

    def allows(self, role: Role) -> bool:
        return role in self.roles and (self.permission is None or can(role, self.permission))


_SET_UP = WriteRule(
    "change the vault's charter, trust or signing set-up", _ANY, Permission.IMPORT_CHARTER
)
_SETTING_IDENTITY = WriteRule(
    "change the setting's signing certificate", SETTING_ROLES, Permission.IMPORT_CHARTER
)
_SCHOOL_SET_UP = WriteRule("change the school's set-up", SCHOOL_ROLES, Permission.IMPORT_CHARTER)
_SCHOOL = WriteRule("change a school's received records", SCHOOL_ROLES)
_FEEDBACK = WriteRule("change the feedback from schools", SETTING_ROLES)

# (name prefix, rule); the longest matching prefix decides.
BLOB_RULES: tuple[tuple[str, WriteRule], ...] = (
    ("charter", _SET_UP),
    ("setting/identity", _SETTING_IDENTITY),
    ("school/identity", _SCHOOL_SET_UP),
    ("school/info", _SCHOOL_SET_UP),
    ("school/trust-root", _SCHOOL_SET_UP),
    ("school/crl", _SCHOOL_SET_UP),
    ("school/decryption-keys", _SCHOOL_SET_UP),
    (
        "school/senco-reviews",
        WriteRule("mark SENCO queue items reviewed", SCHOOL_ROLES, Permission.REVIEW_SEND_PLANS),
    ),
    ("school/", _SCHOOL),
    (
        "feedback/trust-root",
        WriteRule(
            "change which roots the setting trusts for receipts",
            SETTING_ROLES,
            Permission.IMPORT_CHARTER,
        ),
    ),
    ("feedback/", _FEEDBACK),
    (
        "family/",
        WriteRule("change the forms sent to families", SETTING_ROLES, Permission.EDIT_RECORDS),
    ),
    (
        "setting/phrases",
        WriteRule(
            "save phrases to the setting's phrase bank", SETTING_ROLES, Permission.EDIT_RECORDS
        ),
    ),
    (
        "setting/dictionary",
        WriteRule("add words to the setting's dictionary", SETTING_ROLES, Permission.EDIT_RECORDS),
    ),
    (
        "setting_profile",
        WriteRule("change the setting profile", SETTING_ROLES, Permission.IMPORT_CHARTER),
    ),
)
OTHER_BLOBS = WriteRule("change the vault's stored files", _ANY, Permission.IMPORT_CHARTER)

_SCHOOL_EVENT = WriteRule("write that event", SCHOOL_ROLES)
EVENT_RULES: dict[str, WriteRule] = {
    "export_file": WriteRule("export records", SETTING_ROLES, Permission.EXPORT),
    "export_refused": WriteRule("export records", SETTING_ROLES, Permission.EXPORT),
    "started_from_pdf": WriteRule("create records", SETTING_ROLES, Permission.EDIT_RECORDS),
    **{
        action: WriteRule("change records", SETTING_ROLES, Permission.EDIT_RECORDS)
        for action in ("bulk_set", "bulk_ready", "bulk_undone")
    },
    "family_form_made": WriteRule("make family forms", SETTING_ROLES, Permission.EDIT_RECORDS),
    "family_form_read": WriteRule("read in family forms", SETTING_ROLES, Permission.EDIT_RECORDS),
    "family_copy_made": WriteRule("make the family's copy", SETTING_ROLES, Permission.EXPORT),
    "la_return": WriteRule("make the return to the LA", SETTING_ROLES, Permission.IMPORT_CHARTER),
    "retention_deleted": WriteRule("delete records", _ANY, Permission.DELETE_RECORDS),
    "charter_imported": WriteRule("import a charter", _ANY, Permission.IMPORT_CHARTER),
    "receipt_received": WriteRule("import receipts", SETTING_ROLES),
    "outcomes_received": WriteRule("import outcomes", SETTING_ROLES),
    "school_init": _SCHOOL_SET_UP,
    "school_decryption_key": _SCHOOL_SET_UP,
    "school_released": WriteRule(
        "release files from quarantine", frozenset({Role.HEADTEACHER}), Permission.IMPORT_CHARTER
    ),
    "school_quarantine_removed": WriteRule(
        "remove files from quarantine", frozenset({Role.HEADTEACHER, Role.SCHOOL_SENCO})
    ),
    "senco_reviewed": WriteRule(
        "mark SENCO queue items reviewed", SCHOOL_ROLES, Permission.REVIEW_SEND_PLANS
    ),
    **{
        action: _SCHOOL_EVENT
        for action in (
            "school_quarantined",
            "school_imported",
            "school_packet_kept",
            "school_file_saved",
            "school_read",
            "school_receipt",
            "school_receipt_saved",
            "school_outcomes",
            "school_outcomes_saved",
            "school_outcomes_sheet_saved",
            "school_outcomes_entered",
        )
    },
}


def blob_rule(name: str) -> WriteRule:
    """The rule for writing or deleting the blob ``name``."""
    best: tuple[int, WriteRule] | None = None
    for prefix, rule in BLOB_RULES:
        if name.startswith(prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), rule)
    return best[1] if best is not None else OTHER_BLOBS


def event_rule(action: str) -> WriteRule | None:
    """The rule for writing the audit event ``action``; None: not an event this app writes."""
    return EVENT_RULES.get(action)
