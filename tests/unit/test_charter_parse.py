"""Reading charter TOML: the examples parse; mistakes are refused with the place named."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from models.charter import SignatureLevel, parse_charter
from models.errors import CharterInvalid
from models.framework.definition import Condition
from models.record import SignOffScope

EXAMPLES = Path(__file__).resolve().parents[2] / "charters"
RIVERBEND = (EXAMPLES / "riverbend" / "charter.toml").read_text(encoding="utf-8")


def test_examples_parse_with_visibly_different_rules() -> None:
    north = parse_charter((EXAMPLES / "northshire" / "charter.toml").read_bytes())
    river = parse_charter(RIVERBEND)
    assert north.identity.issuing_la == "Northshire County Council (fictional)"
    assert river.identity.issuing_la == "Riverbend Borough Council (fictional)"
    assert north.identity.in_force == date(2026, 9, 1)
    assert [(d.month, d.day) for d in north.deadlines] != [
        (d.month, d.day) for d in river.deadlines
    ]
    assert north.consent.separate_consent_sections == ("health",)
    assert river.consent.separate_consent_sections == ()
    assert SignOffScope.MANAGER in north.signoff.scopes
    assert SignOffScope.MANAGER not in river.signoff.scopes
    assert {r.path for r in north.required}.isdisjoint({r.path for r in river.required})
    assert river.export.signature_level is SignatureLevel.SELF_SIGNED_ALLOWED
    assert north.required[0].when == Condition(
        "send.status", any_of=("sen_support", "ehc_assessment", "ehc_plan")
    )
    assert river.framework.accepts("eyfs-school-readiness", 1)
    assert not river.framework.accepts("eyfs-school-readiness", 2)


def _edit(old: str, new: str) -> str:
    assert old in RIVERBEND, old
    return RIVERBEND.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("format = 1\n[charter\n", "not valid TOML"),
        (_edit("format = 1", "format = 2"), "reads format 1"),
        (_edit('id = "riverbend-transitions"\n', ""), "missing “id”"),
        (_edit("[consent]\n", "[consent]\nrequired_before_exprot = true\n"), "unknown key"),
        (_edit('path = "family.hopes"', 'path = "family.hoops"'), "does not have"),
        (_edit('path = "family.hopes"', 'path = "Family Hopes"'), "section.field"),
        (_edit('"sen_support", "ehc_assessment", "ehc_plan"]', '"sen-support"]'), "can never hold"),
        (
            _edit(
                'done_when = { path = "send.meeting_date", is_set = true }',
                'done_when = { path = "send.meeting_date" }',
            ),
            "either any_of",
        ),
        (_edit("month = 4\nday = 30", "month = 4\nday = 31"), "not a real date"),
        (_edit("month = 4", "month = 13"), "from 1 to 12"),
        (_edit("expires = 2027-10-31", "expires = 2026-01-31"), "expires before"),
        (_edit("expires = 2027-10-31", 'expires = "next year"'), "must be a date"),
        (_edit('urn = "990202"', 'urn = "990201"'), "twice"),
        (_edit('urn = "990202"', 'urn = "99-02"'), "6 or 7 digits"),
        (
            _edit('scopes = ["record", "send"]', 'scopes = ["record", "senco"]'),
            "use record, send, manager",
        ),
        (_edit('scopes = ["record", "send"]', 'scopes = ["record"]'), "not in scopes"),
        (
            _edit('signature_level = "self_signed_allowed"', 'signature_level = "gold"'),
            "not one of",
        ),
        (_edit("encrypt_for_recipient = false", 'encrypt_for_recipient = "no"'), "true or false"),
        (
            _edit('left_on = "child.school_start_date"', 'left_on = "child.legal_surname"'),
            "not a date field",
        ),
        (
            _edit("separate_consent_sections = []", 'separate_consent_sections = ["medical"]'),
            "not a section",
        ),
        (
            _edit(
                "good_level_of_development_percent = 66.5",
                "good_level_of_development_percent = 166",
            ),
            "0 to 100",
        ),
        (_edit('any_of = ["exported"]', 'any_of = ["posted"]'), "record status"),
        (_edit("versions = [1]", 'versions = ["one"]'), "whole numbers"),
    ],
)
def test_mistakes_are_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(CharterInvalid, match=reason):
        parse_charter(text)


def test_not_utf8_is_refused() -> None:
    with pytest.raises(CharterInvalid, match="UTF-8"):
        parse_charter(b"\xff\xfe" + RIVERBEND.encode("utf-16-le"))


@pytest.mark.parametrize("versions", ["[99]", "[1, 7]"])
def test_unknown_framework_versions_are_refused(versions: str) -> None:
    # A version this app does not know cannot be checked against the framework, so a charter
    # naming one would switch rules off unseen: it is refused, naming the version.
    text = _edit("versions = [1]", f"versions = {versions}")
    with pytest.raises(CharterInvalid, match=r"version (99|7), which this app does not know"):
        parse_charter(text)


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ("nested = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
        ("nested = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n", "nested too deeply"),
        ("big = " + "9" * 5000 + "\n", "number longer than 18 digits"),
        ("big = 0x" + "f" * 5000 + "\n", "number longer than 18 digits"),
    ],
)
def test_deep_nesting_and_huge_numbers_are_refused_in_one_sentence(extra: str, reason: str) -> None:
    # Python's TOML parser recurses (RecursionError) and refuses long numbers with a ValueError
    # of its own; both must arrive as the charter's one-sentence refusal.
    with pytest.raises(CharterInvalid, match=reason):
        parse_charter(extra + RIVERBEND)


def test_brackets_inside_strings_and_comments_do_not_count_as_nesting() -> None:
    text = RIVERBEND.replace("[consent]\n", "# " + "[" * 100 + "\n[consent]\n")
    assert parse_charter(text).consent is not None
