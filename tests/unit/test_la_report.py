"""`la report`: each return is verified against the LA root and register; a changed byte, another
LA's root, a revoked or expired certificate and a school's return passed off as a setting's are
each refused with the reason and left out (exit 1); the latest return per setting counts; CSV
cells cannot start a formula."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from export import pki
from export.la_return_file import sign_return
from models.la.returns import (
    CharterRef,
    Period,
    ReceivedFact,
    SchoolFacts,
    SettingChild,
    SettingFacts,
    build_school_return,
    build_setting_return,
)
from models.vault.crypto import KdfParams
from transitions_app.cli import main

FAST = KdfParams(memory_kib=64, iterations=1, lanes=1)
NOW = datetime.now(UTC).replace(microsecond=0)
ISSUED = NOW - timedelta(days=60)
SIGNED = NOW - timedelta(days=1)
CHARTER = CharterRef(
    "exampleshire-transitions", "2026.1", "Exampleshire County Council (fictional)"
)
PERIOD_2026 = Period(2026)


def setting_return(
    urn: str,
    name: str,
    *,
    due: int = 20,
    on_time: int = 14,
    late: int = 6,
    period: Period = PERIOD_2026,
):  # type: ignore[no-untyped-def]
    children = [
        SettingChild(
            school_start=date(period.start_year + 1, 9, 3),
            sent_on=date(period.start_year + 1, 6, 1),
        )
    ] * on_time
    children += [
        SettingChild(
            school_start=date(period.start_year + 1, 9, 3),
            sent_on=date(period.start_year + 1, 7, 9),
        )
    ] * late
    children += [SettingChild(school_start=date(period.start_year + 1, 9, 3))] * (
        due - on_time - late
    )
    return build_setting_return(
        SettingFacts(
            urn,
            name,
            CHARTER,
            period,
            SIGNED.date(),
            tuple(children),
            sent_deadline=date(period.start_year + 1, 6, 30),
        )
    )


def school_return(urn: str, name: str):  # type: ignore[no-untyped-def]
    received = tuple(ReceivedFact(date(2027, 6, 3), True, date(2027, 6, 10)) for _ in range(12))
    return build_school_return(
        SchoolFacts(urn, name, CHARTER, Period(2026), SIGNED.date(), received)
    )


@pytest.fixture(scope="module")
def la(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("la")
    ca = pki.init_ca(
        folder / "la-ca",
        "Exampleshire County Council (fictional)",
        "exampleshire-passphrase",
        now=ISSUED,
        kdf=FAST,
    )
    other = pki.init_ca(
        folder / "other-ca",
        "Elsewhere Borough Council (fictional)",
        "elsewhere-passphrase",
        now=ISSUED,
        kdf=FAST,
    )
    return folder, ca, other


def _report(
    ca_dir: Path, *paths: Path, capsys: pytest.CaptureFixture[str], extra: tuple[str, ...] = ()
) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    code = main(["la", "report", "--ca", str(ca_dir), *map(str, paths), "--json", *extra])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def test_a_good_return_is_accepted(la, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    folder, ca, _other = la
    identity = ca.issue_setting("Buttercup Pre-school (fictional)", "EY100001", now=ISSUED)
    path = tmp_path / "good.json"
    path.write_bytes(
        sign_return(
            setting_return("EY100001", "Buttercup Pre-school (fictional)"),
            identity,
            signed_at=SIGNED,
        )
    )
    code, report, err = _report(folder / "la-ca", path, capsys=capsys)
    assert (code, err) == (0, "")
    assert report["settings"] == 1
    assert report["la_wide"]["setting_rates"]["on_time"] == {
        "part": 14,
        "whole": 20,
        "percent": 70.0,
        "returns": 1,
        "of_returns": 1,
    }


def test_one_changed_byte_is_refused(
    la, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    folder, ca, _other = la
    identity = ca.issue_setting("Buttercup Pre-school (fictional)", "EY100002", now=ISSUED)
    good = sign_return(
        setting_return("EY100002", "Buttercup Pre-school (fictional)"), identity, signed_at=SIGNED
    )
    text = good.decode()
    # the count of children sent on time, 14 -> 15 (a single byte)
    at = text.index('"value": 14')
    changed = (text[: at + 10] + "5" + text[at + 11 :]).encode()
    assert len(changed) == len(good)
    assert sum(a != b for a, b in zip(changed, good, strict=True)) == 1
    (tmp_path / "changed.json").write_bytes(changed)
    (tmp_path / "good.json").write_bytes(good)
    code, report, err = _report(folder / "la-ca", tmp_path, capsys=capsys)
    assert code == 1
    assert report["refused"] == [
        {"file": "changed.json", "reason": "The return has been changed since it was signed."}
    ]
    assert "changed.json: The return has been changed since it was signed." in err
    assert report["settings"] == 1
    assert report["returns"][0]["file"] == "good.json"


@pytest.mark.parametrize("where", ["signature", "certificate", "signed_at", "summary"])
def test_changes_anywhere_that_matters_are_refused(
    la, tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:  # type: ignore[no-untyped-def]
    folder, ca, _other = la
    identity = ca.issue_setting("Buttercup Pre-school (fictional)", "EY100003", now=ISSUED)
    doc = json.loads(
        sign_return(
            setting_return("EY100003", "Buttercup Pre-school (fictional)"),
            identity,
            signed_at=SIGNED,
        )
    )
    if where == "signature":
        doc["signature"] = doc["signature"][:-6] + (
            "AAAAA=" if not doc["signature"].endswith("AAAAA=") else "BBBBB="
        )
    elif where == "certificate":
        other = ca.issue_setting("Buttercup Pre-school (fictional)", "EY100003", now=ISSUED)
        doc["certificate"] = other.cert.public_bytes(Encoding.PEM).decode()
    elif where == "signed_at":
        doc["signed_at"] = (SIGNED - timedelta(hours=1)).isoformat()
    else:
        doc["summary"][2] = doc["summary"][2].replace("20", "21")
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc))
    code, report, _err = _report(folder / "la-ca", path, capsys=capsys)
    assert code == 1
    assert report["settings"] == 0
    assert report["refused"][0]["reason"] in (
        "The return has been changed since it was signed.",
        "The return's signature is not valid base64.",
    )


def test_another_las_root_is_refused(
    la, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    folder, _ca, other = la
    stranger = other.issue_setting("Buttercup Pre-school (fictional)", "EY100004", now=ISSUED)
    path = tmp_path / "foreign.json"
    path.write_bytes(
        sign_return(
            setting_return("EY100004", "Buttercup Pre-school (fictional)"),
            stranger,
            signed_at=SIGNED,
        )
    )
    code, report, _err = _report(folder / "la-ca", path, capsys=capsys)
    assert code == 1
    assert "root did not issue" in report["refused"][0]["reason"]
    self_signed = pki.create_self_signed_setting(
        "Buttercup Pre-school (fictional)", "EY100004", now=ISSUED
    )
    path.write_bytes(
        sign_return(
            setting_return("EY100004", "Buttercup Pre-school (fictional)"),
            self_signed,
            signed_at=SIGNED,
        )
    )
    code, report, _err = _report(folder / "la-ca", path, capsys=capsys)
    assert code == 1
    assert "root did not issue" in report["refused"][0]["reason"]


def test_a_revoked_certificate_is_refused(
    la, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    folder, ca, _other = la
    identity = ca.issue_setting("Buttercup Pre-school (fictional)", "EY100005", now=ISSUED)
    path = tmp_path / "revoked.json"
    path.write_bytes(
        sign_return(
            setting_return("EY100005", "Buttercup Pre-school (fictional)"),
            identity,
            signed_at=SIGNED,
        )
    )
    ca.revoke(identity.cert.serial_number, now=NOW - timedelta(hours=1))
    code, report, _err = _report(folder / "la-ca", path, capsys=capsys)
    assert code == 1
    assert report["refused"][0]["reason"] == (
        f"The return is signed with certificate {pki.format_serial(identity.cert.serial_number)}, which your LA has revoked."
    )
    # the revoked holder is not counted as owing a return either
    assert "EY100005" not in {e["urn"] for e in report["no_return"]}


def test_a_crl_from_the_la_also_revokes(
    la, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    folder, ca, other = la
    identity = ca.issue_setting("Buttercup Pre-school (fictional)", "EY100006", now=ISSUED)
    path = tmp_path / "r.json"
    path.write_bytes(
        sign_return(
            setting_return("EY100006", "Buttercup Pre-school (fictional)"),
            identity,
            signed_at=SIGNED,
        )
    )
    # the revocation is in a copy of the register only, so the CRL alone must refuse it
    copy = tmp_path / "ca-copy"
    shutil.copytree(folder / "la-ca", copy)
    copied = pki.load_ca(copy, "exampleshire-passphrase")
    copied.revoke(identity.cert.serial_number, now=NOW - timedelta(hours=1))
    crl = tmp_path / "crl.pem"
    crl.write_bytes(pki.crl_to_pem(copied.make_crl(now=NOW)))
    code, report, _err = _report(folder / "la-ca", path, capsys=capsys, extra=("--crl", str(crl)))
    assert code == 1
    assert "revoked" in report["refused"][0]["reason"]
    # a CRL another LA signed is not accepted at all
    foreign = tmp_path / "foreign-crl.pem"
    foreign.write_bytes(pki.crl_to_pem(other.make_crl(now=NOW)))
    code = main(["la", "report", "--ca", str(folder / "la-ca"), str(path), "--crl", str(foreign)])
    assert code == 1
    assert "not signed by your local authority" in capsys.readouterr().err


def test_an_expired_certificate_is_refused(
    la, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    folder, ca, _other = la
    identity = ca.issue_setting(
        "Buttercup Pre-school (fictional)", "EY100007", now=ISSUED, valid_days=10
    )
    path = tmp_path / "expired.json"
    path.write_bytes(
        sign_return(
            setting_return("EY100007", "Buttercup Pre-school (fictional)"),
            identity,
            signed_at=SIGNED,
        )
    )
    code, report, _err = _report(folder / "la-ca", path, capsys=capsys)
    assert code == 1
    reason = report["refused"][0]["reason"]
    assert reason.startswith(
        "The return was signed when its certificate was not valid: The certificate expired on"
    )


def test_a_schools_return_passed_off_as_a_settings_is_refused(
    la, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    folder, ca, _other = la
    school = ca.issue_setting(
        "Acorn Lane Primary School (fictional)", "990101", now=ISSUED, kind="school"
    )
    good = sign_return(
        school_return("990101", "Acorn Lane Primary School (fictional)"), school, signed_at=SIGNED
    )
    # 1. the school's own return, relabelled as a setting's
    relabelled = good.replace(b'"kind": "school"', b'"kind": "setting"')
    assert relabelled != good
    (tmp_path / "relabelled.json").write_bytes(relabelled)
    # 2. a setting's return made and signed by the school
    (tmp_path / "made.json").write_bytes(
        sign_return(
            setting_return("990101", "Acorn Lane Primary School (fictional)"),
            school,
            signed_at=SIGNED,
        )
    )
    # 3. a setting's return naming a setting, signed with the school's certificate
    (tmp_path / "borrowed.json").write_bytes(
        sign_return(
            setting_return("EY100008", "Buttercup Pre-school (fictional)"), school, signed_at=SIGNED
        )
    )
    (tmp_path / "good.json").write_bytes(good)
    code, report, _err = _report(folder / "la-ca", tmp_path, capsys=capsys)
    assert code == 1
    reasons = {r["file"]: r["reason"] for r in report["refused"]}
    assert reasons["relabelled.json"] == "The return has been changed since it was signed."
    assert reasons["made.json"] == (
        "The return says it is a setting's, but your LA issued its certificate to a school (URN 990101): it is refused."
    )
    assert "signed with the certificate the LA issued to URN 990101" in reasons["borrowed.json"]
    assert report["schools"] == 1
    assert report["settings"] == 0


def test_the_latest_return_per_setting_counts(
    la, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    folder, ca, _other = la
    identity = ca.issue_setting("Buttercup Pre-school (fictional)", "EY100009", now=ISSUED)
    (tmp_path / "a.json").write_bytes(
        sign_return(
            setting_return("EY100009", "Buttercup Pre-school (fictional)", on_time=5, late=5),
            identity,
            signed_at=SIGNED - timedelta(days=9),
        )
    )
    (tmp_path / "b.json").write_bytes(
        sign_return(
            setting_return("EY100009", "Buttercup Pre-school (fictional)", on_time=15, late=5),
            identity,
            signed_at=SIGNED,
        )
    )
    (tmp_path / "old-year.json").write_bytes(
        sign_return(
            setting_return("EY100009", "Buttercup Pre-school (fictional)", period=Period(2025)),
            identity,
            signed_at=SIGNED,
        )
    )
    code, report, _err = _report(folder / "la-ca", tmp_path, capsys=capsys)
    assert code == 0
    assert [r["file"] for r in report["returns"]] == ["b.json"]
    assert [s["file"] for s in report["superseded"]] == ["a.json"]
    assert [s["file"] for s in report["other_years"]] == ["old-year.json"]
    assert report["la_wide"]["setting_rates"]["on_time"]["part"] == 15


def test_odd_files_are_refused_not_fatal(
    la, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    folder, _ca, _other = la
    (tmp_path / "empty.json").write_bytes(b"")
    (tmp_path / "huge.json").write_bytes(b"{" + b" " * (1024 * 1024 + 10) + b"}")
    (tmp_path / "list.json").write_text("[1, 2]")
    os.mkfifo(tmp_path / "fifo.json")
    code, report, _err = _report(folder / "la-ca", tmp_path, capsys=capsys)
    assert code == 1
    reasons = {r["file"]: r["reason"] for r in report["refused"]}
    assert reasons == {
        "empty.json": "The file is not a return (it is not JSON).",
        "fifo.json": "It is not a regular file.",
        "huge.json": "The file is too large to be a return.",
        "list.json": "The file is not a Transitions return.",
    }


def test_csv_cells_cannot_start_a_formula(
    la, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    folder, ca, _other = la
    name = "=SUM(1,2) Nursery (fictional)"
    identity = ca.issue_setting(name, "EY100010", now=ISSUED)
    path = tmp_path / "r.json"
    path.write_bytes(sign_return(setting_return("EY100010", name), identity, signed_at=SIGNED))
    out = tmp_path / "report.csv"
    pdf = tmp_path / "report.pdf"
    assert (
        main(
            [
                "la",
                "report",
                "--ca",
                str(folder / "la-ca"),
                str(path),
                "--csv",
                str(out),
                "--out",
                str(pdf),
            ]
        )
        == 0
    )
    capsys.readouterr()
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    cells = [c for row in rows for c in row]
    assert "'" + name in cells
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    assert pdf.read_bytes().startswith(b"%PDF-")
