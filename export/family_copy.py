"""The family's copy: the record as the family will see it, in words a parent understands.

Everything the school will be sent about the child is here, in the framework's order, with the
professional words explained (no acronym left unexplained; judgements said as what they mean for
the child). What the family wrote is shown as theirs, with the form it came from. Left out: the
safeguarding flag and anything under the safeguarding guard (designated safeguarding leads speak
to each other, never through the family's copy), every person's private contact details, and the
school's outcome section. A short "if you disagree" note gives the setting's contact (and the local
authority's, from the charter).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reportlab.lib import colors
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Spacer,
    Table,
    TableStyle,
)

from export import tagging
from export.fonts import FONT
from export.languages import record_languages
from export.pdfa import DocumentInfo
from export.pictures import picture_gallery
from export.render import (
    ACCENT,
    ACCENT_TINT,
    BODY,
    BODY_W,
    CELL,
    CELL_HEAD,
    CELL_LABEL,
    H1,
    H2,
    KICKER,
    NAME,
    NOTE_LABEL,
    OPTION_TONES,
    QUIET,
    TONES,
    PageFurniture,
    Stamp,
    build_pdf,
    data_table,
    date_text,
    paragraph_style,
    plain_paragraph,
)
from export.stamp import SignatureLabel
from export.tagging import StructElem, Structure, TableShape
from models.family import FAMILY_PROVENANCE_PREFIX
from models.framework.definition import FieldDef, Guard, Kind, SectionDef, is_empty
from models.framework.registry import get_framework
from models.record import Person, Record
from models.values import display_value

TITLE = "Your child's record"
SKIPPED_SECTIONS = ("outcome",)
NEVER_SHOWN = ("child.cin_cp",)  # the safeguarding flag, whatever its guard says
FAMILY_TINT = colors.HexColor("#FFF4DE")
FAMILY_BAR = colors.HexColor("#C98A12")

YOURS = paragraph_style("fc-yours", fontSize=8, leading=10, textColor=FAMILY_BAR, spaceAfter=1)
INTRO = paragraph_style("fc-intro", parent=BODY, fontSize=10.5, leading=15)
EXPLAIN = paragraph_style("fc-explain", parent=QUIET, fontSize=9, leading=12.5)

SECTION_TITLES = {
    "child": "About {first}",
    "about_me": "In {first}'s words",
    "family": "In your words",
    "health": "Health, care and being independent",
    "learning_characteristics": "How {first} learns",
    "learning": "How {first} is getting on",
    "progress_check": "The check at two and the health visitor's review",
    "send": "Special educational needs and disabilities (SEND)",
    "transition": "Getting ready for school",
    "summary": "What the teacher reads first",
    "consent": "What you agreed to",
}
SECTION_NOTES = {
    "about_me": "What {first} told us about themselves.",
    "family": "What you told us. It goes to the school as you wrote it.",
    "learning": (
        "For each part of learning we say where {first} is now. “On track” means doing what we "
        "would expect at this age; “a little extra help” means doing well with some support; "
        "“help planned for {first}” means the setting has planned extra help just for {first}."
    ),
    "progress_check": (
        "The check at two is written by the setting. The health visitor's review uses the Ages "
        "and Stages Questionnaire (ASQ), a set of questions about how a child is developing; "
        "each area gets a score and a result."
    ),
    "send": (
        "Special educational needs and disabilities (SEND) means a child needs more help than "
        "most children of the same age to learn and join in."
    ),
    "summary": "The first page the Reception teacher reads.",
}

# Field names a parent understands, where the framework's own use professional words.
PLAIN_LABELS = {
    "child.upn": "Unique pupil number (the number schools use for each child)",
    "child.eal": "Learning English as well as another language",
    "child.fsm_eypp": "Free school meals or early years pupil premium (extra funding)",
    "child.funded_two": "Funded place from the age of two",
    "child.setting_urn": "The setting's Ofsted number",
    "child.school_urn": "The school's number (from the Department for Education)",
    "child.key_person": "Key person",
    "health.healthcare_plan": "Individual healthcare plan (a plan for health needs at school)",
    "send.status": "Where things are now",
    "send.primary_need": "Main need",
    "send.secondary_need": "Other need",
    "send.setting_senco": "Special educational needs coordinator (SENCO) at the setting",
    "send.inclusion_funding": "Extra funding for inclusion",
    "send.apdr_cycles": "How the extra help was planned and reviewed (assess, plan, do, review)",
    "send.ehc_issued": "Education, health and care (EHC) plan issued on",
    "send.ehc_la": "Local authority for the EHC plan",
    "send.ehc_caseworker": "Named caseworker at the local authority",
    "send.ehc_next_review": "Next yearly review of the EHC plan",
    "send.ehc_request_date": "Asked for an education, health and care (EHC) needs assessment on",
    "send.section23": "Health services told the local authority about a possible need (section 23 notice)",
    "send.section23_date": "Date of the section 23 notice",
    "send.plan_coproduced": "The transition plan was made with you",
    "send.plan_coproduced_date": "Date we made the plan together",
    "progress_check.asq_interval": "Questionnaire used (age in months)",
    "progress_check.asqse_score": "ASQ social and emotional score (ASQ:SE-2)",
    "progress_check.asqse_zone": "ASQ social and emotional result",
    "progress_check.integrated_review": "Done together with the setting's check",
    "consent.parent_informed": "You were told what is shared and why",
}

PLAIN_OPTIONS = {
    "on_track": "On track",
    "some_support": "A little extra help",
    "targeted_support": "Help planned for {first}",
    "not_assessed": "Not looked at yet",
    "above": "No concerns (above the cut-off)",
    "monitoring": "Worth keeping an eye on",
    "below": "Extra support suggested (below the cut-off)",
}

SEND_STATUS_WORDS = {
    "none": "No special educational needs have been found.",
    "monitoring": "We are keeping an eye on something and will talk it through with you.",
    "sen_support": "SEN support: extra help at the setting, planned and reviewed with you.",
    "ehc_assessment": "We have asked the local authority for an education, health and care (EHC) "
    "needs assessment.",
    "ehc_plan": "{first} has an education, health and care (EHC) plan.",
}


@dataclass(frozen=True, kw_only=True)
class FamilyCopyOptions:
    generated_on: datetime
    contact: str  # who to talk to at the setting, with their work contact
    la_contact: str = ""  # the local authority's transition contact, from the charter
    signature: SignatureLabel | None = None  # who will sign: the stamp and the signature field


def _first(record: Record) -> str:
    name = str(record.get("child.preferred_name") or record.get("child.legal_forenames") or "")
    return name.split(" ")[0] if name else "your child"


_p = plain_paragraph  # every paragraph is tied to its structure element (export.tagging)


class _CopyStory:
    def __init__(self, record: Record, options: FamilyCopyOptions) -> None:
        self.record = record
        self.o = options
        self.fw = get_framework(record.framework_id, record.framework_version)
        self.first = _first(record)
        self.signature_elem: StructElem | None = None

    def words(self, text: str) -> str:
        return text.replace("{first}", self.first)

    # values ---------------------------------------------------------------------------
    def label(self, fd: FieldDef) -> str:
        return self.words(PLAIN_LABELS.get(fd.path, fd.label))

    def shown(self, fd: FieldDef, value: Any) -> str:
        if is_empty(value) or (isinstance(value, Person) and value.is_empty()):
            return ""
        if fd.kind is Kind.PERSON:
            return _person(value)
        if fd.path == "send.status":
            return self.words(SEND_STATUS_WORDS.get(str(value), display_value(fd, value)))
        if fd.kind in (Kind.CHOICE, Kind.SCALE) and str(value) in PLAIN_OPTIONS:
            return self.words(PLAIN_OPTIONS[str(value)])
        if fd.kind is Kind.CHOICE and " – " in fd.option_label(str(value)):
            return fd.option_label(str(value)).split(" – ", 1)[1].capitalize()
        return display_value(fd, value).strip()

    def from_family(self, fd: FieldDef) -> str:
        note = self.record.provenance.get(fd.path, "")
        if not note.startswith(FAMILY_PROVENANCE_PREFIX):
            return ""
        return "In your words · " + note[len("From ") :].replace("the family's", "your", 1)

    # the story ------------------------------------------------------------------------
    def build(self, doc: StructElem) -> list[Flowable]:
        """The story, and its structure under ``doc`` in reading order."""
        r = self.record
        intro = doc.add("Sect")
        out: list[Flowable] = [
            tagging.add(intro, "P", _p("Your copy, for your family", KICKER)),
            tagging.add(intro, "H1", _p(self.words(f"{r.display_name}'s record"), NAME)),
        ]
        school = str(r.get("child.school_name") or "the new school")
        setting = str(r.get("child.setting_name") or "the setting")
        out.append(
            tagging.add(
                intro,
                "P",
                _p(
                    f"This is what {setting} will send to {school} about {self.first}, made on "
                    f"{date_text(self.o.generated_on.date())}. Please read it; if anything is not "
                    "right, tell us (see the box below).",
                    INTRO,
                ),
            )
        )
        out.append(Spacer(1, 6))
        out.append(self.disagree_box(intro))
        if self.o.signature is not None:  # the stamp at the foot of page 1 (export.render)
            self.signature_elem = intro.add("Form")
        for section in self.fw.sections:
            if section.key in SKIPPED_SECTIONS:
                continue
            sect = StructElem("Sect", doc)  # added to the document below, unless it is empty
            title = sect.add("H1")
            note = SECTION_NOTES.get(section.key)
            explain = tagging.add(sect, "P", _p(self.words(note), EXPLAIN)) if note else None
            body = self.section_body(sect, section)
            if section.key == "about_me":
                body += picture_gallery(
                    r.pictures,
                    BODY_W,
                    heading=self.words("{first}'s drawings and photos"),
                    parent=sect,
                )
            if not body:
                continue
            doc.append(sect)
            out.append(CondPageBreak(120))
            heading = _p(self.words(SECTION_TITLES.get(section.key, section.title)), H1)
            tagging.tie(heading, title)
            out.append(heading)
            if explain is not None:
                out.append(explain)
            out.extend(body)
        return out

    def disagree_box(self, parent: StructElem) -> Table:
        box = parent.add("Div")
        lines = [
            tagging.add(
                box,
                "H2",
                _p(
                    "If you disagree, or something is not right",
                    paragraph_style(
                        "fc-disagree-head",
                        fontName=NOTE_LABEL.fontName,
                        fontSize=10.5,
                        leading=14,
                        textColor=ACCENT,
                    ),
                ),
            ),
            _p(
                "You can ask us to correct anything, add your own words, or tell us what you "
                f"think before it is sent. Talk to {self.o.contact}.",
                CELL,
            ),
        ]
        if self.o.la_contact:
            lines.append(
                _p(
                    f"If you are still not happy, you can contact {self.o.la_contact}.",
                    CELL,
                )
            )
        tagging.paragraphs(box, lines[1:])
        return Table(
            [[lines]],
            colWidths=[BODY_W],
            style=TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), FONT, 9),  # not reportlab's unembedded default
                    ("BACKGROUND", (0, 0), (-1, -1), ACCENT_TINT),
                    ("LINEBEFORE", (0, 0), (0, -1), 4, ACCENT),
                    ("LEFTPADDING", (0, 0), (-1, -1), 12),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                    ("TOPPADDING", (0, 0), (-1, -1), 8),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 9),
                ]
            ),
        )

    def visible(self, fd: FieldDef) -> bool:
        if fd.path in NEVER_SHOWN or fd.guard == Guard.SAFEGUARDING:
            return False
        return not (
            fd.kind is Kind.LIST and any(i.guard == Guard.SAFEGUARDING for i in fd.item_fields)
        )

    def section_body(self, sect: StructElem, section: SectionDef) -> list[Flowable]:
        out: list[Flowable] = []
        for group, fields in section.groups():
            shown = [fd for fd in fields if self.visible(fd)]
            block = StructElem("Sect" if group else "Div", sect)  # added below unless empty
            heading = block.add("H2") if group else None
            body = self.group_body(block, shown, group, level=3 if group else 2)
            if not body:
                continue
            sect.append(block)
            if heading is not None:
                title = _p(self.words(group), H2)
                tagging.tie(title, heading)
                out.append(title)
            out.extend(body)
        if section.key == "consent":
            out += self.signoffs(sect)
        return out

    def group_body(
        self, parent: StructElem, fields: Sequence[FieldDef], group: str = "", level: int = 2
    ) -> list[Flowable]:
        out: list[Flowable] = []
        rows: list[tuple[str, str]] = []
        judgements: list[tuple[str, str, str]] = []
        scores: list[tuple[str, str, str, str]] = []
        label_role = f"H{level}"

        def flush() -> None:
            if rows:
                out.append(self.kv_table(parent, rows))
                rows.clear()
            if judgements:
                out.append(self.judgement_table(parent, judgements))
                judgements.clear()
            if scores:
                out.append(self.score_table(parent, scores))
                scores.clear()

        paired = _score_pairs(fields)
        for fd in fields:
            value = self.record.get(fd.path)
            if fd.path in paired:
                zone_fd = paired[fd.path]
                zone = self.record.get(zone_fd.path)
                score, result = self.shown(fd, value), self.shown(zone_fd, zone)
                if score or result:
                    if rows or judgements:
                        flush()
                    domain = fd.label.removesuffix(" score").removeprefix("ASQ-3 ")
                    scores.append((domain, score, result, OPTION_TONES.get(str(zone), "neutral")))
                continue
            if fd in paired.values():
                continue
            if fd.kind is Kind.LIST:
                flush()
                out.extend(
                    self.list_block(
                        parent, fd, value or (), titled=fd.label != group, role=label_role
                    )
                )
                continue
            text = self.shown(fd, value)
            if not text:
                continue
            if fd.kind is Kind.SCALE or (fd.kind is Kind.CHOICE and str(value) in OPTION_TONES):
                if rows or scores:
                    flush()
                judgements.append((self.label(fd), text, OPTION_TONES.get(str(value), "neutral")))
                continue
            if judgements or scores:
                flush()
            mine = self.from_family(fd)
            if mine:
                flush()
                out.append(self.family_block(parent, self.label(fd), text, mine, label_role))
            elif fd.kind is Kind.NOTE or len(text) > 160:
                flush()
                out.append(tagging.add(parent, label_role, _p(self.label(fd), NOTE_LABEL)))
                paras = [_p(block, BODY) for block in text.split("\n\n") if block.strip()]
                tagging.paragraphs(parent, paras)
                out.extend(paras)
            else:
                rows.append((self.label(fd), text))
        flush()
        return out

    def family_block(
        self, parent: StructElem, label: str, text: str, source: str, role: str = "H2"
    ) -> Flowable:
        div = parent.add("Div")
        cell = [tagging.add(div, role, _p(label, NOTE_LABEL)), _p(source, YOURS)]
        cell += [_p(block, BODY) for block in text.split("\n\n") if block.strip()]
        tagging.paragraphs(div, cell[1:])
        table = Table(
            [[cell]],
            colWidths=[BODY_W],
            style=TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), FONT, 9),  # not reportlab's unembedded default
                    ("BACKGROUND", (0, 0), (-1, -1), FAMILY_TINT),
                    ("LINEBEFORE", (0, 0), (0, -1), 3, FAMILY_BAR),
                    ("LEFTPADDING", (0, 0), (-1, -1), 10),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ]
            ),
        )
        table.spaceBefore = 4
        table.spaceAfter = 4
        return table

    def kv_table(self, parent: StructElem, rows: Sequence[tuple[str, str]]) -> Table:
        data = [[_p(label, CELL_LABEL), _p(text, CELL)] for label, text in rows]
        tagging.table(parent, data, TableShape(header_cols=1))
        return data_table(
            data, [0.42 * BODY_W, 0.58 * BODY_W], [("LEFTPADDING", (0, 0), (0, -1), 0)]
        )

    def judgement_table(self, parent: StructElem, rows: Sequence[tuple[str, str, str]]) -> Table:
        data: list[list[Any]] = [
            [_p("Part of learning", CELL_HEAD), _p("Where things are now", CELL_HEAD)]
        ]
        cmds: list[tuple[Any, ...]] = []
        for label, text, tone in rows:
            style = paragraph_style(f"fc-tone-{tone}", parent=CELL, textColor=TONES[tone][1])
            data.append([_p(label, CELL), _p(text, style)])
            cmds.append(("BACKGROUND", (1, len(data) - 1), (1, len(data) - 1), TONES[tone][0]))
        tagging.table(parent, data, TableShape(header_rows=1, header_cols=1))
        return data_table(data, [0.58 * BODY_W, 0.42 * BODY_W], cmds, header=True)

    def score_table(self, parent: StructElem, rows: Sequence[tuple[str, str, str, str]]) -> Table:
        data: list[list[Any]] = [
            [_p("Area", CELL_HEAD), _p("Score (out of 60)", CELL_HEAD), _p("Result", CELL_HEAD)]
        ]
        cmds: list[tuple[Any, ...]] = []
        for domain, score, result, tone in rows:
            style = paragraph_style(f"fc-tone-{tone}", parent=CELL, textColor=TONES[tone][1])
            data.append(
                [_p(domain, CELL), _p(score or "–", CELL), _p(result or "Not recorded", style)]
            )
            if result:
                cmds.append(("BACKGROUND", (2, len(data) - 1), (2, len(data) - 1), TONES[tone][0]))
        tagging.table(parent, data, TableShape(header_rows=1, header_cols=1))
        return data_table(data, [0.34 * BODY_W, 0.22 * BODY_W, 0.44 * BODY_W], cmds, header=True)

    def list_block(
        self,
        parent: StructElem,
        fd: FieldDef,
        items: Sequence[dict[str, Any]],
        *,
        titled: bool = True,
        role: str = "H2",
    ) -> list[Flowable]:
        entries = [
            i for i in items if any(self.shown(sub, i.get(sub.key)) for sub in fd.item_fields)
        ]
        if not entries:
            return []
        out: list[Flowable] = (
            [tagging.add(parent, role, _p(self.label(fd), NOTE_LABEL))] if titled else []
        )
        listing = parent.add("L")
        for entry in entries:
            lines = []
            for sub in fd.item_fields:
                text = self.shown(sub, entry.get(sub.key))
                if text:
                    lines.append(f"{sub.label}: {text}")
            item = _p("\n".join(lines), CELL)
            tagging.tie(item, listing.add("LI").add("LBody"))
            out.append(
                KeepTogether(
                    [data_table([[item]], [BODY_W], [("LINEBEFORE", (0, 0), (0, -1), 2, ACCENT)])]
                )
            )
        return out

    def signoffs(self, sect: StructElem) -> list[Flowable]:
        if not self.record.signoffs:
            return []
        rows = [
            (s.scope.label, f"{s.name} ({s.role.label}), {date_text(s.signed_on)}")
            for s in self.record.signoffs
        ]
        block = sect.add("Sect")
        heading = tagging.add(block, "H2", _p("Checked and signed by", H2))
        return [heading, self.kv_table(block, rows)]


def _score_pairs(fields: Sequence[FieldDef]) -> dict[str, FieldDef]:
    """Score fields (``x_score``, a number) and the zone that follows each (``x_zone``)."""
    out: dict[str, FieldDef] = {}
    for fd, nxt in zip(fields, fields[1:], strict=False):
        if (
            fd.kind is Kind.NUMBER
            and fd.key.endswith("_score")
            and nxt.key == fd.key[:-6] + "_zone"
        ):
            out[fd.path] = nxt
    return out


def _person(value: Person) -> str:
    """A person without their contact details: name, role, where they work."""
    return ", ".join(p for p in (value.name, value.role, value.organisation) if p.strip())


def render_family_copy(record: Record, options: FamilyCopyOptions) -> bytes:
    """The family's copy of ``record`` as a PDF, unencrypted; with ``options.signature`` page 1
    carries the unsigned signature field and its visible stamp, ready for
    :func:`export.sign.sign_pdf` (which can encrypt in the same pass)."""
    from export.fonts import register_fonts

    register_fonts()
    structure = Structure(languages=record_languages(record))
    builder = _CopyStory(record, options)
    story = builder.build(structure.root)
    stamp = None
    if options.signature is not None and builder.signature_elem is not None:
        stamp = Stamp(options.signature, builder.signature_elem)
    furniture = PageFurniture(
        header_left=f"{record.display_name} · your family's copy",
        header_right=f"Made {date_text(options.generated_on.date())}",
        footer_left="Please keep this copy safe: it is about your child.",
        note_lines=(),
    )
    return build_pdf(
        story,
        furniture,
        structure,
        DocumentInfo(
            title=f"{record.display_name}: the family's copy",
            author=str(record.get("child.setting_name") or ""),
            subject="Family's copy of the transition record",
            created=options.generated_on,
        ),
        stamp=stamp,
    )
