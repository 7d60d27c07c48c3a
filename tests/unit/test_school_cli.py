"""``transitions-app school ...``, ``receipts import`` and ``outcomes import|show``: the whole loop
through the command line, with exit codes and one-sentence errors."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

import transitions_app.cli as cli
from models.vault import KdfParams
from tests.fixtures_pki import build_pki
from tests.unit.test_school_service import _csv, school_records, signed_pdf
from transitions_app.services.vault_service import VaultService

SCHOOL_PW = "headteacher-cli-password"
SETTING_PW = "setting-cli-password"
FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TRANSITIONS_PASSWORD", "TRANSITIONS_PDF_PASSWORD", "TRANSITIONS_P12_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_school_loop_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pki = build_pki()
    school = tmp_path / "school"
    monkeypatch.setenv("TRANSITIONS_PASSWORD", SCHOOL_PW)
    code, out, err = run(
        capsys,
        "school",
        "init",
        "--vault",
        school,
        "--urn",
        "900001",
        "--name",
        "Puddlebrook Primary School (fictional)",
        "--user",
        "head",
    )
    assert (code, err) == (0, "")
    assert "Recovery key" in out
    code, _, err = run(
        capsys, "school", "init", "--vault", school, "--urn", "900001", "--user", "head"
    )
    assert code == 2
    assert "already a vault" in err

    records = school_records(8)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    files = []
    for i, record in enumerate(records):
        path = inbox / f"child-{i}.pdf"
        path.write_bytes(signed_pdf(record, pki.setting))
        files.append(path)
    tampered = bytearray(files[0].read_bytes())
    tampered[bytes(tampered).index(b"/Contents") - 150] ^= 0x01
    (inbox / "tampered.pdf").write_bytes(bytes(tampered))
    root = tmp_path / "root.pem"
    root.write_bytes(pki.root.cert.public_bytes(serialization.Encoding.PEM))
    crl = tmp_path / "la.crl"
    crl.write_bytes(pki.crl().public_bytes(serialization.Encoding.PEM))

    with pytest.raises(SystemExit) as usage:  # no files
        run(capsys, "school", "import", "--vault", school, "--user", "head")
    assert usage.value.code == 2
    code, out, err = run(capsys, "school", "import", "--vault", school, "--user", "head", *files)
    assert code == 2
    assert "No LA root is trusted" in err
    code, out, err = run(
        capsys,
        "school",
        "import",
        "--vault",
        school,
        "--user",
        "head",
        *files,
        inbox / "tampered.pdf",
        "--trust",
        root,
        "--crl",
        crl,
        "--json",
    )
    assert code == 1  # one file was quarantined
    statuses = [o["status"] for o in json.loads(out)]
    assert statuses == ["imported"] * 8 + ["quarantined"]

    code, out, _ = run(capsys, "school", "overview", "--vault", school, "--user", "head", "--json")
    assert code == 0
    overview = json.loads(out)
    assert overview["counts"]["total"] == 8
    assert [q["file"] for q in overview["quarantine"]] == ["tampered.pdf"]
    assert overview["quarantine"][0]["reason"]
    code, out, _ = run(capsys, "school", "overview", "--vault", school, "--user", "head")
    assert "8 children." in out

    code, out, _ = run(
        capsys,
        "school",
        "senco-queue",
        "--vault",
        school,
        "--user",
        "head",
        "--json",
        "--today",
        "2026-09-20",
    )
    assert code == 0
    queue = json.loads(out)
    assert queue
    assert queue[0]["overdue"] is True
    assert queue[0]["reviewed"] is None

    key = queue[0]["key"]
    code, out, _ = run(
        capsys, "school", "senco-review", key, "--vault", school, "--user", "head", "--json"
    )
    assert code == 0
    assert json.loads(out)["by"] == "head"
    code, out, _ = run(
        capsys, "school", "senco-queue", "--vault", school, "--user", "head", "--json"
    )
    reviewed = {item["key"]: item["reviewed"] for item in json.loads(out)}
    assert reviewed[key]["by"] == "head"
    assert reviewed[key]["on"]
    code, _, err = run(
        capsys, "school", "senco-review", "no|such|item", "--vault", school, "--user", "head"
    )
    assert code == 2
    assert "not in the SENCO queue" in err

    # the Reception teacher reads one record: the receipt says who read it and when
    read_id = overview["rows"][0]["record_id"]
    code, out, _ = run(
        capsys, "school", "show", read_id, "--vault", school, "--user", "head", "--json"
    )
    assert code == 0
    assert json.loads(out)["record"]["id"] == read_id

    receipt = tmp_path / "receipt.json"
    code, out, err = run(
        capsys,
        "school",
        "receipt",
        "--vault",
        school,
        "--user",
        "head",
        "--setting",
        "EY900001",
        "--out",
        receipt,
    )
    assert (code, err) == (0, "")
    code, _, err = run(
        capsys,
        "school",
        "receipt",
        "--vault",
        school,
        "--user",
        "head",
        "--setting",
        "EY000000",
        "--out",
        receipt,
    )
    assert code == 2
    assert "No records" in err

    csv_path = tmp_path / "eyfsp.csv"
    plan = [
        (r, i % 2 == 0, set() if i % 2 == 0 else {"maths_number"}) for i, r in enumerate(records)
    ]
    csv_path.write_bytes(_csv(plan))
    code, out, err = run(
        capsys,
        "school",
        "outcomes",
        "--vault",
        school,
        "--user",
        "head",
        "--csv",
        csv_path,
        "--out",
        tmp_path / "out",
        "--json",
    )
    assert (code, err) == (0, "")
    written = json.loads(out)
    assert [w["setting_urn"] for w in written] == ["EY900001"]
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_bytes(_csv(plan).replace(b",Y,", b",Maybe,", 1))
    code, out, err = run(
        capsys,
        "school",
        "outcomes",
        "--vault",
        school,
        "--user",
        "head",
        "--csv",
        bad_csv,
        "--out",
        tmp_path / "out2",
    )
    assert code == 2
    assert err.startswith("Line 2: GLD must be Y or N")
    assert not (tmp_path / "out2").exists()

    # the setting's side
    setting_dir = tmp_path / "setting"
    setting, _ = VaultService.create(setting_dir, "manager", SETTING_PW, kdf=FAST)
    for record in records:
        setting.import_record(record)
    setting.close()
    monkeypatch.setenv("TRANSITIONS_PASSWORD", SETTING_PW)
    code, out, err = run(capsys, "receipts", "import", receipt, "--vault", setting_dir, "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["children"] == 8
    assert json.loads(out)["vouched"] is False
    payload = json.loads(base64.b64decode(json.loads(receipt.read_bytes())["payload"]))
    items = {i["record_id"]: i for i in payload["records"]}
    assert items[read_id]["read_by"] == "head"
    assert all(i["verified"] for i in items.values())
    assert sum(1 for i in items.values() if i["read_by"]) == 1
    code, out, err = run(capsys, "outcomes", "import", written[0]["file"], "--vault", setting_dir)
    assert code == 0
    assert "for 8 children" in out
    assert "compare the fingerprint" in out
    code, out, err = run(capsys, "outcomes", "show", "--vault", setting_dir, "--json")
    stats = json.loads(out)
    assert stats["gld"][0] == {
        "group": "all",
        "label": "All children",
        "children": 8,
        "gld": 4,
        "gld_percent": 50.0,
    }
    number = next(e for e in stats["elgs"] if e["aspect"] == "maths_number")
    assert (number["expected"], number["children"]) == (4, 8)

    # tampered receipt: refused, exit 1, one sentence
    doc = json.loads(receipt.read_bytes())
    doc["kind"] = "outcomes"
    bad = tmp_path / "bad-receipt.json"
    bad.write_text(json.dumps(doc))
    code, out, err = run(capsys, "outcomes", "import", bad, "--vault", setting_dir)
    assert code == 1
    assert err.strip().count("\n") == 0
    assert "changed since it was signed" in err
    # a school command on a setting's vault, a wrong password
    code, _, err = run(capsys, "school", "overview", "--vault", setting_dir)
    assert code == 3  # there is no user "headteacher" in the setting vault
    code, _, err = run(capsys, "school", "overview", "--vault", setting_dir, "--user", "manager")
    assert code == 2
    assert "school role" in err
    monkeypatch.setenv("TRANSITIONS_PASSWORD", "wrong-password")
    code, _, err = run(capsys, "outcomes", "show", "--vault", setting_dir)
    assert code == 3
    code, _, err = run(capsys, "school", "overview", "--vault", tmp_path / "nowhere")
    assert code == 2
