"""Rendering a record to PDF (export.render): content, packets, fonts, determinism, long notes.

Text is read back with poppler's ``pdftotext`` (installed here and in CI), as a person copying
from the PDF would get it.
"""

from __future__ import annotations

import dataclasses
import random
import re
import statistics
import subprocess
import time
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest

from export.render import RenderOptions, render_record_pdf
from models.errors import RenderError
from models.framework.registry import current_framework, register, unregister
from models.record import Record, SignOff, SignOffScope
from models.roles import Role
from models.synthetic import generate_records
from tests.framework_v2 import build_v2

TODAY = date(2026, 3, 2)
CLOCK = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
NOTE = "OFFICIAL-SENSITIVE: share only with staff who teach or support this child."
DSL = "Dana Safeguard (fictional), DSL, 01632 960002"
BASE14 = {"Courier", "Helvetica", "Times-Roman", "Symbol", "ZapfDingbats", "Times", "Arial"}


def _records() -> list[Record]:
    return generate_records(12, seed=3, today=TODAY)


def _options(**kw: object) -> RenderOptions:
    base: dict[str, object] = {
        "generated_on": CLOCK,
        "handling_note": NOTE,
        "setting_dsl_contact": DSL,
        "packet": "teacher",
    }
    base.update(kw)
    return RenderOptions(**base)  # type: ignore[arg-type]


def _text(
    pdf: bytes,
    tmp_path: Path,
    first: int | None = None,
    last: int | None = None,
    crop: tuple[int, int, int, int] | None = None,
) -> str:
    path = tmp_path / f"r{abs(hash(pdf))}.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", "-enc", "UTF-8"]
    if first is not None:
        args += ["-f", str(first)]
    if last is not None:
        args += ["-l", str(last)]
    if crop is not None:
        x, y, w, h = crop
        args += ["-x", str(x), "-y", str(y), "-W", str(w), "-H", str(h)]
    out = subprocess.run([*args, str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout


def _flat(text: str) -> str:
    return " ".join(text.split())


def _pages(pdf: bytes) -> int:
    with pikepdf.open(BytesIO(pdf)) as doc:
        return len(doc.pages)


@pytest.fixture(scope="module")
def sen_child() -> Record:
    record = _records()[6]
    assert record.get("send.status") == "sen_support"
    record.export_version = 3
    return record


@pytest.fixture(scope="module")
def senco_pdf(sen_child: Record) -> bytes:
    return render_record_pdf(sen_child, _options(packet="senco", supersedes_version=2))


@pytest.fixture(scope="module")
def teacher_pdf(sen_child: Record) -> bytes:
    return render_record_pdf(sen_child, _options(packet="teacher", supersedes_version=2))


def test_senco_render_shows_every_framework_section_title(
    sen_child: Record, tmp_path: Path
) -> None:
    record = sen_child.copy()
    record.set("outcome.gld", True)  # the school's outcome is printed once it has values
    text = _flat(_text(render_record_pdf(record, _options(packet="senco")), tmp_path))
    for section in current_framework().sections:
        assert f"{section.number} {section.title}" in text, section.title


def test_outcome_section_is_left_out_until_the_school_returns_it(
    senco_pdf: bytes, tmp_path: Path
) -> None:
    text = _flat(_text(senco_pdf, tmp_path))
    assert current_framework().section("outcome").title not in text
    assert "11 Consent and sign-off" in text


def test_front_sheet_holds_summary_and_flags(
    sen_child: Record, teacher_pdf: bytes, tmp_path: Path
) -> None:
    page1 = _flat(_text(teacher_pdf, tmp_path, 1, 1))
    assert "Front sheet for the Reception teacher" in page1
    assert sen_child.display_name in page1
    assert (
        f"Legal name: {sen_child.get('child.legal_forenames')} {sen_child.get('child.legal_surname')}"
        in page1
    )
    dob = sen_child.get("child.date_of_birth")
    assert f"{dob.day} {dob:%B %Y}" in page1
    assert _flat(sen_child.get("child.school_name")) in page1
    assert _flat(sen_child.get("child.setting_name")) in page1
    assert sen_child.get("child.key_person").name in page1
    for fd in current_framework().section("summary").fields:
        assert fd.label in page1
        assert _flat(sen_child.get(fd.path)) in page1, fd.path
    for label in (
        "SEND: SEN support",
        "Areas of need: Communication and interaction",
        "Prime areas:",
        "not on track",
        "ASQ below cut-off or progress less than expected",
        "Waiting list for specialist assessment",
        "Community paediatrics",
    ):
        assert label in page1, label
    assert "Designated safeguarding leads" not in page1  # this child has no DSL flag


def test_front_sheet_medical_and_eal_flags(tmp_path: Path) -> None:
    records = _records()
    ehc, eal = records[8], records[3]
    page1 = _flat(_text(render_record_pdf(ehc, _options()), tmp_path, 1, 1))
    assert "SEND: EHC plan in place" in page1
    assert "Medical" in page1
    assert "Allergies: Peanuts (carries an auto-injector)." in page1
    page1 = _flat(_text(render_record_pdf(eal, _options()), tmp_path, 1, 1))
    assert "English as an additional language" in page1
    assert eal.get("child.home_languages") in page1


@pytest.mark.parametrize("packet", ["teacher", "senco"])
def test_safeguarding_travels_only_as_the_dsl_flag(packet: str, tmp_path: Path) -> None:
    record = _records()[11]
    assert record.get("child.cin_cp") == "yes"
    pdf = render_record_pdf(record, _options(packet=packet))
    page1 = _flat(_text(pdf, tmp_path, 1, 1))
    assert "Designated safeguarding leads to speak directly" in page1
    assert f"Setting DSL: {DSL}" in page1
    assert "Child in need or child protection plan" not in _flat(_text(pdf, tmp_path))


def test_teacher_packet_omits_graduated_approach_detail(
    teacher_pdf: bytes, senco_pdf: bytes, tmp_path: Path
) -> None:
    teacher = _flat(_text(teacher_pdf, tmp_path))
    senco = _flat(_text(senco_pdf, tmp_path))
    for detail in (
        "Assess–plan–do–review cycles",
        "What was assessed",
        "Cycle 1: attention in group time",
        "Dr Una Listenwell",
        "Robin Inclusionworth",
        "Early warning signs",
    ):
        assert detail not in teacher, detail
        assert detail in senco, detail
    for kept in (
        "SEND status SEN support",
        "Broad areas of need Communication and interaction",
        "Share visual timetable with school",
        "Visual timetable, now-and-next board",
        "are in the SENCO packet",
    ):
        assert kept in teacher, kept
    assert "Reception teacher packet" in teacher
    assert "SENCO packet ·" in senco


def test_learning_and_screening_tables(senco_pdf: bytes, sen_child: Record, tmp_path: Path) -> None:
    text = _flat(_text(senco_pdf, tmp_path))
    assert "Aspect Judgement" in text
    assert "Listening, attention and understanding" in text
    assert "Domain Score Zone" in text
    score = sen_child.get("progress_check.asq_communication_score")
    assert re.search(
        rf"ASQ-3 Communication {score} (Above cut-off|Monitoring zone|Below cut-off)", text
    )
    assert "Person Service Status" in text  # professionals as a small table


def test_footer_on_every_page(senco_pdf: bytes, tmp_path: Path) -> None:
    pages = _pages(senco_pdf)
    assert pages > 1
    assert f"Page 1 of {pages}" in _text(senco_pdf, tmp_path, 1, 1)
    for page in (2, pages):
        text = _flat(_text(senco_pdf, tmp_path, page, page))
        assert f"Page {page} of {pages}" in text
        assert "Record version 3, supersedes version 2" in text
        assert NOTE in text


def test_page_one_keeps_the_signature_stamp_strip_clear(senco_pdf: bytes, tmp_path: Path) -> None:
    # export.sign stamps (36, 8)-(306, 44) in PDF points; pdftotext crops from the top left.
    height = 842
    strip = _text(senco_pdf, tmp_path, 1, 1, crop=(36, height - 44, 270, 36))
    assert strip.strip() == ""


def test_rendering_is_deterministic_for_a_fixed_clock(sen_child: Record, senco_pdf: bytes) -> None:
    again = render_record_pdf(sen_child.copy(), _options(packet="senco", supersedes_version=2))
    assert again == senco_pdf
    later = render_record_pdf(
        sen_child,
        _options(
            packet="senco", supersedes_version=2, generated_on=datetime(2026, 3, 3, tzinfo=UTC)
        ),
    )
    assert later != senco_pdf


def test_document_information(senco_pdf: bytes, sen_child: Record) -> None:
    """PDF 2.0 keeps document information in XMP; PDF/A-4 forbids the old Info dictionary."""
    with pikepdf.open(BytesIO(senco_pdf)) as pdf:
        assert "/Info" not in pdf.trailer
        meta = pdf.open_metadata()
        assert meta["dc:title"] == f"Transition record: {sen_child.display_name} (SENCO packet)"
        assert meta["dc:creator"] == [sen_child.get("child.setting_name")]
        assert meta["xmp:CreatorTool"] == "Transitions"
        assert meta["xmp:CreateDate"] == "2026-03-02T10:30:00Z"
        assert pdf.pdf_version == "2.0"


def test_fonts_are_embedded_truetype_and_never_base14(senco_pdf: bytes) -> None:
    seen = 0
    with pikepdf.open(BytesIO(senco_pdf)) as pdf:
        for obj in pdf.objects:
            if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != pikepdf.Name.Font:
                continue
            seen += 1
            base = str(obj.get("/BaseFont", "")).lstrip("/").split("+")[-1]
            assert base.split("-")[0] not in BASE14, base
            descriptor = obj.get("/FontDescriptor")
            assert descriptor is not None, base
            assert "/FontFile2" in descriptor, base
    assert seen >= 2


def test_long_notes_flow_across_pages_without_losing_words(
    sen_child: Record, tmp_path: Path
) -> None:
    rng = random.Random(7)
    notes: dict[str, str] = {}
    for path in ("family.want_teacher_to_know", "summary.day_one"):
        words: list[str] = []
        while sum(len(w) + 1 for w in words) < 15_000:
            words.append(
                "".join(rng.choice("abcdefghijklmnoprstuvwy") for _ in range(rng.randint(2, 10)))
                + str(len(words))
            )
        notes[path] = " ".join(words)[:15_000].rsplit(" ", 1)[0]
    record = sen_child.copy()
    for path, note in notes.items():
        record.set(path, note)
    pdf = render_record_pdf(record, _options(packet="teacher"))
    assert _pages(pdf) > _pages(render_record_pdf(sen_child, _options(packet="teacher"))) + 4
    printed = set(_text(pdf, tmp_path).split())
    for path, note in notes.items():
        missing = [w for w in note.split() if w not in printed]
        assert not missing, f"{path}: {len(missing)} words lost, e.g. {missing[:3]}"


def test_signoffs_are_listed(sen_child: Record, tmp_path: Path) -> None:
    record = sen_child.copy()
    record.signoffs = [
        SignOff(SignOffScope.RECORD, "Priya Storytime", Role.PRACTITIONER, date(2026, 2, 20)),
        SignOff(SignOffScope.SEND, "Robin Inclusionworth", Role.SENCO, date(2026, 2, 21)),
    ]
    text = _flat(_text(render_record_pdf(record, _options(packet="senco")), tmp_path))
    assert (
        "Practitioner sign-off Priya Storytime Practitioner / key person 20 February 2026" in text
    )
    assert "SENCO review of the SEND section Robin Inclusionworth SENCO 21 February 2026" in text


def test_empty_sections_say_nothing_recorded(tmp_path: Path) -> None:
    fw = current_framework()
    record = Record(framework_id=fw.id, framework_version=fw.version, id="empty")
    record.set("child.legal_forenames", "Testy")
    record.set("child.legal_surname", "Emptyrecord")
    text = _flat(_text(render_record_pdf(record, _options()), tmp_path))
    # every section but 1 (names), 10 (front sheet), 11 (sign-offs listed) and 12 (left out)
    assert text.count("Nothing recorded.") == len(fw.sections) - 4
    assert "SEND status not recorded" in text
    assert "Not recorded" in _flat(_text(render_record_pdf(record, _options()), tmp_path, 1, 1))


def test_a_newer_framework_version_renders_its_new_field(sen_child: Record, tmp_path: Path) -> None:
    v2 = build_v2()
    register(v2)
    try:
        record = dataclasses.replace(sen_child.copy(), framework_version=2)
        record.set("transition.buddy", True)
        text = _flat(_text(render_record_pdf(record, _options()), tmp_path))
        assert "School buddy arranged Yes" in text
    finally:
        unregister(v2)


def test_unknown_packet_is_refused(sen_child: Record) -> None:
    with pytest.raises(RenderError, match="no “governors” packet"):
        render_record_pdf(sen_child, _options(packet="governors"))


def test_markup_in_values_is_printed_as_text(sen_child: Record, tmp_path: Path) -> None:
    record = sen_child.copy()
    record.set("summary.day_one", 'Says <b>hello</b> & waves; likes "Tom & Jerry"')
    page1 = _flat(_text(render_record_pdf(record, _options()), tmp_path, 1, 1))
    assert 'Says <b>hello</b> & waves; likes "Tom & Jerry"' in page1


def test_rendering_one_record_is_quick(sen_child: Record) -> None:
    render_record_pdf(sen_child, _options())  # fonts registered, framework built
    times = []
    for _ in range(3):
        start = time.perf_counter()
        render_record_pdf(sen_child, _options(packet="senco"))
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 1.0  # typically well under 0.1 s; this catches a regression


def test_long_handling_note_is_shortened_in_footers_and_printed_in_full_on_page_one(
    sen_child: Record, tmp_path: Path
) -> None:
    note = " ".join(
        f"Handling rule {n}: keep this record where only the right staff can read it."
        for n in range(12)
    )
    pdf = render_record_pdf(sen_child, _options(handling_note=note))
    assert note in _flat(_text(pdf, tmp_path, 1, 1))
    page2 = _flat(_text(pdf, tmp_path, 2, 2))
    assert "(in full on page 1)" in page2
    assert "Handling rule 0:" in page2
    assert "Handling rule 11:" not in page2


def test_returned_outcome_is_printed_with_its_judgements(sen_child: Record, tmp_path: Path) -> None:
    record = sen_child.copy()
    outcome = current_framework().section("outcome")
    record.set("outcome.gld", False)
    for fd in outcome.fields:
        if fd.key.startswith("elg_"):
            record.set(fd.path, "emerging" if fd.key.endswith("_speaking") else "expected")
    text = _flat(_text(render_record_pdf(record, _options()), tmp_path))
    assert f"12 {outcome.title}" in text
    assert "Good level of development No" in text
    assert "Speaking Emerging" in text
