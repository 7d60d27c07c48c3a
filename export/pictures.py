"""The child's pictures in a PDF: a gallery of drawings and photos with their captions.

Used by the record PDF (after "All about me") and the family's copy. Images are handed to
reportlab from memory (no file, no image cache on disk): JPEGs are embedded as they are (already
stripped of metadata when they were taken in), PNGs as compressed pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from typing import Any

from reportlab.platypus import Flowable, KeepTogether, Table, TableStyle

from export import tagging
from export.fonts import FONT
from export.tagging import StructElem, TaggedImage
from models.pictures import PICTURE_SECTION, Picture
from models.record import Record

MAX_HEIGHT = 190.0  # points: a picture is never taller than this on the page


def section_pictures(
    section_key: str, record: Record, width: float, parent: StructElem
) -> list[Flowable]:
    """The record's pictures, for the record PDF: printed at the end of "All about me"."""
    if section_key != PICTURE_SECTION:
        return []
    return picture_gallery(record.pictures, width, parent=parent)


def picture_gallery(
    pictures: Sequence[Picture],
    width: float,
    *,
    heading: str = "Drawings and photos",
    parent: StructElem,
) -> list[Flowable]:
    """``heading`` and the pictures two to a row (one when there is only one), each with its
    caption under it; nothing when there are no pictures.

    Tagged under ``parent`` as a heading and, per picture, a Figure whose alternative text says
    which picture it is and its caption, followed by the caption itself.
    """
    if not pictures:
        return []
    from export.render import ACCENT_TINT, NOTE_LABEL, RULE, plain_paragraph  # render imports us

    gallery = parent.add("Sect")
    title = tagging.add(gallery, "H2", plain_paragraph(heading, NOTE_LABEL))
    cells = [
        _cell(picture, n, len(pictures), cell_width(width, len(pictures)) - 16, gallery)
        for n, picture in enumerate(pictures, start=1)
    ]

    columns = 1 if len(pictures) == 1 else 2
    gap = GAP
    cell_w = cell_width(width, len(pictures))
    rows: list[list[Any]] = []
    for start in range(0, len(pictures), columns):
        row: list[Any] = []
        for n, cell in enumerate(cells[start : start + columns]):
            if n:
                row.append("")
            row.append(cell)
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
        ("FONT", (0, 0), (-1, -1), FONT, 9),  # never reportlab's default, unembedded Helvetica
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
    return [KeepTogether([title, table])] if len(rows) == 1 else [title, table]


GAP = 14.0  # points between two pictures side by side


def cell_width(width: float, count: int) -> float:
    columns = 1 if count == 1 else 2
    return (width - GAP * (columns - 1)) / columns


def alt_text(picture: Picture, n: int, count: int) -> str:
    """What a screen reader says for the picture: which one it is, and its caption."""
    which = f"Picture {n} of {count}" if count > 1 else "Picture"
    return f"{which}: {picture.caption}" if picture.caption else f"{which}, with no caption"


def _cell(
    picture: Picture, n: int, count: int, width: float, gallery: StructElem
) -> list[Flowable]:
    from export.render import CELL_LABEL, paragraph_style, plain_paragraph

    scale = min(
        width / picture.width, MAX_HEIGHT / picture.height, 1.0 if picture.width > 400 else 2.0
    )
    image = TaggedImage(
        BytesIO(picture.data), width=picture.width * scale, height=picture.height * scale
    )
    image.hAlign = "CENTER"
    item = gallery.add("Div")
    out: list[Flowable] = [tagging.figure(item, image, alt_text(picture, n, count))]
    if picture.caption:
        style = paragraph_style("picture-caption", parent=CELL_LABEL, alignment=1, spaceBefore=3)
        out.append(tagging.add(item, "P", plain_paragraph(picture.caption, style)))
    return out
