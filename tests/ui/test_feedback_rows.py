"""The setting's feedback page: per child sent, received and read."""

from __future__ import annotations

from models.synthetic import generate_records


def test_feedback_rows_show_who_read_a_record() -> None:
    from ui.feedback import receipt_rows

    record = generate_records(1, seed=5)[0]
    record.export_version = 1
    receipt = {
        "school": "Puddlebrook Primary School (fictional)",
        "signed_at": "2026-07-01T09:00:00+00:00",
        "records": [
            {
                "record_id": record.id,
                "export_version": 1,
                "received_at": "2026-06-30",
                "read_by": "teacher",
                "read_on": "2026-07-02",
            }
        ],
    }
    [row] = receipt_rows([record], [receipt])
    assert row[3] == "Received version 1 on 2026-06-30"
    assert row[4] == "Read by teacher on 2026-07-02"
