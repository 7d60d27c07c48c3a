"""Small-count suppression: no count from 1 to 4 can be worked out from what a return shows.

The check here is independent of the module's linear algebra: it enumerates every assignment of
non-negative whole numbers to the hidden cells that agrees with the shown figures and the
equations, and asserts that each small count takes more than one value among them."""

from __future__ import annotations

import itertools
import random
from datetime import date

import pytest

from models.la.returns import (
    SUPPRESSED,
    CharterRef,
    LaReturn,
    OutcomeFact,
    Period,
    SettingChild,
    SettingFacts,
    build_setting_return,
)
from models.la.suppression import Equation, is_small, recoverable, suppress


def _alternatives(values, equations, unknown, bound):  # type: ignore[no-untyped-def]
    """Every assignment of 0..bound to ``unknown`` satisfying the equations with the rest fixed."""
    names = sorted(unknown)
    for combo in itertools.product(range(bound + 1), repeat=len(names)):
        trial = dict(values)
        trial.update(zip(names, combo, strict=True))
        if all(trial[e.total] == sum(trial[p] for p in e.parts) for e in equations):
            yield trial


def _assert_safe(values, equations, suppressed, hidden, bound):  # type: ignore[no-untyped-def]
    unknown = set(suppressed) | set(hidden)
    seen: dict[str, set[int]] = {c: set() for c in unknown}
    for trial in _alternatives(values, equations, unknown, bound):
        for c in unknown:
            seen[c].add(trial[c])
    for cell in unknown:
        if is_small(values[cell]):
            assert len(seen[cell]) > 1, f"{cell}={values[cell]} can be worked out"


def test_a_lone_small_part_takes_a_second_cell_with_it() -> None:
    values = {"due": 20, "on_time": 17, "late": 0, "not_sent": 3}
    eqs = [Equation("due", ("on_time", "late", "not_sent"))]
    out = suppress(values, eqs, shown=values)
    assert "not_sent" in out
    assert len(out) == 2
    assert "due" not in out  # a part is chosen before the total
    _assert_safe(values, eqs, out, (), 20)


def test_zeros_and_large_counts_are_shown() -> None:
    values = {"due": 20, "a": 12, "b": 8, "c": 0}
    eqs = [Equation("due", ("a", "b", "c"))]
    assert suppress(values, eqs, shown=values) == frozenset()


def test_a_hidden_small_difference_is_protected() -> None:
    # girls = all - boys is never shown, but 3 girls must not be readable from it
    values = {"all": 15, "boys": 12, "girls": 3}
    eqs = [Equation("all", ("boys", "girls"))]
    out = suppress(values, eqs, shown={"all", "boys"})
    assert out
    _assert_safe(values, eqs, out, {"girls"}, 15)


def test_linked_tables_are_protected_together() -> None:
    # not_sent = due - sent: when sent is shown elsewhere, hiding on_time and late is not enough
    values = {
        "due": 12,
        "on_time": 8,
        "late": 3,
        "not_sent": 1,
        "sent": 11,
        "rc_yes": 7,
        "rc_no": 4,
    }
    eqs = [
        Equation("due", ("on_time", "late", "not_sent")),
        Equation("sent", ("on_time", "late")),
        Equation("sent", ("rc_yes", "rc_no")),
    ]
    out = suppress(values, eqs, shown=values)
    for cell in ("not_sent", "late", "rc_no"):
        assert cell in out
        assert not recoverable(cell, out, eqs)
    _assert_safe(values, eqs, out, (), 12)


@pytest.mark.parametrize("seed", range(40))
def test_random_two_level_tables_never_leak(seed: int) -> None:
    rng = random.Random(seed)
    parts = [rng.choice((0, 1, 2, 3, 4, 5, 7)) for _ in range(3)]
    sub = [rng.randint(0, parts[0]) for _ in range(1)]
    values = {
        "t": sum(parts),
        "p0": parts[0],
        "p1": parts[1],
        "p2": parts[2],
        "s0": sub[0],
        "s1": parts[0] - sub[0],
    }
    eqs = [Equation("t", ("p0", "p1", "p2")), Equation("p0", ("s0", "s1"))]
    out = suppress(values, eqs, shown=values)
    for cell, value in values.items():
        if is_small(value):
            assert cell in out
    _assert_safe(values, eqs, out, (), max(values.values()))


def _facts(children: list[SettingChild], outcomes: tuple[OutcomeFact, ...] = ()) -> SettingFacts:
    return SettingFacts(
        urn="EY123456",
        name="Buttercup Pre-school (fictional)",
        charter=CharterRef("exampleshire", "1", "Exampleshire County Council (fictional)"),
        period=Period(2026),
        made_on=date(2027, 7, 10),
        children=tuple(children),
        outcomes=outcomes,
        sent_deadline=date(2027, 6, 30),
        meeting_deadline=date(2027, 5, 31),
        meeting_statuses=("sen_support", "ehc_assessment", "ehc_plan"),
        gld_target=70.0,
    )


@pytest.mark.parametrize("seed", range(12))
def test_a_whole_return_shows_no_small_count_and_none_can_be_worked_out(seed: int) -> None:
    rng = random.Random(seed)
    children = []
    for _ in range(rng.randint(0, 45)):
        sent = (
            date(2027, 6, rng.randint(1, 30))
            if rng.random() < 0.7
            else (date(2027, 7, 5) if rng.random() < 0.5 else None)
        )
        children.append(
            SettingChild(
                school_start=date(2027, 9, 3),
                sent_on=sent,
                refused_items=("Consent given",) if rng.random() < 0.15 else (),
                missing_now=("Manager sign-off",) if sent is None and rng.random() < 0.6 else (),
                send_status=rng.choice(
                    ("none", "none", "none", "monitoring", "sen_support", "ehc_plan", None)
                ),
                coproduced=rng.random() < 0.6,
                meeting_on=date(2027, 5, 2) if rng.random() < 0.6 else None,
                waiting=rng.random() < 0.1,
                receipt=rng.random() < 0.7,
                read=rng.random() < 0.6,
            )
        )
    outcomes = tuple(
        OutcomeFact(
            frozenset(g for g in ("boys", "fsm", "send", "eal") if rng.random() < 0.35),
            rng.random() < 0.6,
        )
        for _ in range(rng.randint(0, 30))
    )
    content = build_setting_return(_facts(children, outcomes))
    for m in content.measures:
        for c in m.cells:
            assert c.value is None or not is_small(c.value), f"{c.key} shows {c.value}"
    # it reads back the same, with "suppressed" written out
    body = content.to_dict()
    assert LaReturn.from_dict(body) == content
    shown = [c["value"] for m in body["measures"] for c in m["cells"]]
    assert all(v == SUPPRESSED or (isinstance(v, int) and (v == 0 or v > 4)) for v in shown)


def test_children_starting_another_year_are_not_counted() -> None:
    content = build_setting_return(
        _facts(
            [
                SettingChild(school_start=date(2026, 9, 3)),
                *[SettingChild(school_start=date(2027, 9, 3))] * 6,
            ]
        )
    )
    assert content.value("due") == 6
