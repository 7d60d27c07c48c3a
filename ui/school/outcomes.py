"""The setting's cohort figures from schools' EYFS profile outcomes: Qt Charts bar charts of GLD by
priority group (with the local authority's target) and of each early learning goal, and tables of
each goal and of how the setting's judgements compared.

Every bar carries its number as a label, and the chart's accessible description reads out every
figure, so colour is never the only signal. The tables hold the same figures as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QCoreApplication, QMargins, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QFileDialog,
    QGraphicsItem,
    QGraphicsSimpleTextItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QStyleOptionGraphicsItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from models.errors import TransitionsError
from models.school import CohortStats
from ui.style import color


def tr(text: str) -> str:
    return QCoreApplication.translate("school", text)


class CohortSource(Protocol):
    """What the page reads: ``cohort()``. A source may also offer ``gld_target_percent()``
    (the LA's target from the charter, or None), drawn on the GLD chart when present."""

    def cohort(self) -> CohortStats: ...


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:g}%"


def _figure(value: float | None, part: int, whole: int) -> str:
    """A bar's figure in words: "75% (6 of 8)", or "no children" when there are none."""
    if value is None:
        return tr("no children")
    return tr("{pct} ({part} of {whole})").format(pct=_pct(value), part=part, whole=whole)


Bar = tuple[str, float | None, str]  # (label, percent or None when no children, text)


class _BarLabel(QGraphicsSimpleTextItem):
    """A bar's figure; beside the bar it sits on the chart's background, so a target line that
    crosses it does not strike the text through."""

    PAD = 3.0

    def __init__(self, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.backdrop: QColor | None = None

    def boundingRect(self) -> QRectF:  # noqa: N802
        return super().boundingRect().adjusted(-self.PAD, 0, self.PAD, 0)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        if self.backdrop is not None:
            painter.fillRect(self.boundingRect(), self.backdrop)
        super().paint(painter, option, widget)  # type: ignore[arg-type]  # Qt's default: nullptr


class _BarChart(QChartView):
    """A horizontal bar chart of percentages (0-100 %), first bar at the top. Each bar is labelled
    with its figure in words ("75% (6 of 8)"): after the bar's end, or inside it in white when it
    would not fit. Qt's own bar labels are not used: they hide a 0 % bar's label and put a long
    bar's label inside the bar in the same dark ink."""

    LABEL_GAP = 6
    ROW_HEIGHT = 30
    EXTRA_HEIGHT = 110  # title, axis and legend

    def __init__(self, title: str, series_name: str, parent: QWidget | None = None) -> None:
        chart = QChart()
        chart.setTitle(title)
        font = QFont(chart.titleFont())
        font.setPointSizeF(max(font.pointSizeF(), 10.0) + 1.0)
        font.setBold(True)
        chart.setTitleFont(font)
        chart.setTitleBrush(color("title"))
        chart.setBackgroundRoundness(0)
        chart.setBackgroundBrush(color("base"))
        chart.setMargins(QMargins(4, 4, 12, 4))
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        super().__init__(chart, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._bars: list[Bar] = []
        self.series = QHorizontalBarSeries()
        self.bar_set = QBarSet(series_name)
        self.value_axis = QValueAxis()
        self.category_axis = QBarCategoryAxis()
        self._labels: list[_BarLabel] = []
        self._setup()
        chart.plotAreaChanged.connect(self._place_labels)

    def _setup(self) -> None:
        chart = self.chart()
        self.bar_set.setColor(color("chart_bar"))
        self.bar_set.setBorderColor(color("chart_bar"))
        self.bar_set.setLabelColor(color("text"))
        self.series.append(self.bar_set)
        self.series.setBarWidth(0.6)
        chart.addSeries(self.series)
        self.value_axis.setRange(0, 100)
        self.value_axis.setTickCount(11)
        self.value_axis.setLabelFormat("%d%%")
        self.value_axis.setGridLineColor(color("chart_grid"))
        self.value_axis.setTitleText(tr("% of children"))
        chart.addAxis(self.value_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.category_axis, Qt.AlignmentFlag.AlignLeft)
        self.series.attachAxis(self.value_axis)
        self.series.attachAxis(self.category_axis)

    def set_bars(self, bars: Sequence[Bar]) -> None:
        """Show ``bars``, top to bottom."""
        self._bars = list(bars)
        # Qt draws the first category at the bottom: reverse so the first bar is on top.
        self.bar_set.remove(0, self.bar_set.count())
        self.bar_set.append([0.0 if v is None else v for _l, v, _t in reversed(self._bars)])
        self.category_axis.clear()
        self.category_axis.append([label for label, _v, _t in reversed(self._bars)])
        self.setAccessibleDescription(self.describe())
        height = self.ROW_HEIGHT * max(1, len(self._bars)) + self.EXTRA_HEIGHT
        self.setMinimumHeight(height)
        self.setMaximumHeight(height)
        scene = self.chart().scene()
        for item in self._labels[len(self._bars) :]:
            scene.removeItem(item)
        del self._labels[len(self._bars) :]
        while len(self._labels) < len(self._bars):
            item = _BarLabel(self.chart())
            item.setFont(self.category_axis.labelsFont())
            item.setZValue(1000)  # above the series and the target line
            self._labels.append(item)
        for item, (_label, _value, text) in zip(self._labels, self._bars, strict=True):
            item.setText(text)
        self._place_labels()

    def _place_labels(self) -> None:
        chart = self.chart()
        right = chart.plotArea().right() + chart.margins().right()
        count = len(self._bars)
        for i, (item, (_label, value, _text)) in enumerate(
            zip(self._labels, self._bars, strict=True)
        ):
            end = chart.mapToPosition(QPointF(value or 0.0, count - 1 - i), self.series)
            start = chart.mapToPosition(QPointF(0.0, count - 1 - i), self.series)
            size = item.boundingRect()
            x = end.x() + self.LABEL_GAP
            inside = x + size.width() > right and end.x() - start.x() > size.width() + 12
            if inside:
                x = end.x() - self.LABEL_GAP - size.width()
            item.setBrush(color("chart_on_bar") if inside else color("text"))
            item.backdrop = None if inside else color("base")
            item.setPos(x, end.y() - size.height() / 2)

    def describe(self) -> str:
        """Every figure in words, for the accessible description."""
        return "; ".join(f"{label}: {text}" for label, _v, text in self._bars)

    def labels(self) -> list[str]:
        """The text drawn beside (or on) each bar, top to bottom."""
        return [item.text() for item in self._labels]

    def bars(self) -> list[Bar]:
        """(label, percent, text) for each bar, top to bottom, as the chart shows them."""
        count = self.bar_set.count()
        values = [self.bar_set.at(count - 1 - i) for i in range(count)]
        return [
            (label, None if value is None else values[i], text)
            for i, (label, value, text) in enumerate(self._bars)
        ]


class GldChart(_BarChart):
    """% of children reaching a good level of development, overall and by group, with the LA's
    target (from the charter) as a dashed line when there is one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            tr("Children reaching a good level of development"), tr("Reaching GLD"), parent
        )
        self.setAccessibleName(tr("Good level of development by group"))
        self.target_series = QLineSeries()
        pen = QPen(color("chart_target"), 2.5, Qt.PenStyle.DashLine)
        self.target_series.setPen(pen)
        self.chart().addSeries(self.target_series)
        self.target_series.attachAxis(self.value_axis)
        self.target_series.attachAxis(self.category_axis)
        self._target: float | None = None

    def set_stats(self, stats: CohortStats, target: float | None = None) -> None:
        self.set_bars(
            [
                (tr(g.label), g.gld_percent, _figure(g.gld_percent, g.gld, g.children))
                for g in stats.groups
            ]
        )
        self.set_target(target)

    def set_target(self, target: float | None) -> None:
        self._target = target
        self.target_series.clear()
        self.target_series.setVisible(target is not None)
        self.chart().legend().markers(self.target_series)[0].setVisible(target is not None)
        if target is not None:
            n = max(1, len(self._bars))
            self.target_series.append([QPointF(target, -0.5), QPointF(target, n - 0.5)])
            self.target_series.setName(tr("LA target: {pct}").format(pct=_pct(target)))
        self.setAccessibleDescription(self.describe())

    def describe(self) -> str:
        if self._target is None:
            return super().describe()
        return "; ".join((super().describe(), self.target_series.name()))

    def target(self) -> float | None:
        return self._target


class ElgChart(_BarChart):
    """% of children at the expected level in each of the 17 early learning goals."""

    ROW_HEIGHT = 24

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            tr("Children at the expected level in each early learning goal"),
            tr("At the expected level"),
            parent,
        )
        self.setAccessibleName(tr("Early learning goals: % at the expected level"))
        self.chart().legend().setVisible(False)

    def set_stats(self, stats: CohortStats) -> None:
        self.set_bars(
            [
                (
                    tr(e.label),
                    e.expected_percent,
                    _figure(e.expected_percent, e.expected, e.children),
                )
                for e in stats.elgs
            ]
        )


def _table(parent: QWidget, headers: list[str], rows: list[list[Any]], name: str) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers), parent)
    table.setAccessibleName(name)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    _fill(table, headers, rows)
    return table


def _fill(table: QTableWidget, headers: list[str], rows: list[list[Any]]) -> None:
    """Refill ``table`` in place (replacing widgets would flash the old ones while deleted)."""
    table.clear()
    table.setColumnCount(len(headers))
    table.setRowCount(len(rows))
    table.setHorizontalHeaderLabels(headers)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(str(value)))
    table.resizeColumnsToContents()
    # The page scrolls as a whole: each table shows all its rows, and is no wider than its columns.
    frame = 2 * table.frameWidth()
    height = table.horizontalHeader().sizeHint().height() + frame
    height += sum(table.rowHeight(r) for r in range(table.rowCount()))
    table.setFixedHeight(height + table.horizontalScrollBar().sizeHint().height())
    table.setMaximumWidth(frame + sum(table.columnWidth(c) for c in range(table.columnCount())))


def _section(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("groupTitle")
    return label


class OutcomesWidget(QWidget):
    """The setting's outcomes page, from a source with ``cohort()`` (the FeedbackService)."""

    def __init__(self, source: CohortSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._source = source
        title = QLabel(self.tr("How our children did at the end of Reception"), self)
        title.setObjectName("pageTitle")
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.hint = QLabel(
            self.tr(
                "When a school sends back its end-of-Reception outcomes, import the file with "
                "Import outcomes… and the figures will appear here."
            ),
            self,
        )
        self.hint.setObjectName("helpText")
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

        figures = QWidget(self)
        self.chart = GldChart(figures)
        self.elg_chart = ElgChart(figures)
        self.elg_table = _table(figures, [], [], self.tr("Early learning goals"))
        self.agreement_table = _table(figures, [], [], self.tr("Our judgements and the outcomes"))
        inner = QVBoxLayout(figures)
        inner.setContentsMargins(0, 0, 12, 0)
        inner.addWidget(self.chart)
        inner.addWidget(self.elg_chart)
        inner.addWidget(_section(self.tr("Early learning goals"), figures))
        inner.addWidget(self.elg_table)
        inner.addWidget(_section(self.tr("Our judgements and the outcomes"), figures))
        inner.addWidget(self.agreement_table)
        inner.addStretch(1)
        self.figures = QScrollArea(self)
        self.figures.setWidget(figures)
        self.figures.setWidgetResizable(True)
        self.figures.setFrameShape(QScrollArea.Shape.NoFrame)

        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.hint)
        self.stack.addWidget(self.figures)
        self.save_csv_button = QPushButton(self.tr("&Save figures as CSV…"), self)
        self.save_csv_button.setToolTip(
            self.tr("The figures in the charts and tables, for a spreadsheet.")
        )
        self.save_csv_button.clicked.connect(self._save_csv)
        heading = QHBoxLayout()
        heading.addWidget(title, 1)
        heading.addWidget(self.save_csv_button)
        self.lay = QVBoxLayout(self)
        self.lay.addLayout(heading)
        self.lay.addWidget(self.message)
        self.lay.addWidget(self.stack, 1)
        self.refresh()

    def set_source(self, source: CohortSource) -> None:
        self._source = source
        self.refresh()

    def _save_csv(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self,
            self.tr("Save figures as CSV"),
            "reception-outcomes.csv",
            self.tr("CSV files (*.csv)"),
        )
        if path:
            self.save_csv(Path(path))

    def save_csv(self, path: Path) -> None:
        save = getattr(self._source, "save_cohort_csv", None)
        if save is None:
            return
        try:
            save(path)
        except TransitionsError as exc:
            self.message.setText(str(exc))
        else:
            self.message.setText(self.tr("Saved the figures to {path}.").format(path=str(path)))

    def _target(self) -> float | None:
        ask = getattr(self._source, "gld_target_percent", None)
        return ask() if callable(ask) else None

    def refresh(self) -> None:
        try:
            stats = self._source.cohort()
            target = self._target()
        except TransitionsError as exc:
            self.message.setText(str(exc))
            self.hint.setVisible(False)
            self.stack.setCurrentWidget(self.hint)
            return
        total = stats.group("all").children
        self.save_csv_button.setEnabled(total > 0 and hasattr(self._source, "save_cohort_csv"))
        if total == 0:
            self.message.setText(self.tr("No outcomes have been returned yet."))
            self.hint.setVisible(True)
            self.stack.setCurrentWidget(self.hint)
        else:
            self.message.setText(
                self.tr("Outcomes returned for %n children.").replace("%n", str(total))
            )
            self.stack.setCurrentWidget(self.figures)
        self.chart.set_stats(stats, target)
        self.elg_chart.set_stats(stats)
        _fill(
            self.elg_table,
            [tr("Early learning goal"), tr("Expected"), tr("Children"), tr("% expected")],
            [[e.label, e.expected, e.children, _pct(e.expected_percent)] for e in stats.elgs],
        )
        _fill(
            self.agreement_table,
            [
                tr("Aspect"),
                tr("On track → expected"),
                tr("On track → emerging"),
                tr("Support → expected"),
                tr("Support → emerging"),
                tr("Not judged"),
                tr("Agreement"),
            ],
            [
                [
                    a.label,
                    a.on_track_expected,
                    a.on_track_emerging,
                    a.support_expected,
                    a.support_emerging,
                    a.not_judged,
                    _pct(a.agreement_percent),
                ]
                for a in stats.agreement
            ],
        )
