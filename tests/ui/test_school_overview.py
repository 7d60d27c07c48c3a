"""School screens: the class overview table (model tester, filters, sort, counts) and the SENCO
queue, driven through a school service (a fake and the real SchoolService)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from PySide6.QtCore import Qt

from models.errors import PermissionDenied
from models.flags import derive_flags
from models.names import listed_names
from models.record import Record
from models.school import (
    OverviewCounts,
    OverviewRow,
    QueueItem,
    count_rows,
    overview_rows,
    senco_queue,
)
from models.synthetic import generate_records
from tests.fixtures_pki import build_pki
from ui.school.overview import ClassOverviewFilter, ClassOverviewModel, ClassOverviewWidget, RowRole
from ui.school.senco import ItemRole, SencoQueueModel, SencoQueueWidget

TODAY = date(2026, 9, 20)


@dataclass
class Quarantined:
    file: str
    reason: str


@dataclass
class FakeOverview:
    rows: list[OverviewRow]
    counts: OverviewCounts
    quarantine: list[Quarantined] = field(default_factory=list)


class FakeSchool:
    def __init__(self, records: list[Record], *, senco: bool = True) -> None:
        self.records = records
        self.senco = senco
        self.quarantine = [
            Quarantined("tampered.pdf", "The document has been changed since it was signed.")
        ]

    def overview(self) -> FakeOverview:
        rows = overview_rows(self.records)
        return FakeOverview(rows, count_rows(rows), self.quarantine)

    def senco_queue(self, today: date | None = None) -> list[QueueItem]:
        if not self.senco:
            raise PermissionDenied(
                "Only the school SENCO or the headteacher can see the SENCO queue."
            )
        return senco_queue(self.records, today or TODAY)

    reviews: dict[str, dict[str, str]] = {}
    read: list[str] = []

    def read_record(self, record_id: str) -> Record:
        self.read = [*self.read, record_id]
        return next(r for r in self.records if r.id == record_id)

    def senco_reviews(self) -> dict[str, dict[str, str]]:
        return dict(self.reviews)

    def mark_reviewed(self, key: str, today: date | None = None) -> dict[str, str]:
        entry = {"by": "Sam SENCO", "role": "school_senco", "on": (today or TODAY).isoformat()}
        self.reviews = {**self.reviews, key: entry}
        return entry


@pytest.fixture
def cohort() -> list[Record]:
    return generate_records(24, seed=5, today=date(2026, 3, 2))


def test_models_pass_the_model_tester(qtmodeltester, cohort: list[Record]) -> None:
    model = ClassOverviewModel()
    model.set_rows(overview_rows(cohort))
    qtmodeltester.check(model, force_py=True)
    proxy = ClassOverviewFilter()
    proxy.setSourceModel(model)
    proxy.set_flag("send")
    qtmodeltester.check(proxy, force_py=True)
    queue = SencoQueueModel()
    queue.set_items(senco_queue(cohort, TODAY))
    qtmodeltester.check(queue, force_py=True)


def test_overview_shows_counts_filters_and_sorts(qtbot, cohort: list[Record]) -> None:
    widget = ClassOverviewWidget(FakeSchool(cohort))
    qtbot.addWidget(widget)
    flags = [derive_flags(r) for r in cohort]
    assert widget.model.rowCount() == 24
    assert widget.counts_label.text().startswith("24 children")
    assert f"Boys: {sum(f.boy for f in flags)}" in widget.counts_label.text()
    assert "tampered.pdf" in widget.quarantine_label.text()
    headers = [
        widget.model.headerData(c, Qt.Orientation.Horizontal)
        for c in range(widget.model.columnCount())
    ]
    assert headers[ClassOverviewModel.DSL] == "DSL to DSL"
    assert headers[ClassOverviewModel.PRIME] == "Prime areas not on track"

    widget.group_filter.setCurrentIndex(widget.group_filter.findData("send"))
    shown = [widget.proxy.index(r, 0).data(RowRole) for r in range(widget.proxy.rowCount())]
    assert len(shown) == sum(f.send for f in flags)
    assert all(row.send for row in shown)
    assert widget.shown_label.text() == f"Showing {len(shown)} of 24"
    widget.group_filter.setCurrentIndex(0)

    widget.flag_filter.setCurrentIndex(widget.flag_filter.findData("dsl"))
    shown = [widget.proxy.index(r, 0).data(RowRole) for r in range(widget.proxy.rowCount())]
    assert shown
    assert all(row.dsl_to_dsl for row in shown)
    assert widget.proxy.index(0, ClassOverviewModel.DSL).data() == "DSLs to speak directly"
    widget.flag_filter.setCurrentIndex(0)

    target = cohort[3]
    qtbot.keyClicks(widget.search, target.display_name.split()[0])
    names = [widget.proxy.index(r, 0).data() for r in range(widget.proxy.rowCount())]
    assert listed_names(cohort)[target.id] in names  # with the birthday where two share a name
    widget.search.clear()

    widget.table.sortByColumn(ClassOverviewModel.PRIME, Qt.SortOrder.DescendingOrder)
    first = widget.proxy.index(0, 0).data(RowRole)
    assert len(first.prime_not_on_track) == max(len(f.prime_not_on_track) for f in flags)
    widget.table.sortByColumn(ClassOverviewModel.NAME, Qt.SortOrder.AscendingOrder)
    names = [widget.proxy.index(r, 0).data() for r in range(widget.proxy.rowCount())]
    assert names == sorted(names, key=str.casefold)


def test_senco_queue_widget(qtbot, cohort: list[Record]) -> None:
    widget = SencoQueueWidget(FakeSchool(cohort), today=TODAY)
    qtbot.addWidget(widget)
    expected = senco_queue(cohort, TODAY)
    assert widget.model.rowCount() == len(expected)
    first = widget.model.index(0, SencoQueueModel.WHEN)
    assert first.data(ItemRole) == expected[0]
    assert first.data().startswith("Overdue by")
    overdue = sum(i.overdue for i in expected)
    assert widget.summary.text() == f"{len(expected)} item(s), {overdue} overdue"
    assert not widget.review_button.isEnabled()
    widget.table.selectRow(0)
    assert widget.review_button.isEnabled()
    qtbot.mouseClick(widget.review_button, Qt.MouseButton.LeftButton)
    reviewed = widget.model.index(0, SencoQueueModel.REVIEWED).data()
    assert reviewed == f"Sam SENCO on {TODAY.isoformat()}"
    assert "Marked reviewed" in widget.message.text()
    teacher = SencoQueueWidget(FakeSchool(cohort, senco=False), today=TODAY)
    qtbot.addWidget(teacher)
    assert teacher.model.rowCount() == 0
    assert "SENCO" in teacher.summary.text()


def test_widgets_with_the_real_school_service(qtbot, tmp_path: Path) -> None:
    from tests.unit.test_school_service import FAST, Clock, school_records, signed_pdf
    from transitions_app.services.school_service import SchoolService

    pki = build_pki()
    service, _ = SchoolService.create(
        tmp_path / "school",
        "head",
        "head-password-1",
        urn="900001",
        name="Puddlebrook (fictional)",
        kdf=FAST,
        clock=Clock(),
    )
    service.set_trust(pki.root.cert.public_bytes(serialization.Encoding.PEM))
    records = school_records(8)
    paths = []
    for i, record in enumerate(records):
        path = tmp_path / f"c{i}.pdf"
        path.write_bytes(signed_pdf(record, pki.setting))
        paths.append(path)
    assert {o.status for o in service.import_files(paths)} == {"imported"}
    overview = ClassOverviewWidget(service)
    qtbot.addWidget(overview)
    assert overview.model.rowCount() == 8
    assert overview.quarantine_label.text() == "No files in quarantine."
    queue = SencoQueueWidget(service, today=TODAY)
    qtbot.addWidget(queue)
    assert queue.model.rowCount() > 0
    service.close()


def test_opening_a_child_reads_the_record_read_only(qtbot, cohort: list[Record]) -> None:
    from ui.school.overview import ClassOverviewWidget

    school = FakeSchool(cohort)
    widget = ClassOverviewWidget(school)
    qtbot.addWidget(widget)
    flagged = next(r for r in cohort if r.get("child.cin_cp") == "yes")
    proxy = widget.table.model()
    row = next(
        i for i in range(proxy.rowCount()) if proxy.index(i, 0).data() == flagged.display_name
    )
    dialog = widget.open_record(proxy.index(row, 0))
    assert dialog is not None
    qtbot.addWidget(dialog)
    text = dialog.browser.toPlainText()
    assert flagged.display_name in text
    assert "DSL to DSL" in text
    assert "Child in need or child protection plan" not in text  # only the flag travels
    assert school.read == [flagged.id]
