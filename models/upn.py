"""Unique pupil numbers (UPN): the DfE check-letter algorithm, for permanent and temporary UPNs.

A UPN is 13 characters: a check letter, a 3-digit LA number, a 4-digit establishment number,
2 digits of the year and 3 serial digits; a temporary UPN ends with a letter instead of the last
digit. The check letter is the sum of each character's value times its position (2 to 13) modulo
23, read from the 23-letter alphabet without I, O and S.
"""

from __future__ import annotations

from dataclasses import dataclass

ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"  # 23 letters: no I, O or S


@dataclass(frozen=True, slots=True)
class UpnCheck:
    valid: bool
    temporary: bool
    message: str  # empty when valid


def check_letter(body: str) -> str:
    """The check letter for the 12 characters after it (the last may be a letter: temporary UPN)."""
    if len(body) != 12:
        raise ValueError("a UPN body has 12 characters")
    total = 0
    for position, char in enumerate(body, start=2):
        if char.isdigit():
            value = int(char)
        elif position == 13 and char in ALPHABET:
            value = ALPHABET.index(char)
        else:
            raise ValueError(f"unexpected character {char!r} at position {position}")
        total += value * position
    return ALPHABET[total % 23]


def normalise(text: str) -> str:
    return "".join(text.split()).upper()


def check_upn(text: str) -> UpnCheck:
    upn = normalise(text)
    if len(upn) != 13:
        return UpnCheck(False, False, f"A UPN has 13 characters; this one has {len(upn)}.")
    first, middle, last = upn[0], upn[1:12], upn[12]
    if first not in ALPHABET:
        return UpnCheck(False, False, "A UPN starts with a check letter (not I, O or S).")
    if not middle.isdigit():
        return UpnCheck(False, False, "Characters 2 to 12 of a UPN are digits.")
    temporary = not last.isdigit()
    if temporary and last not in ALPHABET:
        return UpnCheck(False, True, "A temporary UPN ends with a letter other than I, O or S.")
    expected = check_letter(upn[1:])
    if expected != first:
        return UpnCheck(
            False,
            temporary,
            f"The check letter does not match: for these digits it should be {expected}.",
        )
    return UpnCheck(True, temporary, "")
