"""The verdict on a received, signed file: a closed code to branch on, kept apart from the
sentence that explains it (``VerifyResult.reason`` in :mod:`export.verify`)."""

from __future__ import annotations

from enum import Enum


class Verdict(Enum):
    """What strict verification concluded about one file."""

    #: Every check passed: the signer is vouched for by the LA (or was accepted as self-signed).
    VALID = "valid"
    #: The signature is intact and the file unchanged, but the signer is not vouched for by the
    #: LA: it may be accepted after the signer's fingerprint is confirmed by phone.
    UNVOUCHED = "unvouched"
    #: A broken or untrustworthy signature, or a damaged file: never to be accepted.
    INVALID = "invalid"

    @property
    def valid(self) -> bool:
        return self is Verdict.VALID
