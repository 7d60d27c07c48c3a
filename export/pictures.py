"""The child's pictures in a PDF: a gallery of drawings and photos with their captions.

Used by the record PDF (after "All about me") and the family's copy. Images are handed to
reportlab from memory (no file, no image cache on disk): JPEGs are embedded as they are (already
stripped of metadata when they were taken in), PNGs as compressed pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from typing import Any

from reportlab.platypus import Flowable, Image, KeepTogether, Paragraph, Table, TableStyle

from models.pictures import Picture
from models.record import Record

PICTURE_SECTION = "about_me"  # the section the pictures are printed in
MAX_HEIGHT = 190.0  # points: a picture is never taller than this on the page


def section_pictures(section_key: str, record: Record, width: float) -> list[Flowable]:
    """The record's pictures, for the record PDF: printed at the end of "All about me"."""
    if section_key != PICTURE_SECTION:
        return []
    return picture_gallery(record.pictures, width)


def picture_gallery(
    pictures: Sequence[Picture], width: float, *, heading: str = "Drawings and photos"
) -> list[Flowable]:
    """``heading`` and the pictures two to a row (one when there is only one), each with its
    caption under it; nothing when there are no pictures."""
    if not pictures:
        return []
    from export.render import ACCENT_TINT, NOTE_LABEL, RULE, markup  # render imports this module

    columns = 1 if len(pictures) == 1 else 2
    gap = 14.0
    cell_w = (width - gap * (columns - 1)) / columns
    rows: list[list[Any]] = []
    for start in range(0, len(pictures), columns):
        row: list[Any] = []
        for n, picture in enumerate(pictures[start : start + columns]):
            if n:
                row.append("")
            row.append(_cell(picture, cell_w - 16))
        while len(row) < 2 * columns - 1:
            row.append("")
        rows.append(row)
    widths: list[float] = []
    for n in range(columns):
        if n:
            widths.append(gap)
        widths.append(cell_w)
    style: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, -1), 8),
        ("RIGHTPADDING", (0, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, -1), 8),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
    ]
    for r, row in enumerate(rows):
        for c in range(0, len(row), 2):
            if row[c] != "":
                style += [
                    ("BACKGROUND", (c, r), (c, r), ACCENT_TINT),
                    ("BOX", (c, r), (c, r), 0.6, RULE),
                ]
    table = Table(rows, colWidths=widths, style=TableStyle(style), hAlign="LEFT", splitByRow=1)
    table.spaceBefore = 4
    table.spaceAfter = 8
    return [KeepTogether([Paragraph(markup(heading), NOTE_LABEL), table])] if len(rows) == 1 else [
        Paragraph(markup(heading), NOTE_LABEL),
        table,
    ]


def _cell(picture: Picture, width: float) -> list[Flowable]:
    from export.render import CELL_LABEL, markup, paragraph_style

    scale = min(width / picture.width, MAX_HEIGHT / picture.height, 1.0 if picture.width > 400 else 2.0)
    image = Image(BytesIO(picture.data), width=picture.width * scale, height=picture.height * scale)
    image.hAlign = "CENTER"
    out: list[Flowable] = [image]
    if picture.caption:
        style = paragraph_style("picture-caption", parent=CELL_LABEL, alignment=1, spaceBefore=3)
        out.append(Paragraph(markup(picture.caption), style))
    return out
