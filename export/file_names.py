"""The names of exported files, and the file code that matches a file to a child by hand.

A folder of exports is often seen by more people than the records are meant for (a shared
drive, an email attachment list, a USB stick). So an exported file's name says only::

    <receiving school URN>-<file code>-v<export version>.pdf      e.g. 900001-K7QF-M2XA-v2.pdf

and never the child's name, date of birth, class or which packet it is. The **file code** is
printed on the file's front sheet and shown beside the child in the app's export list, so a
person holding both can match them by hand.

* The Reception teacher's packet's code is derived from the record id alone (the same for every
  version of the record, so v1 and v2 of one child sort together, and any copy of the app that
  holds the record can work it out again).
* The SENCO packet's code is keyed with the setting's signing key, so nobody can pair it with the
  teacher's packet of the same child, even knowing the record id: a folder shows how many SENCO
  packets it holds, never whose they are.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # no I, L, O or U: nothing to misread on a phone
_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


def file_code(record_id: str, *, key: bytes | None = None) -> str:
    """Eight characters in two groups of four (``K7QF-M2XA``), 40 bits from SHA-256 of the record
    id, or from HMAC-SHA-256 of it under ``key`` (the SENCO packet's code)."""
    message = record_id.encode("utf-8")
    if key is None:
        digest = hashlib.sha256(b"transitions-file-code\x00" + message).digest()
    else:
        digest = hmac.new(
            key, b"transitions-senco-file-code\x00" + message, hashlib.sha256
        ).digest()
    number = int.from_bytes(digest[:5], "big")
    chars = "".join(_CROCKFORD[(number >> shift) & 31] for shift in range(35, -1, -5))
    return f"{chars[:4]}-{chars[4:]}"


def safe_file_stem(*parts: str) -> str:
    """A file name stem from codes and numbers that cannot escape the folder or upset any OS:
    ASCII letters and digits joined by hyphens, at most 80 characters, never empty."""
    words = []
    for part in parts:
        ascii_text = unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode()
        cleaned = _UNSAFE.sub("-", ascii_text).strip("-")
        if cleaned:
            words.append(cleaned)
    stem = "-".join(words)[:80].strip("-")
    return stem or "record"


def export_file_name(*, school_urn: str, code: str, version: int) -> str:
    """``900001-K7QF-M2XA-v2.pdf`` (``no-school`` when the record names no school)."""
    return safe_file_stem(school_urn or "no-school", code, f"v{version}") + ".pdf"
