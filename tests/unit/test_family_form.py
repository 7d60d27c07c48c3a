"""The form that goes home and comes back, and the family's copy.

Forms are filled programmatically with pikepdf, the way a reader writes a filled form: the
answers are the fields' values. Refusals are tried for real: another vault's form (also for a
child whose record id exists in both vaults), every hidden field edited, the same form twice, an
older form after a newer one, a locked form without its password, files that are not forms."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest

from export.family_form import FormPasswordNeeded, FormUnreadable, read_form
from models.errors import SaveConflict
from models.family import (
    HIDDEN_CODE,
    HIDDEN_FORMAT,
    HIDDEN_ISSUED,
    HIDDEN_RECORD,
    HIDDEN_SERIAL,
    HIDDEN_VAULT,
    ChangeKind,
    FormRefused,
    parse_family_date,
)
from models.interchange import record_to_bytes
from models.record import FamilySource, Person, Record
from models.vault import KdfParams
from transitions_app.cli import main
from transitions_app.services.demo import create_demo_vault
from transitions_app.services.family_service import FamilyService
from transitions_app.services.vault_service import VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PASSWORD = "demo-password"
MADE = datetime(2027, 3, 3, 9, tzinfo=UTC)
BACK = datetime(2027, 3, 5, 16, tzinfo=UTC)
FAMILY_LIKES = "Dinozaury, the big red slide and “Paw Patrol” – i łódki!"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("family") / "vault"
    create_demo_vault(directory, children=5, seed=3, kdf=FAST)
    return directory


@pytest.fixture
def vault(demo: Path, tmp_path: Path) -> Iterator[VaultService]:
    copy = tmp_path / "vault"
    shutil.copytree(demo, copy)
    service = VaultService.open(copy, "keyperson", PASSWORD)
    yield service
    service.close()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _serials(*serials: str):  # type: ignore[no-untyped-def]
    it = iter(serials)
    return lambda: next(it)


def _family(vault: VaultService, clock: Clock, *serials: str) -> FamilyService:
    return FamilyService(vault, clock=clock, token=_serials(*(serials or ("K7Q2M9XD",))))


def _child(vault: VaultService) -> Record:
    record = vault.list_records()[0]
    record = vault.load(record.id)
    record.set("family.lives_with", None)  # the family will fill this in
    record.set("about_me.likes", "Painting big pictures.")
    return vault.save(record)


def fill(pdf: bytes, answers: Mapping[str, str | bool], *, password: str | None = None) -> bytes:
    """Fill the form as a reader does: each answer becomes its field's value."""
    with pikepdf.open(io.BytesIO(pdf), password=password or "") as doc:
        seen = set()
        for field in doc.Root.AcroForm.Fields:
            name = str(field.get("/T", ""))
            if name not in answers:
                continue
            value = answers[name]
            if isinstance(value, bool):
                field.V = pikepdf.Name.Yes if value else pikepdf.Name.Off
                field.AS = field.V
            else:
                field.V = pikepdf.String(value)
            seen.add(name)
        assert seen == set(answers), f"no such fields: {set(answers) - seen}"
        out = io.BytesIO()
        doc.save(out, encryption=password is not None)  # a reader keeps the form locked
        return out.getvalue()


def _snapshot(vault: VaultService) -> dict[str, bytes]:
    return {r.id: record_to_bytes(r) for r in vault.list_records()}


def _text(pdf: bytes, password: str | None = None) -> str:
    doc = pdfium.PdfDocument(pdf, password=password)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in doc)
    finally:
        doc.close()


# --- made, filled, imported --------------------------------------------------------------------


def test_form_is_prefilled_and_carries_its_ticket(vault: VaultService) -> None:
    record = _child(vault)
    made = _family(vault, Clock(MADE)).make_form(record.id)
    contents = read_form(made.pdf)
    assert contents.hidden[HIDDEN_RECORD] == record.id
    assert contents.hidden[HIDDEN_SERIAL] == made.serial == "K7Q2M9XD"
    assert contents.hidden[HIDDEN_ISSUED] == "2027-03-03"
    assert contents.fields["about_me__likes"] == "Painting big pictures."
    assert contents.fields["family__want_teacher_to_know"] == record.get(
        "family.want_teacher_to_know"
    )
    assert contents.fields["family__lives_with"] == ""
    with pikepdf.open(io.BytesIO(made.pdf)) as pdf:
        fields = {str(f.T): f for f in pdf.Root.AcroForm.Fields}
        for name in (HIDDEN_RECORD, HIDDEN_CODE):
            assert int(fields[name].Ff) & 1  # read-only
            assert int(fields[name].F) & 2  # hidden
        assert str(fields["about_me__likes"].FT) == "/Tx"
        assert str(fields["about_me__captured_how__drawing"].FT) == "/Btn"
    assert made.consent  # the demo charter asks for consent: the questions are on the form
    assert "consent__consent_given" in contents.fields
    text = _text(made.pdf)
    assert f"All about {record.display_name}" in text
    assert "K7Q2-M9XD" in text
    actions = [e.action for e in vault.audit_entries(record.id)]
    assert "family_form_made" in actions


def test_returned_form_reaches_the_record_with_provenance(vault: VaultService) -> None:
    record = _child(vault)
    made = _family(vault, Clock(MADE)).make_form(record.id)
    filled = fill(
        made.pdf,
        {
            "about_me__likes": FAMILY_LIKES,
            "family__lives_with": "Mum, Grandad and Biscuit the cat",
            "about_me__captured_how__photos": True,
            "family__contributed_on": "4/3/27",
        },
    )
    back = _family(vault, Clock(BACK))
    before = _snapshot(vault)
    preview = back.read_return(filled)
    assert _snapshot(vault) == before  # reading changes nothing
    kinds = {c.path: c.kind for c in preview.changes}
    assert kinds["family.lives_with"] is ChangeKind.ADDED
    assert kinds["about_me.likes"] is ChangeKind.CHOOSE  # the setting wrote it
    assert kinds["about_me.captured_how"] is ChangeKind.CHOOSE
    assert "about_me.dislikes" not in kinds  # left as the form showed it
    likes = next(c for c in preview.changes if c.path == "about_me.likes")
    assert likes.record_text(preview.record) == "Painting big pictures."
    assert likes.family_text(preview.record) == FAMILY_LIKES

    applied = back.apply_return(preview, {"about_me.likes", "family.contributed_on"})
    stored = vault.load(record.id)
    assert stored.get("about_me.likes") == FAMILY_LIKES
    assert stored.get("family.lives_with") == "Mum, Grandad and Biscuit the cat"
    assert stored.get("family.contributed_on") == date(2027, 3, 4)
    assert stored.get("about_me.captured_how") == record.get("about_me.captured_how")  # not chosen
    note = "From the family's form, returned on 5 March 2027"
    assert stored.provenance["about_me.likes"] == note
    assert stored.provenance["family.lives_with"] == note
    assert "about_me.captured_how" not in applied.taken
    assert applied.kept == ("about_me.captured_how",)
    [returned] = stored.family_returns
    assert (returned.serial, returned.source, returned.issued_on, returned.returned_on) == (
        "K7Q2M9XD",
        FamilySource.FORM,
        date(2027, 3, 3),
        date(2027, 3, 5),
    )
    assert set(returned.fields) == {"about_me.likes", "family.lives_with", "family.contributed_on"}
    assert "family_form_read" in [e.action for e in vault.audit_entries(record.id)]


def test_nothing_the_setting_wrote_changes_without_a_choice(vault: VaultService) -> None:
    record = _child(vault)
    made = _family(vault, Clock(MADE)).make_form(record.id)
    filled = fill(made.pdf, {"about_me__likes": FAMILY_LIKES, "family__worries": ""})
    back = _family(vault, Clock(BACK))
    preview = back.read_return(filled)
    assert {c.path for c in preview.choices} == {
        "about_me.likes",
        "family.worries",
        "family.contributed_on",
    }
    back.apply_return(preview)
    stored = vault.load(record.id)
    assert stored.get("about_me.likes") == "Painting big pictures."
    assert stored.get("family.worries") == record.get("family.worries")
    assert [r.fields for r in stored.family_returns] == [()]


def test_family_corrects_its_own_words_without_a_choice(vault: VaultService) -> None:
    record = _child(vault)
    first = _family(vault, Clock(MADE), "AAAA1111", "BBBB2222")
    made = first.make_form(record.id)
    back = _family(vault, Clock(BACK))
    back.apply_return(back.read_return(fill(made.pdf, {"family__lives_with": "Mum"})))
    second = first.make_form(record.id)
    assert read_form(second.pdf).fields["family__lives_with"] == "Mum"
    preview = back.read_return(fill(second.pdf, {"family__lives_with": "Mum and Grandad"}))
    [change] = [c for c in preview.changes if c.path == "family.lives_with"]
    assert change.kind is ChangeKind.FAMILY_UPDATE
    back.apply_return(preview)
    assert vault.load(record.id).get("family.lives_with") == "Mum and Grandad"


def test_setting_changes_after_the_form_went_home_are_not_undone(vault: VaultService) -> None:
    record = _child(vault)
    made = _family(vault, Clock(MADE)).make_form(record.id)
    later = vault.load(record.id)
    later.set("about_me.dislikes", "Loud hand dryers and wet sleeves.")  # the setting, since
    vault.save(later)
    preview = _family(vault, Clock(BACK)).read_return(
        fill(made.pdf, {"family__hopes": "To make friends."})
    )
    assert "about_me.dislikes" not in {c.path for c in preview.changes}


def test_consent_ticked_on_the_form_is_recorded_from_about_you(vault: VaultService) -> None:
    record = vault.load(_child(vault).id)
    for path in (
        "consent.consent_given",
        "consent.consent_by",
        "consent.consent_relationship",
        "consent.consent_date",
        "consent.consent_method",
        "consent.consent_scope",
    ):
        record.set(path, None)
    record.set("family.contributor", None)
    record.set("family.relationship", None)
    vault.save(record)
    made = _family(vault, Clock(MADE)).make_form(record.id)
    filled = fill(
        made.pdf,
        {
            "consent__consent_given": True,
            "consent__consent_scope__all": True,
            "family__contributor": "Ewa Nowakowska",
            "family__relationship": "Mum",
        },
    )
    back = _family(vault, Clock(BACK))
    back.apply_return(back.read_return(filled))
    stored = vault.load(record.id)
    assert stored.get("consent.consent_given") is True
    assert stored.get("consent.consent_by") == "Ewa Nowakowska"
    assert stored.get("consent.consent_relationship") == "Mum"
    assert stored.get("consent.consent_date") == date(2027, 3, 5)
    assert stored.get("consent.consent_method") == "electronic"
    assert stored.get("consent.consent_scope") == ("all",)
    assert stored.provenance["consent.consent_given"].startswith("From the family's form")


# --- refusals that change nothing ---------------------------------------------------------------


def test_another_vaults_form_is_refused_changing_nothing(
    vault: VaultService, tmp_path: Path
) -> None:
    record = _child(vault)
    other_dir = tmp_path / "other"
    other, _key = VaultService.create(other_dir, "boss", "other-password", kdf=FAST)
    try:
        other.import_record(record)  # the same child, the same record id, in another vault
        theirs = FamilyService(other, clock=Clock(MADE)).make_form(record.id)
    finally:
        other.close()
    before = _snapshot(vault)
    filled = fill(theirs.pdf, {"about_me__likes": FAMILY_LIKES})
    with pytest.raises(FormRefused, match="another setting"):
        _family(vault, Clock(BACK)).read_return(filled)
    _family(vault, Clock(MADE)).make_form(record.id)  # this vault now has a form key too
    with pytest.raises(FormRefused, match="another setting"):
        _family(vault, Clock(BACK)).read_return(filled)
    assert _snapshot(vault) == before
    assert "family_form_read" not in [e.action for e in vault.audit_entries()]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (HIDDEN_RECORD, "other", "hidden details"),
        (HIDDEN_SERIAL, "K7Q2M9XE", "hidden details"),
        (HIDDEN_ISSUED, "2027-03-04", "hidden details"),
        (HIDDEN_ISSUED, "not a date", "hidden details"),
        (HIDDEN_CODE, "0" * 32, "hidden details"),
        (HIDDEN_CODE, "", "hidden details"),
        (HIDDEN_VAULT, "0123456789abcdef", "another setting"),
        (HIDDEN_FORMAT, "transitions-family-form-9", "different version"),
    ],
)
def test_edited_hidden_fields_are_refused_changing_nothing(
    vault: VaultService, field: str, value: str, message: str
) -> None:
    record = _child(vault)
    made = _family(vault, Clock(MADE)).make_form(record.id)
    if value == "other":
        value = next(r.id for r in vault.list_records() if r.id != record.id)
    edited = fill(made.pdf, {field: value, "about_me__likes": FAMILY_LIKES})
    before = _snapshot(vault)
    with pytest.raises(FormRefused, match=message):
        _family(vault, Clock(BACK)).read_return(edited)
    assert _snapshot(vault) == before


def test_a_form_with_its_hidden_fields_removed_is_not_a_family_form(vault: VaultService) -> None:
    record = _child(vault)
    made = _family(vault, Clock(MADE)).make_form(record.id)
    with pikepdf.open(io.BytesIO(made.pdf)) as pdf:
        keep = [f for f in pdf.Root.AcroForm.Fields if not str(f.T).startswith("transitions_")]
        pdf.Root.AcroForm.Fields = pikepdf.Array(keep)
        for page in pdf.pages:
            page.Annots = pikepdf.Array(
                [
                    a
                    for a in page.get("/Annots", [])
                    if not str(a.get("/T", "")).startswith("transitions_")
                ]
            )
        out = io.BytesIO()
        pdf.save(out)
    with pytest.raises(FormRefused, match="not a family form"):
        _family(vault, Clock(BACK)).read_return(out.getvalue())


def test_second_return_and_older_forms_are_refused(vault: VaultService) -> None:
    record = _child(vault)
    maker = _family(vault, Clock(MADE), "OLD00001", "NEW00002")
    old = maker.make_form(record.id)
    new = maker.make_form(record.id)
    back = _family(vault, Clock(BACK))
    preview = back.read_return(fill(old.pdf, {"family__hopes": "Old hopes."}))
    assert "newer form" in preview.warning  # flagged: the newer one has not come back yet
    newer = fill_and_read(back, new.pdf, {"family__hopes": "New hopes."})
    back.apply_return(newer, {c.path for c in newer.choices})
    before = _snapshot(vault)
    with pytest.raises(FormRefused, match="already read in"):
        back.read_return(fill(new.pdf, {"family__hopes": "Again."}))
    with pytest.raises(FormRefused, match="newer form .* was already read in"):
        back.read_return(fill(old.pdf, {"family__hopes": "Old hopes."}))
    with pytest.raises(FormRefused, match="newer form .* was already read in"):
        back.apply_return(preview)  # a preview read before the newer form came back
    assert _snapshot(vault) == before
    assert vault.load(record.id).get("family.hopes") == "New hopes."


def fill_and_read(service: FamilyService, pdf: bytes, answers: Mapping[str, str | bool]):  # type: ignore[no-untyped-def]
    return service.read_return(fill(pdf, answers))


def test_a_record_changed_after_reading_is_a_conflict(vault: VaultService) -> None:
    record = _child(vault)
    made = _family(vault, Clock(MADE)).make_form(record.id)
    back = _family(vault, Clock(BACK))
    preview = back.read_return(fill(made.pdf, {"family__lives_with": "Mum"}))
    meanwhile = vault.load(record.id)
    meanwhile.set("about_me.friends", "Teddy and Milo.")
    vault.save(meanwhile)
    with pytest.raises(SaveConflict, match="read the form in again"):
        back.apply_return(preview)
    assert vault.load(record.id).get("family.lives_with") is None
    back.apply_return(back.read_return(fill(made.pdf, {"family__lives_with": "Mum"})))
    assert vault.load(record.id).get("family.lives_with") == "Mum"


def test_locked_form_needs_its_password(vault: VaultService) -> None:
    record = _child(vault)
    made = _family(vault, Clock(MADE)).make_form(record.id, password="told-by-phone")
    with pytest.raises(FormPasswordNeeded, match="locked with a password"):
        read_form(made.pdf)
    filled = fill(made.pdf, {"family__lives_with": "Mum"}, password="told-by-phone")
    back = _family(vault, Clock(BACK))
    with pytest.raises(FormPasswordNeeded, match="not the one"):
        back.read_return(filled, password="wrong-guess")
    back.apply_return(back.read_return(filled, password="told-by-phone"))
    assert vault.load(record.id).get("family.lives_with") == "Mum"


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"not a pdf at all", FormUnreadable, "not a PDF"),
        (b"%PDF-1.7\n% truncated nonsense", FormUnreadable, "damaged"),
        (b"%PDF-" + b"x" * (21 * 1024 * 1024), FormUnreadable, "too large"),
    ],
)
def test_files_that_are_not_forms_are_refused(
    vault: VaultService, data: bytes, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        _family(vault, Clock(BACK)).read_return(data)


def test_a_pdf_without_a_form_is_refused(vault: VaultService) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    with pytest.raises(FormRefused, match="no form"):
        _family(vault, Clock(BACK)).read_return(out.getvalue())


# --- the paper form --------------------------------------------------------------------------


def test_paper_form_entered_by_a_person_is_marked_as_such(vault: VaultService) -> None:
    record = _child(vault)
    back = _family(vault, Clock(BACK))
    preview = back.paper_preview(
        record.id,
        {"family.lives_with": "Dad and two sisters", "about_me.likes": "Painting big pictures."},
    )
    assert [c.path for c in preview.changes] == ["family.lives_with"]
    back.apply_return(preview)
    stored = vault.load(record.id)
    assert (
        stored.provenance["family.lives_with"]
        == "From the family's paper form, returned on 5 March 2027"
    )
    [returned] = stored.family_returns
    assert returned.source is FamilySource.PAPER
    assert returned.entered_by == "keyperson"


def test_paper_form_with_its_number_is_checked_like_a_file(vault: VaultService) -> None:
    record = _child(vault)
    _family(vault, Clock(MADE)).make_form(record.id)
    back = _family(vault, Clock(BACK))
    back.apply_return(
        back.paper_preview(record.id, {"family.hopes": "Friends."}, serial="k7q2-m9xd")
    )
    with pytest.raises(FormRefused, match="already read in"):
        back.paper_preview(record.id, {"family.hopes": "Friends."}, serial="K7Q2-M9XD")
    with pytest.raises(FormRefused, match="was not made for"):
        back.paper_preview(record.id, {"family.hopes": "Friends."}, serial="ZZZZ-ZZZZ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4/3/2027", date(2027, 3, 4)),
        ("04.03.27", date(2027, 3, 4)),
        ("2027-03-04", date(2027, 3, 4)),
        ("4 March 2027", date(2027, 3, 4)),
        ("4th Mar 2027", date(2027, 3, 4)),
        ("31/2/2027", None),
        ("soon", None),
        ("", None),
    ],
)
def test_family_dates(text: str, expected: date | None) -> None:
    assert parse_family_date(text) == expected


# --- the family's copy -------------------------------------------------------------------------


def test_family_copy_has_the_familys_words_and_no_dsl_flag_or_private_contacts(
    vault: VaultService, demo: Path
) -> None:
    record = _child(vault)
    made = _family(vault, Clock(MADE)).make_form(record.id)
    back = _family(vault, Clock(BACK))
    back.apply_return(
        back.read_return(fill(made.pdf, {"family__lives_with": "Mum, Grandad and Biscuit the cat"}))
    )
    dsl = VaultService.open(vault.directory, "dsl", PASSWORD)  # type: ignore[arg-type]
    try:
        flagged = dsl.load(record.id)
        flagged.set("child.cin_cp", "yes")
        flagged.set(
            "health.health_professional",
            Person("Hilda Visitor", "Health visitor", "Fictional NHS", "07700 900 111"),
        )
        flagged.set(
            "send.professionals",
            (
                {
                    "person": Person(
                        "Dr Ada Therapist", "Speech therapist", "Fictional NHS", "ada@nhs.example"
                    ),
                    "service": "Speech and language",
                    "status": "involved",
                },
            ),
        )
        flagged.set(
            "child.key_person",
            Person("Jo Playfair", "Key person", "Little Acorns", "jo.private@example.org"),
        )
        flagged.set(
            "transition.setting_contact",
            Person("Sam Office", "Manager", "Little Acorns", "01632 960 555"),
        )
        dsl.save(flagged)
    finally:
        dsl.close()
    copy = back.family_copy(record.id).pdf
    text = _text(copy)
    flat = " ".join(text.split())
    assert "Mum, Grandad and Biscuit the cat" in flat
    assert "In your words · your form, returned on 5 March 2027" in flat
    for forbidden in ("safeguarding", "DSL", "speak directly", "Child in need", "child protection"):
        assert forbidden.lower() not in flat.lower(), forbidden
    for private in ("07700 900 111", "ada@nhs.example", "jo.private@example.org"):
        assert private not in flat
    assert "Dr Ada Therapist" in flat  # the professional is named, without their contact
    assert "If you disagree" in flat
    assert "Sam Office at" in flat
    assert "01632 960 555" in flat
    assert "Northshire" in flat  # the LA's contact from the charter
    assert "family_copy_made" in [e.action for e in vault.audit_entries(record.id)]
    locked = back.family_copy(record.id, password="copy-pass").pdf
    with pytest.raises(pdfium.PdfiumError):
        pdfium.PdfDocument(locked)
    assert "Mum, Grandad" in _text(locked, "copy-pass")


# --- the command line --------------------------------------------------------------------------


def test_cli_form_import_and_copy(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    vault_dir = tmp_path / "vault"
    shutil.copytree(demo, vault_dir)
    monkeypatch.setenv("TRANSITIONS_PASSWORD", PASSWORD)
    session = VaultService.open(vault_dir, "keyperson", PASSWORD)
    record = _child(session)
    session.close()
    base = ["--vault", str(vault_dir), "--user", "keyperson"]
    form = tmp_path / "form.pdf"
    assert main(["family", "form", "--record", record.id, "--out", str(form), *base, "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["serial"]
    assert form.read_bytes().startswith(b"%PDF")
    returned = tmp_path / "returned.pdf"
    returned.write_bytes(
        fill(form.read_bytes(), {"about_me__likes": FAMILY_LIKES, "family__lives_with": "Mum"})
    )
    # a choice is needed: nothing changes until it is made
    assert main(["family", "import", str(returned), *base]) == 1
    out = capsys.readouterr()
    assert "? about_me.likes" in out.out
    assert "nothing was changed" in out.err
    assert main(["family", "import", str(returned), *base, "--dry-run", "--json"]) == 0
    preview = json.loads(capsys.readouterr().out)
    assert preview["applied"] is False
    # the family wrote in their part, so the contribution date follows (a choice: the setting had one)
    assert {c["path"] for c in preview["changes"]} == {
        "about_me.likes",
        "family.lives_with",
        "family.contributed_on",
    }
    assert main(["family", "import", str(returned), *base, "--take-family", "all", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["taken"] == [
        "about_me.likes",
        "family.lives_with",
        "family.contributed_on",
    ]
    assert main(["family", "import", str(returned), *base]) == 1
    assert "already read in" in capsys.readouterr().err
    assert main(["family", "import", str(tmp_path / "missing.pdf"), *base]) == 2
    capsys.readouterr()
    copy = tmp_path / "copy.pdf"
    assert main(["family", "copy", "--record", record.id, "--out", str(copy), *base]) == 0
    assert "Wrote the family's copy" in capsys.readouterr().out
    assert FAMILY_LIKES in " ".join(_text(copy.read_bytes()).split())
    paper_args = [
        "family",
        "paper",
        "--record",
        record.id,
        "--set",
        "family.hopes=To make a friend",
        *base,
        "--json",
    ]
    assert main(paper_args) == 1  # the setting wrote the hopes: a person chooses
    assert json.loads(capsys.readouterr().out)["undecided"] == ["family.hopes"]
    assert main([*paper_args, "--take-family", "family.hopes"]) == 0
    paper = json.loads(capsys.readouterr().out)
    assert paper["source"] == "paper"
    assert paper["taken"] == ["family.hopes"]


def test_a_new_answer_dates_the_contribution_without_a_choice(vault: VaultService) -> None:
    """The family adds an answer and leaves "Today's date" blank: the new answer goes in and the
    contribution is dated on the return, without asking anyone to choose between two dates."""
    record = _child(vault)
    assert record.get("family.contributed_on") is not None  # the setting dated an earlier talk
    made = _family(vault, Clock(MADE)).make_form(record.id)
    back = _family(vault, Clock(BACK))
    preview = back.read_return(fill(made.pdf, {"family__lives_with": "Mum and Biscuit the cat"}))
    assert not preview.choices
    back.apply_return(preview)
    stored = vault.load(record.id)
    assert stored.get("family.lives_with") == "Mum and Biscuit the cat"
    assert stored.get("family.contributed_on") == BACK.date()


def test_family_copy_is_signed_by_the_person_with_the_settings_certificate(
    vault: VaultService,
) -> None:
    from tests import pdf_checks as checks

    record = _child(vault)
    for password in (None, "copy-pass-2027"):
        copy = _family(vault, Clock(MADE)).family_copy(record.id, password=password)
        assert copy.signed_by.startswith(
            f"Signed by {vault.display_name()}, {vault.user.role.label}, "
        )
        assert copy.note == copy.signed_by + "."
        with pikepdf.open(io.BytesIO(copy.pdf), password=password or "") as pdf:
            field = pdf.Root.AcroForm.Fields[0]
            assert str(field.V.Reason) == copy.signed_by
        if checks.have_poppler():
            out = checks.run_tool("pdfsig", copy.pdf, "-nocert", password=password)
            assert "Signature is Valid" in out, out
            assert "Total document signed" in out, out
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(io.BytesIO(copy.pdf))  # the last one was locked


def test_a_vault_without_a_signing_certificate_still_gets_the_unsigned_copy_and_is_told(
    vault: VaultService,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from transitions_app.services.charter_service import IDENTITY_BLOB

    record = _child(vault)
    manager = VaultService.open(vault.directory, "manager", PASSWORD)  # type: ignore[arg-type]
    try:
        assert manager.delete_blob(IDENTITY_BLOB)
    finally:
        manager.close()
    copy = _family(vault, Clock(MADE)).family_copy(record.id, password="copy-pass-2027")
    assert copy.signed_by == ""
    assert (
        copy.note
        == "The family's copy is not signed: this setting has no signing certificate yet (a manager imports the LA's certificate, or creates a self-signed one)."
    )
    with pikepdf.open(io.BytesIO(copy.pdf), password="copy-pass-2027") as pdf:
        assert "/AcroForm" not in pdf.Root
    assert "Painting big pictures." in _text(copy.pdf, "copy-pass-2027")
    out = tmp_path / "copy.pdf"
    monkeypatch.setenv("TRANSITIONS_PASSWORD", PASSWORD)
    base = ["--vault", str(vault.directory), "--user", "keyperson"]
    vault.close()
    assert main(["family", "copy", "--record", record.id, "--out", str(out), *base]) == 0
    said = capsys.readouterr().out.strip().splitlines()
    assert said == [f"Wrote the family's copy to {out}.", copy.note]
