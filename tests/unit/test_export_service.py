"""Export under the charter, end to end: refusal with what is missing, signed packets, manifest,
audit, versions, and the command line's export and verify."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from export.pki import load_root_cert
from export.verify import verify_pdf
from models.errors import CharterViolation
from models.interchange import record_from_bytes
from models.vault import KdfParams
from transitions_app.cli import main
from transitions_app.services.demo import create_demo_vault
from transitions_app.services.export_service import ExportService
from transitions_app.services.vault_service import VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PASSWORD = "demo-password"
PDF_PASSWORD = "school-pass-2026"
ROOT = Path(__file__).resolve().parents[2] / "charters" / "northshire" / "la-ca"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("export") / "vault"
    create_demo_vault(directory, children=9, seed=2, kdf=FAST)
    return directory


@pytest.fixture
def vault(demo: Path, tmp_path: Path) -> VaultService:
    # each test gets its own copy of the module's demo vault
    import shutil

    copy = tmp_path / "vault"
    shutil.copytree(demo, copy)
    service = VaultService.open(copy, "manager", PASSWORD)
    yield service
    service.close()


def _exportable(service: ExportService, vault: VaultService) -> list[str]:
    return [r.id for r in vault.list_records() if not service.missing_for_export(r)]


def test_export_signs_embeds_and_audits(vault: VaultService, tmp_path: Path) -> None:
    exporter = ExportService(vault, workers=1)
    ids = _exportable(exporter, vault)
    assert ids, "the demo vault has records ready to export"
    out = tmp_path / "out"
    report = exporter.export(ids[:2], out, password=PDF_PASSWORD)
    assert report.ok
    assert report.files
    root = load_root_cert(ROOT)
    manifest = json.loads(report.manifest_json.read_text())  # type: ignore[union-attr]
    by_name = {row["file"]: row for row in manifest["files"]}
    for f in report.files:
        data = f.path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == f.sha256 == by_name[f.path.name]["sha256"]
        result = verify_pdf(data, trust_roots=[root], password=PDF_PASSWORD)
        assert result.valid, result.reason
        assert result.record_version == 1
        exported = record_from_bytes(result.record_json or b"")
        stored = vault.load(f.record_id)
        assert exported.values == stored.values
        assert exported.export_version == stored.export_version == 1
    actions = [e.action for e in vault.audit_entries(report.files[0].record_id)]
    assert "exported" in actions
    assert "export_file" in actions


def test_reexport_after_change_supersedes(vault: VaultService, tmp_path: Path) -> None:
    exporter = ExportService(vault, workers=1)
    record_id = _exportable(exporter, vault)[0]
    exporter.export([record_id], tmp_path / "a", packets="teacher", password=PDF_PASSWORD)
    assert vault.load(record_id).status == "exported"
    second = exporter.export([record_id], tmp_path / "b", packets="teacher", password=PDF_PASSWORD)
    assert [(f.version, f.supersedes) for f in second.files] == [(2, 1)]


def test_refused_with_the_missing_items_listed(vault: VaultService, tmp_path: Path) -> None:
    exporter = ExportService(vault, workers=1)
    drafts = [r for r in vault.list_records() if exporter.missing_for_export(r)]
    assert drafts
    report = exporter.export([drafts[0].id], tmp_path / "out", password=PDF_PASSWORD)
    assert not report.ok
    assert report.files == []
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.pdf"))
    assert "Missing:" in report.refused[0].message()


def test_consent_withdrawal_blocks_export(vault: VaultService, tmp_path: Path) -> None:
    exporter = ExportService(vault, workers=1)
    record = vault.load(_exportable(exporter, vault)[0])
    record.set("consent.consent_withdrawn", True)
    record.set("consent.consent_withdrawn_date", datetime.now(UTC).date())
    vault.save(record)
    with pytest.raises(CharterViolation, match="withdrawn"):
        exporter.check_export(vault.load(record.id))


def test_batch_uses_worker_processes(vault: VaultService, tmp_path: Path) -> None:
    exporter = ExportService(vault, workers=2)
    ids = _exportable(exporter, vault)
    seen: list[tuple[int, int]] = []
    report = exporter.export(
        ids, tmp_path / "out", password=PDF_PASSWORD, progress=lambda d, t, _n: seen.append((d, t))
    )
    assert report.ok
    assert seen[-1][0] == seen[-1][1] == len(report.files)
    assert len({f.path for f in report.files}) == len(report.files)


def test_cli_export_and_verify(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    vault_dir = tmp_path / "vault"
    shutil.copytree(demo, vault_dir)
    monkeypatch.setenv("TRANSITIONS_PASSWORD", PASSWORD)
    pw = tmp_path / "pdfpw"
    pw.write_text(PDF_PASSWORD)
    out = tmp_path / "out"
    code = main(
        [
            "export",
            "--vault",
            str(vault_dir),
            "--all",
            "--out",
            str(out),
            "--encrypt-password-file",
            str(pw),
            "--json",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 1  # the demo keeps some drafts, which are refused and listed
    assert data["refused"]
    assert all(r["missing"] or r["reason"] for r in data["refused"])
    files = [Path(f["file"]) for f in data["files"]]
    assert files
    args = [
        "verify",
        *map(str, files),
        "--trust",
        str(ROOT / "root-cert.pem"),
        "--password-file",
        str(pw),
        "--json",
    ]
    assert main([*args, "--crl", str(ROOT.parent / "crl.pem")]) == 0
    results = json.loads(capsys.readouterr().out)
    for row in results:
        assert row["valid"] is True
        assert row["fully_checked"] is True
        assert {
            "file",
            "valid",
            "reason",
            "signer",
            "fingerprint_sha256",
            "signed_at",
            "record_id",
            "record_version",
        } <= set(row)
    # without the LA's revocation list the files are valid but not fully checked (exit 1)
    assert main(args) == 1
    for row in json.loads(capsys.readouterr().out):
        assert row["valid"] is True
        assert row["fully_checked"] is False
        assert "no revocation list (CRL)" in row["revocation"]
    # with the vault's own trust material instead of --trust
    monkeypatch.setenv("TRANSITIONS_PASSWORD", PASSWORD)
    assert (
        main(["verify", str(files[0]), "--vault", str(vault_dir), "--password-file", str(pw)]) == 0
    )
    # a tampered copy fails
    bad = tmp_path / "bad.pdf"
    raw = bytearray(files[0].read_bytes())
    raw[len(raw) // 3] ^= 0x01
    bad.write_bytes(bytes(raw))
    capsys.readouterr()
    assert (
        main(
            ["verify", str(bad), "--trust", str(ROOT / "root-cert.pem"), "--password-file", str(pw)]
        )
        == 1
    )
    assert "INVALID" in capsys.readouterr().out
    # no trust root at all: intact but not vouched for
    assert main(["verify", str(files[0]), "--password-file", str(pw)]) == 1
    assert "not vouched" in capsys.readouterr().out


def test_tell_it_once_start_from_another_settings_pdf(
    vault: VaultService,
    demo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import shutil

    exporter = ExportService(vault, workers=1)
    record_id = _exportable(exporter, vault)[0]
    report = exporter.export(
        [record_id], tmp_path / "out", packets="teacher", password=PDF_PASSWORD
    )
    pdf = report.files[0].path
    other = tmp_path / "other-setting"
    shutil.copytree(demo, other)
    monkeypatch.setenv("TRANSITIONS_PASSWORD", PASSWORD)
    pw = tmp_path / "pw"
    pw.write_text(PDF_PASSWORD)
    code = main(
        [
            "records",
            "import",
            str(pdf),
            "--vault",
            str(other),
            "--pdf-password-file",
            str(pw),
            "--json",
        ]
    )
    assert code == 0
    started = json.loads(capsys.readouterr().out)
    assert started["vouched"] is True
    assert started["id"] != record_id
    service = VaultService.open(other, "manager", PASSWORD)
    try:
        new = service.load(started["id"])
    finally:
        service.close()
    original = vault.load(record_id)
    assert new.values == original.values
    assert new.status == "draft"
    assert new.signoffs == []
    assert new.export_version == 0
    assert set(new.provenance) == set(new.values)
    assert all(
        p.startswith("From Little Acorns Nursery (fictional)") for p in new.provenance.values()
    )
    # a tampered PDF starts nothing
    raw = bytearray(pdf.read_bytes())
    raw[len(raw) // 2] ^= 0x04
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(bytes(raw))
    assert (
        main(["records", "import", str(bad), "--vault", str(other), "--pdf-password-file", str(pw)])
        == 1
    )
    assert "was not started" in capsys.readouterr().err


def _pdf_text(path: Path, password: str, tmp_path: Path) -> str:
    import subprocess

    out = tmp_path / f"{path.stem}.txt"
    subprocess.run(
        ["pdftotext", "-upw", password, "-f", "1", "-l", "1", str(path), str(out)],
        check=True,
        timeout=60,
    )
    return out.read_text(encoding="utf-8")


def test_a_folder_of_exports_reveals_no_names_and_no_sen_status(
    vault: VaultService, tmp_path: Path
) -> None:
    from export.file_names import file_code
    from export.packets import needs_senco_packet

    exporter = ExportService(vault, workers=1)
    records = [vault.load(i) for i in _exportable(exporter, vault)]
    assert any(needs_senco_packet(r) for r in records)
    assert any(not needs_senco_packet(r) for r in records)
    out = tmp_path / "out"
    report = exporter.export([r.id for r in records], out, password=PDF_PASSWORD)
    assert report.ok
    # What someone who only sees the folder sees: every file name, and the manifests' text.
    seen = " ".join(p.name for p in out.iterdir()).lower()
    seen += (report.manifest_json.read_text() + report.manifest_csv.read_text()).lower()  # type: ignore[union-attr]
    import re

    words = set(
        re.findall(r"[a-z]+", seen)
    )  # a name is a word; "bea" inside a sha256 is not a name
    for record in records:
        for path in ("child.legal_forenames", "child.legal_surname", "child.preferred_name"):
            name = str(record.get(path) or "")
            for part in re.findall(r"[a-z]+", name.lower()):
                assert part not in words, name
        assert record.id not in seen
        assert record.id[:8] not in seen
    assert "senco" not in seen
    assert "teacher" not in seen
    names = sorted(p.name for p in out.glob("*.pdf"))
    assert len(names) == len(report.files) == len(set(names))
    # Every file name is the same shape: URN, file code, version; the SENCO file cannot be paired.
    import re

    assert all(re.fullmatch(r"\d{6}-[0-9A-Z]{4}-[0-9A-Z]{4}-v1\.pdf", n) for n in names), names
    for record in records:
        mine = [f for f in report.files if f.record_id == record.id]
        teacher = next(f for f in mine if f.packet == "teacher")
        assert teacher.code == file_code(record.id)
        assert teacher.path.name == f"{record.get('child.school_urn')}-{teacher.code}-v1.pdf"
        # the person exporting sees whose file is which; the front sheet carries the code
        assert record.display_name in teacher.describe()
        assert teacher.path.name in teacher.describe()
        assert f"File code: {teacher.code}" in _pdf_text(teacher.path, PDF_PASSWORD, tmp_path)
        senco = [f for f in mine if f.packet == "senco"]
        assert len(senco) == int(needs_senco_packet(record))
        for f in senco:
            assert f.code != teacher.code
            assert f.code not in {file_code(record.id), file_code(record.id + "senco")}
            assert f"File code: {f.code}" in _pdf_text(f.path, PDF_PASSWORD, tmp_path)


def test_manifest_csv_cells_cannot_run_as_formulas(vault: VaultService, tmp_path: Path) -> None:
    import csv
    import io

    exporter = ExportService(vault, workers=1)
    record_id = _exportable(exporter, vault)[0]
    report = exporter.export(
        [record_id], tmp_path / "out", packets="teacher", password=PDF_PASSWORD
    )
    rows = list(csv.reader(io.StringIO(report.manifest_csv.read_text())))  # type: ignore[union-attr]
    assert rows[0][0] == "file"
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
