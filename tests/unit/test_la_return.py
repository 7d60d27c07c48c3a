"""`la return` from the demo vault: counts only (none of the vault's personal strings), small
counts suppressed, signed with the LA-issued certificate, and accepted by `la report`."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from models.framework.definition import Kind
from models.framework.registry import get_framework
from models.record import Person, Record
from models.vault import KdfParams
from transitions_app.cli import main
from transitions_app.services.demo import create_demo_vault
from transitions_app.services.vault_service import VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PASSWORD = "demo-password"
NORTHSHIRE_CA = Path(__file__).resolve().parents[2] / "charters" / "northshire" / "la-ca"
ORGANISATIONS = ("child.setting_name", "child.school_name", "send.ehc_la")
DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%Y%m%d",
    "%d%m%Y",
    "%m/%d/%Y",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d, %Y",
    "%A %d %B %Y",
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("la-return") / "vault"
    create_demo_vault(directory, children=30, seed=4, kdf=FAST, today=date(2026, 10, 1))
    return directory


def _dates(day: date) -> set[str]:
    out = {day.strftime(f) for f in DATE_FORMATS}
    out |= {
        f"{day.day}/{day.month}/{day.year}",
        f"{day.day} {day:%B %Y}",
        f"{day.day}.{day.month}.{day.year % 100}",
    }
    return out


def personal_strings(records: list[Record]) -> set[str]:
    """Names, dates of birth in every common format, ids, UPNs and every note of every record."""
    found: set[str] = set()
    for r in records:
        fw = get_framework(r.framework_id, r.framework_version)
        found.add(r.id)
        first, last = str(r.get("child.legal_forenames")), str(r.get("child.legal_surname"))
        found |= {last, f"{first} {last}", r.display_name}
        if len(first) >= 5:
            found.add(first)
        dob = r.get("child.date_of_birth")
        if isinstance(dob, date):
            found |= _dates(dob)
        for fd in fw.iter_fields():
            value = r.get(fd.path)
            if fd.path in ORGANISATIONS:  # the setting's and school's names are not personal
                continue
            if fd.kind in (Kind.NOTE, Kind.TEXT) and isinstance(value, str) and len(value) > 12:
                found.add(value)
            elif isinstance(value, Person) and value.name:
                found.add(value.name)
        if r.get("child.upn"):
            found.add(str(r.get("child.upn")))
    return found


def _return(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *extra: str
) -> tuple[int, Path]:
    vault = tmp_path / "vault"
    shutil.copytree(demo, vault)
    monkeypatch.setenv("TRANSITIONS_PASSWORD", PASSWORD)
    out = tmp_path / "return.json"
    code = main(
        ["la", "return", "--vault", str(vault), "--user", "manager", "--out", str(out), *extra]
    )
    return code, out


def test_the_return_holds_no_personal_string(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _return(demo, tmp_path, monkeypatch)
    assert code == 0
    printed = capsys.readouterr().out
    service = VaultService.open(demo, "manager", PASSWORD)
    try:
        needles = personal_strings(service.list_records())
    finally:
        service.close()
    assert len(needles) > 200
    data = out.read_bytes().lower()
    said = printed.lower()
    leaks = sorted(n for n in needles if n.lower().encode() in data or n.lower() in said)
    assert leaks == []
    doc = json.loads(out.read_bytes())
    assert doc["return"]["organisation"] == {
        "urn": "EY999001",
        "name": "Little Acorns Nursery (fictional)",
    }
    assert doc["return"]["charter"]["id"] == "northshire-transitions"
    assert doc["return"]["period"] == "2026-27"
    assert all(isinstance(m["how"], str) and m["how"] for m in doc["return"]["measures"])
    assert doc["summary"][0].startswith("Return from Little Acorns Nursery (fictional)")


def test_small_counts_are_suppressed(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = _return(demo, tmp_path, monkeypatch)
    assert code == 0
    cells = [c for m in json.loads(out.read_bytes())["return"]["measures"] for c in m["cells"]]
    values = [c["value"] for c in cells]
    assert "suppressed" in values
    assert all(v == "suppressed" or v == 0 or v >= 5 for v in values)
    due = next(c["value"] for c in cells if c["key"] == "due")
    assert due == 30  # the demo's children all start Reception in September 2027


def test_the_return_verifies_against_the_la_root(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _return(demo, tmp_path, monkeypatch)
    assert code == 0
    capsys.readouterr()
    assert main(["la", "report", "--ca", str(NORTHSHIRE_CA), str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["settings"] == 1
    assert report["refused"] == []
    assert report["returns"][0]["urn"] == "EY999001"
    assert report["la_wide"]["due"]["value"] == 30


def test_only_a_manager_makes_the_return(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(demo, vault)
    monkeypatch.setenv("TRANSITIONS_PASSWORD", PASSWORD)
    code = main(
        [
            "la",
            "return",
            "--vault",
            str(vault),
            "--user",
            "keyperson",
            "--out",
            str(tmp_path / "r.json"),
        ]
    )
    assert code == 2
    assert "manager" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()


def test_a_bad_year_is_a_usage_error(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _return(demo, tmp_path, monkeypatch, "--year", "2026-29")
    assert code == 2
    assert "academic year" in capsys.readouterr().err
    assert not out.exists()


def test_a_school_makes_its_return_too(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from export import pki
    from models.errors import CharterViolation
    from transitions_app.services.charter_service import CharterService
    from transitions_app.services.la_service import LaReportService, LaReturnService
    from transitions_app.services.school_service import SchoolService

    shutil.copytree(NORTHSHIRE_CA, tmp_path / "la-ca")
    ca = pki.load_ca(tmp_path / "la-ca", "demo-la-passphrase")
    now = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    examples = NORTHSHIRE_CA.parent
    for name, identity in (
        ("own", None),
        (
            "la",
            ca.issue_setting(
                "Puddlebrook Primary School (fictional)", "900001", now=now, kind="school"
            ),
        ),
    ):
        school, _key = SchoolService.create(
            tmp_path / name,
            "head",
            "head-password-1234",
            urn="900001",
            name="Puddlebrook Primary School (fictional)",
            kdf=FAST,
            clock=lambda: now,
            identity=identity,
        )
        try:
            CharterService(school.vault, clock=lambda: now).import_charter(
                (examples / "charter.signed.toml").read_bytes(),
                root_pem=(examples / "la-ca" / "root-cert.pem").read_bytes(),
                crl=(examples / "crl.pem").read_bytes(),
            )
            service = LaReturnService(school.vault, clock=lambda: now)
            if identity is None:  # the school's self-signed certificate cannot sign a return
                with pytest.raises(CharterViolation, match="certificate your LA issued"):
                    service.signed_return()
                continue
            content, data = service.signed_return()
        finally:
            school.close()
    assert content.kind == "school"
    assert content.urn == "900001"
    assert content.value("received.total") == 0
    (tmp_path / "returns").mkdir()
    (tmp_path / "returns" / "school.json").write_bytes(data)
    insight = LaReportService(tmp_path / "la-ca", clock=lambda: now).insight([tmp_path / "returns"])
    assert insight.refused == ()
    assert [a.content.urn for a in insight.schools] == ["900001"]
