"""A vault that cannot be written still answers: ``vault check``, ``records list``/``show`` and
``verify --vault`` on a read-only folder (a real read-only mount; a folder the permission check
calls read-only; a mount whose read-only-ness is only found when the first write fails) and on a
read-only PostgreSQL database. Each says that the opening could not be written to the audit
trail, and goes on; nothing in the folder changes. A full disk is named as a full disk."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

import transitions_app.cli as cli
from models.vault import KdfParams
from models.vault import store as vault_store
from transitions_app.services.demo import create_demo_vault
from transitions_app.services.export_service import ExportService
from transitions_app.services.vault_service import VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
DEMO_PW = "demo-password"
PDF_PW = "school-pass-2026"
NOT_WRITTEN = "could not be written to the audit trail"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TRANSITIONS_PASSWORD", "TRANSITIONS_DB"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """A demo vault (with its charter) and one signed, exported PDF from it."""
    base = tmp_path_factory.mktemp("read-only")
    vault = base / "vault"
    create_demo_vault(vault, children=3, seed=3, kdf=FAST)
    service = VaultService.open(vault, "manager", DEMO_PW)
    exporter = ExportService(service, workers=1)
    ready = [r.id for r in service.list_records() if not exporter.missing_for_export(r)]
    report = exporter.export(ready[:1], base / "out", password=PDF_PW)
    service.close()
    pdf = next(f.path for f in report.files if f.packet == "teacher")
    return vault, pdf, ready[0]


def digest_folder(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def answers(
    capsys: pytest.CaptureFixture[str], vault: Path, pdf: Path, record_id: str, tmp_path: Path
) -> None:
    """The read-only commands all work on ``vault`` and say the opening was not audited."""
    pw = tmp_path / "pw.txt"
    pw.write_text(DEMO_PW, encoding="utf-8")
    pdf_pw = tmp_path / "pdf-pw.txt"
    pdf_pw.write_text(PDF_PW, encoding="utf-8")
    common = ("--vault", str(vault), "--user", "manager")
    code, out, err = run(capsys, "vault", "check", *common, "--password-file", str(pw))
    assert code == 0, (out, err)
    assert "sound" in out
    assert NOT_WRITTEN in err
    code, out, err = run(capsys, "records", "list", *common, "--password-file", str(pw))
    assert code == 0, (out, err)
    assert record_id in out
    assert NOT_WRITTEN in err
    code, out, err = run(capsys, "records", "show", record_id, *common, "--password-file", str(pw))
    assert code == 0, (out, err)
    assert NOT_WRITTEN in err
    code, out, err = run(
        capsys,
        "verify",
        str(pdf),
        *common,
        "--vault-password-file",
        str(pw),
        "--password-file",
        str(pdf_pw),
    )
    assert code == 0, (out, err)
    assert NOT_WRITTEN in err
    # and a change is refused with a plain sentence
    new_pw = tmp_path / "new-pw.txt"
    new_pw.write_text("new-user-password", encoding="utf-8")
    code, out, err = run(
        capsys,
        "vault",
        "user",
        "add",
        "someone",
        "--role",
        "practitioner",
        "--new-password-file",
        str(new_pw),
        *common,
        "--password-file",
        str(pw),
    )
    assert code == 2
    assert err.splitlines()[-1] in (
        "The vault cannot be changed: it is read-only here.",
        "The vault could not be written: it is read-only here.",
    )


@pytest.fixture
def ro_mount(exported: tuple[Path, Path, str], tmp_path: Path) -> Iterator[Path]:
    """A copy of the vault folder seen through a read-only bind mount (needs root)."""
    if os.geteuid() != 0:
        pytest.skip("a read-only bind mount needs root")
    source = tmp_path / "vault"
    shutil.copytree(exported[0], source)
    target = tmp_path / "mounted"
    target.mkdir()
    try:
        subprocess.run(
            ["mount", "--bind", str(source), str(target)], check=True, capture_output=True
        )
        subprocess.run(
            ["mount", "-o", "remount,bind,ro", str(target)], check=True, capture_output=True
        )
    except (OSError, subprocess.CalledProcessError):
        subprocess.run(["umount", str(target)], capture_output=True)
        pytest.skip("this machine does not allow bind mounts")
    yield target
    subprocess.run(["umount", str(target)], check=True)


def test_a_read_only_mount_is_checked_listed_shown_and_verified(
    ro_mount: Path,
    exported: tuple[Path, Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = digest_folder(ro_mount)
    answers(capsys, ro_mount, exported[1], exported[2], tmp_path)
    assert digest_folder(ro_mount) == before


def test_read_only_is_also_found_from_a_failed_write(
    ro_mount: Path,
    exported: tuple[Path, Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the permission check says "writable" (as it can for root, or a network share)
    monkeypatch.setattr(vault_store, "_folder_writable", lambda _folder: True)
    answers(capsys, ro_mount, exported[1], exported[2], tmp_path)


def test_a_folder_the_permission_check_calls_read_only(
    exported: tuple[Path, Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(exported[0], vault)
    if os.geteuid() != 0:  # a real chmod -R a-w works for anyone but root
        for path in (*vault.iterdir(), vault):
            path.chmod(0o500 if path.is_dir() else 0o400)
    real_access = os.access
    monkeypatch.setattr(
        vault_store.os,
        "access",
        lambda path, mode, **kw: False if mode & os.W_OK else real_access(path, mode, **kw),
    )
    before = digest_folder(vault)
    answers(capsys, vault, exported[1], exported[2], tmp_path)
    assert digest_folder(vault) == before


def test_a_read_only_database_on_the_server(pg_url: str, pg_server: object) -> None:
    import psycopg

    service, _ = VaultService.create(None, "boss", "server-password", db_url=pg_url, kdf=FAST)
    record = service.new_record()
    service.close()
    name = pg_url.rsplit("/", 1)[1]
    port = pg_url.split(":")[-1].split("/")[0]
    with psycopg.connect(
        f"host=127.0.0.1 port={port} user=postgres dbname=postgres", autocommit=True
    ) as conn:
        conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    service = VaultService.open(None, "boss", "server-password", db_url=pg_url)
    assert any(NOT_WRITTEN in n for n in service.notices)
    assert service.check().ok
    assert [r.id for r in service.list_records()] == [record.id]
    assert service.load(record.id).id == record.id
    with pytest.raises(Exception, match="read-only here"):
        service.new_record()
    service.close()


# --- a full disk -------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    try:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=640k", "tmpfs", str(disk)],
            check=True,
            capture_output=True,
        )
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("this machine does not allow mounting a tmpfs")
    yield disk
    subprocess.run(["umount", str(disk)], check=True)


def fill(disk: Path) -> None:
    with open(disk / "filler", "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 4096)
                fh.flush()
        except OSError:
            pass
        with contextlib.suppress(OSError):
            fh.close()


def test_a_full_disk_is_named_as_a_full_disk(
    small_disk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vault = small_disk / "vault"
    service, _ = VaultService.create(vault, "boss", "full-disk-password", kdf=FAST)
    record = service.new_record()
    service.close()
    fill(small_disk)
    pw = tmp_path / "pw.txt"
    pw.write_text("full-disk-password", encoding="utf-8")
    common = ("--vault", str(vault), "--user", "boss", "--password-file", str(pw))
    code, out, err = run(capsys, "records", "list", *common)
    assert code == 0, (out, err)
    assert record.id in out
    assert err.startswith("The disk is full, so this opening could not be written")
    code, out, err = run(capsys, "vault", "check", *common)
    assert code == 0, (out, err)
    new_pw = tmp_path / "new-pw.txt"
    new_pw.write_text("new-user-password", encoding="utf-8")
    code, out, err = run(
        capsys,
        "vault",
        "user",
        "add",
        "someone",
        "--role",
        "practitioner",
        "--new-password-file",
        str(new_pw),
        *common,
    )
    assert code == 2
    assert err.splitlines()[-1] == "The vault cannot be changed: the disk is full."
    (small_disk / "filler").unlink()  # space again: the next opening is written as usual
    code, out, err = run(capsys, "records", "list", *common)
    assert (code, err) == (0, "")


def test_a_full_disk_during_the_login_audit_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = tmp_path / "vault"
    service, _ = VaultService.create(vault, "boss", "full-disk-password", kdf=FAST)
    service.close()

    def full(_self: object, _conn: object) -> None:
        raise OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(vault_store.VaultStore, "_settle_head", full)
    pw = tmp_path / "pw.txt"
    pw.write_text("full-disk-password", encoding="utf-8")
    code, out, err = run(
        capsys,
        "records",
        "list",
        "--vault",
        str(vault),
        "--user",
        "boss",
        "--password-file",
        str(pw),
    )
    assert code == 0, (out, err)
    assert err.startswith("The disk is full, so this opening could not be written")
