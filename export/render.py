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

from export.fonts import FONT, FONT_BOLD, FONT_ITALIC, register_fonts
from export.packets import PacketSection, get_packet, packet_sections
from models.flags import NONE_WORDS, Flags, derive_flags, shown_value
from models.framework.definition import FieldDef, Framework, Kind, is_empty
from models.framework.registry import get_framework
from models.record import Person, Record
from models.values import display_value

TITLE = "Transition record"
CREATOR = "Transitions"

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
    return [Paragraph(markup(b), style) for b in blocks]


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(markup(text), style)


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
    return Paragraph(markup(text), _TONE_STYLES[tone])


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

    def draw(self, canv: Canvas, page: int, pages: int) -> None:
        canv.saveState()
        canv.setFillColor(MUTED)
        canv.setFont(FONT, 8)
        canv.drawString(MARGIN_X, HEADER_TEXT_Y, self.header_left)
        canv.drawRightString(PAGE_W - MARGIN_X, HEADER_TEXT_Y, self.header_right)
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.6)
        canv.line(MARGIN_X, HEADER_RULE_Y, PAGE_W - MARGIN_X, HEADER_RULE_Y)
        canv.line(MARGIN_X, FOOTER_RULE_Y, PAGE_W - MARGIN_X, FOOTER_RULE_Y)
        canv.setFillColor(INK)
        canv.setFont(FONT, 8)
        canv.drawString(MARGIN_X, FOOTER_LINE_Y, self.footer_left)
        canv.setFont(FONT_BOLD, 8)
        canv.drawRightString(PAGE_W - MARGIN_X, FOOTER_LINE_Y, f"Page {page} of {pages}")
        canv.setFillColor(MUTED)
        canv.setFont(FONT, 7)
        for n, line in enumerate(self.note_lines):
            canv.drawString(MARGIN_X, NOTE_TOP_Y - n * NOTE_LEADING, line)
        canv.restoreState()


class _PagedCanvas(Canvas):  # type: ignore[misc]
    """Holds each page back until the end, so every footer can say "Page x of y".

    Outline entries are held with their page and written when the page is, so they point at it.
    """

    def __init__(self, *args: Any, furniture: PageFurniture, pdf_date: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._furniture = furniture
        self._held: list[dict[str, Any]] = []
        self._marks: list[tuple[str, str, float]] = []
        self.setDateFormatter(lambda *_ts: pdf_date)

    def hold_mark(self, key: str, title: str, top: float) -> None:
        self._marks.append((key, title, top))

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._held.append(dict(self.__dict__))
        self._marks = []
        self._startPage()

    def save(self) -> None:
        pages = len(self._held)
        for number, state in enumerate(self._held, start=1):
            self.__dict__.update(state)
            for key, title, top in self._marks:
                self.bookmarkPage(key, fit="XYZ", left=0, top=top)
                self.addOutlineEntry(title, key, level=0)
            self._furniture.draw(self, number, pages)
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
    def __init__(self, record: Record, options: RenderOptions, framework: Framework) -> None:
        self.record = record
        self.options = options
        self.fw = framework
        self.flags: Flags = derive_flags(record)

    # values ---------------------------------------------------------------------------
    def value(self, path: str) -> str:
        if not self.fw.has_field(path):
            return ""
        fd = self.fw.field(path)
        return _shown(fd, self.record.get(path))

    # front sheet ----------------------------------------------------------------------
    def front_sheet(self) -> list[Flowable]:
        out: list[Flowable] = []
        band = handling_band(self.options.handling_note)
        if band is not None:
            out.append(band)
        kicker = _p("Front sheet for the Reception teacher", KICKER)
        kicker.outline = ("front-sheet", "Front sheet")
        out.append(kicker)
        out.append(_p(self.record.display_name, NAME))
        legal = " ".join(
            p for p in (self.value("child.legal_forenames"), self.value("child.legal_surname")) if p
        )
        bits = [f"Legal name: {legal or 'not recorded'}"]
        preferred = self.value("child.preferred_name")
        if preferred:
            bits.append(f"Preferred name: {preferred}")
        out.append(_p("   ·   ".join(bits), SUBNAME))
        out.append(self.facts_table())
        out.append(Spacer(1, 12))
        out.extend(self.summary_boxes())
        out.append(Spacer(1, 10))
        out.append(_p("Flags worked out from the record", H2))
        out.extend(self.flag_boxes())
        return out

    def contact(self, path: str) -> str:
        """A person on the front sheet: name and contact only (the label says the role)."""
        value = self.record.get(path) if self.fw.has_field(path) else None
        if not isinstance(value, Person) or value.is_empty():
            return ""
        name = value.name or value.organisation
        return f"{name}\n{value.contact}" if value.contact else name

    def facts_table(self) -> Table:
        def fact(label: str, text: str) -> list[Flowable]:
            value = _p(text, CELL) if text else _p("Not recorded", FACT_MISSING)
            return [_p(label, FACT_LABEL), value]

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

    def summary_boxes(self) -> list[Flowable]:
        if not any(s.key == FRONT_SHEET_SECTION for s in self.fw.sections):
            return []
        boxes: list[tuple[Paragraph, list[Flowable]]] = []
        longest = 0
        for fd in self.fw.section(FRONT_SHEET_SECTION).fields:
            text = _shown(fd, self.record.get(fd.path))
            longest = max(longest, len(text))
            body = _paras(text, BOX_TEXT) if text else [_p("Not recorded", FACT_MISSING)]
            boxes.append((_p(fd.label, BOX_LABEL), body))
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

    def flag_boxes(self) -> list[Flowable]:
        """Each flag as a tinted box with a coloured edge; two balanced columns when they fit."""
        flags = self.flag_list()
        if not flags:
            return [_p("No flags: nothing in this record calls for one.", QUIET)]
        gap = 10.0
        half = (BODY_W - gap) / 2
        if len(flags) > 1 and all(len(f.detail) <= GRID_TEXT for f in flags):
            columns: tuple[list[Flowable], list[Flowable]] = ([], [])
            heights = [0.0, 0.0]
            for flag in flags:
                box = _flag_box(flag, half)
                _w, h = box.wrap(half, FRAME_TOP - FRAME_BOTTOM)
                col = 0 if heights[0] <= heights[1] else 1
                if columns[col]:
                    columns[col].append(Spacer(1, gap))
                    heights[col] += gap
                columns[col].append(box)
                heights[col] += h
            if max(heights) < MAX_FLAG_COLUMN:
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
            out.append(_flag_box(flag, BODY_W))
        return out

    # sections -------------------------------------------------------------------------
    def sections(self, parts: Sequence[PacketSection]) -> list[Flowable]:
        out: list[Flowable] = []
        for part in parts:
            section = part.section
            if section.key == FRONT_SHEET_SECTION:
                body: list[Flowable] = [
                    _p("Shown on the front sheet (page 1) with the flags.", QUIET)
                ]
            else:
                body = self.section_body(part)
                if section.key in SKIP_WHEN_EMPTY and not body:
                    continue
                if section.key == SIGNOFF_SECTION:
                    body += self.signoffs()
                if not body:
                    body = [_p("Nothing recorded.", QUIET)]
            if part.note:
                body.append(_p(part.note, QUIET))
            out.append(CondPageBreak(140))
            heading = Paragraph(f"{section.number}&nbsp;&nbsp;{markup(section.title)}", H1)
            heading.outline = (f"section-{section.number}", f"{section.number}. {section.title}")
            out.append(heading)
            out.append(_HeadingRule())
            out.extend(body)
        return out

    def section_body(self, part: PacketSection) -> list[Flowable]:
        kept = {fd.path for fd in part.fields}
        out: list[Flowable] = []
        for group, fields in part.section.groups():
            shown = [fd for fd in fields if fd.path in kept]
            body = self.group_body(shown, group)
            if not body:
                continue
            if group:
                out.append(_p(group, H2))
            out.extend(body)
        return out

    def group_body(self, fields: Sequence[FieldDef], group: str = "") -> list[Flowable]:
        out: list[Flowable] = []
        rows: list[tuple[str, str]] = []

        def flush() -> None:
            if rows:
                out.append(self.kv_table(rows))
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
                out.extend(self.score_table(fields[i:j]))
                i = j
                continue
            if _is_judgement(fd):
                j = i
                while j < len(fields) and _is_judgement(fields[j]):
                    j += 1
                flush()
                out.extend(self.judgement_table(fields[i:j]))
                i = j
                continue
            i += 1
            if fd.kind is Kind.LIST:
                flush()
                out.extend(self.list_block(fd, value or (), titled=fd.label != group))
                continue
            text = _shown(fd, value)
            if not text:
                continue
            if len(text) > LONG_TEXT or "\n" in text:
                flush()
                out.append(_p(fd.label, NOTE_LABEL))
                out.extend(_paras(text, BODY))
            else:
                rows.append((fd.label, text))
        flush()
        return out

    def kv_table(self, rows: Sequence[tuple[str, str]]) -> Table:
        data = [[_p(label, CELL_LABEL), _p(text, CELL)] for label, text in rows]
        return data_table(
            data, [0.36 * BODY_W, 0.64 * BODY_W], [("LEFTPADDING", (0, 0), (0, -1), 0)]
        )

    def judgement_table(self, fields: Sequence[FieldDef]) -> list[Flowable]:
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
        return [data_table(data, [0.62 * BODY_W, 0.38 * BODY_W], cmds, header=True)]

    def score_table(self, fields: Sequence[FieldDef]) -> list[Flowable]:
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
        return [data_table(data, [0.46 * BODY_W, 0.16 * BODY_W, 0.38 * BODY_W], cmds, header=True)]

    def list_block(
        self, fd: FieldDef, items: Sequence[dict[str, Any]], titled: bool = True
    ) -> list[Flowable]:
        entries = [
            item for item in items if any(_shown(sub, item.get(sub.key)) for sub in fd.item_fields)
        ]
        if not entries:
            return []
        out: list[Flowable] = [_p(fd.label, NOTE_LABEL)] if titled else []
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
            out.append(data_table(data, widths, [], header=True))
            return out
        for n, entry in enumerate(entries, start=1):
            data = [[_p(f"{n} of {len(entries)}", CELL_HEAD), ""]]
            for sub in fd.item_fields:
                text = _shown(sub, entry.get(sub.key))
                if text:
                    data.append([_p(sub.label, CELL_LABEL), _paras(text, ENTRY_TEXT)])
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

    def signoffs(self) -> list[Flowable]:
        out: list[Flowable] = [_p("Sign-offs", H2)]
        current = [s for s in self.record.signoffs if not s.history]  # history is not a sign-off
        if not current:
            return [*out, _p("No sign-offs recorded yet.", QUIET)]
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
        out.append(
            data_table(
                data, [0.34 * BODY_W, 0.24 * BODY_W, 0.24 * BODY_W, 0.18 * BODY_W], [], header=True
            )
        )
        return out


def _flag_box(flag: _Flag, width: float) -> Table:
    bg, fg = TONES[flag.tone]
    cell: list[Flowable] = [_p(flag.label, FLAG_LABELS[flag.tone])]
    cell += [_p(line, FLAG_TEXT) for line in flag.detail.split("\n") if line.strip()]
    return Table(
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


def handling_band(note: str) -> Table | None:
    """The handling note in full at the top of page 1, when it is too long for the footer."""
    note = note.strip()
    if not note or not footer_note_lines(note)[1]:
        return None
    band = Table(
        [[[_p(f"Handling: {note}", HANDLING)]]],
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
    """The record as a PDF for the chosen packet.

    :raises RenderError: the packet is not known.
    :raises UnknownFramework: the record names a framework version this app does not know.
    """
    register_fonts()
    packet = get_packet(options.packet)
    fw = get_framework(record.framework_id, record.framework_version)
    parts = packet_sections(packet.key, fw)

    story_builder = _Story(record, options, fw)
    story: list[Flowable] = story_builder.front_sheet()
    story.append(PageBreak())
    story.extend(story_builder.sections(parts))

    version = f"Record version {record.export_version}"
    if options.supersedes_version is not None:
        version += f", supersedes version {options.supersedes_version}"
    furniture = PageFurniture(
        header_left=f"{TITLE} · {record.display_name}",
        header_right=f"{packet.label} · Generated {date_text(options.generated_on.date())}",
        footer_left=f"{record.display_name} · {version}",
        note_lines=footer_note_lines(options.handling_note)[0],
    )
    return build_pdf(
        story,
        furniture,
        title=TITLE,
        author=record.get("child.setting_name") or "",
        subject=packet.label,
        generated_on=options.generated_on,
    )


def build_pdf(
    story: list[Flowable],
    furniture: PageFurniture,
    *,
    title: str,
    author: str,
    subject: str,
    generated_on: datetime,
) -> bytes:
    """Lay ``story`` out on A4 with the house page furniture; the same input gives the same bytes."""
    buffer = BytesIO()
    doc = _Document(
        buffer,
        pagesize=A4,
        title=title,
        author=author,
        creator=CREATOR,
        subject=subject,
        invariant=1,
        lang="en-GB",
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
    maker: Callable[..., Canvas] = _canvas_maker(furniture, _pdf_date(generated_on))
    doc.build(story, canvasmaker=maker)
    return buffer.getvalue()


def _canvas_maker(furniture: PageFurniture, pdf_date: str) -> Callable[..., Canvas]:
    def make(*args: Any, **kwargs: Any) -> Canvas:
        return _PagedCanvas(*args, furniture=furniture, pdf_date=pdf_date, **kwargs)

    return make
