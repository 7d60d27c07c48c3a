"""What a record's signature says, in one sentence shared by the visible stamp and the signature.

The renderer draws the sentence on page 1 in the document's embedded font (so any name the record
can hold prints as typed) and :func:`export.sign.sign_pdf` writes the same words to the signature
dictionary's ``/Reason`` (with the person's name in ``/Name``), which is what a reader's signature
panel shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

SIGNATURE_FIELD = "RecordSignature"


@dataclass(frozen=True, slots=True)
class SignatureLabel:
    """Who signs, as a person reads it: "Signed by Priya Storytime, Key person, Little Acorns
    Nursery (fictional), 12 May 2027"."""

    name: str  # the user's display name, or their login name when they have none
    role: str  # the role's label
    organisation: str  # the setting
    signed_on: date

    @property
    def sentence(self) -> str:
        when = f"{self.signed_on.day} {self.signed_on:%B %Y}"
        parts = [" ".join(p.split()) for p in (self.name, self.role, self.organisation)]
        return "Signed by " + ", ".join([p for p in parts if p] + [when])
