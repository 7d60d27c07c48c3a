"""Reading what people hand the app: files they chose, and the JSON and TOML inside them.

One place for every input limit, so each reader gets the same guarantees:

* :func:`read_file` reads at most ``limit`` bytes and counts the bytes it actually read, never the
  size the file system claims (``/dev/zero`` and ``/proc`` files say 0). Only a regular file is
  read: a folder, FIFO, socket or device, and the kernel's pseudo-files under ``/proc`` and
  ``/sys``, are refused before a byte is read. The file is opened without blocking (a FIFO with
  no writer would otherwise hang the open) and checked again on the opened descriptor, so a swap
  between the check and the open changes nothing.
* :func:`load_json` and :func:`load_toml` refuse nesting deeper than :data:`MAX_DEPTH` before the
  parser sees the text (Python's parsers recurse and would otherwise crash), numbers longer than
  :data:`MAX_INT_DIGITS` digits (Python refuses to convert more than 4,300 digits with an error
  of its own, and no field holds such a number), and ``NaN``/``Infinity``, which are not JSON.

Every refusal is :class:`~models.errors.InputRefused`, one plain sentence naming the file or the
document; callers that speak of a particular kind of document re-raise it as their own error.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tomllib
from functools import cache
from typing import Any

from models.errors import InputRefused
from models.safe_output import shown_name

MIB = 1024 * 1024

#: A record PDF (the school's import, ``verify``, a setting starting a record from a PDF).
PDF_BYTES = 20 * MIB
#: A record's JSON, a receipt, an outcome file, a charter, a certificate, a key or a CRL.
DOCUMENT_BYTES = 10 * MIB
#: A spreadsheet of EYFS profile outcomes.
CSV_BYTES = 5 * MIB
#: A password or passphrase file.
SECRET_BYTES = 64 * 1024
#: A vault backup (the whole vault, encrypted).
BACKUP_BYTES = 4 * 1024 * MIB

#: The deepest nesting of arrays and objects (tables) any document of the app may have. The
#: deepest the app writes is about six (a list field's entries inside a section of a record).
MAX_DEPTH = 32
#: The most digits a whole number may have: every count, version, year and score fits in 18 digits
#: (a signed 64-bit number), far below Python's 4,300-digit conversion limit.
MAX_INT_DIGITS = 18
#: The longest written form of a decimal number (digits, point, exponent, sign).
MAX_FLOAT_CHARS = 40

_CHUNK = MIB


def _size(limit: int) -> str:
    if limit >= MIB:
        return f"{limit // MIB} MB"
    return f"{max(1, limit // 1024)} KB"


@cache
def _pseudo_file_systems() -> frozenset[int]:
    """The devices of ``/proc`` and ``/sys`` where they are mounted file systems of their own."""
    try:
        root = os.stat("/").st_dev
    except OSError:
        return frozenset()
    devices = set()
    for mount in ("/proc", "/sys"):
        try:
            device = os.stat(mount).st_dev
        except OSError:
            continue
        if device != root:
            devices.add(device)
    return frozenset(devices)


def _require_regular(st: os.stat_result, what: str, shown: str) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise InputRefused(f"The {what} {shown} is a folder, not a file.")
    if not stat.S_ISREG(st.st_mode) or st.st_dev in _pseudo_file_systems():
        raise InputRefused(
            f"The {what} {shown} is not a regular file (it is a device, pipe or system file); "
            "choose a saved file."
        )


def _cannot_read(what: str, shown: str, exc: OSError) -> InputRefused:
    return InputRefused(f"Cannot read the {what} {shown}: {exc.strerror or exc}.")


def read_file(path: str | os.PathLike[str], *, limit: int, what: str = "file") -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them.

    ``what`` names the file in the sentence of a refusal ("the record file …").

    :raises InputRefused: the file cannot be opened, is not a regular file, or holds more than
        ``limit`` bytes.
    """
    shown = shown_name(path)
    try:
        _require_regular(os.stat(path), what, shown)  # before opening: a device is never opened
        flags = (
            os.O_RDONLY
            | getattr(os, "O_NONBLOCK", 0)
            | getattr(os, "O_NOCTTY", 0)
            | getattr(os, "O_CLOEXEC", 0)
            | getattr(os, "O_BINARY", 0)
        )
        fd = os.open(path, flags)
    except OSError as exc:
        raise _cannot_read(what, shown, exc) from None
    too_large = InputRefused(f"The {what} {shown} is too large (the limit is {_size(limit)}).")
    try:
        opened = os.fstat(fd)
        _require_regular(opened, what, shown)  # the file that was opened, whatever was checked
        if opened.st_size > limit:
            raise too_large
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise too_large
            chunks.append(chunk)
    except OSError as exc:
        raise _cannot_read(what, shown, exc) from None
    finally:
        os.close(fd)
    return b"".join(chunks)


# --------------------------------------------------------------------------------- nesting depth

# Tokens that matter for nesting: strings (whose brackets do not count), comments (TOML) and the
# brackets themselves. Each alternative also matches an unterminated string up to the end of the
# line or text, so a scan never backtracks over the rest of the input: it is linear.
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)|[\[\]{}]', re.S)
_TOML_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*(?:"""|\\?\Z)'
    r"|'''(?:[^']|'(?!''))*(?:'''|\Z)"
    r'|"[^"\\\n]*(?:\\.[^"\\\n]*)*(?:"|\\?$)'
    r"|'[^'\n]*'?"
    r"|#[^\n]*"
    r"|[\[\]{}]",
    re.S | re.M,
)


def _check_depth(text: str, tokens: re.Pattern[str], what: str) -> None:
    depth = 0
    for match in tokens.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                raise InputRefused(
                    f"{what} is nested too deeply (more than {MAX_DEPTH} levels) to be read."
                )
        elif token in ("]", "}"):
            depth = max(0, depth - 1)


def _too_long_number(what: str) -> InputRefused:
    return InputRefused(
        f"{what} holds a number longer than {MAX_INT_DIGITS} digits, which no field can hold."
    )


def _decode(data: bytes | str, what: str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputRefused(f"{what} is not valid UTF-8 text.") from None


def load_json(data: bytes | str, *, what: str = "The file") -> Any:
    """Parse JSON text within the limits above. ``what`` starts each refusal's sentence.

    :raises InputRefused: not UTF-8, malformed, too deep, a number too long, NaN or Infinity.
    """
    text = _decode(data, what)
    _check_depth(text, _JSON_TOKENS, what)

    def parse_int(literal: str) -> int:
        if len(literal.lstrip("-")) > MAX_INT_DIGITS:
            raise _too_long_number(what)
        return int(literal)

    def parse_float(literal: str) -> float:
        if len(literal) > MAX_FLOAT_CHARS:
            raise _too_long_number(what)
        return float(literal)

    def parse_constant(literal: str) -> Any:
        raise InputRefused(f"{what} holds “{literal}”, which is not a JSON number.")

    try:
        return json.loads(
            text, parse_int=parse_int, parse_float=parse_float, parse_constant=parse_constant
        )
    except json.JSONDecodeError as exc:
        raise InputRefused(
            f"{what} is malformed (line {exc.lineno}, column {exc.colno})."
        ) from None
    except RecursionError:  # the depth scan makes this unreachable; kept as a last guard
        raise InputRefused(f"{what} is nested too deeply to be read.") from None


def _check_numbers(value: Any, what: str) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, bool):
            continue
        if isinstance(item, int):
            if abs(item) >= 10**MAX_INT_DIGITS:
                raise _too_long_number(what)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def load_toml(data: bytes | str, *, what: str = "The file") -> dict[str, Any]:
    """Parse TOML text within the limits above. ``what`` starts each refusal's sentence.

    :raises InputRefused: not UTF-8, not valid TOML, too deep or a number too long.
    """
    text = _decode(data, what)
    _check_depth(text, _TOML_TOKENS, what)
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputRefused(f"{what} is not valid TOML ({exc}).") from None
    except ValueError:  # Python's own limit on converting very long numbers
        raise _too_long_number(what) from None
    except RecursionError:  # the depth scan makes this unreachable; kept as a last guard
        raise InputRefused(f"{what} is nested too deeply to be read.") from None
    _check_numbers(parsed, what)
    return parsed
