"""The Reception class at a glance: one row per child with SEND status, flags and day-one note.

It is built from the same derived flags as each record's front sheet (never typed twice) and
carries safeguarding only as the "DSL to DSL" badge. Output is deterministic for a fixed clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reportlab.platypus import Flowable

from export import tagging
from export.fonts import FONT_BOLD, register_fonts
from export.languages import record_languages
from export.pdfa import DocumentInfo
from export.render import (
    BODY_W,
    CELL,
    CELL_HEAD,
    CELL_LABEL,
    KICKER,
    LANG,
    MUTED,
    QUIET,
    TONES,
    PageFurniture,
    Stamp,
    build_pdf,
    data_table,
    date_text,
    footer_note_lines,
    handling_note,
    paragraph_style,
    plain_paragraph,
)
from export.stamp import SignatureLabel
from export.tagging import StructElem, Structure, TableShape
from models.flags import Flags, derive_flags
from models.framework.registry import get_framework
from models.record import Record
from models.values import display_value

TITLE = "Class summary"
DAY_ONE_PATH = "summary.day_one"
DAY_ONE_MAX = 320  # characters; the full text is on the child's own front sheet

_TITLE = paragraph_style("class-title", fontName=FONT_BOLD, fontSize=18, leading=23, spaceAfter=4)
_COUNTS = paragraph_style("class-counts", fontSize=9.5, leading=13, textColor=MUTED, spaceAfter=10)
_NAME = paragraph_style("class-name", parent=CELL, fontName=FONT_BOLD)
_SMALL = paragraph_style("class-small", parent=CELL_LABEL, fontSize=8.5, leading=11)
_DSL = paragraph_style("class-dsl", parent=CELL, fontName=FONT_BOLD, textColor=TONES["concern"][1])


@dataclass(frozen=True, kw_only=True)
class ClassSummaryOptions:
    title: str  # the school and class, for example "Larkrise Infant School · Hedgehogs"
    generated_on: datetime  # the injected clock
    handling_note: str = ""
    signature: SignatureLabel | None = None  # who will sign: the stamp and the signature field


def _sort_key(record: Record) -> tuple[str, str, str]:
    surname = str(record.get("child.legal_surname") or "")
    return surname.casefold(), record.display_name.casefold(), record.id


def _field_text(record: Record, path: str) -> str:
    fw = get_framework(record.framework_id, record.framework_version)
    value = record.get(path)
    if not fw.has_field(path) or value is None:
        return ""
    return display_value(fw.field(path), value).strip()


def _row(record: Record, flags: Flags, show_setting: bool) -> list[Any]:
    child: list[Flowable] = [plain_paragraph(record.display_name, _NAME)]
    dob = _field_text(record, "child.date_of_birth")
    if dob:
        child.append(plain_paragraph(f"Born {dob}", _SMALL))
    setting = _field_text(record, "child.setting_name")
    if setting and show_setting:
        child.append(plain_paragraph(setting, _SMALL))

    send = flags.send_label if flags.send_status != "none" else "No identified need"
    badges: list[Flowable] = []
    for badge in flags.badges():
        if badge == flags.send_label:
            continue
        badges.append(plain_paragraph(badge, _DSL if badge == "DSL to DSL" else CELL))
    if not badges:
        badges.append(plain_paragraph("None", QUIET))

    day_one = _field_text(record, DAY_ONE_PATH)
    if len(day_one) > DAY_ONE_MAX:
        day_one = day_one[:DAY_ONE_MAX].rsplit(" ", 1)[0] + " … (see the record)"
    note = plain_paragraph(day_one, CELL) if day_one else plain_paragraph("Not recorded", QUIET)
    return [child, plain_paragraph(send, CELL), badges, note]


def render_class_summary_pdf(records: Sequence[Record], options: ClassSummaryOptions) -> bytes:
    """Every child in ``records`` on as few pages as their notes allow, sorted by surname.

    :raises UnknownFramework: a record names a framework version this app does not know.
    """
    register_fonts()
    ordered = sorted(records, key=_sort_key)
    flags = [derive_flags(r) for r in ordered]
    structure = Structure(lang=LANG)
    doc = structure.root
    story: list[Flowable] = []
    band, note_elem = handling_note(options.handling_note, doc)
    if band is not None:
        story.append(band)
    story += [
        tagging.add(doc, "P", plain_paragraph("Class summary for the Reception teacher", KICKER)),
        tagging.add(doc, "H1", plain_paragraph(options.title, _TITLE)),
    ]
    counts = [
        f"{len(ordered)} {'child' if len(ordered) == 1 else 'children'}",
        f"{sum(f.send for f in flags)} with SEN support or more",
        f"{sum(f.eal for f in flags)} EAL",
        f"{sum(f.not_yet_meeting_expected for f in flags)} not yet meeting expected development",
        f"{sum(f.medical for f in flags)} medical",
        f"{sum(f.dsl_to_dsl for f in flags)} DSL to DSL",
    ]
    story.append(tagging.add(doc, "P", plain_paragraph("   ·   ".join(counts), _COUNTS)))
    # the stamp at the foot of page 1 (export.render), read after the counts
    stamp = Stamp(options.signature, doc.add("Form")) if options.signature is not None else None
    if not ordered:
        story.append(
            tagging.add(doc, "P", plain_paragraph("No children in this class yet.", QUIET))
        )
    else:
        head = ["Child", "SEND", "Flags", "One thing to know on day one"]
        data: list[list[Any]] = [[plain_paragraph(h, CELL_HEAD) for h in head]]
        # the setting is named per child only when the class comes from more than one
        show_setting = len({_field_text(r, "child.setting_name") for r in ordered}) > 1
        data += [_row(r, f, show_setting) for r, f in zip(ordered, flags, strict=True)]
        widths = [0.25 * BODY_W, 0.17 * BODY_W, 0.25 * BODY_W, 0.33 * BODY_W]
        grid = tagging.table(doc, data, TableShape(header_rows=1, header_cols=1))
        rows = [kid for kid in grid.kids if isinstance(kid, StructElem)][1:]
        for row, record in zip(rows, ordered, strict=True):
            row.languages = record_languages(record)  # each row is one child's
        story.append(data_table(data, widths, [], header=True))
    generated = f"Generated {date_text(options.generated_on.date())}"
    furniture = PageFurniture(
        header_left=f"{TITLE} · {options.title}",
        header_right=generated,
        footer_left=f"{TITLE} · {options.title} · {counts[0]}",
        note_lines=footer_note_lines(options.handling_note)[0],
        note_elem=note_elem,
    )
    return build_pdf(
        story,
        furniture,
        structure,
        DocumentInfo(
            title=f"{TITLE}: {options.title}",
            author=options.title,
            subject="Class summary for the Reception teacher",
            created=options.generated_on,
            lang=LANG,
        ),
        stamp=stamp,
    )
