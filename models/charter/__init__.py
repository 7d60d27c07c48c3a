"""Transitions charters: the LA's rules as typed data (parsing and rule evaluation, no crypto).

Signing and verifying charter files lives in :mod:`export.pki`.
"""

from models.charter.model import (
    Charter,
    ConsentPolicy,
    Contact,
    Deadline,
    DeadlineStatus,
    ExportPolicy,
    FrameworkAcceptance,
    Identity,
    RequiredItem,
    RetentionDue,
    RetentionPolicy,
    School,
    SignatureLevel,
    SignOffPolicy,
)
from models.charter.parse import FORMAT_VERSION, parse_charter

__all__ = [
    "FORMAT_VERSION",
    "Charter",
    "ConsentPolicy",
    "Contact",
    "Deadline",
    "DeadlineStatus",
    "ExportPolicy",
    "FrameworkAcceptance",
    "Identity",
    "RequiredItem",
    "RetentionDue",
    "RetentionPolicy",
    "School",
    "SignOffPolicy",
    "SignatureLevel",
    "parse_charter",
]
