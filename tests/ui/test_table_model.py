"""The shared table base (ui/table_model.py) keeps Qt's model contract for its subclasses."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from ui.table_model import RowsModel


class Pairs(RowsModel[tuple[str, int]]):
    NAME, AGE = range(2)
    HEADERS = ("Name", "Age")

    def cell(self, row: tuple[str, int], column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return row[0] if column == self.NAME else str(row[1])
        return None


def test_the_base_passes_the_model_tester_and_answers_in_bounds(qtmodeltester) -> None:  # noqa: ANN001
    model = Pairs()
    assert Pairs.COLUMN_COUNT == 2
    model.set_rows([("Wren Tumbleweed", 4), ("Ottilie Fernsby", 5)])
    qtmodeltester.check(model, force_py=True)
    assert model.headerData(Pairs.AGE, Qt.Orientation.Horizontal) == "Age"
    assert model.headerData(2, Qt.Orientation.Horizontal) is None
    assert model.index(1, Pairs.AGE).data() == "5"
    assert model.data(model.index(5, 0)) is None  # outside the rows
    assert model.row_at(0) == ("Wren Tumbleweed", 4)
    model.set_rows([])
    assert model.rowCount() == 0
