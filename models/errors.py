"""Domain exceptions. Each carries a message a practitioner can act on and an exit code for the CLI.

Code that needs to tell failures apart branches on the exception's type (or on a closed code such as
:class:`Refusal`), never on its message: messages are for people and may be reworded.
"""

from __future__ import annotations

from enum import Enum


class TransitionsError(Exception):
    """Base of every expected failure. ``str(exc)`` is one plain sentence."""

    exit_code = 2


class InterchangeError(TransitionsError):
    """A record's JSON could not be read (malformed, wrong shape, unknown framework version)."""


class UnknownFramework(InterchangeError):
    """The record names a framework id or version this app does not know."""


class ValidationFailed(TransitionsError):
    """A value does not fit its field."""


class AuthenticationFailed(TransitionsError):
    """Wrong user name or password, or a removed user."""

    exit_code = 3


class PermissionDenied(TransitionsError):
    """The logged-in user's role may not do this."""


class VaultError(TransitionsError):
    """The vault is missing, locked, damaged or could not be written."""


class VaultDamaged(VaultError):
    """The vault's file or tables are damaged (not a database, truncated, a table missing):
    a negative answer about the vault, not bad input."""

    exit_code = 1


class IntegrityError(TransitionsError):
    """Stored data failed authentication: it was damaged or tampered with."""

    exit_code = 1


class CharterViolation(TransitionsError):
    """The charter's rules forbid this (for example export with required items missing)."""

    def __init__(self, message: str, missing: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.missing = missing


class SignatureInvalid(TransitionsError):
    """A signature or certificate check failed."""

    exit_code = 1


class EncryptedFileDamaged(SignatureInvalid):
    """An encrypted PDF opened with the right secret, but its integrity code (PDF MAC) does not
    match: the file was changed after it was encrypted."""


class PasswordRequired(SignatureInvalid):
    """A PDF encrypted with a password was opened without one (and :class:`WrongPassword`: with
    the wrong one). Typing the password and trying again may open it."""


class WrongPassword(PasswordRequired):
    """The password given does not open the password-encrypted PDF."""


class RecipientKeyRequired(SignatureInvalid):
    """A PDF encrypted to a recipient certificate was opened without a decryption key."""


class RecipientMismatch(SignatureInvalid):
    """A PDF encrypted to a recipient certificate was not encrypted for the key given."""


class SaveConflict(TransitionsError):
    """Someone else saved this record after it was opened here; reopen it and make the change again."""


class CharterInvalid(TransitionsError):
    """A charter file was refused: unreadable, changed since signing, not vouched for by the LA
    root, signed with a revoked or expired certificate, or past its expiry date."""

    exit_code = 1


class SigningFailed(TransitionsError):
    """A record PDF could not be signed or encrypted (bad credentials, unreadable PDF)."""


class AttachmentMissing(InterchangeError):
    """A PDF does not carry the record's JSON as an embedded file."""


class RenderError(TransitionsError):
    """A record could not be laid out as a PDF (for example an unknown packet was asked for)."""


class Refusal(Enum):
    """Why a received file was refused (see :class:`ImportRefused`): a closed code for code to
    branch on, beside the sentence shown to people."""

    UNREADABLE = "unreadable"  # not a readable file at all: missing, a folder, a device, too large
    NOT_PDF = "not-pdf"
    DUPLICATE = "duplicate"  # the same file was imported already
    IN_QUARANTINE = "in-quarantine"  # the same file is in quarantine already
    PASSWORD = "password"  # encrypted with a password: none given, or the wrong one
    NO_KEY = "no-key"  # encrypted to a certificate this school holds no key for
    DAMAGED = "damaged"  # cannot be read or decrypted as a PDF
    BAD_RECORD = "bad-record"  # verified, but the record inside cannot be read
    OTHER_SCHOOL = "other-school"
    SECOND_RECORD = "second-record"  # another record of a child already in the class
    NOT_NEWER = "not-newer"  # this version, or a later one, was imported already
    NOT_RELEASABLE = "not-releasable"  # quarantined for a broken signature, or no longer kept


class ImportRefused(TransitionsError):
    """A received file was refused before import (not a PDF, too large, cannot be decrypted,
    a duplicate or an older version, or a record for another school); nothing was changed.
    ``refusal`` says which, for code; the message says it to people."""

    def __init__(self, message: str, refusal: Refusal) -> None:
        super().__init__(message)
        self.refusal = refusal


class InputRefused(TransitionsError):
    """A file or document someone chose was refused before use: not a regular file, too large,
    nested too deeply, a number too long, or not text (see :mod:`models.safe_input`)."""


class CharterUnreadable(CharterInvalid):
    """A charter file that cannot be read as a charter at all (not UTF-8 or TOML, nested too
    deeply, a number too long): bad input, unlike a charter whose rules or signature fail."""

    exit_code = 2


class SignOffRefused(TransitionsError):
    """A sign-off was refused because the content it would cover is not complete or not valid.
    ``items`` are the blocking items (``models.completeness.MissingItem``), to be listed."""

    exit_code = 1

    def __init__(self, message: str, items: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.items = items


class VaultLocationAmbiguous(TransitionsError):
    """Both a vault folder and a vault database were named: which one is meant is not known."""
