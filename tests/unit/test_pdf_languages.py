"""Text in another language than the document's English is marked with its own /Lang.

The record says which languages the family speaks at home; a name written wholly in one of their
scripts is marked with that language, so a screen reader reads "Олена" with a Ukrainian voice and
a Bengali name (which the embedded font cannot draw: U+FFFD on the page, the real name as
ActualText) with a Bengali one. The files are read back with pikepdf, not through the renderer.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pikepdf
import pytest

from export.class_summary import ClassSummaryOptions, render_class_summary_pdf
from export.family_copy import FamilyCopyOptions, render_family_copy
from export.languages import LANGUAGES, language_of, record_languages, recorded_languages
from export.packets import TEACHER
from export.pipeline import PacketJob, build_packet, signer_material
from models.interchange import record_to_bytes
from models.record import Record
from models.synthetic import generate_records
from tests import pdf_checks as checks
from tests.fixtures_pki import SIGNING_TIME, build_pki

UKRAINIAN = ("Олена", "Коваленко")
BENGALI = ("জয়া", "রহমান")


# --- which language: the rules ------------------------------------------------------------------
def test_a_name_in_the_script_of_a_recorded_home_language_is_in_that_language() -> None:
    recorded = recorded_languages("Ukrainian, English")
    assert language_of("Олена Коваленко", recorded) == "uk"
    assert language_of("জয়া রহমান", recorded_languages("Bengali and English")) == "bn"
    assert language_of("はな子", recorded_languages("Japanese")) == "ja"
    assert language_of("زينب", recorded_languages("urdu; English")) == "ur"


def test_without_a_recorded_language_of_that_script_only_the_script_is_said() -> None:
    assert language_of("Олена", recorded_languages("Polish, English")) == "und-Cyrl"
    assert language_of("Олена", ()) == "und-Cyrl"
    # two recorded languages written in Arabic script: the record does not say which
    assert language_of("زينب", recorded_languages("Urdu, Arabic")) == "und-Arab"
    assert language_of("はな子", ()) == "und"  # two scripts, no language that has both


def test_latin_script_mixed_and_letterless_text_stays_in_the_document_language() -> None:
    polish = recorded_languages("Polish")
    assert polish == ()  # a Latin-script language cannot be told from English by its letters
    assert language_of("Zofia Wiśniewska", polish) == ""
    assert language_of("Legal name: Олена Коваленко", recorded_languages("Ukrainian")) == ""
    assert language_of("7 October 2021", ()) == ""
    assert language_of("01632 960000 · (—)", ()) == ""
    assert language_of("", ()) == ""


def test_every_listed_language_has_a_tag_and_a_non_latin_script() -> None:
    for name, lang in LANGUAGES.items():
        assert name == name.lower()
        assert lang.tag
        assert lang.scripts
        assert "Latn" not in lang.scripts, name


# --- in the exported files ------------------------------------------------------------------
def _named(first: str, last: str, home: str, interpreter: str = "") -> Record:
    record = generate_records(12, seed=3, today=date(2026, 3, 2))[8]
    record.set("child.legal_forenames", first)
    record.set("child.legal_surname", last)
    record.set("child.preferred_name", "")
    record.set("child.home_languages", home)
    record.set("child.interpreter_language", interpreter)
    return record


def _teacher_packet(record: Record) -> bytes:
    pki = build_pki()
    key, cert, chain = signer_material(pki.setting.key, pki.setting.cert, pki.setting.chain)
    job = PacketJob(
        record_json=record_to_bytes(record),
        packet=TEACHER,
        generated_on=SIGNING_TIME,
        key_der=key,
        cert_der=cert,
        chain_der=chain,
        signer_name="Priya Storytime",
        signer_role="Key person",
        organisation="Little Acorns Nursery (fictional)",
    )
    return build_packet(job).pdf


def _marked(pdf_bytes: bytes) -> list[tuple[str, str, str]]:
    """(role, /Lang, text) of every structure element below Document that has a /Lang; the text
    is the ActualText where there is one, else the text poppler extracts for that element."""
    out: list[tuple[str, str, str]] = []
    with pikepdf.open(BytesIO(pdf_bytes)) as pdf:
        doc = pdf.Root.StructTreeRoot.K
        assert str(doc.Lang) == "en-GB"

        def walk(node: pikepdf.Object) -> None:
            kids = node.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    if "/Lang" in kid:
                        text = str(kid.get("/ActualText", ""))
                        out.append((str(kid.S)[1:], str(kid.Lang), text))
                    walk(kid)

        walk(doc)
    return out


@pytest.mark.skipif(not checks.have_poppler(), reason="poppler-utils not installed")
def test_a_cyrillic_name_is_marked_ukrainian_in_the_signed_packet() -> None:
    record = _named(*UKRAINIAN, "Ukrainian, English")
    pdf = _teacher_packet(record)
    marked = _marked(pdf)
    roles = [role for role, lang, _text in marked if lang == "uk"]
    assert roles.count("H1") == 1  # the front sheet's name
    assert roles.count("TD") >= 2  # forename and surname in section 1
    assert {lang for _role, lang, _text in marked} == {"uk"}
    # the H1 marked uk is the child's name, as poppler reads the tree
    texts = checks.struct_texts(pdf)
    assert "Олена Коваленко" in texts
    assert checks.untagged_text(pdf, None).strip() == ""
    assert "Signature is Valid" in checks.run_tool("pdfsig", pdf, "-nocert")


def test_a_name_the_font_cannot_draw_keeps_its_text_and_its_language() -> None:
    record = _named(*BENGALI, "Bengali and English")
    marked = _marked(_teacher_packet(record))
    assert ("H1", "bn", "জয়া রহমান") in marked
    assert ("TD", "bn", "জয়া") in marked
    assert ("TD", "bn", "রহমান") in marked


def test_the_interpreter_language_counts_and_an_unrecorded_script_is_said_as_a_script() -> None:
    record = _named(*UKRAINIAN, "English", interpreter="Ukrainian")
    assert [lang.tag for lang in record_languages(record)] == ["uk"]
    marked = _marked(_teacher_packet(_named(*UKRAINIAN, "Polish, English")))
    assert marked
    assert {lang for _role, lang, _text in marked} == {"und-Cyrl"}


def test_the_family_copy_marks_the_name_too() -> None:
    record = _named(*UKRAINIAN, "Ukrainian, English")
    pdf = render_family_copy(
        record, FamilyCopyOptions(generated_on=SIGNING_TIME, contact="Priya Storytime (fictional)")
    )
    marked = _marked(pdf)
    assert any(lang == "uk" for _role, lang, _text in marked)
    assert {lang for _role, lang, _text in marked} == {"uk"}


def test_each_row_of_the_class_summary_is_marked_by_its_own_childs_languages() -> None:
    records = generate_records(6, seed=5, today=date(2026, 3, 2))
    records[0].set("child.legal_forenames", "Олена")
    records[0].set("child.preferred_name", "")
    records[0].set("child.legal_surname", "Коваленко")
    records[0].set("child.home_languages", "Ukrainian, English")
    records[1].set("child.legal_forenames", "Анна")
    records[1].set("child.preferred_name", "")
    records[1].set("child.legal_surname", "Петрова")
    records[1].set("child.home_languages", "Russian")
    pdf = render_class_summary_pdf(
        records, ClassSummaryOptions(title="Hedgehogs (fictional)", generated_on=SIGNING_TIME)
    )
    langs = sorted(lang for role, lang, _text in _marked(pdf) if role == "P")
    assert langs == ["ru", "uk"]
