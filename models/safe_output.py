"""Text the app writes out of what others chose: file names shown to people and CSV cells.

* :func:`shown_name` is how every file name (or path) someone else chose is shown, on a terminal,
  in a window or in a stored note: a newline, an escape code or a right-to-left override in a
  name cannot forge a line of output, recolour the terminal or reverse the text, and a name that
  is not valid UTF-8 can always be shown (and stored) instead of crashing the report it is in.
* :func:`csv_cell` is how every text cell of every CSV the app writes is written: a cell that a
  spreadsheet would run as a formula (starting ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return) is written with a leading apostrophe, which spreadsheets show as plain text.
* :func:`write_atomically` is how every file the app writes whole is written (PDFs, exports, the
  LA's CA folder, vault backups): a reader sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def _escape(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (Python's surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if ch in _NAMED:
        return _NAMED[ch]
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _needs_escape(ch: str) -> bool:
    # Control, format (bidi overrides, zero-width), surrogate, private-use and unassigned
    # characters, and the line and paragraph separators.
    category = unicodedata.category(ch)
    return category[0] == "C" or category in ("Zl", "Zp")


def shown_name(name: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """``name`` as one line of printable, valid UTF-8 text.

    Printable characters (any script) are kept; anything else is written as a Python-style
    escape (``\\n``, ``\\x1b``, ``\\u202e``; a byte that is not UTF-8 as ``\\xff``).
    """
    raw = os.fspath(name)
    text = os.fsdecode(raw) if isinstance(raw, bytes) else raw
    if text.isprintable():
        return text
    return "".join(_escape(ch) if _needs_escape(ch) else ch for ch in text)


def shown_text(text: str) -> str:
    """Lines of output as :func:`shown_name` shows a name, line breaks and tabs kept: what the
    command line writes, so a name that reached a sentence unescaped still cannot recolour the
    terminal, reverse the text or write bytes that are not UTF-8."""
    if text.replace("\n", "").replace("\t", "").isprintable():
        return text
    return "".join(ch if ch in "\n\t" or not _needs_escape(ch) else _escape(ch) for ch in text)


class ShownStream:
    """A text stream (stdout, stderr) that writes everything through :func:`shown_text`. A write
    that starts with a carriage return on a terminal keeps it (a progress line redrawn)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        if text.startswith("\r") and self._stream.isatty():
            self._stream.write("\r" + shown_text(text[1:]))
        else:
            self._stream.write(shown_text(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, isatty, encoding, buffer ...
        return getattr(self._stream, name)


def csv_cell(value: object) -> object:
    """A CSV cell that a spreadsheet shows as written. Numbers are kept as numbers; ``None`` is
    empty; text starting like a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = str(value)
        return "'" + text if text.startswith(_FORMULA_START) else text
    return value


def csv_row(values: Iterable[object]) -> list[object]:
    """Every cell of a row through :func:`csv_cell`."""
    return [csv_cell(v) for v in values]


def write_atomically(
    path: Path,
    data: bytes | Iterable[bytes],
    *,
    prefix: str = ".transitions-",
    sync_folder: bool = False,
    mode: int = 0o600,
) -> None:
    """Write to a temporary file in the same folder, flush it to disk, then rename it over
    ``path``: a reader sees the old file or the new one, never half of one. ``sync_folder`` also
    flushes the folder, so the rename itself survives a power cut (POSIX).

    ``data`` may come in pieces (an iterable of bytes), written as they come, so a large file
    need not be held in memory twice. The file is created with ``mode`` (less the umask, as :func:`os.open` does): by default only
    its owner can read it; :func:`write_public_file` gives the usual ``0o666``."""
    fd, tmp = _new_temporary(path.parent, prefix, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            for piece in (data,) if isinstance(data, bytes) else data:
                fh.write(piece)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if sync_folder:
        with contextlib.suppress(OSError):
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


def _new_temporary(folder: Path, prefix: str, mode: int) -> tuple[int, str]:
    """A new file (never one that was there: ``O_EXCL``) with a random name, as
    :func:`tempfile.mkstemp` makes one, but with ``mode`` instead of always ``0o600``."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    for _attempt in range(100):
        name = os.path.join(folder, f"{prefix}{secrets.token_hex(8)}.part")
        try:
            return os.open(name, flags, mode), name
        except FileExistsError:
            continue
    raise FileExistsError(f"No unused temporary file name in {folder}.")


def write_private_file(path: Path, data: bytes) -> None:
    """Write a file only its owner can read, atomically."""
    write_atomically(path, data, mode=0o600)


def write_public_file(path: Path, data: bytes) -> None:
    """Write a file anyone may read (as the umask allows), atomically."""
    write_atomically(path, data, mode=0o666)
