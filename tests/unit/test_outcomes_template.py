"""The blank EYFSP outcomes sheet: filled in as a spreadsheet would, it parses with the same reader
as the school's own CSV and every row matches its record."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from models.record import Record
from models.school import match_outcomes, outcomes_template_csv, parse_outcomes_csv
from models.school.outcomes import (
    ASPECTS,
    ELG_COLUMNS,
    EMERGING,
    EXPECTED,
    GLD_ASPECTS,
    TEMPLATE_COLUMNS,
    clean_entered,
    derived_gld,
    entry_children,
    filled_outcomes_csv,
    is_complete,
)
from models.synthetic import generate_records


def _records() -> list[Record]:
    records = generate_records(6, seed=3, today=date(2026, 3, 2))
    for i, record in enumerate(records):
        record.set("child.upn", f"t{i:012d}" if i % 2 else None)  # half have no UPN yet
    return records


def _fill(sheet: bytes, plan: dict[str, tuple[bool, set[str]]], *, codes: bool = False) -> bytes:
    """Fill GLD and the ELGs the way a teacher would in a spreadsheet, and save as CSV."""
    rows = list(csv.DictReader(io.StringIO(sheet.decode("utf-8-sig"), newline="")))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(TEMPLATE_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        gld, emerging = plan[row["RecordID"]]
        row["GLD"] = "Y" if gld else "N"
        for col, aspect, _label, _g in ELG_COLUMNS:
            low = aspect in emerging
            row[col] = ("1" if low else "2") if codes else ("emerging" if low else "expected")
        writer.writerow(row)
    return out.getvalue().encode()


def test_filled_template_round_trips_and_matches_every_record() -> None:
    records = _records()
    sheet = outcomes_template_csv(records)
    assert sheet.startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8
    header = next(csv.reader(io.StringIO(sheet.decode("utf-8-sig"))))
    assert header == [
        "RecordID",
        "UPN",
        "Forename",
        "Surname",
        "GLD",
        *(c for c, *_ in ELG_COLUMNS),
    ]
    plan = {
        r.id: (False, {GLD_ASPECTS[i % len(GLD_ASPECTS)]})
        if i % 3 == 0
        else (True, {"ead_creating"})
        for i, r in enumerate(records)
    }
    for codes in (False, True):
        parsed = parse_outcomes_csv(_fill(sheet, plan, codes=codes))
        assert parsed.errors == []
        assert len(parsed.rows) == len(records)
        matched, errors = match_outcomes(parsed.rows, records)
        assert errors == []
        assert {c.record_id for c in matched} == {r.id for r in records}
        for child in matched:
            gld, emerging = plan[child.record_id]
            assert child.gld is gld
            assert {a for a, v in child.elgs.items() if v == EMERGING} == emerging
            assert set(child.elgs.values()) <= {EXPECTED, EMERGING}


def test_template_rows_name_each_child_with_upn_when_known() -> None:
    records = _records()
    rows = list(csv.DictReader(io.StringIO(outcomes_template_csv(records).decode("utf-8-sig"))))
    assert len(rows) == len(records)
    by_id = {r.id: r for r in records}
    for row in rows:
        record = by_id[row["RecordID"]]
        assert row["UPN"] == str(record.get("child.upn") or "").upper()
        assert row["Forename"] == record.get("child.legal_forenames")
        assert row["Surname"] == record.get("child.legal_surname")
        assert all(row[c] == "" for c in ("GLD", *(c for c, *_ in ELG_COLUMNS)))
    surnames = [row["Surname"].casefold() for row in rows]
    assert surnames == sorted(surnames)


def test_unfilled_template_is_refused_row_by_row() -> None:
    records = _records()
    parsed = parse_outcomes_csv(outcomes_template_csv(records))
    assert parsed.rows == []
    assert [e.line for e in parsed.errors] == list(range(2, len(records) + 2))
    assert all("GLD must be Y or N" in e.message for e in parsed.errors)


def test_names_never_become_spreadsheet_formulas() -> None:
    record = _records()[0]
    record.set("child.legal_forenames", '=HYPERLINK("http://example.invalid")')
    row = next(csv.DictReader(io.StringIO(outcomes_template_csv([record]).decode("utf-8-sig"))))
    assert row["Forename"].startswith("'=")
    assert row["RecordID"] == record.id


def test_no_records_gives_a_header_only_sheet() -> None:
    parsed = parse_outcomes_csv(outcomes_template_csv([]))
    assert parsed.rows == []
    assert parsed.errors == []


def test_entered_outcomes_make_the_same_csv_the_import_reads() -> None:
    records = _records()
    order = [c.record_id for c in entry_children(records)]
    sheet_ids = [
        row["RecordID"]
        for row in csv.DictReader(io.StringIO(outcomes_template_csv(records).decode("utf-8-sig")))
    ]
    assert order == sheet_ids  # the grid lists children as the blank sheet does
    entered = {
        rid: {a: EMERGING if n == (i * 3) % 17 else EXPECTED for n, a in enumerate(ASPECTS)}
        for i, rid in enumerate(order)
    }
    data = filled_outcomes_csv(records, entered)
    assert data.startswith(b"\xef\xbb\xbf")
    parsed = parse_outcomes_csv(data)
    assert parsed.errors == []
    matched, errors = match_outcomes(parsed.rows, records)
    assert errors == []
    assert {c.record_id: c.elgs for c in matched} == entered
    for child in matched:
        assert child.gld is all(entered[child.record_id][a] == EXPECTED for a in GLD_ASPECTS)
    assert any(c.gld for c in matched)
    assert not all(c.gld for c in matched)


def test_an_incomplete_child_is_a_row_to_fix_naming_them() -> None:
    records = _records()
    children = entry_children(records)
    entered = {c.record_id: dict.fromkeys(ASPECTS, EXPECTED) for c in children}
    short = children[2]
    del entered[short.record_id]["ead_imaginative"]
    del entered[children[4].record_id]  # nothing entered at all
    parsed = parse_outcomes_csv(filled_outcomes_csv(records, entered))
    assert len(parsed.rows) == len(records) - 2
    assert len(parsed.errors) == 2
    assert short.name in " ".join(e.message for e in parsed.errors)


def test_gld_is_derived_as_the_dfe_defines_it() -> None:
    assert derived_gld({}) is None
    every = dict.fromkeys(ASPECTS, EXPECTED)
    assert derived_gld(every) is True
    assert derived_gld({a: EXPECTED for a in GLD_ASPECTS}) is True  # ELG13-17 do not count
    assert derived_gld({**every, "ead_creating": EMERGING}) is True
    assert derived_gld({GLD_ASPECTS[-1]: EMERGING}) is False
    assert is_complete(every)
    assert not is_complete({a: EXPECTED for a in GLD_ASPECTS})


def test_entered_outcomes_are_checked() -> None:
    assert clean_entered({"r1": {"cl_speaking": EXPECTED}, "r2": {}}) == {
        "r1": {"cl_speaking": EXPECTED}
    }
    for bad in (
        [],
        {"r1": ["cl_speaking"]},
        {"r1": {"not_a_goal": EXPECTED}},
        {"r1": {"cl_speaking": "2"}},  # codes belong to the CSV, not to what is kept
        {"": {"cl_speaking": EXPECTED}},
    ):
        with pytest.raises(ValueError, match=r"."):
            clean_entered(bad)
