"""Fonts embedded in every PDF: DejaVu Sans, shipped in ``export/font_files`` (no system fonts needed).

DejaVu covers Latin Extended (Polish, Romanian, Turkish names...), Greek and Cyrillic, so a child's
name prints as typed. Its licence (Bitstream Vera derivative, free to embed) is beside the files.
"""

from __future__ import annotations

import os

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT = "TransitionsSans"
FONT_BOLD = "TransitionsSans-Bold"
FONT_ITALIC = "TransitionsSans-Italic"
FONT_BOLD_ITALIC = "TransitionsSans-BoldItalic"

_FILES = {
    FONT: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
    FONT_ITALIC: "DejaVuSans-Oblique.ttf",
    FONT_BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
}


def font_dir() -> str:
    return os.path.join(os.path.dirname(__file__), "font_files")


def register_fonts() -> list[str]:
    """Register the embedded TrueType fonts once; return their names."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, filename in _FILES.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, os.path.join(font_dir(), filename)))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, FONT_BOLD)
    addMapping(FONT, 0, 1, FONT_ITALIC)
    addMapping(FONT, 1, 1, FONT_BOLD_ITALIC)
    return list(_FILES)


def shown_text(text: str, font_name: str) -> tuple[str, str]:
    """``text`` as ``font_name`` can draw it, and the real text where the two differ ("" when
    they do not).

    A character the font has no glyph for would be drawn as the font's blank ``.notdef`` glyph,
    which PDF/A and PDF/UA forbid; it is drawn as U+FFFD instead, and the caller puts the real text
    in the structure element's ``/ActualText`` so a screen reader still reads it.
    """
    glyphs = pdfmetrics.getFont(font_name).face.charToGlyph
    if all(ord(c) in glyphs or c in _CONTROLS for c in text):
        return text, ""
    return "".join(c if ord(c) in glyphs or c in _CONTROLS else "\ufffd" for c in text), text


_CONTROLS = frozenset("\n\r\t")
