"""``school key add|list``, ``school quarantine|release|discard`` and ``school pdf`` with the
Northshire example material in charters/: a record signed with the demo setting's LA-issued
certificate and encrypted to Acorn Lane Primary's certificate from the charter's directory."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

import transitions_app.cli as cli
from export.attach import attach_json
from export.encrypt import RecipientEncryption
from export.pki import load_p12, load_setting_p12
from export.render import RenderOptions, render_record_pdf
from export.sign import sign_pdf
from models.interchange import record_to_bytes
from models.record import Record
from tests.fixtures_pki import build_pki
from tests.unit.test_school_service import school_records

ROOT = Path(__file__).resolve().parents[2] / "charters" / "northshire"
SCHOOL_PW = "acorn-lane-head-password"
SCHOOL_URN = "990101"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TRANSITIONS_PASSWORD", "TRANSITIONS_PDF_PASSWORD", "TRANSITIONS_P12_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _record(i: int) -> Record:
    record = school_records(i + 1)[i]
    record.set("child.school_urn", SCHOOL_URN)
    record.set("child.school_name", "Acorn Lane Primary School (fictional)")
    return record


def _northshire_pdf(record: Record, key: ec.EllipticCurvePrivateKey, cert, chain) -> bytes:  # type: ignore[no-untyped-def]
    school_cert = load_p12(
        (ROOT / "schools" / "990101.p12").read_bytes(), "demo-school-passphrase"
    )[1]
    now = datetime.now(UTC).replace(microsecond=0)
    pdf = render_record_pdf(record, RenderOptions(generated_on=now))
    return sign_pdf(
        attach_json(pdf, record_to_bytes(record)),
        key,
        cert,
        chain,
        signer_name="Sam Keyworth",
        organisation="Little Acorns Nursery (fictional)",
        signing_time=now,
        encryption=RecipientEncryption((school_cert,)),
    )


def test_school_key_release_and_pdf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = tmp_path / "acorn-lane"
    monkeypatch.setenv("TRANSITIONS_PASSWORD", SCHOOL_PW)
    code, _, err = run(
        capsys,
        "school",
        "init",
        "--vault",
        vault,
        "--urn",
        SCHOOL_URN,
        "--user",
        "head",
        "--name",
        "Acorn Lane Primary School (fictional)",
    )
    assert (code, err) == (0, "")
    base = ("--vault", vault, "--user", "head")
    root_pem = ROOT / "la-ca" / "root-cert.pem"

    setting = load_setting_p12(
        (ROOT / "little-acorns-nursery.p12").read_bytes(), "demo-setting-passphrase"
    )
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    sealed = inbox / "Child One.pdf"
    sealed.write_bytes(_northshire_pdf(_record(0), setting.key, setting.cert, setting.chain))

    code, out, err = run(capsys, "school", "import", *base, "--trust", root_pem, sealed, "--json")
    assert code == 1
    [refused] = json.loads(out)
    assert refused["status"] == "refused"
    assert "decryption key" in refused["reason"]

    monkeypatch.setenv("TRANSITIONS_P12_PASSWORD", "wrong")
    code, _, err = run(
        capsys, "school", "key", "add", *base, "--p12", ROOT / "schools" / "990101.p12"
    )
    assert code == 3, err
    assert err.count("\n") == 1
    assert "passphrase" in err
    monkeypatch.setenv("TRANSITIONS_P12_PASSWORD", "demo-school-passphrase")
    code, out, err = run(
        capsys, "school", "key", "add", *base, "--p12", ROOT / "schools" / "990101.p12"
    )
    assert (code, err) == (0, "")
    assert "Acorn Lane" in out
    code, out, _ = run(capsys, "school", "key", "list", *base, "--json")
    assert code == 0
    assert len(json.loads(out)) == 1

    code, out, err = run(capsys, "school", "import", *base, sealed, "--json")
    assert (code, err) == (0, ""), out
    [imported] = json.loads(out)
    assert imported["status"] == "imported", imported

    got = tmp_path / "as-received.pdf"
    code, _, err = run(capsys, "school", "pdf", *base, imported["record_id"], "--out", got)
    assert (code, err) == (0, "")
    assert got.read_bytes() == sealed.read_bytes()
    code, _, err = run(capsys, "school", "pdf", *base, "no-such-id", "--out", got)
    assert code == 2
    assert "not kept" in err

    # A self-signed setting: quarantined, released after a phone check.
    stranger = build_pki().self_signed
    unvouched = inbox / "Child Two.pdf"
    unvouched.write_bytes(_northshire_pdf(_record(1), stranger.key, stranger.cert, stranger.chain))
    code, out, _ = run(capsys, "school", "import", *base, unvouched, "--json")
    assert code == 1
    assert json.loads(out)[0]["status"] == "quarantined"
    code, out, _ = run(capsys, "school", "quarantine", *base, "--json")
    [entry] = json.loads(out)
    assert entry["releasable"] is True
    assert entry["encrypted"] == "certificate"
    code, _, err = run(
        capsys, "school", "release", *base, entry["file_sha256"][:10], "--checked-with", " "
    )
    assert code == 2
    assert "who at the setting" in err
    code, out, err = run(
        capsys,
        "school",
        "release",
        *base,
        entry["file_sha256"][:10],
        "--checked-with",
        "Alex Carewell (manager), on the number in our admissions file",
    )
    assert (code, err) == (0, ""), err
    assert "released and imported" in out
    code, out, _ = run(capsys, "school", "quarantine", *base)
    assert "No files in quarantine" in out
    code, out, _ = run(capsys, "school", "overview", *base, "--json")
    assert len(json.loads(out)["rows"]) == 2

    # A damaged file: quarantined, cannot be released, can be removed.
    broken = bytearray(_northshire_pdf(_record(2), setting.key, setting.cert, setting.chain))
    broken[bytes(broken).index(b"/Contents") - 200] ^= 0x20  # inside the signed range
    (inbox / "broken.pdf").write_bytes(bytes(broken))
    code, out, _ = run(capsys, "school", "import", *base, inbox / "broken.pdf", "--json")
    assert code == 1
    assert json.loads(out)[0]["status"] == "quarantined", out
    code, out, _ = run(capsys, "school", "quarantine", *base, "--json")
    [entry] = json.loads(out)
    assert entry["releasable"] is False
    code, _, err = run(
        capsys, "school", "release", *base, entry["file_sha256"], "--checked-with", "Sam"
    )
    assert code == 2
    assert "cannot be released" in err
    code, out, err = run(capsys, "school", "discard", *base, entry["file_sha256"])
    assert (code, err) == (0, "")
    assert "broken.pdf" in out


def test_verify_a_file_encrypted_to_the_school(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    setting = load_setting_p12(
        (ROOT / "little-acorns-nursery.p12").read_bytes(), "demo-setting-passphrase"
    )
    sealed = tmp_path / "sealed.pdf"
    sealed.write_bytes(_northshire_pdf(_record(0), setting.key, setting.cert, setting.chain))
    root_pem = ROOT / "la-ca" / "root-cert.pem"
    code, out, _ = run(capsys, "verify", sealed, "--trust", root_pem)
    assert code == 1
    assert "recipient certificate" in out
    key = ROOT / "schools" / "990101.p12"
    monkeypatch.setenv("TRANSITIONS_P12_PASSWORD", "demo-school-passphrase")
    code, out, err = run(
        capsys,
        "verify",
        sealed,
        "--trust",
        root_pem,
        "--crl",
        ROOT / "crl.pem",
        "--key-p12",
        key,
        "--json",
    )
    assert (code, err) == (0, "")
    [result] = json.loads(out)
    assert result["valid"] is True
    monkeypatch.setenv("TRANSITIONS_P12_PASSWORD", "wrong")
    code, _, err = run(capsys, "verify", sealed, "--trust", root_pem, "--key-p12", key)
    assert code == 3
    assert "passphrase" in err


def test_outcomes_sheet_round_trip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = tmp_path / "acorn-lane"
    monkeypatch.setenv("TRANSITIONS_PASSWORD", SCHOOL_PW)
    assert (
        run(capsys, "school", "init", "--vault", vault, "--urn", SCHOOL_URN, "--user", "head")[0]
        == 0
    )
    base = ("--vault", vault, "--user", "head")
    setting = load_setting_p12(
        (ROOT / "little-acorns-nursery.p12").read_bytes(), "demo-setting-passphrase"
    )
    monkeypatch.setenv("TRANSITIONS_P12_PASSWORD", "demo-school-passphrase")
    assert (
        run(capsys, "school", "key", "add", *base, "--p12", ROOT / "schools" / "990101.p12")[0] == 0
    )
    files = []
    for i in range(2):
        path = tmp_path / f"child-{i}.pdf"
        path.write_bytes(_northshire_pdf(_record(i), setting.key, setting.cert, setting.chain))
        files.append(path)
    root_pem = ROOT / "la-ca" / "root-cert.pem"
    assert run(capsys, "school", "import", *base, "--trust", root_pem, *files)[0] == 0
    sheet = tmp_path / "sheet.csv"
    code, out, err = run(capsys, "school", "outcomes-sheet", *base, "--out", sheet)
    assert (code, err) == (0, "")
    assert "2 children" in out
    lines = sheet.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    filled = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        cells[header.index("GLD")] = "Y"
        for n in range(1, 18):
            cells[header.index(f"ELG{n:02d}")] = "expected"
        filled.append(",".join(cells))
    sheet.write_text("\n".join(filled) + "\n", encoding="utf-8")
    out_dir = tmp_path / "outcomes"
    code, out, err = run(
        capsys, "school", "outcomes", *base, "--csv", sheet, "--out", out_dir, "--json"
    )
    assert (code, err) == (0, "")
    assert len(json.loads(out)) == 1


def test_school_certificate_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fixtures_pki import P12_PASSPHRASE, to_p12

    vault = tmp_path / "acorn-lane"
    monkeypatch.setenv("TRANSITIONS_PASSWORD", SCHOOL_PW)
    assert (
        run(capsys, "school", "init", "--vault", vault, "--urn", SCHOOL_URN, "--user", "head")[0]
        == 0
    )
    p12 = tmp_path / "signing.p12"
    p12.write_bytes(to_p12(build_pki().setting))
    monkeypatch.setenv("TRANSITIONS_P12_PASSWORD", P12_PASSPHRASE.decode())
    code, out, err = run(
        capsys, "school", "certificate", "--vault", vault, "--user", "head", "--p12", p12
    )
    assert (code, err) == (0, "")
    assert "Little Acorns Nursery" in out
    monkeypatch.setenv("TRANSITIONS_P12_PASSWORD", "wrong")
    code, _, err = run(
        capsys, "school", "certificate", "--vault", vault, "--user", "head", "--p12", p12
    )
    assert code == 3
    assert "passphrase" in err


def test_school_import_takes_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = tmp_path / "acorn-lane"
    monkeypatch.setenv("TRANSITIONS_PASSWORD", SCHOOL_PW)
    assert (
        run(capsys, "school", "init", "--vault", vault, "--urn", SCHOOL_URN, "--user", "head")[0]
        == 0
    )
    base = ("--vault", vault, "--user", "head")
    monkeypatch.setenv("TRANSITIONS_P12_PASSWORD", "demo-school-passphrase")
    assert (
        run(capsys, "school", "key", "add", *base, "--p12", ROOT / "schools" / "990101.p12")[0] == 0
    )
    setting = load_setting_p12(
        (ROOT / "little-acorns-nursery.p12").read_bytes(), "demo-setting-passphrase"
    )
    inbox = tmp_path / "inbox"
    (inbox / "nested").mkdir(parents=True)
    (inbox / "Child.PDF").write_bytes(
        _northshire_pdf(_record(0), setting.key, setting.cert, setting.chain)
    )
    (inbox / "covering-letter.txt").write_text("Dear school,")
    (inbox / "nested" / "other.pdf").write_bytes(b"%PDF-1.7 not looked at")
    code, out, err = run(
        capsys,
        "school",
        "import",
        *base,
        "--trust",
        ROOT / "la-ca" / "root-cert.pem",
        inbox,
        "--json",
    )
    assert (code, err) == (0, "")
    assert [o["file"] for o in json.loads(out)] == ["Child.PDF"]
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(capsys, "school", "import", *base, empty)
    assert code == 2
    assert "No PDF files" in err
