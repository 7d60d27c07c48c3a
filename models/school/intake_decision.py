"""What the school does with a received file, decided from facts alone (no vault, no Qt, no
cryptography): refuse it, quarantine it, or accept it, and for an accepted record whether it is a
new version or the other packet of the version already held.

The school's intake service gathers the facts in order (has this file been seen? does a secret we
hold open it? what did verification conclude? is the record ours and newer?) and asks the
function for each stage; each returns :class:`Refuse` (with a closed :class:`Refusal` code and the
sentence shown to people) or lets the file go on. Nothing here branches on a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

from models.errors import Refusal
from models.verdict import Verdict


class QuarantineKind(StrEnum):
    """Why a file is in quarantine; the value is what the vault keeps."""

    #: An intact signature from a signer the LA does not vouch for: can be released after the
    #: headteacher confirms the signer's fingerprint by phone.
    UNVOUCHED = "unvouched"
    #: A broken signature or a damaged file: never released (the file must be sent again).
    INVALID = "invalid"

    @property
    def releasable(self) -> bool:
        return self is QuarantineKind.UNVOUCHED


class Opening(Enum):
    """How trying the school's secrets on a received file went."""

    #: Not encrypted, or decrypted with the password given or a key the school holds (perhaps
    #: changed after encryption: then verification says so and the file goes to quarantine).
    OPENED = "opened"
    #: Encrypted with a password: none was given, or the wrong one.
    PASSWORD = "password"
    #: Encrypted to a certificate, and the school holds no decryption key yet.
    NO_KEYS = "no-keys"
    #: Encrypted to a certificate that none of the school's keys opens (or damaged).
    OTHER_KEY = "other-key"
    #: Not readable as a PDF at all.
    DAMAGED = "damaged"


@dataclass(frozen=True, slots=True)
class Accept:
    """Verified: go on to file the record."""


@dataclass(frozen=True, slots=True)
class Quarantine:
    """Kept aside, not imported; ``kind`` says whether it can ever be released."""

    kind: QuarantineKind


@dataclass(frozen=True, slots=True)
class Refuse:
    """Not imported and nothing changed: ``refusal`` for code, ``reason`` for people."""

    refusal: Refusal
    reason: str


class Placement(Enum):
    """Where an accepted record goes."""

    #: The record's first version here, or a later one replacing the version held.
    VERSION = "version"
    #: The other packet (the SENCO's beside the teacher's) of the version already held.
    OTHER_PACKET = "other-packet"


@dataclass(frozen=True, slots=True)
class Seen:
    """Whether this exact file (by its SHA-256) was received before: the name of the file it was
    imported as, if it was, and whether it is waiting in quarantine."""

    imported_as: str | None = None
    in_quarantine: bool = False


def check_seen(name: str, seen: Seen) -> Refuse | None:
    """Stage 1: the same file twice is refused (imported, or in quarantine already)."""
    if seen.imported_as is not None:
        return Refuse(
            Refusal.DUPLICATE,
            f"{name} was already imported (it is the same file as {seen.imported_as}).",
        )
    if seen.in_quarantine:
        return Refuse(Refusal.IN_QUARANTINE, f"{name} is already in quarantine.")
    return None


def check_opening(name: str, opening: Opening, detail: str = "") -> Refuse | None:
    """Stage 2: a file no secret of ours opens is refused. ``detail``: the reader's own sentence
    (for a password, which one was missing or wrong)."""
    if opening is Opening.OPENED:
        return None
    if opening is Opening.PASSWORD:
        return Refuse(
            Refusal.PASSWORD, f"{name}: {detail}" if detail else f"{name} needs its password."
        )
    if opening is Opening.DAMAGED:
        return Refuse(
            Refusal.DAMAGED,
            f"{name}: {detail}" if detail else f"{name} is damaged and cannot be read as a PDF.",
        )
    if opening is Opening.OTHER_KEY:
        return Refuse(
            Refusal.NO_KEY,
            f"{name} cannot be decrypted with this school's keys: it was encrypted for another "
            "certificate, or it is damaged. Ask the setting to send it again (or add the school's "
            "key with “school key add”).",
        )
    return Refuse(
        Refusal.NO_KEY,
        f"{name} is encrypted for a school certificate and this vault holds no decryption key "
        "yet: add the school's key from the LA (“school key add”).",
    )


def on_verdict(verdict: Verdict) -> Accept | Quarantine:
    """Stage 3: only a valid file is accepted; anything else goes to quarantine, releasable only
    when the signature is intact and just the signer is not vouched for."""
    if verdict is Verdict.VALID:
        return Accept()
    if verdict is Verdict.UNVOUCHED:
        return Quarantine(QuarantineKind.UNVOUCHED)
    return Quarantine(QuarantineKind.INVALID)


def check_record(
    name: str,
    child: str,
    *,
    record_school_urn: str,
    school_urn: str,
    school_name: str,
    twin_setting: str | None,
) -> Refuse | None:
    """Stage 4: a verified record for another school, or a second record of a child already in
    the class (``twin_setting``: the setting the first one came from), is refused."""
    if record_school_urn and record_school_urn != school_urn:
        return Refuse(
            Refusal.OTHER_SCHOOL,
            f"{name} is a record for another school (URN {record_school_urn}), not {school_name}.",
        )
    if twin_setting is not None:
        return Refuse(
            Refusal.SECOND_RECORD,
            f"{name} is a second record for {child}, who is already in the class from "
            f"{twin_setting}: it was not imported. If the child attends two settings, ask them to "
            "agree one record and send it again.",
        )
    return None


def place(
    name: str,
    child: str,
    *,
    version: int,
    held_version: int | None,
    packet: str,
    packets_held: frozenset[str] = frozenset(),
    same_record: bool = False,
) -> Placement | Refuse:
    """Stage 5: a later version replaces the one held (``held_version``, ``None`` if none); the
    same version is refused, unless it is the other packet (``packet`` not in ``packets_held``)
    of the very same record (``same_record``); an older version is refused."""
    if held_version is None or version > held_version:
        return Placement.VERSION
    if version == held_version:
        if packets_held and packet not in packets_held and same_record:
            return Placement.OTHER_PACKET
        return Refuse(
            Refusal.NOT_NEWER,
            f"{name} is version {held_version} of {child}'s record, which was already imported.",
        )
    return Refuse(
        Refusal.NOT_NEWER,
        f"{name} is version {version} of {child}'s record, older than version {held_version} "
        "already imported.",
    )
