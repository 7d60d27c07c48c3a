"""The setting's outcomes page: GLD bars by group with their numbers, goal and agreement tables."""

from __future__ import annotations

from models.errors import PermissionDenied
from models.school import CohortStats, cohort_stats
from models.school.outcomes import ASPECTS, ChildOutcome
from ui.school.outcomes import OutcomesWidget


def _child(rid: str, groups: set[str], gld: bool, judged: str = "on_track") -> ChildOutcome:
    elgs = {a: "expected" if gld else "emerging" for a in ASPECTS}
    return ChildOutcome(
        rid, "EY1", "Setting", frozenset(groups), gld, elgs, {a: judged for a in ASPECTS}
    )


class Source:
    def __init__(self, stats: CohortStats | None) -> None:
        self.stats = stats

    def cohort(self) -> CohortStats:
        if self.stats is None:
            raise PermissionDenied("Receipts and outcomes are imported into a setting's vault.")
        return self.stats


def test_outcomes_page_shows_figures_in_words(qtbot) -> None:
    stats = cohort_stats(
        [
            _child("a", {"boys"}, True),
            _child("b", {"boys", "fsm"}, False),
            _child("c", {"eal"}, True, judged="some_support"),
            _child("d", set(), False, judged="targeted_support"),
        ]
    )
    page = OutcomesWidget(Source(stats))
    qtbot.addWidget(page)
    page.resize(900, 700)
    page.show()
    qtbot.waitExposed(page)
    assert page.message.text() == "Outcomes returned for 4 children."
    bars = page.chart.bars()
    assert bars[0] == ("All children", 50.0, "50% (2 of 4)")
    assert ("Boys", 50.0, "50% (1 of 2)") in bars
    assert ("SEND (SEN support or above)", None, "– (0 of 0)") in bars
    assert "All children: 50% (2 of 4)" in page.chart.accessibleDescription()
    assert page.elg_table.rowCount() == 17
    assert page.agreement_table.rowCount() == 17
    # a on track+expected, b on track+emerging, c support+expected, d support+emerging
    row = [page.agreement_table.item(0, c).text() for c in range(7)]
    assert row[1:] == ["1", "1", "1", "1", "0", "50%"]
    assert not page.chart.grab().isNull()


def test_outcomes_page_empty_and_refused(qtbot) -> None:
    empty = OutcomesWidget(Source(cohort_stats([])))
    qtbot.addWidget(empty)
    assert empty.message.text() == "No outcomes have been returned yet."
    refused = OutcomesWidget(Source(None))
    qtbot.addWidget(refused)
    assert "setting's vault" in refused.message.text()
