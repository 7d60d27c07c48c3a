"""Fonts embedded in every PDF: Bitstream Vera, which ships inside reportlab (no system fonts needed)."""

from __future__ import annotations

import os

import reportlab
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT = "TransitionsSans"
FONT_BOLD = "TransitionsSans-Bold"
FONT_ITALIC = "TransitionsSans-Italic"
FONT_BOLD_ITALIC = "TransitionsSans-BoldItalic"

_FILES = {
    FONT: "Vera.ttf",
    FONT_BOLD: "VeraBd.ttf",
    FONT_ITALIC: "VeraIt.ttf",
    FONT_BOLD_ITALIC: "VeraBI.ttf",
}


def font_dir() -> str:
    return os.path.join(os.path.dirname(reportlab.__file__), "fonts")


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
