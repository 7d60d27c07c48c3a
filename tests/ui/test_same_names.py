"""Two children with the same name are told apart by their date of birth wherever they are
listed together: the school's class overview, the setting's receipts list, the dashboard."""

from __future__ import annotations

from datetime import date

from models.record import Record
from models.school.overview import overview_rows
from models.synthetic import generate_records
from ui.feedback import receipt_rows


def _twins() -> list[Record]:
    first, second, other = generate_records(3, seed=21, today=date(2026, 10, 1))
    for record, born in ((first, date(2021, 10, 2)), (second, date(2022, 3, 9))):
        record.set("child.preferred_name", None)
        record.set("child.legal_forenames", "Bea")
        record.set("child.legal_surname", "Quillfeather")
        record.set("child.date_of_birth", born)
    return [first, second, other]


def test_the_class_overview_names_same_name_children_with_their_birthdays() -> None:
    rows = overview_rows(_twins())
    names = sorted(r.name for r in rows if r.name.startswith("Bea Quillfeather"))
    assert names == ["Bea Quillfeather (born 2 Oct 2021)", "Bea Quillfeather (born 9 Mar 2022)"]
    assert not any("born" in r.name for r in rows if not r.name.startswith("Bea"))


def test_the_receipts_list_names_them_apart_too() -> None:
    rows = receipt_rows(_twins(), [])
    assert sum("(born " in row[0] for row in rows) == 2
