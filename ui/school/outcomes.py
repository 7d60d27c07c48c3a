"""The setting's cohort figures from schools' EYFS profile outcomes: a bar chart of GLD by
priority group, and tables of each goal and of how the setting's judgements compared.

Bars are drawn with QPainter (no Qt Charts dependency); every bar carries its number in words, so
colour is never the only signal.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from models.errors import TransitionsError
from models.school import CohortStats

BAR = QColor("#1F5C74")
TRACK = QColor("#EAF1F4")
INK = QColor("#1E2328")


def tr(text: str) -> str:
    return QCoreApplication.translate("school", text)


class CohortSource(Protocol):
    def cohort(self) -> CohortStats: ...


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:g}%"


class GldChart(QWidget):
    """Horizontal bars: % reaching a good level of development, overall and by group."""

    ROW_HEIGHT = 28
    LABEL_WIDTH = 210

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bars: list[tuple[str, float | None, str]] = []
        self.setAccessibleName(tr("Good level of development by group"))
        self.setMinimumHeight(self.ROW_HEIGHT)

    def set_stats(self, stats: CohortStats) -> None:
        self._bars = [
            (tr(g.label), g.gld_percent, f"{_pct(g.gld_percent)} ({g.gld} of {g.children})")
            for g in stats.groups
        ]
        self.setAccessibleDescription(
            "; ".join(f"{label}: {text}" for label, _v, text in self._bars)
        )
        self.setMinimumHeight(self.ROW_HEIGHT * max(1, len(self._bars)) + 4)
        self.updateGeometry()
        self.update()

    def bars(self) -> list[tuple[str, float | None, str]]:
        return list(self._bars)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(520, self.ROW_HEIGHT * max(1, len(self._bars)) + 4)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width = max(10.0, float(self.width() - self.LABEL_WIDTH - 130))
        for i, (label, value, text) in enumerate(self._bars):
            top = i * self.ROW_HEIGHT + 4
            painter.setPen(INK)
            painter.drawText(
                QRectF(0, top, self.LABEL_WIDTH - 8, self.ROW_HEIGHT - 6),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                label,
            )
            track = QRectF(self.LABEL_WIDTH, top + 4, width, self.ROW_HEIGHT - 14)
            painter.fillRect(track, TRACK)
            if value is not None:
                painter.fillRect(
                    QRectF(track.x(), track.y(), width * value / 100.0, track.height()), BAR
                )
            painter.drawText(
                QRectF(self.LABEL_WIDTH + width + 8, top, 122, self.ROW_HEIGHT - 6),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                text,
            )
        painter.end()


def _table(parent: QWidget, headers: list[str], rows: list[list[Any]], name: str) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers), parent)
    table.setAccessibleName(name)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
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


class OutcomesWidget(QWidget):
    """The setting's outcomes page, from a source with ``cohort()`` (the FeedbackService)."""

    def __init__(self, source: CohortSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._source = source
        title = QLabel(self.tr("How our children did at the end of Reception"), self)
        title.setObjectName("pageTitle")
        self.message = QLabel(self)
        self.chart = GldChart(self)
        self.lay = QVBoxLayout(self)
        self.lay.addWidget(title)
        self.lay.addWidget(self.message)
        self.lay.addWidget(self.chart)
        self.elg_table = _table(self, [], [], self.tr("Early learning goals"))
        self.agreement_table = _table(self, [], [], self.tr("Our judgements and the outcomes"))
        self.lay.addWidget(self.elg_table, 1)
        self.lay.addWidget(self.agreement_table, 1)
        self.refresh()

    def set_source(self, source: CohortSource) -> None:
        self._source = source
        self.refresh()

    def refresh(self) -> None:
        try:
            stats = self._source.cohort()
        except TransitionsError as exc:
            self.message.setText(str(exc))
            return
        total = stats.group("all").children
        self.message.setText(
            self.tr("No outcomes have been returned yet.")
            if total == 0
            else self.tr("Outcomes returned for %n children.").replace("%n", str(total))
        )
        self.chart.set_stats(stats)
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
