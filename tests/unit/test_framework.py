"""The framework definition covers FRAMEWORK.md and drives everything downstream."""

from __future__ import annotations

import pytest

from models.errors import UnknownFramework
from models.framework import registry
from models.framework.definition import Condition, Kind
from models.framework.registry import current_framework, get_framework
from models.record import Record

EXPECTED_SECTIONS = [
    (1, "child", "Child and setting"),
    (2, "about_me", "All about me"),
    (3, "family", "My family's voice"),
    (4, "health", "Health, care and independence"),
    (5, "learning_characteristics", "Characteristics of effective learning"),
    (6, "learning", "Learning and development"),
    (7, "progress_check", "Progress check at two and the 2–2½ year review"),
    (8, "send", "Special educational needs and disabilities"),
    (9, "transition", "Transition arrangements"),
    (10, "summary", "Summary for the Reception teacher"),
    (11, "consent", "Consent and sign-off"),
    (12, "outcome", "Outcome returned by the school"),
]


def test_all_twelve_sections_in_order() -> None:
    fw = current_framework()
    assert [(s.number, s.key, s.title) for s in fw.sections] == EXPECTED_SECTIONS


def test_every_field_kind_is_used() -> None:
    fw = current_framework()
    kinds = {f.kind for f in fw.iter_fields()} | {
        i.kind for f in fw.iter_fields() for i in f.item_fields
    }
    assert kinds == set(Kind)


def test_seventeen_elg_aspects_three_prime_areas() -> None:
    fw = current_framework()
    scales = [f for f in fw.section("learning").fields if f.kind is Kind.SCALE]
    assert len(scales) == 17
    assert len({f.group for f in scales}) == 7
    prime = [f for f in scales if "prime_not_on_track" in f.feeds]
    assert len(prime) == 7  # 2 + 2 + 3 aspects in the three prime areas
    assert all(
        o.value in {"on_track", "some_support", "targeted_support", "not_assessed"}
        for f in scales
        for o in f.options
    )


def test_asq_domains_have_scores_in_steps_of_five() -> None:
    fw = current_framework()
    for domain in (
        "communication",
        "gross_motor",
        "fine_motor",
        "problem_solving",
        "personal_social",
    ):
        score = fw.field(f"progress_check.asq_{domain}_score")
        assert (score.minimum, score.maximum, score.step) == (0, 60, 5)
        assert fw.field(f"progress_check.asq_{domain}_zone").option_values() == (
            "above",
            "monitoring",
            "below",
        )


def test_send_codes_and_statuses() -> None:
    fw = current_framework()
    assert fw.field("send.primary_need").option_values() == (
        "SPLD",
        "MLD",
        "SLD",
        "PMLD",
        "SEMH",
        "SLCN",
        "HI",
        "VI",
        "MSI",
        "PD",
        "ASD",
        "OTH",
        "NSA",
    )
    assert fw.field("send.status").option_values() == (
        "none",
        "monitoring",
        "sen_support",
        "ehc_assessment",
        "ehc_plan",
    )


def test_safeguarding_flag_is_guarded_and_feeds_dsl() -> None:
    fd = current_framework().field("child.cin_cp")
    assert fd.guard == "safeguarding"
    assert "dsl" in fd.feeds


def test_every_field_has_a_label_and_paths_are_unique() -> None:
    fw = current_framework()
    paths = [f.path for f in fw.iter_fields()]
    assert len(paths) == len(set(paths))
    for f in fw.iter_fields():
        assert f.label.strip()
        assert f.path.startswith(f.path.split(".")[0] + ".")
        if f.kind in (Kind.CHOICE, Kind.MULTI, Kind.SCALE):
            assert f.options, f.path
        if f.kind is Kind.LIST:
            assert f.item_fields, f.path


def test_condition_holds() -> None:
    r = Record("eyfs-school-readiness", 1)
    cond = Condition("send.status", any_of=("sen_support", "ehc_plan"))
    assert not cond.holds(r)
    r.set("send.status", "ehc_plan")
    assert cond.holds(r)
    yes = Condition("child.interpreter_needed", any_of=("yes",))
    r.set("child.interpreter_needed", True)
    assert yes.holds(r)
    assert Condition("progress_check.review_date", is_set=True).holds(r) is False


def test_unknown_version_and_framework_are_clear_errors() -> None:
    with pytest.raises(UnknownFramework, match="version 99"):
        get_framework("eyfs-school-readiness", 99)
    with pytest.raises(UnknownFramework, match="does not know"):
        get_framework("another-framework", 1)


def test_conditions_must_name_real_fields() -> None:
    from models.framework.definition import FieldDef, build_framework, build_section

    bad = build_section(
        "a",
        1,
        "A",
        "",
        [FieldDef("x", "X", Kind.TEXT, required_when=Condition("a.nope", is_set=True))],
    )
    with pytest.raises(ValueError, match="unknown field"):
        build_framework("t", 1, "T", [bad])


def test_registry_lists_known_versions() -> None:
    from tests.framework_v2 import build_v2

    v2 = build_v2()
    registry.register(v2)
    try:
        assert registry.known_versions() == (1, 2)
    finally:
        registry.unregister(v2)
    assert registry.known_versions() == (1,)


def test_formats_and_past_only_dates_come_from_the_framework() -> None:
    """Validation reads a field's shape and whether its date must be in the past from the
    framework definition, not from a list of paths of its own."""
    from datetime import date

    from models.framework.definition import FieldDef, Kind, TextFormat
    from models.framework.registry import current_framework
    from models.identifiers import is_school_urn
    from models.validation import validate_value

    fw = current_framework()
    assert fw.field("child.upn").text_format is TextFormat.UPN
    assert fw.field("child.school_urn").text_format is TextFormat.SCHOOL_URN
    assert fw.field("child.date_of_birth").past_only
    assert not fw.field("child.school_start_date").past_only  # school starts in the future
    today = date(2026, 10, 1)
    tomorrow = date(2026, 10, 2)
    past = FieldDef(key="seen", label="Seen", kind=Kind.DATE, past_only=True, path="x.seen")
    future_ok = FieldDef(key="due", label="Due", kind=Kind.DATE, path="x.due")
    assert validate_value(past, tomorrow, today=today) == "This date is in the future."
    assert validate_value(future_ok, tomorrow, today=today) is None
    urn = FieldDef(
        key="urn", label="URN", kind=Kind.TEXT, text_format=TextFormat.SCHOOL_URN, path="x.urn"
    )
    assert validate_value(urn, "12345", today=today) == "A school URN is six digits."
    assert validate_value(urn, "123456", today=today) is None
    assert not is_school_urn("１２３４５６")  # full-width digits are not a URN
