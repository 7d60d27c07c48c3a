"""The LA's figures equal those worked out by hand from the settings' vaults.

Three demo vaults (fictional children) each get their own LA-issued certificate, export some
records before the charter's deadline and some after (one export is refused for missing
information), receive a school's signed receipt and EYFS profile outcomes, and make their return.
The LA's report of the three returns is then compared, figure by figure, with counts made here
directly from each vault's records and audit trail: where no return suppressed a count, the LA-wide
figure is exactly the sum; where some did, it is the sum over the others and says how many."""

from __future__ import annotations

import random
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from export import pki
from export.receipts import OUTCOMES, RECEIPT, sign_document
from models.flags import derive_flags
from models.la.returns import Period
from models.school.outcomes import ASPECTS, child_groups
from models.vault import KdfParams
from transitions_app.services.charter_service import CharterService
from transitions_app.services.demo import create_demo_vault
from transitions_app.services.export_service import ExportService
from transitions_app.services.feedback_service import FeedbackService
from transitions_app.services.la_service import LaReportService, LaReturnService
from transitions_app.services.vault_service import VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PASSWORD = "demo-password"
EXAMPLES = Path(__file__).resolve().parents[2] / "charters" / "northshire"
ON_TIME = datetime(2027, 6, 15, 10, 0, tzinfo=UTC)
LATE = datetime(2027, 7, 5, 10, 0, tzinfo=UTC)
FEEDBACK = datetime(2027, 7, 8, 10, 0, tzinfo=UTC)
RETURN = datetime(2027, 7, 10, 10, 0, tzinfo=UTC)
DEADLINE = date(2027, 6, 30)
MEETINGS = date(2027, 5, 31)
ENTRY = Period(2027)
SETTINGS = (
    ("Bumblebee Pre-school (fictional)", "EY700001", 26, 3),
    ("Conker Tree Nursery (fictional)", "EY700002", 34, 5),
    ("Daisy Chain Childminding (fictional)", "EY700003", 19, 7),
)


def _clock(moment: datetime):  # type: ignore[no-untyped-def]
    return lambda: moment


def _session(directory: Path, moment: datetime) -> VaultService:
    return VaultService.open(directory, "manager", PASSWORD, clock=_clock(moment))


def _exportable(vault: VaultService, exporter: ExportService) -> list[str]:
    return sorted(
        r.id
        for r in vault.list_records()
        if r.export_version == 0 and not exporter.missing_for_export(r)
    )


def _setting(
    folder: Path,
    ca: pki.CertificateAuthority,
    school: pki.SigningIdentity,
    name: str,
    urn: str,
    children: int,
    seed: int,
) -> Path:
    directory = folder / urn
    create_demo_vault(directory, children=children, seed=seed, kdf=FAST, today=date(2026, 10, 1))
    identity = ca.issue_setting(name, urn, now=datetime(2026, 9, 1, tzinfo=UTC))
    vault = _session(directory, ON_TIME)
    try:
        CharterService(vault, clock=_clock(ON_TIME)).import_setting_p12(
            pki.identity_to_p12(identity, "setting-passphrase"), "setting-passphrase"
        )
        exporter = ExportService(vault, clock=_clock(ON_TIME), workers=1)
        ready = _exportable(vault, exporter)
        draft = next(r.id for r in vault.list_records() if exporter.missing_for_export(r))
        report = exporter.export(
            [*ready[:2], draft], folder / "out" / urn, password="told-by-phone-1234"
        )
        assert len(report.refused) == 1
    finally:
        vault.close()
    vault = _session(directory, LATE)
    try:
        exporter = ExportService(vault, clock=_clock(LATE), workers=1)
        assert exporter.export(
            _exportable(vault, exporter)[:1], folder / "out" / urn, password="told-by-phone-1234"
        ).ok
        records = vault.list_records()
    finally:
        vault.close()
    rng = random.Random(seed)
    sent = [r for r in records if r.export_version > 0]
    receipt = {
        "school": {"urn": "900001", "name": "Puddlebrook Primary School (fictional)"},
        "records": [
            {"record_id": r.id, "export_version": 1, "read_by": "teacher" if n % 2 == 0 else None}
            for n, r in enumerate(sent)
        ],
    }
    chosen = rng.sample(records, 16)
    outcomes = {
        "school": {"urn": "900001", "name": "Puddlebrook Primary School (fictional)"},
        "children": [
            {
                "record_id": r.id,
                "setting_urn": urn,
                "setting_name": name,
                "groups": sorted(child_groups(r)),
                "gld": rng.random() < 0.6,
                "elgs": {a: "expected" for a in ASPECTS},
            }
            for r in chosen
        ],
    }
    vault = _session(directory, FEEDBACK)
    try:
        feedback = FeedbackService(vault, clock=_clock(FEEDBACK))
        feedback.import_receipt(sign_document(RECEIPT, receipt, school, signed_at=FEEDBACK))
        feedback.import_outcomes(sign_document(OUTCOMES, outcomes, school, signed_at=FEEDBACK))
    finally:
        vault.close()
    return directory


def hand_counts(directory: Path) -> dict[str, int]:
    """The return's figures, counted here from the vault without the service's code."""
    vault = _session(directory, RETURN)
    try:
        records = vault.list_records()
        entries = vault.audit_entries()
        feedback = FeedbackService(vault, clock=_clock(RETURN))
        receipts = feedback.receipts()
        outcomes = feedback.outcomes()
    finally:
        vault.close()
    first: dict[str, date] = {}
    for e in entries:
        if e.action == "exported" and e.record_id:
            first.setdefault(e.record_id, e.at.date())
    due = [r for r in records if ENTRY.start <= r.get("child.school_start_date") <= ENTRY.end]
    c: dict[str, int] = {"due": len(due)}
    c["sent.on_time"] = sum(1 for r in due if r.id in first and first[r.id] <= DEADLINE)
    c["sent.late"] = sum(1 for r in due if r.id in first and first[r.id] > DEADLINE)
    c["sent.not_sent"] = sum(1 for r in due if r.id not in first)
    c["sent.total"] = c["sent.on_time"] + c["sent.late"]
    refused = {e.record_id for e in entries if e.action == "export_refused"}
    c["refused.yes"] = sum(1 for r in due if r.id in refused)
    for status in ("none", "monitoring", "sen_support", "ehc_assessment", "ehc_plan"):
        c[f"send.{status}"] = sum(1 for r in due if r.get("send.status") == status)
    plus = [r for r in due if r.get("send.status") in ("sen_support", "ehc_assessment", "ehc_plan")]
    c["send.plus"] = len(plus)
    c["coproduced.yes"] = sum(1 for r in plus if r.get("send.plan_coproduced") is True)
    c["meeting.on_time"] = sum(
        1 for r in plus if r.get("send.meeting_date") and r.get("send.meeting_date") <= MEETINGS
    )
    c["waiting.yes"] = sum(
        1
        for r in due
        if any(p.get("status") == "waiting" for p in r.get("send.professionals") or ())
    )
    listed = {i["record_id"]: i for rec in receipts for i in rec["records"]}
    c["receipt.yes"] = sum(1 for r in due if r.id in first and r.id in listed)
    c["read.yes"] = sum(1 for r in due if r.id in listed and listed[r.id]["read_by"])
    for group in ("all", "boys", "fsm", "send", "eal"):
        members = [o for o in outcomes if group == "all" or group in o.groups]
        c[f"gld.{group}.children"] = len(members)
        c[f"gld.{group}.yes"] = sum(1 for o in members if o.gld)
    assert c["waiting.yes"] == sum(1 for r in due if derive_flags(r).waiting_list)
    return c


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("la-figures")
    shutil.copytree(
        EXAMPLES / "la-ca", folder / "la-ca"
    )  # the demo charter's LA, never the repository's copy
    ca = pki.load_ca(folder / "la-ca", "demo-la-passphrase")
    school = ca.issue_setting(
        "Puddlebrook Primary School (fictional)",
        "900001",
        now=datetime(2026, 9, 1, tzinfo=UTC),
        kind="school",
    )
    returns = folder / "returns"
    returns.mkdir()
    counts = []
    for name, urn, children, seed in SETTINGS:
        directory = _setting(folder, ca, school, name, urn, children, seed)
        vault = _session(directory, RETURN)
        try:
            LaReturnService(vault, clock=_clock(RETURN)).save_return(
                returns / f"{urn}.json", Period(2026)
            )
        finally:
            vault.close()
        counts.append(hand_counts(directory))
    insight = LaReportService(folder / "la-ca", clock=_clock(RETURN)).insight([returns])
    return insight, counts


def test_every_return_verified(world) -> None:  # type: ignore[no-untyped-def]
    insight, _counts = world
    assert insight.refused == ()
    assert sorted(a.content.urn for a in insight.settings) == ["EY700001", "EY700002", "EY700003"]


KEYS = (
    "due",
    "sent.on_time",
    "sent.late",
    "sent.not_sent",
    "sent.total",
    "refused.yes",
    "send.none",
    "send.monitoring",
    "send.sen_support",
    "send.ehc_assessment",
    "send.ehc_plan",
    "send.plus",
    "coproduced.yes",
    "waiting.yes",
    "receipt.yes",
    "read.yes",
    "gld.all.children",
    "gld.all.yes",
    "gld.boys.children",
    "gld.boys.yes",
    "gld.eal.children",
    "gld.eal.yes",
)


def test_la_wide_totals_equal_the_hand_counts(world) -> None:  # type: ignore[no-untyped-def]
    insight, counts = world
    returns = [a.content for a in sorted(insight.settings, key=lambda a: a.content.urn)]
    whole = 0
    for key in KEYS:
        total = insight.total(key)
        known = [c[key] for c, r in zip(counts, returns, strict=True) if r.value(key) is not None]
        for c, r in zip(counts, returns, strict=True):
            if r.value(key) is not None:
                assert r.value(key) == c[key], f"{r.urn} {key}"
        assert total.value == sum(known), key
        assert total.suppressed_in == len(counts) - len(known), key
        whole += total.complete
    assert whole >= 6  # small counts (one late record each) are suppressed; the rest come whole
    assert insight.total("due").complete
    assert insight.total("gld.all.children").complete
    assert insight.total("due").value == sum(c["due"] for c in counts) == 26 + 34 + 19


def test_la_wide_rates_equal_the_hand_counts(world) -> None:  # type: ignore[no-untyped-def]
    insight, counts = world
    returns = [a.content for a in sorted(insight.settings, key=lambda a: a.content.urn)]
    for part, whole, rate in (
        ("sent.on_time", "due", insight.rate("on_time")),
        ("coproduced.yes", "send.plus", insight.rate("coproduced")),
        ("receipt.yes", "sent.total", insight.rate("receipts")),
    ):
        both = [
            c
            for c, r in zip(counts, returns, strict=True)
            if r.value(part) is not None and r.value(whole) is not None
        ]
        assert (rate.part, rate.whole, rate.returns) == (
            sum(c[part] for c in both),
            sum(c[whole] for c in both),
            len(both),
        )
    gld = {g.group: g for g in insight.gld()}
    all_known = [
        c for c, r in zip(counts, returns, strict=True) if r.value("gld.all.yes") is not None
    ]
    assert gld["all"].rate.part == sum(c["gld.all.yes"] for c in all_known)
    assert insight.gld_target == 70.0  # the Northshire example charter's target
    if gld["all"].rate.percent is not None:
        assert gld["all"].gap_to_target == round(gld["all"].rate.percent - 70.0, 1)


def test_each_setting_sent_some_on_time_some_late_and_some_not(world) -> None:  # type: ignore[no-untyped-def]
    _insight, counts = world
    for c in counts:
        assert (c["sent.on_time"], c["sent.late"]) == (2, 1)
        assert c["refused.yes"] == 1
        assert c["sent.not_sent"] == c["due"] - 3
