"""The form that goes home: a short, fillable PDF for one child's family, and reading it back.

The pages are laid out with reportlab (platypus) in the house style of the record PDF, in plain
language and large type. Each answer is an AcroForm text field (or a tick box) inside a soft rounded
box, so the form can be typed into in the free readers (Acrobat Reader, Edge, Chrome, Apple
Preview) or printed and written on.

Pre-filled answers can hold any character a family writes (Polish, Urdu transliterated, curly
quotes). reportlab's own field appearances only cover Latin-1, so each field is made empty and its
value and appearance are put in afterwards with pikepdf: the value as a PDF text string, the
appearance as a small page drawn by reportlab in the embedded DejaVu font and turned into a form
XObject. Readers show that appearance until someone edits the field, then draw their own.

Hidden, read-only fields carry the form's ticket (:class:`models.family.FormTicket`). Reading a
returned form uses pikepdf only (never a hand-written parser), with limits on the number and
nesting of fields.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any

import pikepdf
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from export.fonts import FONT, FONT_BOLD, register_fonts
from export.render import (
    ACCENT,
    ACCENT_TINT,
    BODY,
    INK,
    MUTED,
    RULE,
    markup,
    paragraph_style,
)
from models.errors import TransitionsError
from models.family import (
    HIDDEN_FIELDS,
    AnswerKind,
    FormRefused,
    FormTicket,
    Part,
    Question,
    long_date,
    serial_text,
)
from models.values import MAX_TEXT

MAX_FORM_BYTES = 20 * 1024 * 1024
MAX_FIELDS = 400
MAX_FIELD_DEPTH = 8

PAGE_W, PAGE_H = A4
MARGIN = 50.0
BODY_W = PAGE_W - 2 * MARGIN
FOOTER_Y = 30.0
BOX_FILL = colors.HexColor("#F7FAFB")
BOX_EDGE = colors.HexColor("#B9C9D1")
WARM = colors.HexColor("#FFF7E6")
WARM_EDGE = colors.HexColor("#E9C98B")
FIELD_FONT_SIZE = 10.5
FIELD_LEADING = 13.5
FIELD_PAD = 5.0
CHECK_SIZE = 14.0

TITLE_KICKER = paragraph_style(
    "ff-kicker", fontName=FONT_BOLD, fontSize=9.5, leading=12, textColor=ACCENT
)
TITLE = paragraph_style("ff-title", fontName=FONT_BOLD, fontSize=22, leading=27, spaceBefore=1)
INTRO = paragraph_style("ff-intro", fontSize=10.5, leading=15, spaceBefore=4)
PART = paragraph_style(
    "ff-part",
    fontName=FONT_BOLD,
    fontSize=14,
    leading=18,
    textColor=ACCENT,
    spaceBefore=10,
    spaceAfter=0,
    keepWithNext=1,
)
PART_NOTE = paragraph_style(
    "ff-part-note", fontSize=9.5, leading=13, textColor=MUTED, spaceAfter=2, keepWithNext=1
)
ASK = paragraph_style(
    "ff-ask", fontName=FONT_BOLD, fontSize=10.5, leading=13.5, spaceBefore=5, keepWithNext=1
)
HINT = paragraph_style(
    "ff-hint", fontSize=8.5, leading=11, textColor=MUTED, spaceAfter=1, keepWithNext=1
)
STEP_NO = paragraph_style(
    "ff-step-no", fontName=FONT_BOLD, fontSize=15, leading=18, textColor=ACCENT
)
STEP = paragraph_style("ff-step", fontSize=9.5, leading=12.5)
CHECK_LABEL = paragraph_style("ff-check", fontSize=10.5, leading=14)
CONSENT_TEXT = paragraph_style("ff-consent", parent=BODY, fontSize=9.5, leading=13, spaceAfter=2)
THANKS = paragraph_style(
    "ff-thanks", fontName=FONT_BOLD, fontSize=12, leading=16, textColor=ACCENT, spaceBefore=14
)


class FormUnreadable(FormRefused):
    """The file could not be opened as a PDF form (damaged, not a PDF, too large)."""

    exit_code = 2


class FormPasswordNeeded(FormUnreadable):
    """The returned form is locked with a password that was not given, or not the right one."""


@dataclass(frozen=True, kw_only=True)
class FormOptions:
    child_name: str
    setting_name: str
    school_name: str
    send_back_to: str  # who the form goes back to, in a sentence fragment ("Ms Lee at Buttercup")
    consent_text: str = ""  # what is shared and why (when the consent questions are asked)
    generated_on: datetime


@dataclass(frozen=True, slots=True)
class FormContents:
    """What a returned form holds: its hidden ticket fields and every answer field."""

    hidden: dict[str, str]
    fields: dict[str, str | bool]


# --- layout pieces ------------------------------------------------------------------------


@dataclass
class _FieldSpot:
    name: str
    width: float
    height: float
    multiline: bool
    tooltip: str


class _AnswerBox(Flowable):  # type: ignore[misc]
    """A rounded box with a text field inside; tall enough for its pre-filled text."""

    def __init__(
        self, question: Question, text: str, width: float, spots: list[_FieldSpot]
    ) -> None:
        super().__init__()
        self.question = question
        self.box_w = width
        multiline = question.kind is AnswerKind.NOTE
        inner = width - 2 * FIELD_PAD
        needed = len(_wrapped(text, inner)) if text else 0
        lines = max(question.lines, min(needed + (1 if multiline else 0), 18)) if multiline else 1
        self.box_h = lines * FIELD_LEADING + 2 * FIELD_PAD + (2 if multiline else 4)
        self.multiline = multiline
        self._spots = spots

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.box_w, self.box_h

    def draw(self) -> None:
        canv = self.canv
        canv.saveState()
        canv.setFillColor(BOX_FILL)
        canv.setStrokeColor(BOX_EDGE)
        canv.setLineWidth(0.8)
        canv.roundRect(0, 0, self.box_w, self.box_h, 6, stroke=1, fill=1)
        canv.restoreState()
        q = self.question
        canv.acroForm.textfield(
            name=q.name,
            value="",
            x=2,
            y=2,
            width=self.box_w - 4,
            height=self.box_h - 4,
            relative=True,
            borderWidth=0,
            borderColor=None,
            fillColor=None,
            textColor=INK,
            fontName="Helvetica",
            fontSize=FIELD_FONT_SIZE,
            fieldFlags="multiline" if self.multiline else "",
            maxlen=MAX_TEXT if self.multiline else 300,
            annotationFlags="print",
        )
        self._spots.append(
            _FieldSpot(q.name, self.box_w - 4, self.box_h - 4, self.multiline, q.label)
        )


class _TickBox(Flowable):  # type: ignore[misc]
    def __init__(self, name: str, checked: bool) -> None:
        super().__init__()
        self.name = name
        self.checked = checked

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return CHECK_SIZE, CHECK_SIZE

    def draw(self) -> None:
        self.canv.acroForm.checkbox(
            name=self.name,
            checked=self.checked,
            buttonStyle="check",
            x=0,
            y=0,
            size=CHECK_SIZE,
            relative=True,
            borderColor=ACCENT,
            fillColor=colors.white,
            textColor=ACCENT,
            borderWidth=1,
            annotationFlags="print",
        )


class _Hidden(Flowable):  # type: ignore[misc]
    """The ticket: hidden, read-only text fields (ASCII only, so reportlab's own appearance is fine)."""

    def __init__(self, values: Mapping[str, str]) -> None:
        super().__init__()
        self.values = dict(values)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        for n, (name, value) in enumerate(self.values.items()):
            self.canv.acroForm.textfield(
                name=name,
                value=value,
                x=n * 2,
                y=0,
                width=1,
                height=1,
                relative=True,
                borderWidth=0,
                fieldFlags="readOnly",
                annotationFlags="hidden readonly",
                maxlen=0,
            )


def _wrapped(text: str, width: float) -> list[str]:
    lines: list[str] = []
    for para in text.split("\n"):
        lines.extend(simpleSplit(para, FONT, FIELD_FONT_SIZE, width) or [""])
    return lines


def _p(text: str, style: Any) -> Paragraph:
    return Paragraph(markup(text), style)


# --- the story -------------------------------------------------------------------------------


class _FormStory:
    def __init__(
        self,
        questions: Sequence[Question],
        texts: Mapping[str, str | bool],
        ticket: FormTicket,
        options: FormOptions,
    ) -> None:
        self.questions = questions
        self.texts = texts
        self.ticket = ticket
        self.o = options
        self.spots: list[_FieldSpot] = []

    def text(self, q: Question) -> str:
        value = self.texts.get(q.name, "")
        return value if isinstance(value, str) else ""

    def build(self) -> list[Flowable]:
        o = self.o
        first = o.child_name.split(" ")[0] or o.child_name
        out: list[Flowable] = [_Hidden(self.ticket.hidden_fields())]
        out.append(self.header(first))
        out.append(Spacer(1, 8))
        out.append(self.steps())
        parts = [p for p in Part if any(q.part is p for q in self.questions)]
        for part in parts:
            out.extend(self.part(part, first))
        out.append(_p(f"Thank you. Please send the form back to {o.send_back_to}.", THANKS))
        return out

    def header(self, first: str) -> Table:
        o = self.o
        cell = [
            _p(f"A form for {first}'s family · {o.setting_name}", TITLE_KICKER),
            _p(f"All about {o.child_name}", TITLE),
            _p(
                f"{first} is starting at {o.school_name}. Please help us tell the new teacher "
                f"about {first}. We have filled in what we already know: change anything that is "
                "not right and add anything you like. It takes about ten minutes.",
                INTRO,
            ),
        ]
        return Table(
            [[cell]],
            colWidths=[BODY_W],
            style=TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), ACCENT_TINT),
                    ("LINEBEFORE", (0, 0), (0, -1), 5, ACCENT),
                    ("LEFTPADDING", (0, 0), (-1, -1), 16),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 14),
                    ("TOPPADDING", (0, 0), (-1, -1), 12),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 12),
                ]
            ),
        )

    def steps(self) -> Table:
        steps = (
            "Type in the boxes on a phone, tablet or computer, or print the form and write on it.",
            "Change anything that is not right. Leave blank anything you would rather not say.",
            f"Save it and send it back to {self.o.send_back_to}.",
        )
        row = []
        for n, text in enumerate(steps, start=1):
            row.append([_p(str(n), STEP_NO), _p(text, STEP)])
        third = BODY_W / 3
        return Table(
            [row],
            colWidths=[third] * 3,
            style=TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 12),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.6, RULE),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ]
            ),
        )

    def part(self, part: Part, first: str) -> list[Flowable]:
        titles = {
            Part.ABOUT_ME: (
                "All about me",
                f"Ask {first} these questions and write down what {first} says, in "
                f"{first}'s own words. Drawings are welcome too: hand them in with the form.",
            ),
            Part.FAMILY: (
                "Your family's voice",
                "In your own words. We pass this on to the school as you write it, and we will "
                "not ask you again.",
            ),
            Part.CONSENT: (f"Sharing {first}'s record", ""),
        }
        title, note = titles[part]
        out: list[Flowable] = [CondPageBreak(150), _p(title, PART)]
        if note:
            out.append(_p(note, PART_NOTE))
        questions = [q for q in self.questions if q.part is part]
        if part is Part.CONSENT:
            out.append(self.consent(questions))
            return out
        about_you = [q for q in questions if q.path in _ABOUT_YOU]
        others = [q for q in questions if q.path not in _ABOUT_YOU]
        out.extend(self.questions_block(others))
        if about_you:
            out.append(_p("About you", ASK))
            out.append(self.row_of(about_you))
        return out

    def questions_block(self, questions: Sequence[Question]) -> list[Flowable]:
        out: list[Flowable] = []
        pending: list[Question] = []

        def flush() -> None:
            if pending:
                out.append(self.row_of(list(pending)))
                pending.clear()

        for q in questions:
            short = q.kind is AnswerKind.TEXT or (
                q.kind is AnswerKind.NOTE
                and q.lines <= 2
                and len(_wrapped(self.text(q), BODY_W / 2 - 20)) <= 2
            )
            if pending and (not short or pending[0].kind is not q.kind):
                flush()
            if q.kind is AnswerKind.CHOICES:
                out.append(self.choices(q))
            elif short:
                pending.append(q)
                if len(pending) == 2:
                    flush()
            else:
                flush()
                out.append(KeepTogether(self.one(q, BODY_W)))
        flush()
        return out

    def one(self, q: Question, width: float) -> list[Flowable]:
        out: list[Flowable] = [_p(q.label, ASK)]
        if q.hint:
            out.append(_p(q.hint, HINT))
        out.append(Spacer(1, 2))
        out.append(_AnswerBox(q, self.text(q), width, self.spots))
        return out

    def row_of(self, questions: list[Question]) -> Table:
        gap = 14.0
        width = (BODY_W - gap * (len(questions) - 1)) / len(questions)
        cells: list[Any] = []
        widths: list[float] = []
        for n, q in enumerate(questions):
            if n:
                cells.append("")
                widths.append(gap)
            cells.append(self.one(q, width))
            widths.append(width)
        return Table(
            [cells],
            colWidths=widths,
            style=TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ]
            ),
            hAlign="LEFT",
        )

    def tick(self, name: str, label: str) -> list[Any]:
        return [_TickBox(name, self.texts.get(name) is True), _p(label, CHECK_LABEL)]

    def choices(self, q: Question) -> Table:
        cells: list[Any] = [_p(q.label, ASK)]
        widths = [0.28 * BODY_W]
        share = 0.72 * BODY_W / max(len(q.options), 1)
        for value, label in q.options:
            cells.append(
                Table(
                    [self.tick(q.option_name(value), label)],
                    colWidths=[CHECK_SIZE + 6, share - CHECK_SIZE - 6],
                    style=_TIGHT,
                )
            )
            widths.append(share)
        table = Table([cells], colWidths=widths, style=_TIGHT, hAlign="LEFT")
        table.spaceBefore = 6
        return table

    def consent(self, questions: Sequence[Question]) -> Table:
        inner_w = BODY_W - 24
        rows: list[list[Any]] = []
        for q in questions:
            if q.kind is AnswerKind.CHECK:
                rows.append(
                    [_TickBox(q.name, self.texts.get(q.name) is True), _p(q.label, CHECK_LABEL)]
                )
            elif q.kind is AnswerKind.CHOICES:
                rows.append(["", _p(q.label, CHECK_LABEL)])
                for value, label in q.options:
                    rows.append(
                        [
                            "",
                            Table(
                                [self.tick(q.option_name(value), label)],
                                colWidths=[CHECK_SIZE + 6, inner_w - 2 * CHECK_SIZE - 30],
                                style=_TIGHT,
                            ),
                        ]
                    )
        checks = Table(
            rows,
            colWidths=[CHECK_SIZE + 12, inner_w - CHECK_SIZE - 12],
            style=TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ]
            ),
        )
        cell: list[Any] = [
            _p(line, CONSENT_TEXT) for line in self.o.consent_text.split("\n") if line.strip()
        ]
        cell.append(Spacer(1, 4))
        cell.append(checks)
        cell.append(
            _p(
                "Your name, your relationship to the child and the date are the ones you "
                "wrote under “About you”. You can change your mind at any time by telling us.",
                HINT,
            )
        )
        return Table(
            [[cell]],
            colWidths=[BODY_W],
            style=TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), WARM),
                    ("BOX", (0, 0), (-1, -1), 0.8, WARM_EDGE),
                    ("LEFTPADDING", (0, 0), (-1, -1), 12),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 12),
                    ("TOPPADDING", (0, 0), (-1, -1), 8),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ]
            ),
        )


_ABOUT_YOU = ("family.contributor", "family.relationship", "family.contributed_on")
_TIGHT = TableStyle(
    [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ]
)


def _footer(
    ticket: FormTicket, options: FormOptions, pages: list[int]
) -> Callable[[Canvas, Any], None]:
    def draw(canv: Canvas, doc: Any) -> None:
        canv.saveState()
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.6)
        canv.line(MARGIN, FOOTER_Y + 12, PAGE_W - MARGIN, FOOTER_Y + 12)
        canv.setFont(FONT, 8)
        canv.setFillColor(MUTED)
        canv.drawString(
            MARGIN,
            FOOTER_Y,
            f"Form {serial_text(ticket.serial)} · made on {long_date(ticket.issued_on)} by "
            f"{options.setting_name}",
        )
        total = pages[0] if pages else doc.page
        canv.setFont(FONT_BOLD, 8)
        canv.drawRightString(PAGE_W - MARGIN, FOOTER_Y, f"Page {doc.page} of {total}")
        canv.restoreState()

    return draw


def _layout(
    questions: Sequence[Question],
    texts: Mapping[str, str | bool],
    ticket: FormTicket,
    options: FormOptions,
    pages: list[int],
) -> tuple[bytes, list[_FieldSpot], int]:
    story = _FormStory(questions, texts, ticket, options)
    flowables = story.build()
    buffer = BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        title=f"All about {options.child_name}: a form for the family",
        author=options.setting_name,
        creator="Transitions",
        subject="Family form",
        invariant=1,
        lang="en-GB",
        initialFontName=FONT,
    )
    frame = Frame(
        MARGIN,
        FOOTER_Y + 22,
        BODY_W,
        PAGE_H - MARGIN - FOOTER_Y - 22 + 14,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates(
        [PageTemplate(id="page", frames=[frame], onPage=_footer(ticket, options, pages))]
    )
    doc.build(flowables)
    return buffer.getvalue(), story.spots, doc.page


def render_family_form(
    questions: Sequence[Question],
    texts: Mapping[str, str | bool],
    ticket: FormTicket,
    options: FormOptions,
) -> bytes:
    """The fillable form, pre-filled with ``texts`` (field name -> text, or True/False for a tick box)."""
    register_fonts()
    _pdf, _spots, pages = _layout(questions, texts, ticket, options, [])
    pdf, spots, _pages = _layout(questions, texts, ticket, options, [pages])
    return _put_values(pdf, spots, texts)


# --- values and their appearances ------------------------------------------------------------


def _appearance_pages(spots: Sequence[_FieldSpot], texts: Mapping[str, str | bool]) -> bytes:
    """One page per field with text: its appearance, drawn in the embedded font."""
    register_fonts()
    buffer = BytesIO()
    canv = Canvas(buffer, invariant=1)
    for spot in spots:
        text = texts.get(spot.name)
        if not isinstance(text, str) or not text:
            continue
        canv.setPageSize((spot.width, spot.height))
        canv.setFillColor(INK)
        canv.setFont(FONT, FIELD_FONT_SIZE)
        inner = spot.width - 2 * 3
        if spot.multiline:
            y = spot.height - 3 - FIELD_FONT_SIZE
            for line in _wrapped(text, inner):
                if y < 1:
                    break
                canv.drawString(3, y, line)
                y -= FIELD_LEADING
        else:
            line = _wrapped(" ".join(text.split()), 10_000)[0]
            canv.drawString(3, (spot.height - FIELD_FONT_SIZE) / 2 + 2, line)
        canv.showPage()
    canv.save()
    return buffer.getvalue()


def _put_values(
    pdf_bytes: bytes, spots: Sequence[_FieldSpot], texts: Mapping[str, str | bool]
) -> bytes:
    filled = [s for s in spots if isinstance(texts.get(s.name), str) and texts.get(s.name)]
    appearance = _appearance_pages(filled, texts) if filled else b""
    with pikepdf.open(BytesIO(pdf_bytes)) as pdf:
        by_name = {str(f.get("/T", "")): f for f in pdf.Root.AcroForm.Fields}
        labels = {s.name: s.tooltip for s in spots}
        for name, field in by_name.items():
            if name in labels:
                field.TU = pikepdf.String(labels[name])
        if filled:
            with pikepdf.open(BytesIO(appearance)) as ap:
                for spot, page in zip(filled, ap.pages, strict=True):
                    field = by_name[spot.name]
                    text = texts[spot.name]
                    assert isinstance(text, str)
                    xobject = pdf.copy_foreign(pikepdf.Page(page).as_form_xobject())
                    field.V = pikepdf.String(text)
                    field.DV = pikepdf.String(text)
                    field.AP = pikepdf.Dictionary(N=xobject)
        out = BytesIO()
        pdf.save(out, deterministic_id=True)
        return out.getvalue()


def fill_form(
    pdf_bytes: bytes, values: Mapping[str, str | bool], *, password: str | None = None
) -> bytes:
    """Fill a form as a reader would (values and appearances): for demos and screenshots."""
    register_fonts()
    with pikepdf.open(BytesIO(pdf_bytes), password=password or "") as pdf:
        spots: list[_FieldSpot] = []
        texts: dict[str, str | bool] = {}
        for field in pdf.Root.AcroForm.Fields:
            name = str(field.get("/T", ""))
            if name not in values:
                continue
            value = values[name]
            if isinstance(value, bool):
                state = pikepdf.Name.Yes if value else pikepdf.Name.Off
                field.V = state
                field.AS = state
                continue
            field.V = pikepdf.String(value)
            if not value:
                if "/AP" in field:
                    del field.AP
                continue
            x0, y0, x1, y1 = (float(v) for v in field.Rect)
            multiline = bool(int(field.get("/Ff", 0)) & 4096)
            spots.append(_FieldSpot(name, x1 - x0, y1 - y0, multiline, ""))
            texts[name] = value
        out = BytesIO()
        pdf.save(out)
    filled = out.getvalue()
    return _put_values(filled, spots, texts) if spots else filled


# --- reading a returned form -----------------------------------------------------------------


def read_form(pdf_bytes: bytes, *, password: str | None = None) -> FormContents:
    """The hidden ticket and the answers of a returned form.

    :raises FormPasswordNeeded: the file is locked and ``password`` is missing or wrong.
    :raises FormUnreadable: the file is not a PDF that can be read, or is unreasonably large.
    :raises FormRefused: the PDF has no form at all.
    """
    if len(pdf_bytes) > MAX_FORM_BYTES:
        raise FormUnreadable("The file is too large to be a family form; nothing was changed.")
    if not pdf_bytes.lstrip()[:5].startswith(b"%PDF"):
        raise FormUnreadable(
            "The file is not a PDF, so it cannot be a family form; nothing was changed."
        )
    try:
        pdf = pikepdf.open(BytesIO(pdf_bytes), password=password or "")
    except pikepdf.PasswordError:
        raise FormPasswordNeeded(
            "The form is locked with a password: give the password it was sent with."
            if not password
            else "The password is not the one the form was locked with; nothing was changed."
        ) from None
    except (pikepdf.PdfError, ValueError, OSError):
        raise FormUnreadable(
            "The PDF is damaged and cannot be read as a family form; nothing was changed."
        ) from None
    try:
        with pdf:
            acroform = pdf.Root.get("/AcroForm")
            fields = acroform.get("/Fields") if acroform is not None else None
            if fields is None or not isinstance(fields, pikepdf.Array):
                raise FormRefused(
                    "This PDF has no form in it, so it is not a family form; nothing was changed."
                )
            values: dict[str, str | bool] = {}
            _collect(fields, "", values, 0, None)
    except TransitionsError:
        raise
    except (pikepdf.PdfError, AttributeError, TypeError, ValueError, KeyError):
        raise FormUnreadable(
            "The form's fields could not be read; the file may be damaged. Nothing was changed."
        ) from None
    hidden = {k: v for k, v in values.items() if k in HIDDEN_FIELDS and isinstance(v, str)}
    answers = {k: v for k, v in values.items() if k not in HIDDEN_FIELDS}
    return FormContents(hidden=hidden, fields=answers)


def _value(obj: Any) -> str | bool | None:
    if obj is None:
        return None
    if isinstance(obj, pikepdf.Name):
        return str(obj) != "/Off"
    if isinstance(obj, pikepdf.String):
        return str(obj)
    if isinstance(obj, pikepdf.Array):  # a multi-select choice: not used by our forms
        return "\n".join(str(v) for v in obj)
    return None


def _collect(
    fields: Any, prefix: str, out: dict[str, str | bool], depth: int, inherited: Any
) -> None:
    if depth > MAX_FIELD_DEPTH:
        raise FormUnreadable("The form's fields are nested too deeply; nothing was changed.")
    for field in fields:
        if not isinstance(field, pikepdf.Dictionary):
            continue
        partial = field.get("/T")
        name = (
            prefix
            + ("." if prefix and partial is not None else "")
            + (str(partial) if partial is not None else "")
        )
        value = field.get("/V", inherited)
        kids = field.get("/Kids")
        named_kids = isinstance(kids, pikepdf.Array) and any(
            isinstance(k, pikepdf.Dictionary) and "/T" in k for k in kids
        )
        if named_kids:
            _collect(kids, name, out, depth + 1, value)
            continue
        if not name:
            continue
        if len(out) >= MAX_FIELDS:
            raise FormUnreadable(
                "The form has far more fields than a family form; nothing was changed."
            )
        read = _value(value)
        if read is None:
            read = False if str(field.get("/FT", "")) == "/Btn" else ""
        out[name] = read


# --- passwords ---------------------------------------------------------------------------------


def protect_with_password(pdf_bytes: bytes, password: str, *, fillable: bool = True) -> bytes:
    """The PDF encrypted with AES-256 (PDF 2.0) under ``password``; printing, copying for
    accessibility and (for a form) filling in stay allowed. The owner password is random and kept
    nowhere: nobody can lift the restrictions."""
    if not password:
        raise TransitionsError("A password to lock the file cannot be empty.")
    with pikepdf.open(BytesIO(pdf_bytes)) as pdf:
        allow = pikepdf.Permissions(
            accessibility=True,
            extract=True,
            modify_annotation=fillable,
            modify_form=fillable,
            modify_other=False,
            modify_assembly=False,
            print_lowres=True,
            print_highres=True,
        )
        out = BytesIO()
        pdf.save(
            out,
            encryption=pikepdf.Encryption(
                user=password, owner=secrets.token_urlsafe(24), R=6, aes=True, allow=allow
            ),
        )
        return out.getvalue()
