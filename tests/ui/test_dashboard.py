"""The cohort dashboard: model contract, search, filters and the count line."""

from __future__ import annotations

from PySide6.QtCore import Qt

from models.flags import derive_flags
from models.record import Record
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
                {"record_id": c.id, "export_version": 1, "received_at": "2026-07-01T09:00:00+00:00"},
                {"record_id": d.id, "export_version": 2, "received_at": "2026-07-01T09:00:00+00:00",
                 "read_by": "Ms Fictional", "read_on": "2026-07-02"},
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
