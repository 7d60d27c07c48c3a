"""The setting's outcomes page: Qt Charts bars of GLD by group (with the LA target) and of each
early learning goal, every bar with its figure in words, goal and agreement tables."""

from __future__ import annotations

from PySide6.QtCharts import QHorizontalBarSeries, QLineSeries

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
    def __init__(self, stats: CohortStats | None, target: float | None = None) -> None:
        self.stats = stats
        self.target = target

    def cohort(self) -> CohortStats:
        if self.stats is None:
            raise PermissionDenied("Receipts and outcomes are imported into a setting's vault.")
        return self.stats

    def gld_target_percent(self) -> float | None:
        return self.target


def _stats() -> CohortStats:
    return cohort_stats(
        [
            _child("a", {"boys"}, True),
            _child("b", {"boys", "fsm"}, False),
            _child("c", {"eal"}, True, judged="some_support"),
            _child("d", set(), False, judged="targeted_support"),
        ]
    )


def _shown(qtbot, source: Source) -> OutcomesWidget:
    page = OutcomesWidget(source)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    qtbot.waitExposed(page)
    return page


def _series(view, kind):  # type: ignore[no-untyped-def]
    return [s for s in view.chart().series() if isinstance(s, kind)]


def _values(bar_set) -> list[float]:  # type: ignore[no-untyped-def]
    return [bar_set.at(i) for i in range(bar_set.count())]


def test_gld_chart_series_hold_the_cohort_figures(qtbot) -> None:
    stats = _stats()
    page = _shown(qtbot, Source(stats, target=70.0))
    assert page.message.text() == "Outcomes returned for 4 children."
    assert page.figures.isVisible()

    (bars,) = _series(page.chart, QHorizontalBarSeries)
    (bar_set,) = bars.barSets()
    axis = page.chart.category_axis
    # Qt lists categories bottom-up; the page puts "All children" on top.
    shown = dict(zip(reversed(axis.categories()), reversed(_values(bar_set)), strict=True))
    assert shown == {g.label: g.gld_percent or 0.0 for g in stats.groups}
    assert shown["All children"] == 50.0
    assert shown["Boys"] == 50.0
    assert (page.chart.value_axis.min(), page.chart.value_axis.max()) == (0.0, 100.0)

    # Every bar carries its figure in words; a group without children says so instead of 0 %.
    assert page.chart.bars()[0] == ("All children", 50.0, "50% (2 of 4)")
    assert ("SEND (SEN support or above)", None, "no children") in page.chart.bars()
    assert page.chart.labels() == [text for _l, _v, text in page.chart.bars()]
    assert "All children: 50% (2 of 4)" in page.chart.accessibleDescription()
    assert page.chart.accessibleName() == "Good level of development by group"


def test_gld_chart_draws_the_la_target(qtbot) -> None:
    page = _shown(qtbot, Source(_stats(), target=66.5))
    (line,) = _series(page.chart, QLineSeries)
    assert line.isVisible()
    assert {p.x() for p in line.points()} == {66.5}
    assert line.name() == "LA target: 66.5%"
    assert page.chart.target() == 66.5
    assert "LA target: 66.5%" in page.chart.accessibleDescription()
    marker = page.chart.chart().legend().markers(line)[0]
    assert marker.isVisible()

    no_target = _shown(qtbot, Source(_stats()))
    (line,) = _series(no_target.chart, QLineSeries)
    assert not line.isVisible()
    assert no_target.chart.target() is None
    assert "target" not in no_target.chart.accessibleDescription()


def test_elg_chart_and_tables(qtbot) -> None:
    stats = _stats()
    page = _shown(qtbot, Source(stats))
    (series,) = _series(page.elg_chart, QHorizontalBarSeries)
    values = list(reversed(_values(series.barSets()[0])))
    assert values == [e.expected_percent for e in stats.elgs]
    assert len(page.elg_chart.bars()) == 17
    assert page.elg_chart.bars()[0][2] == "50% (2 of 4)"

    assert page.elg_table.rowCount() == 17
    assert page.agreement_table.rowCount() == 17
    # a on track+expected, b on track+emerging, c support+expected, d support+emerging
    row = [page.agreement_table.item(0, c).text() for c in range(7)]
    assert row[1:] == ["1", "1", "1", "1", "0", "50%"]
    assert not page.chart.grab().isNull()


def test_outcomes_page_empty_and_refused(qtbot) -> None:
    empty = _shown(qtbot, Source(cohort_stats([]), target=70.0))
    assert empty.message.text() == "No outcomes have been returned yet."
    assert empty.hint.isVisible()
    assert "Import outcomes" in empty.hint.text()
    assert not empty.chart.isVisible()
    assert not empty.elg_table.isVisible()

    refused = _shown(qtbot, Source(None))
    assert "setting's vault" in refused.message.text()
    assert not refused.chart.isVisible()
    assert not refused.hint.isVisible()


def test_outcomes_page_updates_in_place(qtbot) -> None:
    source = Source(cohort_stats([]))
    page = _shown(qtbot, source)
    source.stats = _stats()
    source.target = 70.0
    page.refresh()
    assert page.chart.isVisible()
    assert page.chart.bars()[0] == ("All children", 50.0, "50% (2 of 4)")
    assert page.chart.target() == 70.0


def test_figures_save_as_csv(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from models.school import cohort_csv

    class Saving(Source):
        def save_cohort_csv(self, path) -> None:  # type: ignore[no-untyped-def]
            path.write_bytes(cohort_csv(self.cohort(), self.target))

    widget = OutcomesWidget(Saving(_stats(), target=70.0))
    qtbot.addWidget(widget)
    assert widget.save_csv_button.isEnabled()
    out = tmp_path / "figures.csv"
    widget.save_csv(out)
    assert "Saved the figures" in widget.message.text()
    lines = out.read_bytes().decode("utf-8-sig").splitlines()
    assert lines[1].startswith("GLD,All children,")
    assert lines[1].endswith(",70")
    empty = OutcomesWidget(Saving(cohort_stats([])))
    qtbot.addWidget(empty)
    assert not empty.save_csv_button.isEnabled()
    plain = OutcomesWidget(Source(_stats()))  # a source that cannot save: no button to press
    qtbot.addWidget(plain)
    assert not plain.save_csv_button.isEnabled()
