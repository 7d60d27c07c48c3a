"""models.school: class overview rows and counts, the SENCO queue, EYFSP CSV and cohort figures."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from models.flags import derive_flags
from models.record import Record
from models.school import (
    COLUMNS,
    Provenance,
    QueueKind,
    cohort_stats,
    count_rows,
    match_outcomes,
    overview_rows,
    parse_outcomes_csv,
    senco_queue,
)
from models.school.outcomes import ASPECTS, ELG_COLUMNS, GLD_ASPECTS, ChildOutcome
from models.synthetic import generate_records

TODAY = date(2026, 3, 2)


@pytest.fixture(scope="module")
def records() -> list[Record]:
    return generate_records(24, seed=7, today=TODAY)


def test_rows_show_derived_flags_as_columns(records: list[Record]) -> None:
    prov = {
        records[0].id: Provenance(
            record_id=records[0].id,
            setting_name="Little Acorns Nursery (fictional)",
            setting_urn="EY900001",
            signer="Sam Keyworth",
            organisation="Little Acorns",
            fingerprint_sha256="AA:BB",
            signed_at="2026-06-01T09:30:00+00:00",
            vouched=False,
            export_version=3,
            file_name="a.pdf",
            file_sha256="00",
            imported_at="2026-07-01",
        )
    }
    rows = overview_rows(records, prov)
    assert len(rows) == len(records)
    assert [r.name.casefold() for r in rows] == sorted(r.name.casefold() for r in rows)
    by_id = {r.record_id: r for r in rows}
    for record in records:
        flags = derive_flags(record)
        row = by_id[record.id]
        assert row.send_label == flags.send_label
        assert row.eal == flags.eal
        assert row.prime_not_on_track == flags.prime_not_on_track
        assert row.asq_below == flags.asq_below
        assert row.waiting_list == flags.waiting_list
        assert row.medical == flags.medical
        assert row.dsl_to_dsl == flags.dsl_to_dsl
    first = by_id[records[0].id]
    assert first.version == 3
    assert first.signer == "Sam Keyworth"
    assert "not vouched" in first.text("signer")
    assert [c.key for c in COLUMNS][0] == "name"
    for column in COLUMNS:
        first.text(column.key)  # every column has text


def test_counts_by_flag_and_group(records: list[Record]) -> None:
    rows = overview_rows(records)
    counts = count_rows(rows)
    flags = [derive_flags(r) for r in records]
    assert counts.total == 24
    assert counts.groups == {
        "boys": sum(f.boy for f in flags),
        "fsm": sum(f.fsm for f in flags),
        "send": sum(f.send for f in flags),
        "eal": sum(f.eal for f in flags),
    }
    assert counts.flags["dsl"] == sum(f.dsl_to_dsl for f in flags) >= 1
    assert counts.flags["waiting"] == sum(bool(f.waiting_list) for f in flags) >= 1
    assert counts.flags["send"] == counts.groups["send"] >= 3


def test_school_views_expose_only_the_dsl_flag(records: list[Record]) -> None:
    flagged = [r for r in records if r.get("child.cin_cp") == "yes"]
    assert flagged
    row = overview_rows(flagged)[0]
    data = row.to_dict()
    assert data["dsl_to_dsl"] is True
    text = json.dumps(data).lower()
    for word in ("cin_cp", "child protection", "child in need", "safeguarding", "looked_after"):
        assert word not in text
    assert set(data) == {
        "record_id",
        "name",
        "setting",
        "setting_urn",
        "signer",
        "vouched",
        "version",
        "send_status",
        "send_label",
        "eal",
        "prime_not_on_track",
        "asq_below",
        "waiting_list",
        "medical",
        "dsl_to_dsl",
        "boy",
        "fsm",
    }
    assert row.text("dsl") == "DSLs to speak directly"
    queue_text = json.dumps([i.to_dict() for i in senco_queue(flagged, TODAY)]).lower()
    assert "protection" not in queue_text
    assert "cin" not in queue_text


def _send_child(actions: tuple[dict[str, object], ...], **values: object) -> Record:
    record = generate_records(1, seed=3, today=TODAY)[0]
    record.set("send.status", "ehc_plan")
    record.set("send.meeting_actions", actions)
    for path, value in values.items():
        record.set(path.replace("__", "."), value)
    return record


def test_senco_queue_overdue_first() -> None:
    today = date(2026, 9, 10)
    a = _send_child(
        (
            {
                "action": "Order a wobble cushion",
                "owner": "School SENCO",
                "due": today + timedelta(days=5),
            },
            {
                "action": "Share visual timetable",
                "owner": "Setting SENCO",
                "due": today - timedelta(days=2),
            },
        ),
        send__ehc_next_review=today + timedelta(days=100),
        send__section23=True,
        send__section23_date=today - timedelta(days=300),
    )
    b = _send_child(
        (
            {
                "action": "Photo book visit",
                "owner": "Reception teacher",
                "due": today - timedelta(days=9),
            },
        ),
        send__professionals=(
            {
                "service": "Community paediatrics",
                "status": "waiting",
                "waiting_since": today - timedelta(days=200),
            },
            {"service": "Physiotherapy", "status": "involved"},
        ),
    )
    queue = senco_queue([a, b], today)
    assert [(i.kind, i.what) for i in queue[:3]] == [
        (QueueKind.ACTION, "Photo book visit"),  # 9 days overdue
        (QueueKind.ACTION, "Share visual timetable"),  # 2 days overdue
        (QueueKind.ACTION, "Order a wobble cushion"),  # due in 5 days
    ]
    assert queue[3].kind is QueueKind.EHC_REVIEW
    assert queue[0].overdue
    assert queue[0].days == 9
    assert queue[0].owner == "Reception teacher"
    assert not queue[2].overdue
    assert queue[2].days == -5
    undated = queue[4:]
    assert {i.kind for i in undated} == {QueueKind.SECTION_23, QueueKind.WAITING}
    assert [i.days for i in undated] == [300, 200]  # the longest wait first
    assert "Community paediatrics" in undated[1].what
    assert all(i.due is None for i in undated)


def test_senco_queue_from_synthetic_cohort(records: list[Record]) -> None:
    queue = senco_queue(records, TODAY + timedelta(days=20))
    assert any(i.overdue for i in queue)
    seen_not_overdue = False
    for item in queue:  # overdue items never come after one that is not
        if not item.overdue:
            seen_not_overdue = True
        assert not (item.overdue and seen_not_overdue)
    assert {QueueKind.ACTION, QueueKind.EHC_REVIEW, QueueKind.SECTION_23, QueueKind.WAITING} <= {
        i.kind for i in queue
    }


# --- EYFSP CSV -------------------------------------------------------------------------------

HEADER = "UPN,RecordID,Forename,Surname,GLD," + ",".join(c for c, _a, _l, _g in ELG_COLUMNS)


def _line(
    record_id: str, gld: str, elgs: list[str], upn: str = "", name: str = "Test,Child"
) -> str:
    return ",".join([upn, record_id, name, gld, *elgs])


def test_elg_columns_follow_the_framework() -> None:
    assert len(ELG_COLUMNS) == 17
    assert ELG_COLUMNS[0][:2] == ("ELG01", "cl_listening")
    assert ELG_COLUMNS[-1][:2] == ("ELG17", "ead_imaginative")
    assert len(GLD_ASPECTS) == 12


def test_csv_parses_good_rows_and_reports_each_bad_one() -> None:
    good = ["expected"] * 17
    text = "\n".join(
        [
            HEADER,
            _line("00000000-0000-4000-8000-000000000001", "Y", good),
            _line("00000000-0000-4000-8000-000000000002", "N", ["1"] + ["2"] * 16),  # DfE codes
            _line("", "Y", good),  # neither UPN nor RecordID
            _line("00000000-0000-4000-8000-000000000004", "maybe", good),
            _line(
                "00000000-0000-4000-8000-000000000005", "Y", ["emerging"] + ["expected"] * 16
            ),  # GLD contradicts the ELGs
            _line("00000000-0000-4000-8000-000000000006", "N", ["expected"] * 16 + ["sideways"]),
            _line("00000000-0000-4000-8000-000000000001", "Y", good),  # duplicate
            _line("00000000-0000-4000-8000-000000000007", "N", good),  # all expected but GLD N
            "",
        ]
    )
    parsed = parse_outcomes_csv(text.encode("utf-8-sig"))
    assert [r.record_id for r in parsed.rows] == [
        "00000000-0000-4000-8000-000000000001",
        "00000000-0000-4000-8000-000000000002",
    ]
    assert parsed.rows[1].elgs["cl_listening"] == "emerging"
    assert not parsed.rows[1].gld
    lines = {e.line: str(e) for e in parsed.errors}
    assert sorted(lines) == [4, 5, 6, 7, 8, 9]
    assert "neither a UPN nor a RecordID" in lines[4]
    assert "GLD must be Y or N" in lines[5]
    assert "not every goal" in lines[6]
    assert "ELG17" in lines[7]
    assert "Test Child" in lines[7]
    assert "line 2" in lines[8]
    assert lines[9].startswith("Line 9:")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\xff\xfe\x00bad", "UTF-8"),
        (b"UPN,GLD\n", "ELG01"),
        (b"Forename,GLD," + ",".join(c for c, *_ in ELG_COLUMNS).encode(), "UPN or RecordID"),
    ],
)
def test_csv_whole_file_problems(data: bytes, message: str) -> None:
    parsed = parse_outcomes_csv(data)
    assert not parsed.rows
    assert message in str(parsed.errors[0])


def test_match_by_record_id_then_upn(records: list[Record]) -> None:
    records = [r.copy() for r in records[:3]]
    records[1].set("child.upn", "A123456789012")
    good = ["expected"] * 17
    parsed = parse_outcomes_csv(
        "\n".join(
            [
                HEADER,
                _line(records[0].id, "Y", good),
                _line("", "Y", good, upn="a123456789012"),
                _line("00000000-0000-4000-8000-0000000000ff", "Y", good),  # no such record
            ]
        )
    )
    matched, errors = match_outcomes(parsed.rows, records)
    assert [m.record_id for m in matched] == [records[0].id, records[1].id]
    assert [e.line for e in errors] == [4]


# --- cohort figures ---------------------------------------------------------------------------


def _child(
    rid: str,
    groups: set[str],
    gld: bool,
    emerging: tuple[str, ...] = (),
    judged: dict[str, str] | None = None,
) -> ChildOutcome:
    elgs = {a: ("emerging" if a in emerging else "expected") for a in ASPECTS}
    return ChildOutcome(rid, "EY1", "Setting", frozenset(groups), gld, elgs, judged or {})


def test_cohort_figures_by_hand() -> None:
    children = [
        _child("a", {"boys", "fsm"}, True, judged={"cl_speaking": "on_track"}),
        _child(
            "b",
            {"boys", "send"},
            False,
            ("cl_speaking", "lit_writing"),
            {"cl_speaking": "targeted_support"},
        ),
        _child("c", {"eal"}, True, judged={"cl_speaking": "some_support"}),
        _child("d", {"fsm", "eal"}, False, ("cl_speaking",), {"cl_speaking": "on_track"}),
        _child("e", set(), True, judged={"cl_speaking": "not_assessed"}),
    ]
    stats = cohort_stats(children)
    assert (
        stats.group("all").gld,
        stats.group("all").children,
        stats.group("all").gld_percent,
    ) == (3, 5, 60.0)
    assert stats.group("boys").gld_percent == 50.0
    assert stats.group("fsm").gld_percent == 50.0
    assert stats.group("send").gld_percent == 0.0
    assert stats.group("eal").gld_percent == 50.0
    speaking = next(e for e in stats.elgs if e.aspect == "cl_speaking")
    assert (speaking.expected, speaking.children, speaking.expected_percent) == (3, 5, 60.0)
    writing = next(e for e in stats.elgs if e.aspect == "lit_writing")
    assert writing.expected_percent == 80.0
    agree = next(a for a in stats.agreement if a.aspect == "cl_speaking")
    # on track & expected: a; on track & emerging: d; support & expected: c; support & emerging: b
    assert (
        agree.on_track_expected,
        agree.on_track_emerging,
        agree.support_expected,
        agree.support_emerging,
    ) == (1, 1, 1, 1)
    assert agree.not_judged == 1
    assert agree.agreement_percent == 50.0
    assert cohort_stats([]).group("all").gld_percent is None
    data = stats.to_dict()
    assert data["gld"][0] == {
        "group": "all",
        "label": "All children",
        "children": 5,
        "gld": 3,
        "gld_percent": 60.0,
    }


def test_child_outcome_round_trip_and_refusals() -> None:
    child = _child("a", {"boys"}, True, judged={"cl_speaking": "on_track"})
    assert ChildOutcome.from_dict(json.loads(json.dumps(child.to_dict()))) == child
    from models.errors import InterchangeError

    broken = child.to_dict()
    del broken["elgs"]["cl_speaking"]
    with pytest.raises(InterchangeError):
        ChildOutcome.from_dict(broken)
    odd = child.to_dict()
    odd["groups"] = ["wizards"]
    with pytest.raises(InterchangeError):
        ChildOutcome.from_dict(odd)
