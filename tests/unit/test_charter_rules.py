"""Charter rules: the same record is judged by the charter's rules, not by the code's."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from models.charter import Charter, parse_charter
from models.completeness import missing_items
from models.errors import CharterViolation
from models.record import Record, SignOffScope, Status
from models.roles import Role
from models.signoff import with_signoff
from models.synthetic import generate_records

EXAMPLES = Path(__file__).resolve().parents[2] / "charters"
TODAY = date(2027, 3, 2)


def _charter(name: str) -> Charter:
    return parse_charter((EXAMPLES / name / "charter.toml").read_bytes())


@pytest.fixture(scope="module")
def northshire() -> Charter:
    return _charter("northshire")


@pytest.fixture(scope="module")
def riverbend() -> Charter:
    return _charter("riverbend")


def _records() -> list[Record]:
    return generate_records(12, seed=3, today=date(2027, 3, 1))


def _child(status: str) -> Record:
    record = next(r for r in _records() if r.get("send.status") == status)
    assert missing_items(record) == []  # complete as far as the framework goes
    return record


def _sign(record: Record, *scopes: SignOffScope) -> Record:
    role = {
        SignOffScope.RECORD: Role.PRACTITIONER,
        SignOffScope.SEND: Role.SENCO,
        SignOffScope.MANAGER: Role.MANAGER,
    }
    for scope in scopes:  # bound to the content as it is now (see models.signoff)
        signed = with_signoff(record, scope, "Fictional Signer", role[scope], date(2027, 3, 1))
        record.signoffs, record.status = signed.signoffs, signed.status
    return record


def _labels(charter: Charter, record: Record) -> list[str]:
    return [m.label for m in charter.missing_for_export(record, TODAY)]


def test_same_record_passes_riverbend_and_is_refused_by_northshire(
    northshire: Charter, riverbend: Charter
) -> None:
    record = _child("none")
    record.set("consent.parent_seen_date", None)
    _sign(record, SignOffScope.RECORD)
    assert riverbend.missing_for_export(record, TODAY) == []
    riverbend.check_export(record, TODAY)
    missing = northshire.missing_for_export(record, TODAY)
    assert [m.label for m in missing] == ["Parent has seen the record (date)", "Manager sign-off"]
    assert all(m.source == "charter" for m in missing)
    assert missing[0].path == "consent.parent_seen_date"
    assert missing[0].reason == "Parents see the record before it is sent."
    with pytest.raises(CharterViolation) as caught:
        northshire.check_export(record, TODAY)
    assert caught.value.missing == ("Parent has seen the record (date)", "Manager sign-off")

    record.set("consent.parent_seen_date", date(2027, 2, 20))
    assert _labels(northshire, record) == [
        "Practitioner sign-off",  # the content it signed has changed
        "Manager sign-off",
    ]
    _sign(record, SignOffScope.RECORD, SignOffScope.MANAGER)
    assert northshire.missing_for_export(record, TODAY) == []


def test_riverbend_only_rules_are_riverbends(northshire: Charter, riverbend: Charter) -> None:
    record = _child("none")
    record.set("consent.parent_seen_date", date(2027, 2, 20))
    record.set("about_me.proud_of", None)
    record.set("family.hopes", None)
    _sign(record, SignOffScope.RECORD, SignOffScope.MANAGER)
    assert _labels(northshire, record) == []
    assert _labels(riverbend, record) == ["What I am proud of", "Our hopes"]


def test_separate_health_consent_is_northshire_only(
    northshire: Charter, riverbend: Charter
) -> None:
    record = _child("none")
    record.set("consent.parent_seen_date", date(2027, 2, 20))
    record.set("consent.consent_scope", ("all",))
    _sign(record, SignOffScope.RECORD, SignOffScope.MANAGER)
    assert _labels(riverbend, record) == []
    assert _labels(northshire, record) == ["Separate consent for “Health, care and independence”"]


def test_consent_missing_or_withdrawn_blocks_export(
    northshire: Charter, riverbend: Charter
) -> None:
    record = _child("none")
    record.set("consent.consent_withdrawn", True)
    record.set("consent.consent_withdrawn_date", date(2027, 2, 1))
    _sign(record, SignOffScope.RECORD)
    for charter in (northshire, riverbend):
        assert "Consent withdrawn" in _labels(charter, record)
    record = _child("none")
    record.set("consent.consent_given", False)
    _sign(record, SignOffScope.RECORD)
    assert "Consent given" in _labels(riverbend, record)


def test_send_signoff_and_send_requirements_follow_each_charter(
    northshire: Charter, riverbend: Charter
) -> None:
    record = _child("sen_support")
    record.set("send.reasonable_adjustments", None)
    record.set("consent.parent_seen_date", None)
    _sign(record, SignOffScope.RECORD)
    assert _labels(riverbend, record) == ["SENCO review of the SEND section"]
    assert _labels(northshire, record) == [
        "Reasonable adjustments",
        "Parent has seen the record (date)",
        "SENCO review of the SEND section",
        "Manager sign-off",
    ]
    _sign(record, SignOffScope.SEND)
    assert _labels(riverbend, record) == []
    monitoring = _child("monitoring")
    monitoring.set("send.early_warning_signs", None)
    _sign(monitoring, SignOffScope.RECORD)
    assert _labels(riverbend, monitoring) == ["Early warning signs and what to do"]
    assert "SENCO review of the SEND section" not in _labels(northshire, monitoring)


def test_whole_section_requirement(northshire: Charter) -> None:
    record = _child("none")
    record.set("consent.parent_seen_date", date(2027, 2, 20))
    for path in list(record.values):
        if path.startswith("progress_check."):
            record.set(path, None)
    _sign(record, SignOffScope.RECORD, SignOffScope.MANAGER)
    missing = northshire.missing_for_export(record, TODAY)
    assert [(m.label, m.section_key) for m in missing] == [
        ("Section “Progress check at two and the 2–2½ year review”", "progress_check")
    ]


def test_framework_version_not_accepted(riverbend: Charter) -> None:
    record = _child("none")
    record.framework_version = 99
    missing = riverbend.missing_for_export(record, TODAY)
    assert len(missing) == 1
    assert "version 1" in missing[0].reason


def test_expired_charter_blocks_export(riverbend: Charter) -> None:
    record = _sign(_child("none"), SignOffScope.RECORD)
    late = riverbend.identity.expires
    assert _labels(riverbend, record) == []
    assert [m.label for m in riverbend.missing_for_export(record, date(late.year + 1, 1, 1))] == [
        "Current charter"
    ]


def test_requirements_feed_completeness(riverbend: Charter) -> None:
    paths = [r.path for r in riverbend.requirements()]
    assert paths == [
        "about_me.proud_of",
        "family.hopes",
        "send.early_warning_signs",
        "send.ehc_caseworker",
    ]
    assert all(r.source == "charter" for r in riverbend.requirements())


# --- deadlines -----------------------------------------------------------------------------------


def test_deadlines_differ_and_count_days(northshire: Charter, riverbend: Charter) -> None:
    sen = _child("sen_support")
    sen.set("send.meeting_date", None)
    today = date(2027, 5, 1)
    north = northshire.deadlines_for(sen, today)
    assert [(d.name, d.due, d.days_left, d.overdue) for d in north] == [
        ("SEND transition meetings held", date(2027, 5, 31), 30, False),
        ("Records sent to schools", date(2027, 6, 30), 60, False),
    ]
    river = riverbend.deadlines_for(sen, today)
    assert [(d.name, d.due, d.days_left, d.overdue) for d in river] == [
        ("SEND transition meetings held", date(2027, 4, 30), -1, True),
        ("Records sent to schools", date(2027, 7, 15), 75, False),
    ]


def test_deadline_done_and_applies_only_to_some_children(
    northshire: Charter, riverbend: Charter
) -> None:
    sen = _child("sen_support")
    sen.set("send.meeting_date", date(2027, 2, 1))
    after = date(2027, 6, 2)
    send_deadline = northshire.deadlines_for(sen, after)[0]
    assert send_deadline.done
    assert not send_deadline.overdue
    assert send_deadline.days_left == -2
    none = _child("none")
    assert [d.name for d in northshire.deadlines_for(none, after)] == ["Records sent to schools"]
    monitoring = _child("monitoring")
    assert [d.name for d in riverbend.deadlines_for(monitoring, after)][
        0
    ] == "SEND transition meetings held"
    assert [d.name for d in northshire.deadlines_for(monitoring, after)] == [
        "Records sent to schools"
    ]
    late = date(2027, 7, 1)
    assert northshire.deadlines_for(none, late)[0].overdue
    none.status = Status.EXPORTED
    status = northshire.deadlines_for(none, late)[0]
    assert status.done
    assert not status.overdue


def test_deadlines_use_the_academic_year(northshire: Charter) -> None:
    none = _child("none")
    autumn = northshire.deadlines_for(none, date(2026, 10, 1))[0]
    assert autumn.due == date(2027, 6, 30)
    assert autumn.days_left == (date(2027, 6, 30) - date(2026, 10, 1)).days
    next_year = northshire.deadlines_for(none, date(2027, 9, 1))[0]
    assert next_year.due == date(2028, 6, 30)
    assert not next_year.overdue


# --- retention -----------------------------------------------------------------------------------


def test_retention_due_differs_per_charter(northshire: Charter, riverbend: Charter) -> None:
    records = _records()[:3]
    records[0].set("child.school_start_date", date(2023, 9, 5))
    records[1].set("child.school_start_date", date(2025, 9, 4))
    records[2].set("child.school_start_date", None)
    today = date(2026, 9, 10)
    north = northshire.retention_due(records, today)
    assert [(r.record_id, r.delete_after) for r in north] == [(records[0].id, date(2026, 9, 5))]
    river = riverbend.retention_due(records, today)
    assert [(r.record_id, r.delete_after) for r in river] == [
        (records[0].id, date(2024, 9, 5)),
        (records[1].id, date(2026, 9, 4)),
    ]
    assert northshire.retention_due(records, date(2026, 9, 4)) == []


def test_retention_from_29_february(riverbend: Charter) -> None:
    assert riverbend.retention.delete_after(date(2028, 2, 29)) == date(2029, 3, 1)


def test_directory_and_export_policy(northshire: Charter, riverbend: Charter) -> None:
    acorn = northshire.school("990101")
    assert acorn is not None
    assert acorn.encryption_cert_pem is not None
    assert acorn.encryption_cert_pem.startswith("-----BEGIN CERTIFICATE-----")
    assert northshire.school("990201") is None
    assert riverbend.school("990201") is not None
    assert northshire.export.encrypt_for_recipient
    assert not riverbend.export.encrypt_for_recipient
    assert northshire.export.signature_level != riverbend.export.signature_level
    assert "Confidential" in northshire.export.handling_note
    assert northshire.gld_target_percent == 70.0
    assert riverbend.gld_target_percent == 66.5
    assert northshire.la_contact.email.endswith(".example")
    summary = northshire.summary()
    assert summary["signoff"][2] == {"scope": "manager", "when": "always"}
