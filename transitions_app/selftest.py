"""Install checks for ``transitions-app selftest``: Qt, crypto, fonts, PDF stack, spell check."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


def _qt() -> str:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen") if not os.environ.get("DISPLAY") else None
    from PySide6 import __version__ as pyside_version
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from PySide6.QtCharts import QChart  # the outcomes page draws its charts with Qt Charts

    QChart()
    return f"PySide6 {pyside_version}, platform plugin “{app.platformName()}”, Qt Charts"  # type: ignore[attr-defined]


def _crypto() -> str:
    from cryptography import __version__ as crypto_version
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    key = Argon2id(salt=b"0" * 16, length=32, iterations=1, lanes=1, memory_cost=1024).derive(
        b"selftest"
    )
    box = AESGCM(key)
    nonce = b"\x00" * 12
    if box.decrypt(nonce, box.encrypt(nonce, b"selftest", b"ad"), b"ad") != b"selftest":
        raise RuntimeError("AES-GCM round trip failed")
    return f"cryptography {crypto_version}: Argon2id and AES-256-GCM work"


def _fonts() -> str:
    from export.fonts import register_fonts

    names = register_fonts()
    return "embedded fonts: " + ", ".join(names)


def _pdf() -> str:
    import io

    import pikepdf
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf)
    c.drawString(72, 720, "selftest")
    c.save()
    with pikepdf.open(io.BytesIO(buf.getvalue())) as pdf:
        pages = len(pdf.pages)
    import pyhanko.sign  # noqa: F401  (the signing stack imports)

    return f"reportlab, pikepdf {pikepdf.__version__}, pyHanko: a test PDF with {pages} page renders and reads back"


def _framework() -> str:
    from models.framework.registry import current_framework

    fw = current_framework()
    return f"{fw.title} version {fw.version}: {len(fw.sections)} sections"


def _spelling() -> str:
    from models.spelling import DICTIONARY_DIR, load_dictionary

    checker = load_dictionary()
    wrong = [w for w in ("colour", "organisation", "practise") if not checker.is_correct(w)]
    if wrong:
        raise RuntimeError("the dictionary does not know " + ", ".join(wrong))
    american = [w for w in ("color", "behavior") if checker.is_correct(w)]
    if american:
        raise RuntimeError("the dictionary takes the American " + ", ".join(american))
    if "colour" not in checker.suggest("color"):
        raise RuntimeError("no “colour” among the suggestions for “color”")
    if not (DICTIONARY_DIR / "LICENCE.txt").is_file():
        raise RuntimeError("the dictionary's licence is missing")
    return f"{checker.name} version {checker.version}: “colour” right, “color” corrected to it"


CHECKS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("Qt", _qt),
    ("Cryptography", _crypto),
    ("Fonts", _fonts),
    ("PDF", _pdf),
    ("Framework", _framework),
    ("Spelling", _spelling),
)


def run_checks() -> list[CheckResult]:
    results = []
    for name, check in CHECKS:
        try:
            results.append(CheckResult(name, True, check()))
        except Exception as exc:  # a selftest reports every failure, whatever it is
            results.append(CheckResult(name, False, f"{type(exc).__name__}: {exc}"))
    return results
