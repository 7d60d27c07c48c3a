"""The local authority's view in the window: the returns of a folder, verified, with LA-wide and
per-setting or per-school figures in Qt Charts and tables, one tab per topic (the same topics as
the board PDF). Every bar carries its figure in words and every chart's accessible description
reads them out; the tables beside hold the same figures as text.

The page talks to a reports service (``transitions_app.services.la_service.LaReportService``
fits :class:`LaReports`); verifying a folder runs off the UI thread with a progress dialog.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from models.la.insight import LaInsight, Rate, Total, gap_to_all, gld_rows, rate_of
from models.la.returns import SCHOOL, SETTING, SUPPRESSED, LaReturn, Period
from ui.dialogs import plain_error
from ui.school.outcomes import GldChart, _BarChart, _fill, _table
from ui.workers import run_with_progress

Progress = Callable[[int, int, str], None]


def tr(text: str) -> str:
    return QCoreApplication.translate("la", text)


class LaReports(Protocol):
    """What the page needs: verify and add up returns, write the CSV and the PDF."""

    def insight(
        self,
        paths: Sequence[Path],
        *,
        period: Period | None = None,
        progress: Progress | None = None,
    ) -> LaInsight: ...

    def save_csv(self, insight: LaInsight, path: Path) -> None: ...

    def save_pdf(self, insight: LaInsight, path: Path) -> None: ...

    def la_name(self) -> str: ...


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:g}%"


def rate_text(r: Rate) -> str:
    """ "75% (30 of 40)", "suppressed", or "–" when no return has the figure."""
    if r.of_returns == 0:
        return "–"
    if r.returns == 0:
        return tr(SUPPRESSED)
    if r.complete:
        return tr("{pct} ({part} of {whole})").format(
            pct=_pct(r.percent), part=r.part, whole=r.whole
        )
    return tr("{pct} ({part} of {whole}, from {n} of {m} returns)").format(
        pct=_pct(r.percent), part=r.part, whole=r.whole, n=r.returns, m=r.of_returns
    )


def total_text(t: Total) -> str:
    if t.returns == 0:
        return "–"
    if t.returns == t.suppressed_in:
        return tr(SUPPRESSED)
    if t.complete:
        return str(t.value)
    return tr("{n} (+ suppressed in {m})").format(n=t.value, m=t.suppressed_in)


def _count(r: LaReturn, key: str) -> str:
    if not r.has(key):
        return "–"
    v = r.value(key)
    return tr(SUPPRESSED) if v is None else str(v)


def _bar(label: str, r: Rate) -> tuple[str, float | None, str]:
    return label, r.percent if r.returns else None, rate_text(r)


class _Topic(QScrollArea):
    """One tab: a title, the LA-wide sentence, then charts and tables."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        inner = QWidget(self)
        self.lay = QVBoxLayout(inner)
        self.lay.setContentsMargins(8, 8, 16, 8)
        heading = QLabel(title, inner)
        heading.setObjectName("pageTitle")
        self.summary = QLabel(inner)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(tr("LA-wide"))
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.lay.addWidget(heading)
        self.lay.addWidget(self.summary)
        self.setWidget(inner)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)

    def add(self, widget: QWidget) -> Any:
        widget.setParent(self.widget())
        self.lay.addWidget(widget)
        return widget

    def section(self, text: str) -> QLabel:
        label = QLabel(text, self.widget())
        label.setObjectName("groupTitle")
        self.lay.addWidget(label)
        return label

    def finish(self) -> None:
        self.lay.addStretch(1)


class LaPage(QWidget):
    """Import a folder of returns and see the figures."""

    loaded = Signal()

    def __init__(self, reports: LaReports, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reports = reports
        self.insight: LaInsight | None = None
        self.folders: list[Path] = []
        title = QLabel(tr("Returns from settings and schools"), self)
        title.setObjectName("pageTitle")
        self.la_label = QLabel(tr("Local authority: {name}").format(name=reports.la_name()), self)
        self.la_label.setObjectName("helpText")
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName(tr("Message"))
        self.import_button = QPushButton(tr("&Import a folder of returns…"), self)
        self.import_button.clicked.connect(self.choose_folder)
        self.pdf_button = QPushButton(tr("Save the &report (PDF)…"), self)
        self.pdf_button.clicked.connect(self._choose_pdf)
        self.csv_button = QPushButton(tr("Save the figures as &CSV…"), self)
        self.csv_button.clicked.connect(self._choose_csv)
        buttons = QHBoxLayout()
        for b in (self.import_button, self.pdf_button, self.csv_button):
            buttons.addWidget(b)
        buttons.addStretch(1)

        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName(tr("Topics"))
        self.overview = _Topic(tr("Returns received"))
        self.returns_table = self.overview.add(_table(self, [], [], tr("Returns received")))
        self.overview.section(tr("No return received"))
        self.missing_table = self.overview.add(_table(self, [], [], tr("No return received")))
        self.overview.section(tr("Refused and left out"))
        self.refused_table = self.overview.add(_table(self, [], [], tr("Refused returns")))
        self.overview.finish()

        self.sent = _Topic(tr("Records sent by the charter's deadline"))
        self.sent_chart = self.sent.add(
            _BarChart(tr("Records sent by the deadline"), tr("Sent on time"))
        )
        self.sent_chart.setAccessibleName(tr("Records sent by the deadline, by setting"))
        self.sent_table = self.sent.add(_table(self, [], [], tr("Records sent, by setting")))
        self.sent.finish()

        self.missing = _Topic(tr("Key information missing at export"))
        self.missing_chart = self.missing.add(
            _BarChart(tr("Records refused for each missing item (% of records due)"), tr("Refused"))
        )
        self.missing_chart.setAccessibleName(tr("Key information missing, by item"))
        self.missing.section(tr("Records not sent yet: what is still missing"))
        self.still_table = self.missing.add(_table(self, [], [], tr("Still missing")))
        self.missing.finish()

        self.send = _Topic(tr("SEND plans, transition meetings and waiting lists"))
        self.coproduced_chart = self.send.add(
            _BarChart(tr("SEND transition plans co-produced with the parent"), tr("Co-produced"))
        )
        self.coproduced_chart.setAccessibleName(tr("Plans co-produced, by setting"))
        self.meetings_chart = self.send.add(
            _BarChart(tr("SEND transition meetings held by the deadline"), tr("Held on time"))
        )
        self.meetings_chart.setAccessibleName(tr("Meetings held by the deadline, by setting"))
        self.send_table = self.send.add(_table(self, [], [], tr("SEND, by setting")))
        self.send.finish()

        self.schools = _Topic(tr("Records received and read at school"))
        self.read_chart = self.schools.add(
            _BarChart(tr("Records read within two weeks of arriving"), tr("Read within two weeks"))
        )
        self.read_chart.setAccessibleName(tr("Records read within two weeks, by school"))
        self.schools_table = self.schools.add(_table(self, [], [], tr("Schools")))
        self.schools.section(tr("Files quarantined, by reason"))
        self.quarantine_table = self.schools.add(_table(self, [], [], tr("Files quarantined")))
        self.schools.finish()

        self.gld = _Topic(tr("Good level of development, by group"))
        self.gld_chart = self.gld.add(GldChart())
        self.gld_table = self.gld.add(
            _table(self, [], [], tr("Good level of development, by group"))
        )
        self.gld.section(tr("By setting"))
        self.gld_settings_table = self.gld.add(
            _table(self, [], [], tr("Good level of development, by setting"))
        )
        self.gld.finish()

        for topic, label in (
            (self.overview, tr("&Overview")),
            (self.sent, tr("Records &sent")),
            (self.missing, tr("&Key information")),
            (self.send, tr("S&END")),
            (self.schools, tr("Sc&hools")),
            (self.gld, tr("&Outcomes")),
        ):
            self.tabs.addTab(topic, label)

        lay = QVBoxLayout(self)
        heading = QHBoxLayout()
        heading.addWidget(title, 1)
        heading.addWidget(self.la_label)
        lay.addLayout(heading)
        lay.addLayout(buttons)
        lay.addWidget(self.message)
        lay.addWidget(self.tabs, 1)
        self._show(None)

    # --- loading ---------------------------------------------------------------------------------

    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, tr("Choose the folder of returns"))
        if path:
            self.load([Path(path)])

    def load(self, folders: Sequence[Path]) -> None:
        """Verify and add up the returns in ``folders`` off the UI thread."""
        self.folders = list(folders)
        progress = QProgressDialog(tr("Checking the returns…"), tr("Hide"), 0, 0, self)
        progress.setWindowTitle(tr("Returns"))
        progress.setMinimumDuration(300)
        self.import_button.setEnabled(False)

        def work(report: Progress) -> LaInsight:
            return self.reports.insight(self.folders, progress=report)

        def step(done: int, total: int, name: str) -> None:
            progress.setMaximum(max(total, 1))
            progress.setValue(done)
            progress.setLabelText(
                tr("Checking {name}…").format(name=name) if name else tr("Adding up…")
            )

        def done(insight: LaInsight) -> None:
            progress.close()
            self.import_button.setEnabled(True)
            self._show(insight)
            self.loaded.emit()

        def failed(exc: BaseException) -> None:
            progress.close()
            self.import_button.setEnabled(True)
            self.message.setText(plain_error(exc))
            self.loaded.emit()

        run_with_progress(work, step, done, failed)

    # --- saving ----------------------------------------------------------------------------------

    def _choose_pdf(self) -> None:
        if self.insight is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self,
            tr("Save the report"),
            f"transitions-returns-{self.insight.period.label}.pdf",
            tr("PDF (*.pdf)"),
        )
        if path:
            self.save_pdf(Path(path))

    def _choose_csv(self) -> None:
        if self.insight is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self,
            tr("Save the figures"),
            f"transitions-returns-{self.insight.period.label}.csv",
            tr("CSV files (*.csv)"),
        )
        if path:
            self.save_csv(Path(path))

    def save_pdf(self, path: Path) -> None:
        self._save(lambda: self.reports.save_pdf(self.insight, path), path)  # type: ignore[arg-type]

    def save_csv(self, path: Path) -> None:
        self._save(lambda: self.reports.save_csv(self.insight, path), path)  # type: ignore[arg-type]

    def _save(self, write: Callable[[], None], path: Path) -> None:
        if self.insight is None:
            return
        try:
            write()
        except Exception as exc:  # noqa: BLE001 - shown as one plain sentence
            self.message.setText(plain_error(exc))
        else:
            self.message.setText(tr("Saved {path}.").format(path=str(path)))

    # --- showing ---------------------------------------------------------------------------------

    def _show(self, insight: LaInsight | None) -> None:
        self.insight = insight
        for b in (self.pdf_button, self.csv_button):
            b.setEnabled(insight is not None)
        if insight is None:
            self.message.setText(
                tr(
                    "Import the folder where settings and schools send their returns: each return is "
                    "checked against your LA's root certificate before it is counted."
                )
            )
            self.tabs.setEnabled(False)
            return
        self.tabs.setEnabled(True)
        refused = len(insight.refused)
        self.message.setText(
            tr("{period}: {settings} settings and {schools} schools.").format(
                period=insight.period.label,
                settings=len(insight.settings),
                schools=len(insight.schools),
            )
            + (
                " " + tr("{n} file(s) refused and left out: see the Overview.").format(n=refused)
                if refused
                else ""
            )
        )
        self._overview(insight)
        self._sent(insight)
        self._missing(insight)
        self._send(insight)
        self._schools(insight)
        self._gld(insight)

    def _overview(self, insight: LaInsight) -> None:
        self.overview.summary.setText(
            tr(
                "Returns hold counts only: no child is named, and counts from 1 to 4 are suppressed "
                "(so is any figure from which one could be worked out). LA-wide figures add up what "
                "is known and say how many returns they come from."
            )
        )
        _fill(
            self.returns_table,
            [tr("Sent by"), tr("URN"), tr("Kind"), tr("Signed"), tr("Charter"), tr("File")],
            [
                [
                    a.content.name,
                    a.content.urn,
                    tr(a.content.kind_label),
                    a.signed_at.date().isoformat(),
                    f"{a.content.charter.id} {a.content.charter.version}",
                    a.file,
                ]
                for a in (*insight.settings, *insight.schools)
            ]
            + [
                [
                    a.content.name,
                    a.content.urn,
                    tr("superseded"),
                    a.signed_at.date().isoformat(),
                    "",
                    a.file,
                ]
                for a in insight.superseded
            ],
        )
        _fill(
            self.missing_table,
            [tr("Certificate holder"), tr("URN")],
            [[e.name, e.urn] for e in insight.missing],
        )
        _fill(
            self.refused_table,
            [tr("File"), tr("Why it was refused")],
            [[f.file, f.reason] for f in insight.refused],
        )

    def _sent(self, insight: LaInsight) -> None:
        self.sent.summary.setText(
            tr(
                "LA-wide, records of the {due} children due to start Reception: sent by the deadline "
                "{on_time}; sent late {late}; not sent yet {never}."
            ).format(
                on_time=rate_text(insight.rate("on_time")),
                due=total_text(insight.total("due")),
                late=rate_text(insight.rate("late")),
                never=rate_text(insight.rate("never_sent")),
            )
        )
        settings = [a.content for a in insight.settings]
        self.sent_chart.set_bars(
            [_bar(r.name, rate_of([r], "sent.on_time", "due")) for r in settings]
        )
        _fill(
            self.sent_table,
            [tr("Setting"), tr("Due"), tr("On time"), tr("Late"), tr("Not sent")],
            [
                [
                    r.name,
                    _count(r, "due"),
                    _count(r, "sent.on_time"),
                    _count(r, "sent.late"),
                    _count(r, "sent.not_sent"),
                ]
                for r in settings
            ],
        )

    def _missing(self, insight: LaInsight) -> None:
        due = insight.total("due")
        self.missing.summary.setText(
            tr(
                "LA-wide: the charter refused the export of {refused} of the records due at least once "
                "because key information was missing."
            ).format(refused=rate_text(insight.rate("refused")))
        )
        bars = []
        for item in insight.items("refused")[:12]:
            t = item.total
            pct = (
                round(100.0 * t.value / due.value, 1)
                if due.value and t.returns > t.suppressed_in
                else None
            )
            bars.append((item.label, pct, total_text(t) + tr(" records")))
        self.missing_chart.set_bars(bars)
        _fill(
            self.still_table,
            [tr("Missing item"), tr("Records")],
            [[i.label, total_text(i.total)] for i in insight.items("missing_now")],
        )

    def _send(self, insight: LaInsight) -> None:
        self.send.summary.setText(
            tr(
                "LA-wide: plans of children with SEN support or above co-produced with the parent "
                "{co}; transition meetings the charter asks for held by its deadline {meet}; children "
                "due still waiting for a specialist service: {waiting}."
            ).format(
                co=rate_text(insight.rate("coproduced")),
                meet=rate_text(insight.rate("meetings")),
                waiting=total_text(insight.total("waiting.yes")),
            )
        )
        settings = [a.content for a in insight.settings]
        self.coproduced_chart.set_bars(
            [_bar(r.name, rate_of([r], "coproduced.yes", "send.plus")) for r in settings]
        )
        self.meetings_chart.set_bars(
            [_bar(r.name, rate_of([r], "meeting.on_time", "meeting.due")) for r in settings]
        )
        _fill(
            self.send_table,
            [
                tr("Setting"),
                tr("SEN support or above"),
                tr("Co-produced"),
                tr("Meetings on time"),
                tr("Waiting"),
            ],
            [
                [
                    r.name,
                    _count(r, "send.plus"),
                    _count(r, "coproduced.yes"),
                    _count(r, "meeting.on_time"),
                    _count(r, "waiting.yes"),
                ]
                for r in settings
            ],
        )

    def _schools(self, insight: LaInsight) -> None:
        self.schools.summary.setText(
            tr(
                "LA-wide: schools received {received} records that verified; {soon} were read within two "
                "weeks of arriving; {overdue} of the SENCO queue items are overdue. Settings' own receipts "
                "say {read} of the records they sent were read."
            ).format(
                received=total_text(insight.total("received.total", SCHOOL)),
                soon=rate_text(insight.rate("read_soon", SCHOOL)),
                overdue=rate_text(insight.rate("senco_overdue", SCHOOL)),
                read=rate_text(insight.rate("read", SETTING)),
            )
        )
        schools = [a.content for a in insight.schools]
        self.read_chart.set_bars(
            [_bar(r.name, rate_of([r], "read.within_two_weeks", "received.total")) for r in schools]
        )
        _fill(
            self.schools_table,
            [
                tr("School"),
                tr("Received"),
                tr("Read within two weeks"),
                tr("Quarantined"),
                tr("SENCO overdue"),
                tr("Outcomes sent"),
            ],
            [
                [
                    r.name,
                    _count(r, "received.total"),
                    _count(r, "read.within_two_weeks"),
                    _count(r, "quarantined.total"),
                    _count(r, "senco.overdue"),
                    _count(r, "outcomes.children"),
                ]
                for r in schools
            ],
        )
        _fill(
            self.quarantine_table,
            [tr("Reason"), tr("Files")],
            [[label, total_text(t)] for label, t in insight.quarantine()],
        )

    def _gld(self, insight: LaInsight) -> None:
        rows = insight.gld()
        target = insight.gld_target
        self.gld.summary.setText(
            tr(
                "LA-wide, from the EYFS profile outcomes schools returned this year: {all} of all children "
                "reached a good level of development."
            ).format(all=rate_text(rows[0].rate))
            + ("" if target is None else " " + tr("The LA's target is {t}.").format(t=_pct(target)))
        )
        self.gld_chart.set_bars([_bar(g.label, g.rate) for g in rows])
        self.gld_chart.set_target(target)

        def signed(v: float | None) -> str:
            return "–" if v is None else f"{v:+g}"

        _fill(
            self.gld_table,
            [
                tr("Group"),
                tr("Good level of development"),
                tr("Gap to target (points)"),
                tr("Gap to all children (points)"),
            ],
            [
                [
                    g.label,
                    rate_text(g.rate),
                    signed(g.gap_to_target),
                    "" if g.group == "all" else signed(gap_to_all(rows, g.group)),
                ]
                for g in rows
            ],
        )
        per = []
        for a in insight.settings:
            mine = gld_rows([a.content], a.content.gld_target)
            per.append([a.content.name, *(rate_text(g.rate) for g in mine)])
        _fill(self.gld_settings_table, [tr("Setting"), *(g.label for g in rows)], per)


def table_rows(table: QTableWidget) -> list[list[str]]:
    """The text of every cell, row by row (what a person reads)."""
    return [
        [cell.text() if (cell := table.item(r, c)) else "" for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]
