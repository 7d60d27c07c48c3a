"""Validation, derived flags and completeness, as a practitioner meets them."""

from __future__ import annotations

from datetime import date

import pytest

from models.completeness import (
    Requirement,
    missing_items,
    overall_completeness,
    section_completeness,
)
from models.flags import derive_flags
from models.framework.definition import Condition
from models.framework.registry import current_framework
from models.record import Person, Record
from models.synthetic import generate_records
from models.validation import Severity, reception_birth_window, validate_record, validate_value

TODAY = date(2026, 3, 2)
FW = current_framework()


def fresh() -> Record:
    return Record(FW.id, FW.version)


@pytest.mark.parametrize(
    ("path", "value", "fragment"),
    [
        ("progress_check.asq_communication_score", 65, "0 to 60"),
        ("progress_check.asq_communication_score", -5, "0 to 60"),
        ("progress_check.asq_communication_score", 42, "steps of 5"),
        ("progress_check.asq_communication_score", "40", "whole number"),
        ("child.upn", "A801200005001", "check letter"),
        ("child.upn", "B80120000500", "13 characters"),
        ("child.school_urn", "12ab", "six digits"),
        ("child.date_of_birth", date(2027, 1, 1), "future"),
        ("child.date_of_birth", date(1990, 1, 1), "too far in the past"),
        ("child.sex", "other", "Choose one"),
        ("child.legal_surname", "two\nlines", "one line"),
        ("child.key_person", Person(role="Key person"), "name"),
        ("send.meeting_actions", ({"action": "Visit", "due": "soon"},), "Entry 1, Due date"),
        ("consent.consent_given", "yes", "yes or no"),
    ],
)
def test_bad_values_get_plain_messages(path: str, value: object, fragment: str) -> None:
    message = validate_value(FW.field(path), value, today=TODAY)
    assert message is not None
    assert fragment in message


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("progress_check.asq_communication_score", 0),
        ("progress_check.asq_communication_score", 60),
        ("child.upn", "B801200005001"),
        ("child.school_urn", "900001"),
        ("child.date_of_birth", date(2021, 10, 1)),
    ],
)
def test_good_values_pass(path: str, value: object) -> None:
    assert validate_value(FW.field(path), value, today=TODAY) is None


def test_reception_window() -> None:
    assert reception_birth_window(date(2026, 9, 3)) == (date(2021, 9, 1), date(2022, 8, 31))


def test_wrong_age_for_reception_is_a_warning_not_a_crash() -> None:
    r = generate_records(1, seed=2, today=TODAY)[0]
    r.set("child.date_of_birth", date(2019, 5, 5))
    issues = validate_record(r, TODAY)
    assert [(i.path, i.severity) for i in issues] == [("child.date_of_birth", Severity.WARNING)]
    assert "usually born between 1 September 2021 and 31 August 2022" in issues[0].message


def test_synthetic_records_are_valid_and_cover_the_range() -> None:
    records = generate_records(60, seed=5, today=TODAY)
    statuses = {r.get("send.status") for r in records}
    assert {"none", "monitoring", "sen_support", "ehc_plan", "ehc_assessment"} <= statuses
    flags = [derive_flags(r) for r in records]
    assert any(f.eal for f in flags)
    assert any(f.fsm for f in flags)
    assert any(f.dsl_to_dsl for f in flags)
    assert any(f.waiting_list for f in flags)
    assert any(f.medical for f in flags)
    assert any(r.get("child.shared_care") for r in records)
    assert any(missing_items(r) for r in records), "some records are incomplete"
    for r in records:
        errors = [i for i in validate_record(r, TODAY) if i.severity is Severity.ERROR]
        assert errors == [], (r.display_name, errors)


def test_generator_is_deterministic() -> None:
    assert generate_records(5, seed=9) == generate_records(5, seed=9)
    assert generate_records(5, seed=9) != generate_records(5, seed=10)


def test_flags_are_derived() -> None:
    r = fresh()
    assert derive_flags(r).badges() == []
    r.set("child.home_languages", "Polish, English")
    r.set("learning.cl_speaking", "targeted_support")
    r.set("learning.lit_writing", "targeted_support")  # literacy is not a prime area
    r.set("progress_check.asq_fine_motor_zone", "below")
    r.set("send.status", "sen_support")
    r.set("send.professionals", ({"service": "Speech and language therapy", "status": "waiting"},))
    r.set("health.allergies", "Peanuts")
    r.set("child.cin_cp", "yes")
    f = derive_flags(r)
    assert f.eal
    assert f.send
    assert f.medical
    assert f.dsl_to_dsl
    assert f.prime_not_on_track == ("Speaking",)
    assert f.asq_below == ("ASQ-3 Fine motor",)
    assert f.waiting_list == ("Speech and language therapy",)
    assert f.badges()[0] == "DSL to DSL"


def test_eal_override_and_none_known_allergies() -> None:
    r = fresh()
    r.set("child.home_languages", "Urdu")
    r.set("child.eal", "no")
    r.set("health.allergies", "None known")
    f = derive_flags(r)
    assert not f.eal
    assert not f.medical


def test_completeness_and_conditions() -> None:
    r = generate_records(1, seed=4, today=TODAY)[0]
    assert missing_items(r) == []
    assert overall_completeness(r) == 1.0
    r.set("send.status", "sen_support")
    missing = {m.path: m for m in missing_items(r)}
    assert "send.meeting_actions" in missing
    assert "SEN support" in missing["send.meeting_actions"].reason
    assert section_completeness(r)["send"] < 1.0
    assert section_completeness(r)["child"] == 1.0


def test_extra_requirements_from_a_charter() -> None:
    r = generate_records(1, seed=4, today=TODAY)[0]
    req = Requirement(
        "transition.transition_meeting", Condition("child.fsm_eypp", any_of=("yes",)), "Charter 3.2"
    )
    assert missing_items(r, [req]) == []
    r.set("child.fsm_eypp", "yes")
    items = missing_items(r, [req])
    assert [(m.path, m.source, m.reason) for m in items] == [
        ("transition.transition_meeting", "charter", "Charter 3.2")
    ]
    assert overall_completeness(r, [req]) < 1.0


def test_every_section_counts_in_completeness() -> None:
    assert set(section_completeness(fresh())) == {s.key for s in FW.sections}


def test_copy_is_independent() -> None:
    r = generate_records(12, seed=3, today=TODAY)[6]
    c = r.copy()
    assert c == r
    c.get("send.meeting_actions")[0]["owner"] = "Someone else"
    c.set("child.legal_surname", "Changed")
    c.provenance["child.legal_surname"] = "typed here"
    assert r.get("send.meeting_actions")[0]["owner"] != "Someone else"
    assert r.provenance == {}
    assert r.get("child.legal_surname") != "Changed"
