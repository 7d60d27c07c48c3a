"""The whole loop on the real paths, in one test: a Northshire setting (the demo vault) exports a
batch for Acorn Lane Primary with the export service (signed with its LA-issued certificate and
encrypted to the school's certificate from the charter's directory) -> the school imports the
batch with its decryption key; one tampered file among them is quarantined with its reason ->
the school sends a signed receipt, and later signed outcomes -> the setting imports both, sees
sent / received / read per child, and its cohort figures match ones counted here by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from models.flags import derive_flags
from models.record import Record
from models.school.handover import Stage, handovers
from models.school.outcomes import ELG_COLUMNS, GLD_ASPECTS
from models.vault import KdfParams
from transitions_app.services.charter_service import EXAMPLES_DIR, CharterService
from transitions_app.services.demo import DEMO_PASSWORD, create_demo_vault
from transitions_app.services.export_service import ExportService
from transitions_app.services.feedback_service import FeedbackService
from transitions_app.services.school_service import SchoolService
from transitions_app.services.vault_service import VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
NORTHSHIRE = EXAMPLES_DIR / "northshire"
ACORN_LANE = ("Acorn Lane Primary School (fictional)", "990101")
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def eyfsp_csv(rows: list[tuple[Record, bool, set[str]]]) -> bytes:
    """The school's EYFSP CSV, matched by RecordID (these children have no UPN yet)."""
    lines = ["UPN,RecordID,Forename,Surname,GLD," + ",".join(c for c, *_ in ELG_COLUMNS)]
    for record, gld, emerging in rows:
        elgs = ["emerging" if aspect in emerging else "expected" for _c, aspect, *_ in ELG_COLUMNS]
        lines.append(",".join(["", record.id, "Fictional", "Child", "Y" if gld else "N", *elgs]))
    return ("\n".join(lines) + "\n").encode()


def test_export_import_receipt_outcomes_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # --- the setting: every demo child goes to Acorn Lane, which has a certificate -------------
    monkeypatch.setattr("models.synthetic.SCHOOLS", (ACORN_LANE,))
    create_demo_vault(tmp_path / "setting", children=9, seed=4, kdf=FAST, today=NOW.date())
    setting = VaultService.open(tmp_path / "setting", "manager", DEMO_PASSWORD)
    exporter = ExportService(setting, clock=lambda: NOW, workers=1)
    ready = [r for r in setting.list_records() if not exporter.missing_for_export(r)]
    assert len(ready) >= 4, "the demo signs off most records"
    report = exporter.export([r.id for r in ready], tmp_path / "outbox", packets="teacher")
    files = sorted(f.path for f in report.files)
    assert len(files) == len(ready)
    assert all(b"/Adobe.PubSec" in f.read_bytes() for f in files)  # encrypted to the school

    # one file is changed in transit
    tampered = tmp_path / "outbox" / "tampered-copy.pdf"
    data = bytearray(files[0].read_bytes())
    data[bytes(data).index(b"/Contents") - 300] ^= 0x04
    tampered.write_bytes(bytes(data))

    # --- the school --------------------------------------------------------------------------
    school, _key = SchoolService.create(
        tmp_path / "school",
        "head",
        "acorn-head-password",
        urn=ACORN_LANE[1],
        name=ACORN_LANE[0],
        kdf=FAST,
        clock=lambda: NOW,
    )
    CharterService(school.vault, clock=lambda: NOW).import_charter(
        (NORTHSHIRE / "charter.signed.toml").read_bytes(),
        root_pem=(NORTHSHIRE / "la-ca" / "root-cert.pem").read_bytes(),
        crl=(NORTHSHIRE / "crl.pem").read_bytes(),
    )
    school.add_decryption_key(
        (NORTHSHIRE / "schools" / "990101.p12").read_bytes(), "demo-school-passphrase"
    )
    outcomes = school.import_files([*files, tampered])
    assert [o.status for o in outcomes] == ["imported"] * len(files) + ["quarantined"], [
        o.reason for o in outcomes
    ]
    [quarantined] = school.quarantine()
    assert quarantined.file == "tampered-copy.pdf"
    assert "changed" in quarantined.reason
    assert not quarantined.releasable
    overview = school.overview()
    assert overview.counts.total == len(ready)
    assert all(row.vouched for row in overview.rows)
    first = overview.rows[0].record_id
    school.read_record(first)

    # --- receipt: sent / received / read ---------------------------------------------------
    setting_urn = str(ready[0].get("child.setting_urn"))
    receipt = school.receipt(setting_urn)
    feedback = FeedbackService(setting, clock=lambda: NOW + timedelta(days=1))
    got = feedback.import_receipt(receipt)
    assert got.children == len(ready)
    assert got.unknown_records == ()
    rows = {r["record_id"]: r for r in feedback.receipts()[0]["records"]}
    assert rows[first]["read_by"] == "head"
    assert sum(1 for r in rows.values() if r["read_by"]) == 1
    # the setting's dashboard column: sent / received / read per child
    state = handovers(setting.list_records(), feedback.receipts())
    stages = {rid: h.stage for rid, h in state.items()}
    assert stages[first] is Stage.READ
    assert sum(s is Stage.RECEIVED for s in stages.values()) == len(ready) - 1
    assert sum(s is Stage.NOT_SENT for s in stages.values()) == len(state) - len(ready)

    # --- outcomes at the end of Reception ----------------------------------------------------
    received = {r.id: r for r in school.records()}
    plan = []
    for i, rid in enumerate(sorted(received)):
        record = received[rid]
        if i % 3 == 0:
            plan.append((record, False, {"cl_speaking", "pd_gross_motor"}))
        else:
            plan.append((record, True, set()))
    result = school.outcome_files(eyfsp_csv(plan))
    assert result.errors == []
    assert list(result.files) == [setting_urn]
    feedback.import_outcomes(result.files[setting_urn])
    stats = feedback.cohort()

    by_hand = {"all": [0, 0], "boys": [0, 0], "fsm": [0, 0], "send": [0, 0], "eal": [0, 0]}
    for record, gld, _emerging in plan:
        flags = derive_flags(record)
        for key, member in (
            ("all", True),
            ("boys", flags.boy),
            ("fsm", flags.fsm),
            ("send", flags.send),
            ("eal", flags.eal),
        ):
            if member:
                by_hand[key][0] += 1
                by_hand[key][1] += int(gld)
    for key, (children, reached) in by_hand.items():
        figure = stats.group(key)
        assert (figure.children, figure.gld) == (children, reached), key
        expected_pct = None if children == 0 else round(100 * reached / children, 1)
        assert figure.gld_percent == expected_pct, key
    target = feedback.gld_target_percent()
    assert target is not None  # Northshire's charter sets one
    table = feedback.cohort_csv().decode("utf-8-sig").splitlines()
    assert table[0].startswith("Table,Group or goal,Children,Reached,Percent")
    all_row = next(line.split(",") for line in table if line.startswith("GLD,All children"))
    assert all_row[2:4] == [str(by_hand["all"][0]), str(by_hand["all"][1])]
    assert float(all_row[5]) == target
    speaking = next(e for e in stats.elgs if e.aspect == "cl_speaking")
    assert speaking.expected == sum(1 for _r, _g, e in plan if "cl_speaking" not in e)
    assert "cl_speaking" in GLD_ASPECTS
    setting.close()
    school.close()
