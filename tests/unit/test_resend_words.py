"""A record sent before says which version the next export makes and whether it changed since,
and the day of the last export survives the record's JSON."""

from __future__ import annotations

from datetime import date

import pytest

from models.errors import InterchangeError
from models.interchange import record_from_bytes, record_to_bytes
from models.signoff import next_export_words, record_digest
from models.synthetic import generate_records


def test_first_export_says_nothing_and_a_resend_names_the_version_and_day() -> None:
    record = generate_records(1, seed=11, today=date(2026, 10, 1))[0]
    assert next_export_words(record) == ""
    record.export_version = 1
    record.exported_digest = record_digest(record)
    record.exported_on = date(2026, 11, 3)
    assert (
        next_export_words(record)
        == "version 2 (unchanged since version 1 was sent on 3 November 2026)"
    )
    record.set("child.preferred_name", "Pip")
    assert (
        next_export_words(record)
        == "version 2 (changed since version 1 was sent on 3 November 2026)"
    )
    record.exported_on = None  # exported by an older version of the app: the day is not known
    assert next_export_words(record) == "version 2 (changed since version 1 was sent)"


def test_the_last_export_day_round_trips_and_a_bad_one_is_refused() -> None:
    record = generate_records(1, seed=12, today=date(2026, 10, 1))[0]
    record.export_version, record.exported_on = 1, date(2026, 11, 3)
    raw = record_to_bytes(record)
    assert record_from_bytes(raw).exported_on == date(2026, 11, 3)
    record.exported_on = None
    assert b"exported_on" not in record_to_bytes(record)
    for bad in (b'"2026-13-01"', b"20261103", b'"2026-11-03T00:00:00"', b'"x' + b"9" * 5000 + b'"'):
        tampered = raw.replace(b'"2026-11-03"', bad)
        with pytest.raises(InterchangeError):
            record_from_bytes(tampered)
