"""``vault check`` after ordinary use and after real tampering of every row kind: an export is
sound; a deleted record, a deleted charter or signing identity, an inserted user or key slot, a
replaced key slot and a stray setting are each one sentence and exit 1; the other records still
open. Damage the file itself (a dropped table, a garbled head, random bytes, a truncated file)
and the answer is still exit 1 with one plain sentence, never a traceback."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

import transitions_app.cli as cli
from models.roles import Role
from models.vault import KdfParams
from tests.pg import Backend
from transitions_app.services.demo import create_demo_vault
from transitions_app.services.export_service import ExportService
from transitions_app.services.vault_service import VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PW = "check-all-password"
DEMO_PW = "demo-password"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TRANSITIONS_PASSWORD", "TRANSITIONS_DB"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def pw_file(tmp_path: Path, text: str = PW) -> str:
    path = tmp_path / "pw.txt"
    path.write_text(text + "\n", encoding="utf-8")
    return str(path)


def where_args(backend: Backend) -> list[str]:
    return ["--db", backend.db_url] if backend.db_url else ["--vault", str(backend.directory)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("check-demo") / "vault"
    create_demo_vault(directory, children=4, seed=5, kdf=FAST)
    return directory


def test_an_ordinary_export_leaves_vault_check_sound(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(demo, vault)
    service = VaultService.open(vault, "manager", DEMO_PW)
    exporter = ExportService(service, workers=1)
    ready = [r.id for r in service.list_records() if not exporter.missing_for_export(r)]
    for _ in range(2):  # the second export is export version 2 of a record at row version 4
        report = exporter.export(ready[:1], tmp_path / "out", password="school-pass-2026")
        assert report.ok
    service.close()
    code, out, err = run(
        capsys,
        "vault",
        "check",
        "--vault",
        str(vault),
        "--password-file",
        pw_file(tmp_path, DEMO_PW),
    )
    assert (code, err) == (0, ""), out
    assert "sound" in out


def make(backend: Backend) -> tuple[VaultService, list[str]]:
    boss, _ = VaultService.create(**backend.where, user="boss", password=PW, kdf=FAST)
    ids = []
    for note in ("First made-up child", "Second made-up child", "Third made-up child"):
        record = boss.new_record()
        record.set("about_me.likes", note)
        ids.append(boss.save(record).id)
    boss.put_blob("charter", b'{"made-up": "charter"}')
    boss.put_blob("setting/identity", b'{"made-up": "identity"}')
    boss.add_user("pat", Role.PRACTITIONER, "pat-password")
    return boss, ids


TAMPERING = {
    "delete-record": ("DELETE FROM records WHERE id = :r", "Record {r}: missing"),
    "delete-charter": ("DELETE FROM blobs WHERE name = 'charter'", "Blob charter: missing"),
    "delete-identity": (
        "DELETE FROM blobs WHERE name = 'setting/identity'",
        "Blob setting/identity: missing",
    ),
    "insert-user": (
        "INSERT INTO users (name, role, created, failed_attempts) "
        "VALUES ('mallory', 'manager', '2030-01-01', 0)",
        "User mallory: not in the audit trail",
    ),
    "delete-user": ("DELETE FROM users WHERE name = 'pat'", "User pat: missing"),
    "role-change": (
        "UPDATE users SET role = 'manager' WHERE name = 'pat'",
        "User pat: role or presence does not match",
    ),
    "swap-slot": (
        "UPDATE key_slots SET salt = (SELECT salt FROM key_slots WHERE user_name = 'boss') "
        "WHERE user_name = 'pat'",
        "User pat: their key slot is not the one the audit trail names",
    ),
    "orphan-slot": (
        "UPDATE key_slots SET user_name = 'ghost' WHERE user_name = 'pat'",
        "Key slot for “ghost”: it belongs to no user",
    ),
    "delete-recovery": (
        "DELETE FROM key_slots WHERE kind = 'recovery'",
        "Recovery key: its key slot is missing",
    ),
    "stray-meta": (
        "INSERT INTO meta (key, value) VALUES ('trusted_by_default', 'yes')",
        "Vault settings: an unexpected entry “trusted_by_default”",
    ),
    "inserted-record": (
        "INSERT INTO records (id, version, key_id, nonce, ciphertext, change_seq) "
        "SELECT '00000000-0000-4000-8000-000000000000', version, key_id, nonce, ciphertext, "
        "change_seq FROM records WHERE id = :r",
        "Record 00000000-0000-4000-8000-000000000000",
    ),
}


@pytest.mark.parametrize("tamper", sorted(TAMPERING))
def test_every_row_kind_is_checked(
    backend: Backend, tamper: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    boss, ids = make(backend)
    assert boss.check().ok, boss.check().problems
    boss.close()
    statement, expected = TAMPERING[tamper]
    backend.sql(statement, {"r": ids[0]} if ":r" in statement else None)
    code, out, err = run(
        capsys,
        "vault",
        "check",
        *where_args(backend),
        "--user",
        "boss",
        "--password-file",
        pw_file(tmp_path),
    )
    assert code == 1, (out, err)
    lines = out.strip().splitlines()
    assert any(line.startswith(expected.format(r=ids[0])) for line in lines), lines
    assert all(line.endswith(".") and line.count(". ") == 0 for line in lines), lines
    # the other records still open
    boss = VaultService.open(**backend.where, user="boss", password=PW)
    alive = {r.id for r in boss.list_records()}
    boss.close()
    assert set(ids[1:]) <= alive


def db(tmp_path: Path) -> Path:
    return tmp_path / "vault" / "vault.db"


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    boss, _ids = make(Backend("sqlite", tmp_path / "vault", None))
    boss.close()
    return tmp_path / "vault"


def check_cli(capsys: pytest.CaptureFixture[str], folder: Path, pw: str) -> tuple[int, str, str]:
    return run(
        capsys, "vault", "check", "--vault", str(folder), "--user", "boss", "--password-file", pw
    )


def test_a_dropped_audit_table_is_exit_1_in_one_sentence(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(folder / "vault.db") as conn:
        conn.execute("DROP TABLE audit")
    code, out, err = check_cli(capsys, folder, pw_file(tmp_path))
    assert code == 1
    assert err.strip() == (
        f"The vault in {folder} is damaged: its audit table is missing; restore it from a backup."
    )


@pytest.mark.parametrize("garbled", ["zz", "12", "3:nothex", "-1:", ""])
def test_a_garbled_audit_head_is_reported_not_a_traceback(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], garbled: str
) -> None:
    with sqlite3.connect(folder / "vault.db") as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (garbled,))
    code, out, err = check_cli(capsys, folder, pw_file(tmp_path))
    assert code == 1, (out, err)
    assert "Audit trail: its head (the record of its newest entry) is garbled" in out + err
    # the finding is written into the trail and stays there
    code, out, _ = check_cli(capsys, folder, pw_file(tmp_path))
    assert code == 1
    assert "is garbled; found when boss opened the vault" in out


@pytest.mark.parametrize("how", ["random", "truncated", "zeroed-header"])
def test_a_damaged_file_is_exit_1_damaged(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    path = folder / "vault.db"
    size = path.stat().st_size
    if how == "random":
        path.write_bytes(os.urandom(size))
    elif how == "truncated":
        with open(path, "r+b") as fh:
            fh.truncate(size // 3)
    else:
        with open(path, "r+b") as fh:
            fh.write(b"\0" * 100)
    code, out, err = check_cli(capsys, folder, pw_file(tmp_path))
    assert code == 1, (out, err)
    assert "damaged" in err
    assert err.count("\n") == 1
    code, out, err = run(
        capsys,
        "records",
        "list",
        "--vault",
        str(folder),
        "--user",
        "boss",
        "--password-file",
        pw_file(tmp_path),
    )
    assert code == 1
    assert "damaged" in err


@pytest.mark.parametrize("table", ["tombstones", "sqlite_autoindex_tombstones_1"])
def test_a_damaged_page_no_row_is_read_from_is_still_damage(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str
) -> None:
    """A flipped byte in the root page of the tombstones or of their index: every row still
    authenticates, but the file is damaged (SQLite's own page check), so the vault is not sound."""
    path = folder / "vault.db"
    with sqlite3.connect(path) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)
        ).fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    data[(root - 1) * page_size] ^= 0xFF  # the page's type byte
    path.write_bytes(bytes(data))
    code, out, err = check_cli(capsys, folder, pw_file(tmp_path))
    assert code == 1, (out, err)
    assert "The vault's database file: damaged (SQLite's own check of its pages found" in out
    assert "Traceback" not in err


def test_a_password_file_that_is_not_utf8_is_a_plain_usage_error(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\u00e9-password".encode("latin-1"))
    code, out, err = check_cli(capsys, folder, str(bad))
    assert code == 2
    assert err == f"The password file {bad} is not UTF-8 text; save it as UTF-8 and try again.\n"
