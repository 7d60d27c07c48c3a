"""A demo LA folder: a fictional local authority's CA and a year of signed returns from fictional
settings and schools, so the LA's report and charts can be seen at once.

    LA-FOLDER/la-ca/      the LA's CA folder (root key sealed with the demo passphrase)
    LA-FOLDER/returns/    one signed return per setting and school, as they would send them
    LA-FOLDER/README.txt  what is here and how to look at it

The returns are made by the same code as a real vault's (:mod:`models.la.returns`, signed by
:mod:`export.la_return_file`), from generated facts with a realistic spread: settings that send
nearly every record on time and some that send late or not at all, a few records refused for
missing information, SEND plans and meetings, and outcomes by group. One setting sent an early
return that a later one replaces, and one setting and one school have sent none. The year is
2025-26, signed in July 2026, so every deadline has passed.

Everything here is fictional; the passphrase is for demonstrations only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from export import pki
from export.la_return_file import sign_return
from models.errors import VaultError
from models.la.returns import (
    CharterRef,
    OutcomeFact,
    Period,
    ReceivedFact,
    SchoolFacts,
    SettingChild,
    SettingFacts,
    build_school_return,
    build_setting_return,
)
from models.vault import KdfParams
from transitions_app.services.la_service import default_return_name

DEMO_LA_NAME = "Westmoor Borough Council (fictional)"
DEMO_LA_PASSPHRASE = "demo-la-passphrase"  # demo only
DEMO_PERIOD = Period(2025)
ISSUED = datetime(2025, 8, 1, 9, 0, tzinfo=UTC)
SIGNED = datetime(2026, 7, 17, 15, 30, tzinfo=UTC)
CHARTER = CharterRef("westmoor-transitions", "2025.2", DEMO_LA_NAME)
GLD_TARGET = 68.0
SENT_DEADLINE = date(2026, 6, 30)
MEETING_DEADLINE = date(2026, 5, 31)
MISSING_ITEMS = (
    "Consent given",
    "Manager sign-off",
    "Agreed actions",
    "Reasonable adjustments",
    "Section “Progress check at two and the 2–2½ year review”",
    "Visits planned",
    "SENCO review of the SEND section",
)

# (name, URN, children due, share sent on time, share sent late) — or None: no return
SETTINGS: tuple[tuple[str, str, int, float, float, bool], ...] = (
    ("Bramble Hill Day Nursery (fictional)", "EY800101", 62, 0.9, 0.05, True),
    ("Conker Tree Pre-school (fictional)", "EY800102", 38, 0.7, 0.2, True),
    ("Dandelion Clock Nursery (fictional)", "EY800103", 55, 0.55, 0.25, True),
    ("Elderberry Playgroup (fictional)", "EY800104", 24, 0.95, 0.0, True),
    ("Foxglove Children's Centre Nursery (fictional)", "EY800105", 71, 0.75, 0.1, True),
    ("Gingerbread House Nursery (fictional)", "EY800106", 45, 0.4, 0.3, True),
    ("Hawthorn Lane Childminders (fictional)", "EY800107", 9, 0.85, 0.1, True),
    ("Ivy Cottage Pre-school (fictional)", "EY800108", 22, 0.8, 0.1, False),  # no return
)
SCHOOLS: tuple[tuple[str, str, int, bool], ...] = (
    ("Juniper Primary School (fictional)", "800201", 58, True),
    ("Kestrel Rise Infant School (fictional)", "800202", 45, True),
    ("Larchfield CE Primary (fictional)", "800203", 61, True),
    ("Millpond Academy (fictional)", "800204", 40, False),  # no return
)


@dataclass(frozen=True)
class DemoLa:
    folder: Path
    ca: Path
    returns: Path
    settings: int
    schools: int


def _setting_facts(
    rng: random.Random, name: str, urn: str, due: int, on_time: float, late: float
) -> SettingFacts:
    children = []
    for _ in range(due):
        roll = rng.random()
        if roll < on_time:
            sent = SENT_DEADLINE - timedelta(days=rng.randrange(1, 60))
        elif roll < on_time + late:
            sent = SENT_DEADLINE + timedelta(days=rng.randrange(1, 16))
        else:
            sent = None
        status = rng.choices(
            ("none", "monitoring", "sen_support", "ehc_assessment", "ehc_plan"), (60, 12, 20, 4, 4)
        )[0]
        send_plus = status in ("sen_support", "ehc_assessment", "ehc_plan")
        refused = (
            tuple(rng.sample(MISSING_ITEMS, rng.randint(1, 2)))
            if rng.random() < (1 - on_time) * 0.6
            else ()
        )
        met = rng.random() < 0.8
        children.append(
            SettingChild(
                school_start=date(2026, 9, 3),
                sent_on=sent,
                refused_items=refused,
                missing_now=tuple(rng.sample(MISSING_ITEMS, rng.randint(1, 3)))
                if sent is None and rng.random() < 0.7
                else (),
                send_status=status,
                coproduced=send_plus and rng.random() < 0.75,
                meeting_on=(
                    MEETING_DEADLINE - timedelta(days=rng.randrange(1, 50))
                    if rng.random() < 0.8
                    else MEETING_DEADLINE + timedelta(days=rng.randrange(1, 20))
                )
                if send_plus and met
                else None,
                waiting=rng.random() < 0.08,
                receipt=sent is not None and rng.random() < 0.75,
                read=rng.random() < 0.8,
            )
        )
    # last year's leavers: their EYFS profile outcomes came back this year
    outcomes = []
    for _ in range(max(0, due + rng.randint(-4, 4))):
        groups = {
            g
            for g, p in (("boys", 0.5), ("fsm", 0.25), ("send", 0.18), ("eal", 0.25))
            if rng.random() < p
        }
        chance = (
            0.72
            - 0.14 * ("boys" in groups)
            - 0.18 * ("fsm" in groups)
            - 0.4 * ("send" in groups)
            - 0.08 * ("eal" in groups)
        )
        outcomes.append(OutcomeFact(frozenset(groups), rng.random() < chance))
    return SettingFacts(
        urn=urn,
        name=name,
        charter=CHARTER,
        period=DEMO_PERIOD,
        made_on=SIGNED.date(),
        children=tuple(children),
        outcomes=tuple(outcomes),
        sent_deadline=SENT_DEADLINE,
        meeting_deadline=MEETING_DEADLINE,
        meeting_statuses=("sen_support", "ehc_assessment", "ehc_plan"),
        gld_target=GLD_TARGET,
    )


def _school_facts(rng: random.Random, name: str, urn: str, received: int) -> SchoolFacts:
    facts = []
    for _ in range(received):
        arrived = date(2026, 6, 1) + timedelta(days=rng.randrange(0, 40))
        roll = rng.random()
        read = (
            arrived + timedelta(days=rng.randrange(0, 14))
            if roll < 0.7
            else (arrived + timedelta(days=rng.randrange(15, 40)) if roll < 0.85 else None)
        )
        facts.append(ReceivedFact(imported_on=arrived, vouched=rng.random() < 0.93, read_on=read))
    quarantined = tuple(
        rng.choice(("not_vouched", "not_vouched", "changed", "revoked", "expired"))
        for _ in range(rng.randint(0, 6))
    )
    items = rng.randint(12, 30)
    return SchoolFacts(
        urn=urn,
        name=name,
        charter=CHARTER,
        period=DEMO_PERIOD,
        made_on=SIGNED.date(),
        received=tuple(facts),
        quarantined=quarantined,
        senco_items=items,
        senco_overdue=rng.randint(5, items // 2),
        outcome_children=received + rng.randint(-5, 3),
        outcome_settings=rng.randint(4, 9),
    )


def create_demo_la(folder: Path, *, seed: int = 1, kdf: KdfParams | None = None) -> DemoLa:
    """Make the demo LA folder (see the module docstring). ``folder`` must not hold an LA yet."""
    folder = Path(folder)
    ca_dir, out = folder / "la-ca", folder / "returns"
    if ca_dir.exists() or out.exists():
        raise VaultError(f"{folder} already holds a demo LA; choose another folder.")
    rng = random.Random(seed)
    ca = pki.init_ca(ca_dir, DEMO_LA_NAME, DEMO_LA_PASSPHRASE, now=ISSUED, kdf=kdf)
    out.mkdir(parents=True)
    written = 0
    for name, urn, due, on_time, late, sends in SETTINGS:
        identity = ca.issue_setting(name, urn, now=ISSUED)
        if not sends:
            continue
        content = build_setting_return(_setting_facts(rng, name, urn, due, on_time, late))
        if urn == "EY800103":  # an early return, replaced by the one below
            early = build_setting_return(_setting_facts(rng, name, urn, due, on_time * 0.6, late))
            path = out / default_return_name(early).replace(".json", "-first.json")
            pki.write_public_file(
                path, sign_return(early, identity, signed_at=SIGNED - timedelta(days=40))
            )
        pki.write_public_file(
            out / default_return_name(content), sign_return(content, identity, signed_at=SIGNED)
        )
        written += 1
    schools = 0
    for name, urn, received, sends in SCHOOLS:
        identity = ca.issue_setting(name, urn, now=ISSUED, kind="school")
        if not sends:
            continue
        content = build_school_return(_school_facts(rng, name, urn, received))
        pki.write_public_file(
            out / default_return_name(content), sign_return(content, identity, signed_at=SIGNED)
        )
        schools += 1
    (folder / "README.txt").write_text(
        f"Demo local authority: {DEMO_LA_NAME}. Everything here is fictional.\n"
        f"la-ca/    the LA's CA folder (demo passphrase: {DEMO_LA_PASSPHRASE})\n"
        f"returns/  signed returns for {DEMO_PERIOD.label} from {written} settings and {schools} schools\n\n"
        f"transitions-app la report --ca {ca_dir} {out} --out report.pdf --csv report.csv\n",
        encoding="utf-8",
    )
    return DemoLa(folder, ca_dir, out, written, schools)
