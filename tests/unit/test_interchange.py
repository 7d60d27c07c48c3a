"""The JSON interchange format: round trips, versions and bad input."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest

from models.errors import InterchangeError, UnknownFramework
from models.framework import registry
from models.framework.registry import current_framework
from models.interchange import (
    json_schema,
    record_from_bytes,
    record_from_dict,
    record_to_bytes,
    record_to_dict,
)
from models.record import Person, Record
from models.synthetic import generate_records
from models.validation import validate_record
from tests.framework_v2 import build_v2

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "record.schema.json"


@pytest.fixture(scope="module")
def records() -> list[Record]:
    return generate_records(24, seed=7)


def test_round_trip_is_exact(records: list[Record]) -> None:
    for r in records:
        back = record_from_bytes(record_to_bytes(r))
        assert back == r
        assert record_to_bytes(back) == record_to_bytes(r)


def test_every_demo_record_matches_the_published_schema(records: list[Record]) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    for r in records:
        jsonschema.validate(record_to_dict(r), schema)


def test_published_schema_is_current() -> None:
    """docs/record.schema.json is generated from the framework; regenerate with tools/write_schema.py."""
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == json.loads(
        json.dumps(json_schema(current_framework()))
    )


def _base() -> dict:
    return record_to_dict(generate_records(1, seed=1)[0])


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(format="something-else"), "not a transition record"),
        (lambda d: d["framework"].update(version=7), "version 7"),
        (lambda d: d["framework"].update(id="other"), "does not know"),
        (lambda d: d["sections"]["child"].update(date_of_birth="2021-02-30"), "not a real date"),
        (lambda d: d["sections"]["child"].update(date_of_birth=20210101), "must be a date"),
        (
            lambda d: d["sections"].update(progress_check={"asq_communication_score": "forty"}),
            "whole number",
        ),
        (lambda d: d["sections"]["send"].update(status="maybe"), "not one of its choices"),
        (lambda d: d["sections"]["child"].update(nickname="x"), "child.nickname"),
        (lambda d: d["sections"].update(secret={}), "section “secret”"),
        (lambda d: d["record"].update(status="lost"), "status"),
        (lambda d: d["record"].pop("id"), "“id”"),
        (lambda d: d["sections"]["child"].update(key_person={"name": 3}), "person"),
        (lambda d: d["sections"]["consent"].update(consent_given="yes"), "true or false"),
        (lambda d: d.update(format_version=9), "newer"),
        (lambda d: d["sections"]["about_me"].update(likes="x" * 30_000), "longer than"),
    ],
)
def test_bad_json_gives_a_clear_error(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    data = _base()
    mutate(data)
    with pytest.raises(InterchangeError, match=message):
        record_from_dict(data)


@pytest.mark.parametrize(
    "raw", [b"", b"{", b"\xff\xfe", b"[]", b"null", b'{"format": "transitions-record"}']
)
def test_malformed_bytes_never_traceback(raw: bytes) -> None:
    with pytest.raises(InterchangeError):
        record_from_bytes(raw)


def test_huge_input_is_refused() -> None:
    with pytest.raises(InterchangeError, match="too large"):
        record_from_bytes(b" " * (6 * 1024 * 1024))


def test_version_1_record_still_loads_validates_and_serialises_under_version_2() -> None:
    v2 = build_v2()
    registry.register(v2)
    try:
        old = generate_records(3, seed=11)[2]
        data = record_to_bytes(old)
        back = record_from_bytes(data)
        assert back.framework_version == 1
        assert validate_record(back, date(2026, 3, 2)) == []
        assert record_to_bytes(back) == data
        # a version-2 record can hold the new field; a version-1 record cannot
        new = Record(v2.id, 2)
        new.set("transition.buddy", True)
        assert record_from_bytes(record_to_bytes(new)).get("transition.buddy") is True
        bad = record_to_dict(old)
        bad["sections"]["transition"]["buddy"] = True
        with pytest.raises(InterchangeError, match="version 1 does not have"):
            record_from_dict(bad)
    finally:
        registry.unregister(v2)
    with pytest.raises(UnknownFramework):
        record_from_bytes(record_to_bytes(new))


def test_person_and_lists_round_trip() -> None:
    r = Record("eyfs-school-readiness", 1)
    r.set(
        "child.key_person",
        Person("Test Keyworth", "Key person", "Fictional Nursery", "01632 960000"),
    )
    r.set("send.meeting_actions", ({"action": "Visit", "owner": "SENCO", "due": date(2026, 6, 1)},))
    assert record_from_bytes(record_to_bytes(r)) == r
