"""The class summary PDF (export.class_summary): every child, derived flags, no safeguarding detail."""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path

import pikepdf

from export.class_summary import ClassSummaryOptions, render_class_summary_pdf
from models.flags import derive_flags
from models.record import Record
from models.synthetic import generate_records

CLOCK = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OPTIONS = ClassSummaryOptions(
    title="Larkrise Infant School (fictional) · Hedgehogs",
    generated_on=CLOCK,
    handling_note="OFFICIAL-SENSITIVE: for the class team only.",
)


def _records() -> list[Record]:
    return generate_records(24, seed=3, today=date(2026, 3, 2))


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "class.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    )
    return " ".join(out.stdout.split())


def test_every_child_and_the_counts_appear(tmp_path: Path) -> None:
    records = _records()
    text = _text(render_class_summary_pdf(records, OPTIONS), tmp_path)
    for record in records:
        assert record.display_name in text
    flags = [derive_flags(r) for r in records]
    assert f"{len(records)} children" in text
    assert f"{sum(f.send for f in flags)} with SEN support or more" in text
    assert f"{sum(f.dsl_to_dsl for f in flags)} DSL to DSL" in text
    assert "Page 1 of" in text
    assert OPTIONS.handling_note in text


def test_safeguarding_is_only_a_badge(tmp_path: Path) -> None:
    records = _records()
    assert any(r.get("child.cin_cp") == "yes" for r in records)
    text = _text(render_class_summary_pdf(records, OPTIONS), tmp_path)
    assert "DSL to DSL" in text
    assert "Child in need" not in text
    assert "child protection" not in text


def test_class_summary_is_deterministic_and_embeds_its_fonts() -> None:
    records = _records()
    first = render_class_summary_pdf(records, OPTIONS)
    assert first == render_class_summary_pdf(list(reversed(records)), OPTIONS)
    with pikepdf.open(BytesIO(first)) as pdf:
        fonts = [
            o
            for o in pdf.objects
            if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/Font"
        ]
        assert fonts
        assert all("/FontFile2" in f.FontDescriptor for f in fonts)


def test_an_empty_class_still_renders(tmp_path: Path) -> None:
    text = _text(render_class_summary_pdf([], OPTIONS), tmp_path)
    assert "No children in this class yet." in text
    assert "0 children" in text
