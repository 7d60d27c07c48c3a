"""The cohort dashboard: model contract, search, filters and the count line."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt

from models.flags import derive_flags
from models.readiness import readiness
from models.record import Record, SignOff, SignOffScope
from models.roles import Role
from models.signoff import record_digest
from ui.dashboard import BadgesRole, CohortFilter, CohortModel, Dashboard, RecordRole


def test_cohort_model_passes_the_model_tester(qtmodeltester, records: list[Record]) -> None:
    model = CohortModel(deadline_for=lambda r: 10)
    model.set_records(records)
    qtmodeltester.check(model, force_py=True)
    proxy = CohortFilter()
    proxy.setSourceModel(model)
    proxy.set_text("a")
    qtmodeltester.check(proxy, force_py=True)


def test_rows_show_the_child_and_give_back_the_record(records: list[Record]) -> None:
    model = CohortModel()
    model.set_records(records)
    first = records[0]
    assert model.rowCount() == len(records)
    assert model.index(0, CohortModel.NAME).data() == first.display_name
    assert model.index(0, CohortModel.SCHOOL).data() == first.get("child.school_name")
    assert model.index(0, CohortModel.STATUS).data() == "Draft"
    assert model.index(0, CohortModel.COMPLETE).data().endswith("%")
    assert model.index(0, CohortModel.NAME).data(RecordRole) is first
    assert model.index(0, CohortModel.DEADLINE).data() == ""  # no deadline rule: blank, not zero
    sen = next(i for i, r in enumerate(records) if derive_flags(r).send)
    assert (
        model.index(sen, CohortModel.FLAGS).data(BadgesRole) == derive_flags(records[sen]).badges()
    )


def test_search_as_you_type_and_filters(qtbot, records: list[Record]) -> None:
    dash = Dashboard()
    qtbot.addWidget(dash)
    dash.set_records(records)
    target = records[4]
    qtbot.keyClicks(dash.search, str(target.get("child.legal_surname"))[:5])
    shown = [dash.proxy.index(r, 0).data(RecordRole) for r in range(dash.proxy.rowCount())]
    assert target in shown
    assert all(
        str(target.get("child.legal_surname"))[:5].lower() in r.display_name.lower() for r in shown
    )
    dash.search.clear()
    assert dash.proxy.rowCount() == len(records)

    dash.send_filter.setCurrentIndex(dash.send_filter.findData("send_any"))
    assert 0 < dash.proxy.rowCount() < len(records)
    assert all(
        derive_flags(dash.proxy.index(r, 0).data(RecordRole)).send
        for r in range(dash.proxy.rowCount())
    )
    dash.send_filter.setCurrentIndex(0)

    qtbot.mouseClick(dash.incomplete, Qt.MouseButton.LeftButton)
    assert dash.incomplete.isChecked()
    assert 0 < dash.proxy.rowCount() <= len(records)  # every synthetic record may be incomplete
    if dash.proxy.rowCount() < len(records):
        assert "showing" in dash.count_label.text()


def test_count_line_counts_children_send_and_overdue(qtbot, records: list[Record]) -> None:
    dash = Dashboard(deadline_for=lambda r: -3 if r is records[0] else 12)
    qtbot.addWidget(dash)
    dash.set_records(records)
    send = sum(1 for r in records if derive_flags(r).send)
    assert dash.count_label.text() == f"{len(records)} children, {send} with SEND, 1 record overdue"
    row = dash.model.row_of(records[0].id)  # the dashboard keeps its rows sorted by name
    assert dash.model.index(row, CohortModel.DEADLINE).data() == "3 days overdue"


def test_sorting_by_completeness_uses_numbers(qtbot, records: list[Record]) -> None:
    dash = Dashboard()
    qtbot.addWidget(dash)
    dash.set_records(records)
    dash.table.sortByColumn(CohortModel.COMPLETE, Qt.SortOrder.AscendingOrder)
    values = [
        dash.proxy.index(r, CohortModel.COMPLETE).data() for r in range(dash.proxy.rowCount())
    ]
    numbers = [int(v.rstrip("%")) for v in values]
    assert numbers == sorted(numbers)


def test_with_the_school_column_from_receipts(qtmodeltester, records) -> None:
    from models.school.handover import receipt_index

    a, b, c, d = records[:4]
    a.export_version, b.export_version, c.export_version, d.export_version = 0, 1, 2, 2
    model = CohortModel()
    model.set_records([a, b, c, d])
    receipts = [
        {
            "school": "Puddlebrook Primary School (fictional)",
            "signed_at": "2026-07-01T09:00:00+00:00",
            "records": [
                {
                    "record_id": c.id,
                    "export_version": 1,
                    "received_at": "2026-07-01T09:00:00+00:00",
                },
                {
                    "record_id": d.id,
                    "export_version": 2,
                    "received_at": "2026-07-01T09:00:00+00:00",
                    "read_by": "Ms Fictional",
                    "read_on": "2026-07-02",
                },
            ],
        }
    ]
    model.set_receipts(receipt_index(receipts))
    qtmodeltester.check(model)
    col = CohortModel.HANDOVER
    text = {r.id: model.index(model.row_of(r.id), col).data() for r in (a, b, c, d)}
    assert text[a.id] == ""
    assert text[b.id].startswith("Sent (v1)")
    assert "school has v1" in text[c.id]  # an older version was confirmed
    assert text[d.id] == "Read by Ms Fictional"
    tip = model.index(model.row_of(d.id), col).data(Qt.ItemDataRole.ToolTipRole)
    assert "confirmed receiving version 2 on 2026-07-01" in tip
    model.sort(col, Qt.SortOrder.DescendingOrder)
    assert model.index(0, 0).data(RecordRole).id == d.id


def test_date_of_birth_column_tells_same_names_apart_and_sorts(
    qtbot, records: list[Record]
) -> None:
    twin = records[0].copy()
    twin.id = "00000000-0000-4000-8000-00000000b0b0"
    twin.set("child.date_of_birth", date(2021, 10, 2))
    dash = Dashboard()
    qtbot.addWidget(dash)
    dash.set_records([*records, twin])
    header = dash.table.model().headerData(CohortModel.BORN, Qt.Orientation.Horizontal)
    assert header == "Date of birth"
    row = dash.model.row_of(twin.id)
    assert dash.model.index(row, CohortModel.BORN).data() == "2 Oct 2021"
    dash.table.sortByColumn(CohortModel.BORN, Qt.SortOrder.AscendingOrder)
    born = [
        dash.proxy.index(r, 0).data(RecordRole).get("child.date_of_birth")
        for r in range(dash.proxy.rowCount())
    ]
    known = [d for d in born if d is not None]
    assert known == sorted(known)


def test_signoff_filters_find_senco_reviews_and_changed_signoffs(
    qtbot, records: list[Record]
) -> None:
    dash = Dashboard()
    qtbot.addWidget(dash)
    changed = next(r for r in records if not derive_flags(r).send).copy()
    changed.signoffs = [
        SignOff(
            SignOffScope.RECORD,
            "Ada Keyperson",
            Role.PRACTITIONER,
            changed.created.date(),
            "0" * 64,
        )
    ]
    assert record_digest(changed) != "0" * 64
    rows = [r if r.id != changed.id else changed for r in records]
    dash.set_records(rows)

    def shown() -> list[Record]:
        return [dash.proxy.index(r, 0).data(RecordRole) for r in range(dash.proxy.rowCount())]

    senco = dash.status_filter.findText("Needs SENCO review")
    assert senco > 0
    dash.status_filter.setCurrentIndex(senco)
    needing = shown()
    assert needing
    assert all(derive_flags(r).send for r in needing)
    assert all(
        SignOffScope.SEND in readiness(r, None, date.today()).required_signoffs for r in needing
    )
    dash.status_filter.setCurrentIndex(dash.status_filter.findText("Changed since signed off"))
    assert [r.id for r in shown()] == [changed.id]
    dash.clear_search_and_filters()
    assert dash.proxy.rowCount() == len(records)


def test_a_narrow_window_never_cuts_the_date_of_birth(qtbot, records: list[Record]) -> None:
    """At 150% scaling on a 1366x768 screen the table has about 900 logical pixels: the other
    columns shrink, the date of birth keeps room for "26 Dec 2022"."""
    dash = Dashboard()
    qtbot.addWidget(dash)
    dash.set_records(records)
    dash.resize(900, 500)
    dash.show()
    qtbot.waitExposed(dash)
    header = dash.table.horizontalHeader()
    metrics = dash.table.fontMetrics()
    assert header.sectionSize(CohortModel.BORN) >= metrics.horizontalAdvance("26 Dec 2022") + 8
    assert header.sectionSize(CohortModel.SCHOOL) < 250  # the others gave way
