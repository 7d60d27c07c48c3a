"""Every exported packet is tagged (PDF/UA-1 in intent), PDF/A-4f, fully embedded and signed.

The packets are made the way export makes them (export.pipeline.build_packet for the teacher's and
the SENCO's, encrypted and not; export.class_summary for the school's class summary) and checked
only with tools that know nothing of the renderer: poppler (pdfinfo -struct, pdftotext, pdffonts,
pdfsig), pikepdf reading the file back, and pikepdf's PDF/A validator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO

import pikepdf
import pytest

from export.class_summary import ClassSummaryOptions, render_class_summary_pdf
from export.encrypt import PasswordEncryption
from export.family_copy import FamilyCopyOptions, render_family_copy
from export.packets import SENCO, TEACHER, needs_senco_packet
from export.pipeline import PacketJob, build_packet, signer_material
from export.render import MARGIN_X, PAGE_W, TITLE
from export.sign import sign_pdf
from export.stamp import SIGNATURE_FIELD, SignatureLabel
from models.interchange import record_to_bytes
from models.pictures import prepare_picture
from models.record import Record
from models.synthetic import generate_records
from tests import pdf_checks as checks
from tests.fixtures_pki import SIGNING_TIME, build_pki

pytestmark = pytest.mark.skipif(not checks.have_poppler(), reason="poppler-utils not installed")

PASSWORD = "told-by-phone-1234"
SIGNER = "Priya Storytime"
ROLE = "Practitioner / key person"
NOTE = "OFFICIAL-SENSITIVE: share only with staff who teach or support this child."
SENTENCE_DATE = "1 June 2026"  # tests.fixtures_pki.SIGNING_TIME


@dataclass(frozen=True)
class Exported:
    name: str
    pdf: bytes
    password: str | None
    record: Record | None
    signed: bool


def _drawing(colour: str) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (160, 120), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 10, 90, 80), fill=colour)
    draw.rectangle((60, 70, 150, 115), fill="#3A6EA5")
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _child() -> Record:
    records = generate_records(12, seed=3, today=date(2026, 3, 2))
    record = records[8]  # EHC plan: both packets, every kind of table
    assert needs_senco_packet(record)
    record.pictures = (
        prepare_picture(_drawing("#F2B233"), "My house and the sun", picture_id="pic-sun"),
        prepare_picture(_drawing("#5AA05A"), "", picture_id="pic-tree"),
    )
    return record


def _packet(record: Record, packet: str, password: str | None) -> bytes:
    pki = build_pki()
    key, cert, chain = signer_material(pki.setting.key, pki.setting.cert, pki.setting.chain)
    job = PacketJob(
        record_json=record_to_bytes(record),
        packet=packet,
        generated_on=SIGNING_TIME,
        key_der=key,
        cert_der=cert,
        chain_der=chain,
        signer_name=SIGNER,
        signer_role=ROLE,
        organisation=str(record.get("child.setting_name")),
        handling_note=NOTE,
        setting_dsl_contact="Dana Safeguard (fictional), 01632 960002",
        encrypt_password=password,
    )
    return build_packet(job).pdf


@pytest.fixture(scope="module")
def exported() -> dict[str, Exported]:
    record = _child()
    out: dict[str, Exported] = {}
    for packet in (TEACHER, SENCO):
        for password in (None, PASSWORD):
            name = f"{packet}-{'encrypted' if password else 'plain'}"
            out[name] = Exported(name, _packet(record, packet, password), password, record, True)
    records = generate_records(12, seed=3, today=date(2026, 3, 2))
    out["class-summary"] = Exported("class-summary", _class_summary(records), None, None, True)
    for password in (None, PASSWORD):
        # signed as FamilyService.family_copy signs it; locked in the same pass when asked
        name = "family-copy-encrypted" if password else "family-copy"
        out[name] = Exported(name, _family_copy(record, password), password, record, True)
    return out


SCHOOL = "Puddlebrook Primary School (fictional)"
SCHOOL_SIGNER = "Hattie Headteacher"
SCHOOL_ROLE = "Headteacher"


def _class_summary(records: list[Record]) -> bytes:
    """Signed with the school's own (self-signed) identity, as SchoolService.class_summary_pdf does."""
    from export.receipts import create_school_identity

    identity = create_school_identity(SCHOOL, "123456", now=SIGNING_TIME - timedelta(days=30))
    label = SignatureLabel(SCHOOL_SIGNER, SCHOOL_ROLE, SCHOOL, SIGNING_TIME.date())
    summary = render_class_summary_pdf(
        records,
        ClassSummaryOptions(
            title=f"{SCHOOL} · Hedgehogs",
            generated_on=SIGNING_TIME,
            handling_note=NOTE,
            signature=label,
        ),
    )
    return sign_pdf(
        summary,
        identity.key,
        identity.cert,
        identity.chain,
        signer_name=SCHOOL_SIGNER,
        organisation=SCHOOL,
        signing_time=SIGNING_TIME,
        reason=label.sentence,
    )


def _family_copy(record: Record, password: str | None) -> bytes:
    pki = build_pki()
    organisation = str(record.get("child.setting_name"))
    label = SignatureLabel(SIGNER, ROLE, organisation, SIGNING_TIME.date())
    family = render_family_copy(
        record,
        FamilyCopyOptions(
            generated_on=SIGNING_TIME,
            contact="Priya Storytime (fictional), 01632 960000",
            la_contact="Northshire transitions team (fictional), 01632 960999",
            signature=label,
        ),
    )
    return sign_pdf(
        family,
        pki.setting.key,
        pki.setting.cert,
        pki.setting.chain,
        signer_name=SIGNER,
        organisation=organisation,
        signing_time=SIGNING_TIME,
        reason=label.sentence,
        encryption=PasswordEncryption(password) if password else None,
    )


ALL = [
    "teacher-plain",
    "teacher-encrypted",
    "senco-plain",
    "senco-encrypted",
    "class-summary",
    "family-copy",
    "family-copy-encrypted",
]
PACKETS = ALL[:4]  # the teacher's and SENCO's: front sheet, sections and the record's JSON
SIGNED = [*PACKETS, "class-summary", "family-copy", "family-copy-encrypted"]


@pytest.mark.parametrize("name", ALL)
def test_nothing_is_drawn_untagged(exported: dict[str, Exported], name: str) -> None:
    """Remove every glyph that is a structure element's content or a pagination artifact: no
    text may be left (untagged text would be an artifact a screen reader skips)."""
    item = exported[name]
    assert checks.untagged_text(item.pdf, item.password).strip() == ""


@pytest.mark.parametrize("name", ALL)
def test_structure_tree_text_is_the_page_text(exported: dict[str, Exported], name: str) -> None:
    """The text in the structure tree (poppler reads it from the tree) is every glyph on the
    pages except the running header and footer, each exactly once (a table header repeated on
    a new page is a pagination artifact)."""
    item = exported[name]
    tree = checks.glyphs("".join(checks.struct_texts(item.pdf, item.password)))
    page = checks.glyphs(checks.page_text_without_pagination(item.pdf, item.password))
    assert tree == page, (tree - page, page - tree)


@pytest.mark.parametrize("name", PACKETS)
def test_headings_and_tables_in_reading_order(exported: dict[str, Exported], name: str) -> None:
    item = exported[name]
    assert item.record is not None
    lines = checks.struct_lines(item.pdf, item.password)
    assert lines[0] == (0, "Document")
    roles = checks.struct_roles(item.pdf, item.password)
    assert roles.count("H1") >= 12  # the child's name, then each section
    texts = checks.struct_texts(item.pdf, item.password)
    h1 = [texts_after(lines, i) for i, (_n, line) in enumerate(lines) if line.startswith("H1")]
    assert h1[0] == item.record.display_name
    numbers = [int(t.split()[0]) for t in h1[1:]]
    assert numbers == sorted(numbers)
    assert numbers[0] == 1
    # Tables: rows of header and data cells; judgement and ASQ tables head their columns.
    for role in ("Table", "TR", "TH", "TD", "L", "LI", "LBody", "H2", "Sect", "Form"):
        assert role in roles, role
    scopes = [line for _n, line in lines if line.startswith("/Scope")]
    assert "/Scope /Column" in scopes
    assert "/Scope /Row" in scopes
    assert "Aspect" in texts
    assert "Judgement" in texts
    assert "Domain" in texts
    assert "Zone" in texts
    assert texts.index("Aspect") < texts.index("Domain")  # section 6 before section 7


def texts_after(lines: list[tuple[int, str]], index: int) -> str:
    """The first text line below element line ``index``."""
    for _indent, line in lines[index + 1 :]:
        if line.startswith('"'):
            return line[1:-1]
    return ""


@pytest.mark.parametrize("name", PACKETS)
def test_front_sheet_reads_in_the_order_it_is_seen(
    exported: dict[str, Exported], name: str
) -> None:
    """The front sheet's blocks come in the same order in the structure tree and in pdftotext's
    reading of page 1 (poppler's layout analysis, top to bottom, left to right; the running
    header, a pagination artifact, left out)."""
    item = exported[name]
    tree = checks.struct_texts(item.pdf, item.password)
    front = tree[: next(i for i, t in enumerate(tree) if t.endswith("Child and setting"))]
    blocks = [
        "Front sheet for the Reception teacher",
        item.record.display_name if item.record else "",
        "Date of birth",
        "Setting",
        "Key person",
        "Receiving school",
        "Class or teacher",
        "Starts school",
        "Top strengths",
        "What the child needs most",
        "Strategies that work",
        "One thing to know on day one",
        "Flags worked out from the record",
    ]
    flag_labels = [
        t
        for t in front
        if t.startswith(("SEND:", "Medical", "Prime areas", "ASQ below", "Waiting list"))
    ]
    assert len(flag_labels) >= 3
    blocks += flag_labels
    in_tree = checks.first_positions(" ".join(front), blocks)
    story = checks.without_text(item.pdf, lambda s: "pagination" in s, item.password)
    on_page = checks.first_positions(checks.pdftotext(story, "-f", "1", "-l", "1"), blocks)
    assert -1 not in in_tree, (blocks, in_tree)
    assert -1 not in on_page, (blocks, on_page)
    assert in_tree == sorted(in_tree)
    assert on_page == sorted(on_page)


@pytest.mark.parametrize("name", ALL)
def test_every_font_is_embedded(exported: dict[str, Exported], name: str) -> None:
    item = exported[name]
    rows = checks.fonts(item.pdf, item.password)
    assert rows
    assert all(r["emb"] == "yes" and r["uni"] == "yes" for r in rows), rows
    assert all("DejaVuSans" in r["name"] for r in rows), rows


@pytest.mark.parametrize("name", SIGNED)
def test_the_stamp_uses_the_embedded_font_inside_the_margins(
    exported: dict[str, Exported], name: str
) -> None:
    item = exported[name]
    with pikepdf.open(BytesIO(item.pdf), password=item.password or "") as pdf:
        field = next(f for f in pdf.Root.AcroForm.Fields if f.T == SIGNATURE_FIELD)
        x0, y0, x1, y1 = (float(v) for v in field.Rect)
        assert MARGIN_X - 0.5 <= x0 < x1 <= PAGE_W - MARGIN_X + 0.5
        assert y0 >= 10
        assert int(field.F) & 4
        assert not int(field.F) & (1 | 2 | 32 | 256)
        appearance = field.AP.N
        used = set(appearance.Resources.Font.keys())
        assert used
        for key in used:
            font = appearance.Resources.Font[key]
            assert "/FontFile2" in font.FontDescriptor, key
        assert field.P.objgen == pdf.pages[0].objgen
        assert pdf.pages[0].obj.Tabs == pikepdf.Name.S
        assert "/StructParent" in field


@pytest.mark.parametrize("name", SIGNED)
def test_pdfsig_valid_and_the_whole_document_signed(
    exported: dict[str, Exported], name: str
) -> None:
    item = exported[name]
    out = checks.run_tool("pdfsig", item.pdf, "-nocert", password=item.password)
    assert "Signature is Valid" in out, out
    assert "Total document signed" in out, out
    assert "ETSI.CAdES.detached" in out


@pytest.mark.parametrize("name", SIGNED)
def test_the_signature_says_who_signed_in_words(exported: dict[str, Exported], name: str) -> None:
    item = exported[name]
    signer, role, organisation = (
        (SIGNER, ROLE, str(item.record.get("child.setting_name")))
        if item.record is not None
        else (SCHOOL_SIGNER, SCHOOL_ROLE, SCHOOL)
    )
    sentence = f"Signed by {signer}, {role}, {organisation}, {SENTENCE_DATE}"
    with pikepdf.open(BytesIO(item.pdf), password=item.password or "") as pdf:
        field = next(f for f in pdf.Root.AcroForm.Fields if f.T == SIGNATURE_FIELD)
        assert str(field.V.Name) == signer
        assert str(field.V.Reason) == sentence
        assert str(field.TU) == sentence
    # the visible stamp says the same (poppler draws the appearance when rendering only, so read
    # the appearance stream's text through a page made of it)
    assert sentence.replace(" ", "") in _stamp_text(item).replace(" ", "")


def _stamp_text(item: Exported) -> str:
    with pikepdf.open(BytesIO(item.pdf), password=item.password or "") as pdf:
        field = next(f for f in pdf.Root.AcroForm.Fields if f.T == SIGNATURE_FIELD)
        appearance = field.AP.N
        page = pdf.add_blank_page(page_size=(float(field.Rect[2]), float(field.Rect[3])))
        page.obj.Resources = appearance.Resources
        page.obj.Contents = pdf.make_stream(appearance.read_bytes())
        out = BytesIO()
        pdf.save(out, encryption=False)
        count = len(pdf.pages)
    return checks.pdftotext(out.getvalue(), "-f", str(count), "-l", str(count), "-raw")


@pytest.mark.parametrize("name", ALL)
def test_catalog_language_marking_title_and_pdfa_identification(
    exported: dict[str, Exported], name: str
) -> None:
    item = exported[name]
    assert item.pdf.startswith(b"%PDF-2.0\n")
    with pikepdf.open(BytesIO(item.pdf), password=item.password or "") as pdf:
        root = pdf.Root
        assert str(root.Lang) == "en-GB"
        assert root.MarkInfo.Marked is True
        assert root.ViewerPreferences.DisplayDocTitle is True
        assert "/StructTreeRoot" in root
        assert all(page.obj.Tabs == pikepdf.Name.S for page in pdf.pages)
        assert "/Info" not in pdf.trailer  # PDF/A-4: the title lives in XMP
        meta = pdf.open_metadata()
        assert str(meta["dc:title"]).startswith(
            (item.record.display_name if name.startswith("family-copy") else TITLE)
            if item.record
            else "Class summary"
        )
        assert meta["pdfaid:part"] == "4"
        assert meta["pdfaid:rev"] == "2020"
        assert meta.get("pdfaid:conformance") == ("F" if name in PACKETS else None)
        assert meta["pdfuaid:part"] == "1"
        intent = root.OutputIntents[0]
        assert intent.S == pikepdf.Name.GTS_PDFA1
        profile = intent.DestOutputProfile
        assert int(profile.N) == 3
        header = profile.read_bytes()[:20]
        assert header[12:16] == b"mntr"
        assert header[16:20] == b"RGB "
        for forbidden in ("/OpenAction", "/AA", "/JavaScript"):
            assert forbidden not in root, forbidden
        assert "/JavaScript" not in root.get("/Names", {})


@pytest.mark.parametrize("name", PACKETS)
def test_the_json_is_an_associated_file_with_its_type(
    exported: dict[str, Exported], name: str
) -> None:
    item = exported[name]
    with pikepdf.open(BytesIO(item.pdf), password=item.password or "") as pdf:
        (spec,) = list(pdf.Root.AF)
        assert spec.AFRelationship == pikepdf.Name.Data
        assert str(spec.F) == str(spec.UF) == "transition-record.json"
        stream = spec.EF.F
        assert stream.Subtype == pikepdf.Name("/application/json")
        assert "/ModDate" in stream.Params
        assert "transition-record.json" in pdf.attachments


@pytest.mark.parametrize("name", ["teacher-plain", "class-summary", "family-copy"])
def test_pikepdfs_pdfa_validator_finds_only_the_part_4_differences(
    exported: dict[str, Exported], name: str
) -> None:
    """pikepdf validates PDF/A-1b to 3b (allowlist: anything it cannot prove is reported).
    PDF/A-3 and 4 share the rules on fonts, colour, content streams, annotations and metadata
    syntax, so the file saved as 1.7 is checked as PDF/A-3b and every finding must be one of the
    known differences of part 4 or a feature the allowlist does not cover (forms, attachments)."""
    pdfa = pytest.importorskip("pikepdf.pdfa")
    item = exported[name]
    with pikepdf.open(BytesIO(item.pdf)) as pdf:
        as_17 = BytesIO()
        pdf.save(as_17, force_version="1.7", fix_metadata_version=False)
    report = pdfa.validate_written(BytesIO(as_17.getvalue()), "3b")
    expected = {
        "ISO_19005_3:6.6.2.3.1-1",  # pdfaid:rev exists from part 4 on
        "ISO_19005_3:6.6.4-2",  # pdfaid:part is 4
        "ISO_19005_3:6.6.4-3",  # no conformance letter B in part 4 (F: embedded files)
        "pikepdf:schema-Catalog",  # /AcroForm: the signature field, not covered by the allowlist
        "pikepdf:embedded-file",  # the record's JSON, not covered by the allowlist
    }
    unexpected = [f for f in report.findings if f.rule not in expected]
    assert not unexpected, unexpected


@pytest.mark.parametrize("name", ["teacher-plain", "family-copy", "family-copy-encrypted"])
def test_pictures_are_figures_with_alternative_text(
    exported: dict[str, Exported], name: str
) -> None:
    item = exported[name]
    with pikepdf.open(BytesIO(item.pdf), password=item.password or "") as pdf:
        figures = [
            elem
            for elem in _struct_elems(pdf.Root.StructTreeRoot)
            if elem.get("/S") == pikepdf.Name.Figure
        ]
    alts = sorted(str(f.Alt) for f in figures)
    assert alts == ["Picture 1 of 2: My house and the sun", "Picture 2 of 2, with no caption"]


def _struct_elems(node: pikepdf.Object) -> list[pikepdf.Object]:
    out = []
    kids = node.get("/K")
    if kids is None:
        return out
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") != pikepdf.Name.MCR:
            if "/S" in kid:
                out.append(kid)
            out += _struct_elems(kid)
    return out


@pytest.mark.parametrize("name", SIGNED)
def test_pyhanko_finds_the_signature_intact_over_the_entire_file(
    exported: dict[str, Exported], name: str
) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    item = exported[name]
    reader = PdfFileReader(BytesIO(item.pdf), strict=False)
    if item.password:
        reader.decrypt(item.password)
    (signature,) = reader.embedded_signatures
    # integrity and coverage only: whom to trust is export.verify's (tests/unit/test_verify_*.py)
    status = validate_pdf_signature(
        signature, ValidationContext(trust_roots=[], allow_fetching=False)
    )
    assert status.intact
    assert status.valid
    assert status.coverage is SignatureCoverageLevel.ENTIRE_FILE
