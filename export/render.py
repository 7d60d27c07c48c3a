"""A child's transition record as a printable PDF, laid out from the framework definition.

Page 1 is the front sheet the Reception teacher reads first: who the child is, where they are going,
the four summary boxes and the flags worked out from the record. The framework's sections follow in
order, each field printed by its kind (no field list is written here): judgement tables for the
learning and development aspects, score tables for score/zone pairs, small tables or blocks for
repeating groups, and label/value rows for everything else. Only filled fields are printed.

Safeguarding detail never travels: guarded fields are left out of every packet and the front sheet
shows only the "designated safeguarding leads to speak directly" flag with the setting DSL's contact.

The output is deterministic for a given record and clock: reportlab runs in invariant mode, the
document information is fixed and the PDF dates come from ``RenderOptions.generated_on``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from export import tagging
from export.fonts import FONT, FONT_BOLD, FONT_ITALIC, register_fonts, shown_text
from export.languages import record_languages
from export.packets import PacketSection, get_packet, packet_sections
from export.pdfa import Attachment, DocumentInfo, SignatureField, finish_pdf
from export.pictures import section_pictures
from export.stamp import SIGNATURE_FIELD, SignatureLabel
from export.tagging import MarkedContent, StructElem, Structure, TableShape, TaggedParagraph
from models.flags import NONE_WORDS, Flags, derive_flags, shown_value
from models.framework.definition import FieldDef, Framework, Kind, is_empty
from models.framework.registry import get_framework
from models.record import Person, Record
from models.values import display_value

TITLE = "Transition record"
RECORD_JSON_NAME = "transition-record.json"  # the embedded record (export.attach reads it)
CREATOR = "Transitions"
LANG = "en-GB"

# Sections with a place of their own: the summary is the front sheet; the school's outcome is
# printed only once the school has returned it.
FRONT_SHEET_SECTION = "summary"
SKIP_WHEN_EMPTY = ("outcome",)
SIGNOFF_SECTION = "consent"

# --- page geometry (points) -----------------------------------------------------------------
PAGE_W, PAGE_H = A4
MARGIN_X = 56.7  # 20 mm
FRAME_TOP = PAGE_H - 62.0
FRAME_BOTTOM = 92.0  # the footer sits above y = 44, clear of the signature stamp (export.sign)
BODY_W = PAGE_W - 2 * MARGIN_X
FOOTER_RULE_Y = 82.0
FOOTER_LINE_Y = 70.0
NOTE_TOP_Y = 59.0
NOTE_LEADING = 8.5
NOTE_MAX_LINES = 2
HEADER_TEXT_Y = PAGE_H - 36.0
HEADER_RULE_Y = PAGE_H - 43.0
# The visible signature: under the footer of page 1, inside the side margins, above the edge a
# printer cannot reach (x0, y0, x1, y1).
STAMP_RECT = (MARGIN_X, 12.0, PAGE_W - MARGIN_X, 44.0)
STAMP_NOTE = (
    "Digital signature (PAdES): your PDF reader's signature panel shows whether it is intact."
)

# --- colours: one accent, quiet greys, muted tones that always come with words ------------------
ACCENT = colors.HexColor("#1F5C74")
ACCENT_TINT = colors.HexColor("#EAF1F4")
INK = colors.HexColor("#1E2328")
MUTED = colors.HexColor("#5B6670")
RULE = colors.HexColor("#CBD5DA")

TONES: dict[str, tuple[colors.Color, colors.Color]] = {  # background, text / stripe
    "good": (colors.HexColor("#E5F2E8"), colors.HexColor("#1E5B32")),
    "watch": (colors.HexColor("#FCF1D9"), colors.HexColor("#7A5200")),
    "concern": (colors.HexColor("#F8E1DE"), colors.HexColor("#8B2A1F")),
    "neutral": (colors.HexColor("#EEF0F2"), colors.HexColor("#4A535B")),
    "info": (ACCENT_TINT, ACCENT),
}
# How a choice is coloured where it is a judgement, a screening zone or an outcome.
OPTION_TONES = {
    "on_track": "good",
    "some_support": "watch",
    "targeted_support": "concern",
    "not_assessed": "neutral",
    "above": "good",
    "monitoring": "watch",
    "below": "concern",
    "expected": "good",
    "emerging": "watch",
}

LONG_TEXT = 180  # characters: longer values are printed as blocks, not table rows
GRID_TEXT = 420  # characters: summary boxes and flags sit two by two when each is at most this long
MAX_FLAG_COLUMN = 420.0  # points: taller flag columns are stacked full width so they can split


@dataclass(frozen=True, kw_only=True)
class RenderOptions:
    handling_note: str = ""  # printed small in every footer (from the charter)
    packet: str = "teacher"  # a key of export.packets.PACKETS: "teacher" or "senco"
    generated_on: datetime  # the injected clock: printed on the front sheet and used as PDF dates
    setting_dsl_contact: str = ""  # shown with the DSL-to-DSL flag
    supersedes_version: int | None = None
    supersedes_sent_on: date | None = None  # when the version this one replaces was exported
    record_json: bytes = b""  # embedded as an associated file when given
    signature: SignatureLabel | None = None  # who will sign: the stamp and the signature field
    file_code: str = (
        ""  # the code in the exported file's name (export.file_names), to match by hand
    )


# --- text styles --------------------------------------------------------------------------
def paragraph_style(name: str, parent: ParagraphStyle | None = None, **kw: Any) -> ParagraphStyle:
    """A paragraph style: the body defaults, or ``parent`` with ``kw`` changed."""
    if parent is not None:
        return ParagraphStyle(name, parent=parent, **kw)
    base: dict[str, Any] = {"fontName": FONT, "fontSize": 10, "leading": 14, "textColor": INK}
    base.update(kw)
    return ParagraphStyle(name, **base)


BODY = paragraph_style("body", spaceAfter=4)
CELL = paragraph_style("cell", leading=13)
CELL_LABEL = paragraph_style("cell-label", fontSize=9, leading=12, textColor=MUTED)
CELL_HEAD = paragraph_style(
    "cell-head", fontName=FONT_BOLD, fontSize=8.5, leading=11, textColor=ACCENT
)
NOTE_LABEL = paragraph_style(
    "note-label",
    fontName=FONT_BOLD,
    fontSize=9.5,
    leading=13,
    spaceBefore=7,
    spaceAfter=2,
    keepWithNext=1,
)
QUIET = paragraph_style(
    "quiet", fontName=FONT_ITALIC, fontSize=9.5, leading=13, textColor=MUTED, spaceAfter=4
)
H1 = paragraph_style(
    "h1",
    fontName=FONT_BOLD,
    fontSize=14,
    leading=18,
    textColor=ACCENT,
    spaceBefore=16,
    spaceAfter=2,
    keepWithNext=1,
)
H2 = paragraph_style(
    "h2", fontName=FONT_BOLD, fontSize=11, leading=15, spaceBefore=10, spaceAfter=4, keepWithNext=1
)
KICKER = paragraph_style("kicker", fontName=FONT_BOLD, fontSize=9, leading=12, textColor=ACCENT)
NAME = paragraph_style(
    "name", fontName=FONT_BOLD, fontSize=22, leading=27, spaceBefore=2, spaceAfter=2
)
SUBNAME = paragraph_style("subname", fontSize=10, leading=14, textColor=MUTED, spaceAfter=10)
BOX_LABEL = paragraph_style(
    "box-label", fontName=FONT_BOLD, fontSize=9.5, leading=12, textColor=ACCENT
)
FLAG_LABEL = paragraph_style("flag-label", fontName=FONT_BOLD, fontSize=10, leading=13)
FLAG_TEXT = paragraph_style("flag-text", fontSize=9.5, leading=13)
FLAG_LABELS = {
    tone: paragraph_style(f"flag-{tone}", parent=FLAG_LABEL, textColor=fg)
    for tone, (_bg, fg) in TONES.items()
}
FACT_LABEL = paragraph_style("fact-label", fontSize=8, leading=10, textColor=MUTED, spaceAfter=1)
FACT_MISSING = paragraph_style("fact-missing", parent=QUIET, spaceAfter=0)
HANDLING = paragraph_style("handling", fontSize=8, leading=11, textColor=MUTED)
BOX_TEXT = paragraph_style("box-text", parent=CELL, spaceAfter=4)
ENTRY_TEXT = paragraph_style("entry-text", parent=CELL, spaceAfter=3)


# --- small helpers ------------------------------------------------------------------------
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def markup(text: str) -> str:
    """Plain text as paragraph markup: escaped, line breaks kept."""
    clean = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    return escape(clean).replace("\n", "<br/>")


def _paras(text: str, style: ParagraphStyle) -> list[Flowable]:
    """One paragraph per blank-line-separated block, so long notes flow across pages."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if b.strip()]
    return [_p(b, style) for b in blocks]


def plain_paragraph(text: str, style: ParagraphStyle) -> TaggedParagraph:
    """A paragraph of plain text, to be tied to its structure element (see export.tagging).

    Characters the style's font cannot draw are shown as U+FFFD, the real text kept for the
    element's ActualText (export.fonts.shown_text).
    """
    drawn, actual = shown_text(text, style.fontName)
    para = TaggedParagraph(markup(drawn), style)
    para.text = text
    para.actual_text = actual
    return para


_p = plain_paragraph


def date_text(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _shown(fd: FieldDef, value: Any) -> str:
    """The value as printed, or "" when there is nothing worth printing."""
    if is_empty(value) or (isinstance(value, Person) and value.is_empty()):
        return ""
    return display_value(fd, value).strip()


def _is_score_pair(fields: Sequence[FieldDef], i: int) -> bool:
    """A number ``x_score`` followed by its choice ``x_zone`` (the screening scores of section 7)."""
    fd = fields[i]
    if fd.kind is not Kind.NUMBER or not fd.key.endswith("_score") or i + 1 >= len(fields):
        return False
    nxt = fields[i + 1]
    return nxt.kind is Kind.CHOICE and nxt.key == fd.key[: -len("_score")] + "_zone"


def _is_judgement(fd: FieldDef) -> bool:
    """A judgement scale, or a choice whose every option is a judgement (an outcome, a zone)."""
    if fd.kind is Kind.SCALE:
        return True
    return (
        fd.kind is Kind.CHOICE
        and bool(fd.options)
        and all(o.value in OPTION_TONES for o in fd.options)
    )


_TONE_STYLES: dict[str, ParagraphStyle] = {
    tone: paragraph_style(
        f"tone-{tone}", fontName=FONT_BOLD, fontSize=9.5, leading=13, textColor=fg
    )
    for tone, (_bg, fg) in TONES.items()
}


def _tone_cell(text: str, tone: str) -> Paragraph:
    return _p(text, _TONE_STYLES[tone])


def data_table(
    data: list[list[Any]],
    widths: Sequence[float],
    commands: list[tuple[Any, ...]],
    header: bool = False,
) -> Table:
    base: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONT", (0, 0), (-1, -1), FONT, 9),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
    ]
    if header:
        base += [
            ("BACKGROUND", (0, 0), (-1, 0), ACCENT_TINT),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
        ]
    table = Table(
        data,
        colWidths=list(widths),
        style=TableStyle(base + commands),
        repeatRows=1 if header else 0,
        splitInRow=1,
        hAlign="LEFT",
    )
    table.spaceBefore = 2
    table.spaceAfter = 8
    return table


# --- the page furniture (header and footer), drawn once the page count is known ---------------
@dataclass(frozen=True)
class PageFurniture:
    """What every page carries besides the story: header, footer, the handling note."""

    header_left: str
    header_right: str
    footer_left: str
    note_lines: tuple[str, ...]  # the handling note, already wrapped (see footer_note_lines)
    # the element the note is on page 1 when no handling band shows it in full (see handling_note)
    note_elem: StructElem | None = None

    def draw(self, canv: Canvas, page: int, pages: int) -> None:
        """Draw the furniture of page ``page``: running header and footer are pagination
        artifacts, so assistive technology skips them (the story carries the same facts)."""
        canv.saveState()
        with MarkedContent.pagination(canv, "Header"):
            canv.setFillColor(MUTED)
            canv.setFont(FONT, 8)
            canv.drawString(MARGIN_X, HEADER_TEXT_Y, shown_text(self.header_left, FONT)[0])
            canv.drawRightString(
                PAGE_W - MARGIN_X, HEADER_TEXT_Y, shown_text(self.header_right, FONT)[0]
            )
            canv.setStrokeColor(RULE)
            canv.setLineWidth(0.6)
            canv.line(MARGIN_X, HEADER_RULE_Y, PAGE_W - MARGIN_X, HEADER_RULE_Y)
        with MarkedContent.pagination(canv, "Footer"):
            canv.line(MARGIN_X, FOOTER_RULE_Y, PAGE_W - MARGIN_X, FOOTER_RULE_Y)
            canv.setFillColor(INK)
            canv.setFont(FONT, 8)
            canv.drawString(MARGIN_X, FOOTER_LINE_Y, shown_text(self.footer_left, FONT)[0])
            canv.setFont(FONT_BOLD, 8)
            canv.drawRightString(PAGE_W - MARGIN_X, FOOTER_LINE_Y, f"Page {page} of {pages}")
        marks = tagging.marked_content(canv)
        if page == 1 and self.note_elem is not None and marks is not None:
            # No band on page 1 carries the note: its first footer is the note's real content.
            marks.begin(canv, self.note_elem, page=0, reopen=False)
            self._draw_note(canv)
            canv.addLiteral("EMC")
        else:
            with MarkedContent.pagination(canv, "Footer"):
                self._draw_note(canv)
        canv.restoreState()

    def _draw_note(self, canv: Canvas) -> None:
        canv.setFillColor(MUTED)
        canv.setFont(FONT, 7)
        for n, line in enumerate(self.note_lines):
            canv.drawString(MARGIN_X, NOTE_TOP_Y - n * NOTE_LEADING, shown_text(line, FONT)[0])


def draw_stamp(canv: Canvas, label: SignatureLabel, width: float, height: float) -> None:
    """The visible signature on a page ``width`` x ``height`` of its own (it becomes the signature
    field's appearance): the signer's sentence in the embedded font, with an accent edge."""
    canv.setFillColor(ACCENT_TINT)
    canv.rect(0, 0, width, height, stroke=0, fill=1)
    canv.setFillColor(ACCENT)
    canv.rect(0, 0, 2.5, height, stroke=0, fill=1)
    text, _actual = shown_text(label.sentence, FONT_BOLD)
    size = 8.0
    lines = simpleSplit(text, FONT_BOLD, size, width - 14)
    while len(lines) > 2 and size > 5:
        size -= 0.5
        lines = simpleSplit(text, FONT_BOLD, size, width - 14)
    lines = lines[:2]
    leading = size * 1.25
    canv.setFillColor(INK)
    canv.setFont(FONT_BOLD, size)
    y = height - 5 - size
    for line in lines:
        canv.drawString(9, y, line)
        y -= leading
    canv.setFillColor(MUTED)
    canv.setFont(FONT, 6.5)
    canv.drawString(9, max(4.0, y - 1), STAMP_NOTE)


class _PagedCanvas(Canvas):  # type: ignore[misc]
    """Holds each page back until the end, so every footer can say "Page x of y".

    Outline entries are held with their page and written when the page is, so they point at it.
    The canvas carries the marked-content bookkeeping of export.tagging; when a stamp is given it
    is drawn on one more page of its own, which export.pdfa turns into the signature's appearance.
    """

    def __init__(
        self,
        *args: Any,
        furniture: PageFurniture,
        pdf_date: str,
        marks: MarkedContent,
        stamp: SignatureLabel | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._furniture = furniture
        self._stamp = stamp
        self._held: list[dict[str, Any]] = []
        self._marks: list[tuple[str, str, float]] = []
        self.setDateFormatter(lambda *_ts: pdf_date)
        self.marked_content = marks
        marks.start_page(self)

    def hold_mark(self, key: str, title: str, top: float) -> None:
        self._marks.append((key, title, top))

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self.marked_content.end_page(self)
        self._held.append(dict(self.__dict__))
        self._marks = []
        self._startPage()
        self.marked_content.start_page(self)

    def save(self) -> None:
        pages = len(self._held)
        for number, state in enumerate(self._held, start=1):
            self.__dict__.update(state)
            for key, title, top in self._marks:
                self.bookmarkPage(key, fit="XYZ", left=0, top=top)
                self.addOutlineEntry(title, key, level=0)
            self._furniture.draw(self, number, pages)
            super().showPage()
        if self._stamp is not None:
            x0, y0, x1, y1 = STAMP_RECT
            self.setPageSize((x1 - x0, y1 - y0))
            draw_stamp(self, self._stamp, x1 - x0, y1 - y0)
            super().showPage()
        super().save()


class _Document(BaseDocTemplate):  # type: ignore[misc]
    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 (reportlab's name)
        mark = getattr(flowable, "outline", None)
        if mark is not None:
            top = min(FRAME_TOP, self.frame._y + flowable.height + 6)
            self.canv.hold_mark(mark[0], mark[1], top)


# --- building the story -----------------------------------------------------------------
@dataclass(frozen=True)
class _Flag:
    label: str
    detail: str
    tone: str


class _Story:
    """Builds the story (flowables) and, alongside it, the structure tree in reading order."""

    def __init__(self, record: Record, options: RenderOptions, framework: Framework) -> None:
        self.record = record
        self.options = options
        self.fw = framework
        self.flags: Flags = derive_flags(record)
        self.signature_elem: StructElem | None = None
        self.note_elem: StructElem | None = None

    # values ---------------------------------------------------------------------------
    def value(self, path: str) -> str:
        if not self.fw.has_field(path):
            return ""
        fd = self.fw.field(path)
        return _shown(fd, self.record.get(path))

    # front sheet ----------------------------------------------------------------------
    def front_sheet(self, doc: StructElem) -> list[Flowable]:
        sect = doc.add("Sect")
        out: list[Flowable] = []
        band, self.note_elem = handling_note(self.options.handling_note, sect)
        if band is not None:
            out.append(band)
        kicker = tagging.add(sect, "P", _p("Front sheet for the Reception teacher", KICKER))
        kicker.outline = ("front-sheet", "Front sheet")
        out.append(kicker)
        out.append(tagging.add(sect, "H1", _p(self.record.display_name, NAME)))
        legal = " ".join(
            p for p in (self.value("child.legal_forenames"), self.value("child.legal_surname")) if p
        )
        bits = [f"Legal name: {legal or 'not recorded'}"]
        preferred = self.value("child.preferred_name")
        if preferred:
            bits.append(f"Preferred name: {preferred}")
        if self.options.file_code:
            bits.append(f"File code: {self.options.file_code}")
        out.append(tagging.add(sect, "P", _p("   ·   ".join(bits), SUBNAME)))
        out.append(self.facts_table(sect))
        out.append(Spacer(1, 12))
        out.extend(self.summary_boxes(sect))
        out.append(Spacer(1, 10))
        out.append(tagging.add(sect, "H2", _p("Flags worked out from the record", H2)))
        out.extend(self.flag_boxes(sect))
        if self.options.signature is not None:
            self.signature_elem = sect.add("Form")
        return out

    def contact(self, path: str) -> str:
        """A person on the front sheet: name and contact only (the label says the role)."""
        value = self.record.get(path) if self.fw.has_field(path) else None
        if not isinstance(value, Person) or value.is_empty():
            return ""
        name = value.name or value.organisation
        return f"{name}\n{value.contact}" if value.contact else name

    def facts_table(self, parent: StructElem) -> Table:
        """The child's key facts, three to a row: read row by row, each fact a label and a value."""

        def fact(label: str, text: str) -> list[Flowable]:
            value = _p(text, CELL) if text else _p("Not recorded", FACT_MISSING)
            cell: list[Flowable] = [_p(label, FACT_LABEL), value]
            tagging.paragraphs(parent.add("Div"), cell)
            return cell

        key_person = self.contact("child.key_person")
        first_term = self.contact("transition.setting_contact")
        same = first_term == key_person
        rows: list[list[Any]] = [
            [
                fact("Date of birth", self.value("child.date_of_birth")),
                fact("Setting", self.value("child.setting_name")),
                fact("Key person (first-term contact)" if same else "Key person", key_person),
            ],
            [
                fact("Receiving school", self.value("child.school_name")),
                fact("Class or teacher", self.value("child.school_class")),
                fact("Starts school", self.value("child.school_start_date")),
            ],
        ]
        if not same:
            rows.append([fact("Setting contact for the first term", first_term), "", ""])
        third = BODY_W / 3
        return data_table(
            rows,
            [third, third, third],
            [
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ],
        )

    def summary_boxes(self, parent: StructElem) -> list[Flowable]:
        """The summary's boxes, two by two when short: drawn row by row, read box by box."""
        if not any(s.key == FRONT_SHEET_SECTION for s in self.fw.sections):
            return []
        boxes: list[tuple[Paragraph, list[Flowable]]] = []
        longest = 0
        for fd in self.fw.section(FRONT_SHEET_SECTION).fields:
            text = _shown(fd, self.record.get(fd.path))
            longest = max(longest, len(text))
            body = _paras(text, BOX_TEXT) if text else [_p("Not recorded", FACT_MISSING)]
            box = parent.add("Div")
            label = tagging.add(box, "H2", _p(fd.label, BOX_LABEL))
            tagging.paragraphs(box, body)
            boxes.append((label, body))
        if not boxes:
            return []
        grid = longest <= GRID_TEXT and len(boxes) % 2 == 0
        cols = 2 if grid else 1
        gap = 12.0
        box_w = (BODY_W - gap) / 2 if grid else BODY_W
        data: list[list[Any]] = []
        cmds: list[tuple[Any, ...]] = []
        for start in range(0, len(boxes), cols):
            chunk = boxes[start : start + cols]
            top = len(data)
            if grid:
                data.append([chunk[0][0], "", chunk[1][0]])
                data.append([chunk[0][1], "", chunk[1][1]])
                box_cols: tuple[int, ...] = (0, 2)
            else:
                data.append([chunk[0][0]])
                data.append([chunk[0][1]])
                box_cols = (0,)
            for c in box_cols:
                cmds += [
                    ("BACKGROUND", (c, top), (c, top), ACCENT_TINT),
                    ("BOX", (c, top), (c, top + 1), 0.6, RULE),
                    ("LINEABOVE", (c, top), (c, top), 2, ACCENT, 0),
                ]
            if start + cols < len(boxes):
                data.append([""] * len(data[-1]))
                cmds.append(("TOPPADDING", (0, len(data) - 1), (-1, len(data) - 1), 0))
                cmds.append(("BOTTOMPADDING", (0, len(data) - 1), (-1, len(data) - 1), gap - 1))
        widths = [box_w, gap, box_w] if grid else [box_w]
        table = Table(
            data,
            colWidths=widths,
            splitInRow=1,
            hAlign="LEFT",
            style=TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("FONT", (0, 0), (-1, -1), FONT, 9),
                    ("LEFTPADDING", (0, 0), (-1, -1), 9),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 9),
                    ("TOPPADDING", (0, 0), (-1, -1), 6),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                    *cmds,
                ]
            ),
        )
        return [table]

    def flag_list(self) -> list[_Flag]:
        fl, fw, rec = self.flags, self.fw, self.record
        out: list[_Flag] = []
        if fl.dsl_to_dsl:
            contact = self.options.setting_dsl_contact.strip()
            detail = (
                f"Setting DSL: {contact}"
                if contact
                else "Contact the setting's designated safeguarding lead."
            )
            out.append(_Flag("Designated safeguarding leads to speak directly", detail, "concern"))
        if fl.send_status != "none":
            areas = self.value("send.areas_of_need")
            detail = f"Areas of need: {areas}" if areas else ""
            if fl.send_status is None:
                detail = "Ask the setting's SENCO before the child starts."
            out.append(_Flag(f"SEND: {fl.send_label}", detail, "watch"))
        if fl.medical:
            parts = []
            for fd in fw.fields_feeding("medical"):
                value = rec.get(fd.path)
                text = _shown(fd, value)
                if text and value is not False and text.lower().rstrip(".") not in NONE_WORDS:
                    parts.append(f"{fd.label}: {text}")
            out.append(_Flag("Medical", "\n".join(parts), "concern"))
        if fl.eal:
            parts = [
                f"{fd.label}: {t}"
                for fd in fw.fields_feeding("eal")
                if fd.kind is not Kind.CHOICE and (t := _shown(fd, rec.get(fd.path)))
            ]
            if rec.get("child.interpreter_needed") is True:
                language = self.value("child.interpreter_language")
                parts.append("Parents need an interpreter" + (f" ({language})" if language else ""))
            out.append(_Flag("English as an additional language", "\n".join(parts), "info"))
        if fl.prime_not_on_track:
            by_area: dict[str, list[str]] = {}
            for fd in fw.fields_feeding("prime_not_on_track"):
                value = rec.get(fd.path)
                if (
                    fd.kind is Kind.SCALE
                    and fd.label in fl.prime_not_on_track
                    and OPTION_TONES.get(str(value)) in ("watch", "concern")
                ):
                    judgement = _shown(fd, value).lower().removesuffix(" needed")
                    by_area.setdefault(fd.group, []).append(f"{fd.label} ({judgement})")
            parts = [
                f"{area + ': ' if area else ''}{', '.join(aspects)}"
                for area, aspects in by_area.items()
            ]
            n = len(fl.prime_not_on_track)
            label = f"Prime areas: {n} aspect{'s' if n != 1 else ''} not on track"
            out.append(_Flag(label, "\n".join(parts), "watch"))
        if fl.asq_below:
            out.append(
                _Flag(
                    "ASQ below cut-off or progress less than expected",
                    ", ".join(fl.asq_below),
                    "watch",
                )
            )
        if fl.waiting_list:
            parts = []
            for fd in fw.fields_feeding("waiting_list"):
                for item in rec.get(fd.path) or ():
                    if item.get("status") != "waiting":
                        continue
                    since = item.get("waiting_since")
                    service = item.get("service") or "a specialist service"
                    parts.append(
                        service + (f" (waiting since {date_text(since)})" if since else "")
                    )
            out.append(_Flag("Waiting list for specialist assessment", "\n".join(parts), "watch"))
        return out

    def flag_boxes(self, parent: StructElem) -> list[Flowable]:
        """Each flag as a tinted box with a coloured edge; two balanced columns when they fit.

        The flags are a list in priority order. In two columns each box goes to the shorter
        column, so the boxes' tops still come in that order down the page: it is also the order
        a reader sees them in, and the order the list is tagged in.
        """
        flags = self.flag_list()
        if not flags:
            return [
                tagging.add(
                    parent, "P", _p("No flags: nothing in this record calls for one.", QUIET)
                )
            ]
        listing = parent.add("L")
        gap = 10.0
        half = (BODY_W - gap) / 2
        if len(flags) > 1 and all(len(f.detail) <= GRID_TEXT for f in flags):
            columns: tuple[list[Flowable], list[Flowable]] = ([], [])
            cells: list[list[Flowable]] = []
            heights = [0.0, 0.0]
            for flag in flags:
                box, cell = _flag_box(flag, half)
                _w, h = box.wrap(half, FRAME_TOP - FRAME_BOTTOM)
                col = 0 if heights[0] <= heights[1] else 1
                if columns[col]:
                    columns[col].append(Spacer(1, gap))
                    heights[col] += gap
                columns[col].append(box)
                cells.append(cell)
                heights[col] += h
            if max(heights) < MAX_FLAG_COLUMN:
                for cell in cells:
                    tagging.paragraphs(listing.add("LI").add("LBody"), cell)
                return [
                    Table(
                        [[columns[0], "", columns[1]]],
                        colWidths=[half, gap, half],
                        hAlign="LEFT",
                        style=TableStyle(
                            [
                                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                ("FONT", (0, 0), (-1, -1), FONT, 9),
                                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                                ("TOPPADDING", (0, 0), (-1, -1), 0),
                                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                            ]
                        ),
                    )
                ]
        out: list[Flowable] = []
        for flag in flags:
            if out:
                out.append(Spacer(1, gap))
            box, cell = _flag_box(flag, BODY_W)
            tagging.paragraphs(listing.add("LI").add("LBody"), cell)
            out.append(box)
        return out

    # sections -------------------------------------------------------------------------
    def sections(self, doc: StructElem, parts: Sequence[PacketSection]) -> list[Flowable]:
        out: list[Flowable] = []
        for part in parts:
            section = part.section
            sect = StructElem("Sect", doc)  # added to the document below, unless skipped
            title = sect.add("H1")
            if section.key == FRONT_SHEET_SECTION:
                body: list[Flowable] = [
                    tagging.add(
                        sect, "P", _p("Shown on the front sheet (page 1) with the flags.", QUIET)
                    )
                ]
            else:
                body = self.section_body(sect, part)
                body += section_pictures(section.key, self.record, BODY_W, sect)
                if section.key in SKIP_WHEN_EMPTY and not body:
                    continue
                if section.key == SIGNOFF_SECTION:
                    body += self.signoffs(sect)
                if not body:
                    body = [tagging.add(sect, "P", _p("Nothing recorded.", QUIET))]
            if part.note:
                body.append(tagging.add(sect, "P", _p(part.note, QUIET)))
            doc.append(sect)
            out.append(CondPageBreak(140))
            heading = TaggedParagraph(f"{section.number}&nbsp;&nbsp;{markup(section.title)}", H1)
            tagging.tie(heading, title)
            heading.outline = (f"section-{section.number}", f"{section.number}. {section.title}")
            out.append(heading)
            out.append(_HeadingRule())
            out.extend(body)
        return out

    def section_body(self, sect: StructElem, part: PacketSection) -> list[Flowable]:
        kept = {fd.path for fd in part.fields}
        out: list[Flowable] = []
        for group, fields in part.section.groups():
            shown = [fd for fd in fields if fd.path in kept]
            block = StructElem("Sect" if group else "Div", sect)  # added below unless empty
            heading = block.add("H2") if group else None
            body = self.group_body(block, shown, group, level=3 if group else 2)
            if not body:
                continue
            sect.append(block)
            if heading is not None:
                title = _p(group, H2)
                tagging.tie(title, heading)
                out.append(title)
            out.extend(body)
        return out

    def group_body(
        self, parent: StructElem, fields: Sequence[FieldDef], group: str = "", level: int = 2
    ) -> list[Flowable]:
        """The fields of one group in order; ``level`` is the heading level of a field's label."""
        out: list[Flowable] = []
        rows: list[tuple[str, str]] = []
        label_role = f"H{level}"

        def flush() -> None:
            if rows:
                out.append(self.kv_table(parent, rows))
                rows.clear()

        i = 0
        while i < len(fields):
            fd = fields[i]
            value = shown_value(self.record, fd.path)  # EAL worked out unless a person chose
            if _is_score_pair(fields, i):
                j = i
                while _is_score_pair(fields, j):
                    j += 2
                flush()
                out.extend(self.score_table(parent, fields[i:j]))
                i = j
                continue
            if _is_judgement(fd):
                j = i
                while j < len(fields) and _is_judgement(fields[j]):
                    j += 1
                flush()
                out.extend(self.judgement_table(parent, fields[i:j]))
                i = j
                continue
            i += 1
            if fd.kind is Kind.LIST:
                flush()
                entries = list(value) if isinstance(value, (list, tuple)) else []
                out.extend(
                    self.list_block(parent, fd, entries, label_role, titled=fd.label != group)
                )
                continue
            text = _shown(fd, value)
            if not text:
                continue
            if len(text) > LONG_TEXT or "\n" in text:
                flush()
                out.append(tagging.add(parent, label_role, _p(fd.label, NOTE_LABEL)))
                paras = _paras(text, BODY)
                tagging.paragraphs(parent, paras)
                out.extend(paras)
            else:
                rows.append((fd.label, text))
        flush()
        return out

    def kv_table(self, parent: StructElem, rows: Sequence[tuple[str, str]]) -> Table:
        """Label and value rows: a table whose first column heads each row."""
        data = [[_p(label, CELL_LABEL), _p(text, CELL)] for label, text in rows]
        tagging.table(parent, data, TableShape(header_cols=1))
        return data_table(
            data, [0.36 * BODY_W, 0.64 * BODY_W], [("LEFTPADDING", (0, 0), (0, -1), 0)]
        )

    def judgement_table(self, parent: StructElem, fields: Sequence[FieldDef]) -> list[Flowable]:
        data: list[list[Any]] = [[_p("Aspect", CELL_HEAD), _p("Judgement", CELL_HEAD)]]
        cmds: list[tuple[Any, ...]] = []
        for fd in fields:
            value = self.record.get(fd.path)
            text = _shown(fd, value)
            if not text:
                continue
            tone = OPTION_TONES.get(str(value), "neutral")
            data.append([_p(fd.label, CELL), _tone_cell(text, tone)])
            cmds.append(("BACKGROUND", (1, len(data) - 1), (1, len(data) - 1), TONES[tone][0]))
        if len(data) == 1:
            return []
        tagging.table(parent, data, TableShape(header_rows=1, header_cols=1))
        return [data_table(data, [0.62 * BODY_W, 0.38 * BODY_W], cmds, header=True)]

    def score_table(self, parent: StructElem, fields: Sequence[FieldDef]) -> list[Flowable]:
        data: list[list[Any]] = [
            [_p("Domain", CELL_HEAD), _p("Score", CELL_HEAD), _p("Zone", CELL_HEAD)]
        ]
        cmds: list[tuple[Any, ...]] = []
        for k in range(0, len(fields) - 1, 2):
            score_fd, zone_fd = fields[k], fields[k + 1]
            score = _shown(score_fd, self.record.get(score_fd.path))
            zone_value = self.record.get(zone_fd.path)
            zone = _shown(zone_fd, zone_value)
            if not score and not zone:
                continue
            domain = (
                score_fd.label[: -len(" score")]
                if score_fd.label.endswith(" score")
                else score_fd.label
            )
            tone = OPTION_TONES.get(str(zone_value), "neutral")
            data.append(
                [_p(domain, CELL), _p(score or "–", CELL), _tone_cell(zone or "Not recorded", tone)]
            )
            if zone:
                cmds.append(("BACKGROUND", (2, len(data) - 1), (2, len(data) - 1), TONES[tone][0]))
        if len(data) == 1:
            return []
        tagging.table(parent, data, TableShape(header_rows=1, header_cols=1))
        return [data_table(data, [0.46 * BODY_W, 0.16 * BODY_W, 0.38 * BODY_W], cmds, header=True)]

    def list_block(
        self,
        parent: StructElem,
        fd: FieldDef,
        items: Sequence[dict[str, Any]],
        label_role: str = "H2",
        titled: bool = True,
    ) -> list[Flowable]:
        entries = [
            item for item in items if any(_shown(sub, item.get(sub.key)) for sub in fd.item_fields)
        ]
        if not entries:
            return []
        out: list[Flowable] = (
            [tagging.add(parent, label_role, _p(fd.label, NOTE_LABEL))] if titled else []
        )
        wide = any(sub.kind in (Kind.NOTE, Kind.LIST) for sub in fd.item_fields)
        if not wide:
            cols = [
                sub for sub in fd.item_fields if any(_shown(sub, e.get(sub.key)) for e in entries)
            ]
            share = {Kind.PERSON: 2.2, Kind.TEXT: 1.6, Kind.DATE: 1.0}
            weights = [share.get(sub.kind, 1.0) for sub in cols]
            widths = [BODY_W * wgt / sum(weights) for wgt in weights]
            data: list[list[Any]] = [[_p(sub.label, CELL_HEAD) for sub in cols]]
            for entry in entries:
                data.append([_p(_shown(sub, entry.get(sub.key)), CELL) for sub in cols])
            tagging.table(parent, data, TableShape(header_rows=1))
            out.append(data_table(data, widths, [], header=True))
            return out
        for n, entry in enumerate(entries, start=1):
            data = [[_p(f"{n} of {len(entries)}", CELL_HEAD), ""]]
            for sub in fd.item_fields:
                text = _shown(sub, entry.get(sub.key))
                if text:
                    data.append([_p(sub.label, CELL_LABEL), _paras(text, ENTRY_TEXT)])
            tagging.table(
                parent, data, TableShape(header_rows=1, header_cols=1, spans=((0, 0, 2),))
            )
            entry_table = data_table(
                data,
                [0.3 * BODY_W, 0.7 * BODY_W],
                [
                    ("SPAN", (0, 0), (-1, 0)),
                    ("BACKGROUND", (0, 0), (-1, 0), ACCENT_TINT),
                    ("LINEBEFORE", (0, 0), (0, -1), 2, ACCENT, 0),
                ],
            )
            entry_table.repeatRows = 1
            out.append(KeepTogether([entry_table]))
        return out

    def signoffs(self, sect: StructElem) -> list[Flowable]:
        block = sect.add("Sect")
        out: list[Flowable] = [tagging.add(block, "H2", _p("Sign-offs", H2))]
        current = [s for s in self.record.signoffs if not s.history]  # history is not a sign-off
        if not current:
            return [*out, tagging.add(block, "P", _p("No sign-offs recorded yet.", QUIET))]
        data: list[list[Any]] = [[_p(h, CELL_HEAD) for h in ("Sign-off", "Name", "Role", "Date")]]
        for s in current:
            data.append(
                [
                    _p(s.scope.label, CELL),
                    _p(s.name, CELL),
                    _p(s.role.label, CELL),
                    _p(date_text(s.signed_on), CELL),
                ]
            )
        tagging.table(block, data, TableShape(header_rows=1, header_cols=1))
        out.append(
            data_table(
                data, [0.34 * BODY_W, 0.24 * BODY_W, 0.24 * BODY_W, 0.18 * BODY_W], [], header=True
            )
        )
        return out


def _flag_box(flag: _Flag, width: float) -> tuple[Table, list[Flowable]]:
    """A flag's box, and the paragraphs in it (to tag as one list item)."""
    bg, fg = TONES[flag.tone]
    cell: list[Flowable] = [_p(flag.label, FLAG_LABELS[flag.tone])]
    cell += [_p(line, FLAG_TEXT) for line in flag.detail.split("\n") if line.strip()]
    box = Table(
        [[cell]],
        colWidths=[width],
        splitInRow=1,
        hAlign="LEFT",
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONT", (0, 0), (-1, -1), FONT, 9),
                ("BACKGROUND", (0, 0), (-1, -1), bg),
                ("LINEBEFORE", (0, 0), (0, -1), 4, fg, 0),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        ),
    )
    return box, cell


class _HeadingRule(Flowable):  # type: ignore[misc]
    """A thin accent line under a section heading."""

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        return avail_width, 8.0

    def draw(self) -> None:
        self.canv.setStrokeColor(ACCENT)
        self.canv.setLineWidth(0.8)
        self.canv.line(0, 6, self.width, 6)

    def getKeepWithNext(self) -> bool:  # noqa: N802 (reportlab's name)
        return True


def handling_note(note: str, parent: StructElem) -> tuple[Table | None, StructElem | None]:
    """Where page 1 carries the handling note for assistive technology: a band at the top with
    the note in full when it is too long for the footer, else page 1's footer (the element
    returned goes to :class:`PageFurniture`). Either is added to ``parent`` here, first."""
    band = handling_band(note, parent)
    if band is not None or not note.strip():
        return band, None
    return None, parent.add("P")


def handling_band(note: str, parent: StructElem) -> Table | None:
    """The handling note in full at the top of page 1, when it is too long for the footer."""
    note = note.strip()
    if not note or not footer_note_lines(note)[1]:
        return None
    band = Table(
        [[[tagging.add(parent, "P", _p(f"Handling: {note}", HANDLING))]]],
        colWidths=[BODY_W],
        splitInRow=1,
        hAlign="LEFT",
        style=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 8),
                ("BACKGROUND", (0, 0), (-1, -1), TONES["neutral"][0]),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        ),
    )
    band.spaceAfter = 10
    return band


def footer_note_lines(note: str) -> tuple[tuple[str, ...], bool]:
    """The handling note wrapped for the footer, and whether it had to be shortened."""
    words = " ".join(note.split())[:1000]  # far more than two footer lines hold
    if not words:
        return (), False
    lines: list[str] = []
    for line in simpleSplit(words, FONT, 7, BODY_W):
        while stringWidth(line, FONT, 7) > BODY_W:  # a "word" wider than the page
            cut = len(line) - 1
            while cut > 1 and stringWidth(line[:cut], FONT, 7) > BODY_W:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    if len(lines) <= NOTE_MAX_LINES:
        return tuple(lines), False
    kept = lines[:NOTE_MAX_LINES]
    last = kept[-1]
    suffix = " … (in full on page 1)"
    while last and stringWidth(last + suffix, FONT, 7) > BODY_W:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    kept[-1] = last.rstrip(" ,;:") + suffix
    return tuple(kept), True


def _pdf_date(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
        return f"D:{moment:%Y%m%d%H%M%S}Z"
    return f"D:{moment:%Y%m%d%H%M%S}"


def render_record_pdf(record: Record, options: RenderOptions) -> bytes:
    """The record as a tagged PDF/A-4 file for the chosen packet (see export.pdfa).

    With ``options.record_json`` the JSON is embedded as an associated file (PDF/A-4f); with
    ``options.signature`` page 1 carries the unsigned signature field and its visible stamp, ready
    for :func:`export.sign.sign_pdf`.

    :raises RenderError: the packet is not known.
    :raises UnknownFramework: the record names a framework version this app does not know.
    """
    register_fonts()
    packet = get_packet(options.packet)
    fw = get_framework(record.framework_id, record.framework_version)
    parts = packet_sections(packet.key, fw)

    structure = Structure(lang=LANG, languages=record_languages(record))
    story_builder = _Story(record, options, fw)
    story: list[Flowable] = story_builder.front_sheet(structure.root)
    story.append(PageBreak())
    story.extend(story_builder.sections(structure.root, parts))

    version = f"Record version {record.export_version}"
    if options.supersedes_version is not None:
        version += f", supersedes version {options.supersedes_version}"
        if options.supersedes_sent_on is not None:
            version += f" (sent {date_text(options.supersedes_sent_on)})"
    furniture = PageFurniture(
        header_left=f"{TITLE} · {record.display_name}",
        header_right=f"{packet.label} · Generated {date_text(options.generated_on.date())}",
        footer_left=f"{record.display_name} · {version}",
        note_lines=footer_note_lines(options.handling_note)[0],
        note_elem=story_builder.note_elem,
    )
    attachments = (
        (
            Attachment(
                name=RECORD_JSON_NAME,
                data=options.record_json,
                mime_type="application/json",
                description="Transition record (machine-readable JSON)",
            ),
        )
        if options.record_json
        else ()
    )
    stamp = None
    if options.signature is not None and story_builder.signature_elem is not None:
        stamp = Stamp(options.signature, story_builder.signature_elem)
    return build_pdf(
        story,
        furniture,
        structure,
        DocumentInfo(
            title=f"{TITLE}: {record.display_name} ({packet.label})",
            author=record.get("child.setting_name") or "",
            subject=packet.label,
            created=options.generated_on,
            lang=LANG,
        ),
        attachments=attachments,
        stamp=stamp,
    )


@dataclass(frozen=True, slots=True)
class Stamp:
    """The visible signature to draw in :data:`STAMP_RECT` on page 1, and its Form element."""

    label: SignatureLabel
    elem: StructElem


def build_pdf(
    story: list[Flowable],
    furniture: PageFurniture,
    structure: Structure,
    info: DocumentInfo,
    *,
    attachments: Sequence[Attachment] = (),
    stamp: Stamp | None = None,
) -> bytes:
    """Lay ``story`` out on A4 with the house page furniture and finish it as a tagged PDF/A file
    (export.pdfa); the same input gives the same bytes.

    Every flowable that draws text must be tied to an element of ``structure`` (export.tagging);
    untied content is drawn as an artifact, which assistive technology skips.
    """
    buffer = BytesIO()
    doc = _Document(
        buffer,
        pagesize=A4,
        title=info.title,
        author=info.author,
        creator=CREATOR,
        subject=info.subject,
        invariant=1,
        lang=info.lang,
        initialFontName=FONT,
        initialFontSize=10,
    )
    frame = Frame(
        MARGIN_X,
        FRAME_BOTTOM,
        BODY_W,
        FRAME_TOP - FRAME_BOTTOM,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    marks = MarkedContent()
    maker: Callable[..., Canvas] = _canvas_maker(
        furniture, _pdf_date(info.created), marks, stamp.label if stamp is not None else None
    )
    doc.build(story, canvasmaker=maker)
    signature = (
        SignatureField(
            name=SIGNATURE_FIELD,
            page=0,
            rect=STAMP_RECT,
            description=stamp.label.sentence,
            elem=stamp.elem,
        )
        if stamp is not None
        else None
    )
    return finish_pdf(
        buffer.getvalue(), info, structure, marks, attachments=attachments, signature=signature
    )


def _canvas_maker(
    furniture: PageFurniture, pdf_date: str, marks: MarkedContent, stamp: SignatureLabel | None
) -> Callable[..., Canvas]:
    def make(*args: Any, **kwargs: Any) -> Canvas:
        return _PagedCanvas(
            *args, furniture=furniture, pdf_date=pdf_date, marks=marks, stamp=stamp, **kwargs
        )

    return make
