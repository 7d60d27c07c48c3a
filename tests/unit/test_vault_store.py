"""The vault's storage layer: keys, slots, sealed rows, audit chain, schema upgrade, backup."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from models.errors import AuthenticationFailed, IntegrityError, SaveConflict, VaultError
from models.vault import (
    CURRENT_SCHEMA,
    DEFAULT_KDF,
    KdfParams,
    VaultStore,
    crypto,
    database_url,
    lockout_delay,
    normalise_recovery_key,
    read_backup,
    restore_backup,
)

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PW = "correct-horse-battery"


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[tuple[Path, VaultStore, str]]:
    directory = tmp_path / "vault"
    store, recovery = VaultStore.create(
        directory, "mgr", PW, "manager", kdf=FAST, clock=FakeClock()
    )
    yield directory, store, recovery
    store.close()


def raw(directory: Path) -> sqlite3.Connection:
    return sqlite3.connect(directory / "vault.db", isolation_level=None)


def test_default_kdf_is_at_least_64_mib_and_3_iterations(tmp_path: Path) -> None:
    assert DEFAULT_KDF.memory_kib >= 64 * 1024
    assert DEFAULT_KDF.iterations >= 3
    store, _ = VaultStore.create(tmp_path / "v", "mgr", PW, "manager")  # the real defaults, once
    store.close()
    with raw(tmp_path / "v") as conn:
        memory, iterations = conn.execute(
            "SELECT memory_kib, iterations FROM key_slots WHERE user_name='mgr'"
        ).fetchone()
    assert memory >= 64 * 1024
    assert iterations >= 3
    VaultStore.open(tmp_path / "v", "mgr", PW).close()


def test_url_is_built_in_one_place(tmp_path: Path) -> None:
    assert database_url(tmp_path).startswith("sqlite:///")
    assert database_url(tmp_path).endswith("/vault.db")


def test_round_trip_and_reopen(vault: tuple[Path, VaultStore, str]) -> None:
    directory, store, _ = vault
    v1 = store.put_record("rec-a", b"alpha", None)
    v2 = store.put_record("rec-a", b"alpha two", v1)
    store.put_blob("charter", b"charter-bytes")
    store.close()
    again = VaultStore.open(directory, "mgr", PW)
    assert again.get_record("rec-a").data == b"alpha two"
    assert again.get_record("rec-a").version == v2 == 2
    assert again.get_blob("charter") == b"charter-bytes"
    assert again.get_blob("missing") is None
    assert again.check() == []
    again.close()


def test_wrong_password_and_unknown_user_fail_the_same_way(
    vault: tuple[Path, VaultStore, str],
) -> None:
    directory, _, _ = vault
    with pytest.raises(AuthenticationFailed) as wrong:
        VaultStore.open(directory, "mgr", "not-the-password")
    with pytest.raises(AuthenticationFailed) as unknown:
        VaultStore.open(directory, "nobody", PW)
    assert str(wrong.value) == str(unknown.value)


def test_an_unknown_user_costs_a_key_derivation_too(
    vault: tuple[Path, VaultStore, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Otherwise the time to answer would say which user names exist."""
    from models.vault import crypto

    directory, _, _ = vault
    derived: list[object] = []
    real = crypto.derive_kek
    monkeypatch.setattr(crypto, "derive_kek", lambda *a: derived.append(a[2]) or real(*a))
    with pytest.raises(AuthenticationFailed):
        VaultStore.open(directory, "nobody", PW)
    assert derived == [crypto.DEFAULT_KDF]


def test_missing_vault_is_a_vault_error(tmp_path: Path) -> None:
    with pytest.raises(VaultError):
        VaultStore.open(tmp_path / "nothing", "mgr", PW)


def test_five_wrong_passwords_then_growing_delay_and_audit(
    vault: tuple[Path, VaultStore, str],
) -> None:
    directory, _, _ = vault
    slept: list[float] = []
    for _ in range(7):
        with pytest.raises(AuthenticationFailed):
            VaultStore.open(directory, "mgr", "wrong-password", sleeper=slept.append)
    assert slept == [lockout_delay(5), lockout_delay(6)]
    assert 0 < slept[0] < slept[1]
    store = VaultStore.open(directory, "mgr", PW, sleeper=slept.append)
    assert slept[-1] == lockout_delay(7)
    failures = [e for e in store.audit_entries() if e.action == "login_failures"]
    assert failures
    assert failures[-1].detail["count"] == 7
    assert failures[-1].detail["delayed"] is True
    store.close()
    slept.clear()
    VaultStore.open(directory, "mgr", PW, sleeper=slept.append).close()
    assert slept == []  # the counter was reset by the successful login


def test_recovery_key_opens_and_is_forgiving_about_typing(
    vault: tuple[Path, VaultStore, str],
) -> None:
    directory, store, recovery = vault
    store.put_record("rec-a", b"alpha", None)
    groups = recovery.split("-")
    assert len(groups) == 8
    assert all(len(g) == 5 for g in groups)
    typed = " ".join(groups).lower()
    assert normalise_recovery_key(typed) == recovery
    rescued = VaultStore.open_with_recovery_key(directory, typed)
    assert rescued.get_record("rec-a").data == b"alpha"
    rescued.set_user("newboss", "manager", "another-password", kdf=FAST)
    rescued.close()
    VaultStore.open(directory, "newboss", "another-password").close()
    with pytest.raises(AuthenticationFailed):
        VaultStore.open_with_recovery_key(directory, "AAAAA-" * 7 + "AAAAA")


def test_stale_version_is_a_conflict(vault: tuple[Path, VaultStore, str]) -> None:
    directory, store, _ = vault
    store.put_record("rec-a", b"alpha", None)
    other = VaultStore.open(directory, "mgr", PW)
    other.put_record("rec-a", b"changed elsewhere", 1)
    with pytest.raises(SaveConflict):
        store.put_record("rec-a", b"stale change", 1)
    with pytest.raises(SaveConflict):
        store.put_record("rec-a", b"duplicate create", None)
    assert store.get_record("rec-a").data == b"changed elsewhere"
    other.close()


def test_removed_user_is_refused_and_rekey_locks_out_an_old_slot(
    tmp_path: Path, vault: tuple[Path, VaultStore, str]
) -> None:
    directory, store, recovery = vault
    store.add_user("pat", "practitioner", "pat-password")
    store.put_record("rec-a", b"before removal", None)
    # pat keeps a copy of the vault file from before the removal
    old_copy = tmp_path / "copy"
    old_copy.mkdir()
    with raw(directory) as src, sqlite3.connect(old_copy / "vault.db") as dst:
        src.backup(dst)
    old_key_id = store._key_id
    store.remove_user("pat")
    assert store._key_id != old_key_id
    v = store.put_record("rec-a", b"after removal", 1)
    with pytest.raises(AuthenticationFailed):
        VaultStore.open(directory, "pat", "pat-password")
    # the old copy still opens for pat, but its data key cannot read the re-keyed vault
    stale = VaultStore.open(old_copy, "pat", "pat-password")
    with raw(directory) as conn:
        nonce, ct, key_id = conn.execute(
            "SELECT nonce, ciphertext, key_id FROM records WHERE id='rec-a'"
        ).fetchone()
    assert key_id != old_key_id
    with pytest.raises(IntegrityError):
        crypto.open_sealed(stale._data_key, nonce, ct, crypto.aad("records", "rec-a", v, key_id))
    stale.close()
    # pat's slot copied back into the new vault does not open it either
    with raw(old_copy) as src:
        slot = src.execute("SELECT * FROM key_slots WHERE user_name='pat'").fetchone()
    with raw(directory) as conn:
        conn.execute("INSERT INTO users (name, role, created) VALUES ('pat', 'practitioner', 'x')")
        conn.execute(f"INSERT INTO key_slots VALUES ({','.join('?' * len(slot))})", slot)
    with pytest.raises((AuthenticationFailed, VaultError)):
        VaultStore.open(directory, "pat", "pat-password")
    # everyone else, and the recovery key, still open; history before the re-key still verifies
    again = VaultStore.open(directory, "mgr", PW)
    assert again.get_record("rec-a").data == b"after removal"
    assert any("User pat" in p for p in again.check())
    again.close()
    VaultStore.open_with_recovery_key(directory, recovery).close()


def test_flipping_any_byte_of_a_record_is_reported_and_others_still_open(
    vault: tuple[Path, VaultStore, str],
) -> None:
    directory, store, _ = vault
    store.put_record("rec-a", b"first record", None)
    store.put_record("rec-b", b"second record", None)
    with raw(directory) as conn:
        nonce, ct = conn.execute(
            "SELECT nonce, ciphertext FROM records WHERE id='rec-a'"
        ).fetchone()
    blob = bytes(nonce) + bytes(ct)
    for i in range(len(blob)):
        bad = bytearray(blob)
        bad[i] ^= 0x01
        with raw(directory) as conn:
            conn.execute(
                "UPDATE records SET nonce=?, ciphertext=? WHERE id='rec-a'",
                (bytes(bad[:12]), bytes(bad[12:])),
            )
        problems = store.check()
        assert any(p.startswith("Record rec-a:") for p in problems), i
        good, damaged = store.list_records()
        assert damaged == ["rec-a"]
        assert [r.id for r in good] == ["rec-b"]
        with pytest.raises(IntegrityError):
            store.get_record("rec-a")
    for column, value in (("version", 7), ("key_id", "'0000000000000000'"), ("id", "'rec-z'")):
        with raw(directory) as conn:
            conn.execute("UPDATE records SET nonce=?, ciphertext=? WHERE id='rec-a'", (nonce, ct))
            conn.execute(f"UPDATE records SET {column}={value} WHERE id='rec-a'")
        assert any("damaged" in p for p in store.check()), column
        with raw(directory) as conn:
            conn.execute("DELETE FROM records WHERE id NOT IN ('rec-b')")
        store.put_record("rec-a", b"first record", None, force=True)
        with raw(directory) as conn:
            nonce, ct = conn.execute(
                "SELECT nonce, ciphertext FROM records WHERE id='rec-a'"
            ).fetchone()
    assert store.get_record("rec-b").data == b"second record"


def test_swapped_ciphertexts_are_both_reported(vault: tuple[Path, VaultStore, str]) -> None:
    directory, store, _ = vault
    for rid in ("rec-a", "rec-b", "rec-c"):
        store.put_record(rid, rid.encode() * 3, None)
    with raw(directory) as conn:
        a = conn.execute("SELECT nonce, ciphertext FROM records WHERE id='rec-a'").fetchone()
        b = conn.execute("SELECT nonce, ciphertext FROM records WHERE id='rec-b'").fetchone()
        conn.execute("UPDATE records SET nonce=?, ciphertext=? WHERE id='rec-a'", b)
        conn.execute("UPDATE records SET nonce=?, ciphertext=? WHERE id='rec-b'", a)
    problems = store.check()
    assert any(p.startswith("Record rec-a:") for p in problems)
    assert any(p.startswith("Record rec-b:") for p in problems)
    assert store.get_record("rec-c").data == b"rec-crec-crec-c"


def test_replaying_an_old_version_is_reported(vault: tuple[Path, VaultStore, str]) -> None:
    directory, store, _ = vault
    store.put_record("rec-a", b"version one", None)
    with raw(directory) as conn:
        old = conn.execute(
            "SELECT version, nonce, ciphertext FROM records WHERE id='rec-a'"
        ).fetchone()
    store.put_record("rec-a", b"version two", 1)
    with raw(directory) as conn:
        conn.execute("UPDATE records SET version=?, nonce=?, ciphertext=? WHERE id='rec-a'", old)
    assert store.get_record("rec-a").data == b"version one"  # it authenticates as a row...
    assert any("older copy" in p for p in store.check())  # ...but the audit chain catches it


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit SET action='opened' WHERE seq=3",
        "UPDATE audit SET user_name='someone' WHERE seq=3",
        "UPDATE audit SET at='2001-01-01T00:00:00+00:00' WHERE seq=3",
        "UPDATE audit SET detail=zeroblob(length(detail)) WHERE seq=3",
        "DELETE FROM audit WHERE seq=3",
        "DELETE FROM audit WHERE seq=(SELECT max(seq) FROM audit)",
        "UPDATE audit SET mac=zeroblob(32) WHERE seq=4",
    ],
)
def test_editing_the_audit_table_is_reported(
    vault: tuple[Path, VaultStore, str], tamper: str
) -> None:
    directory, store, _ = vault
    store.put_record("rec-a", b"alpha", None)
    store.put_record("rec-b", b"beta", None)
    store.append_audit("exported", "rec-a", {"file": "x.pdf"})
    assert store.check() == []
    with raw(directory) as conn:
        conn.execute(tamper)
    problems = store.check()
    assert any(p.startswith("Audit") for p in problems), problems
    assert store.get_record("rec-a").data == b"alpha"
    assert store.get_record("rec-b").data == b"beta"


def test_blobs_are_sealed_and_damage_is_reported(vault: tuple[Path, VaultStore, str]) -> None:
    directory, store, _ = vault
    store.put_blob("certificate", b"cert-one")
    store.put_blob("certificate", b"cert-two")
    assert store.get_blob("certificate") == b"cert-two"
    with raw(directory) as conn:
        conn.execute("UPDATE blobs SET ciphertext=zeroblob(length(ciphertext))")
    with pytest.raises(IntegrityError):
        store.get_blob("certificate")
    assert any(p.startswith("Blob certificate") for p in store.check())


def test_upgrades_a_schema_1_vault(tmp_path: Path) -> None:
    directory = tmp_path / "old"
    store, _ = VaultStore.create(directory, "mgr", PW, "manager", kdf=FAST, schema_version=1)
    store.put_record("rec-a", b"written under schema 1", None)
    store.close()
    with raw(directory) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (
            "1",
        )
        assert "failed_attempts" not in {r[1] for r in conn.execute("PRAGMA table_info(users)")}
    with pytest.raises(AuthenticationFailed):  # a wrong password on an upgraded vault is counted
        VaultStore.open(directory, "mgr", "wrong-password")
    upgraded = VaultStore.open(directory, "mgr", PW)
    assert upgraded.get_record("rec-a").data == b"written under schema 1"
    assert upgraded.check() == []
    upgraded.close()
    with raw(directory) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (
            str(CURRENT_SCHEMA),
        )
        assert {"failed_attempts", "last_failure"} <= {
            r[1] for r in conn.execute("PRAGMA table_info(users)")
        }


def test_newer_schema_is_refused(vault: tuple[Path, VaultStore, str]) -> None:
    directory, store, _ = vault
    with raw(directory) as conn:
        conn.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    with pytest.raises(VaultError, match="newer version"):
        VaultStore.open(directory, "mgr", PW)


def test_pragmas_for_durability_and_privacy(vault: tuple[Path, VaultStore, str]) -> None:
    _, store, _ = vault
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA temp_store").scalar() == 2  # MEMORY


def test_backup_and_restore_into_a_new_folder(
    tmp_path: Path, vault: tuple[Path, VaultStore, str]
) -> None:
    _, store, recovery = vault
    store.put_record("rec-a", b"alpha", None)
    store.put_blob("charter", b"rules")
    seen: list[tuple[int, int]] = []
    out = tmp_path / "vault.backup"
    store.backup(out, lambda done, total: seen.append((done, total)))
    assert seen
    assert seen[-1][0] == seen[-1][1]
    assert b"alpha" not in out.read_bytes()
    restore_backup(out, tmp_path / "restored", user="mgr", password=PW)
    again = VaultStore.open(tmp_path / "restored", "mgr", PW)
    assert again.get_record("rec-a").data == b"alpha"
    assert again.get_blob("charter") == b"rules"
    assert again.check() == []
    again.close()
    restore_backup(out, tmp_path / "by-recovery", recovery_key=recovery)
    VaultStore.open_with_recovery_key(tmp_path / "by-recovery", recovery).close()


def test_damaged_or_truncated_backup_creates_nothing(
    tmp_path: Path, vault: tuple[Path, VaultStore, str]
) -> None:
    _, store, _ = vault
    store.put_record("rec-a", b"alpha" * 1000, None)
    out = tmp_path / "vault.backup"
    store.backup(out)
    data = out.read_bytes()
    cases = {
        "truncated": data[:-1],
        "half": data[: len(data) // 2],
        "flipped-body": data[:-100] + bytes([data[-100] ^ 1]) + data[-99:],
        "flipped-header": data[:40] + bytes([data[40] ^ 1]) + data[41:],
        "extra": data + b"\x00",
        "empty": b"",
    }
    for name, bad in cases.items():
        path = tmp_path / f"{name}.backup"
        path.write_bytes(bad)
        target = tmp_path / f"restore-{name}"
        with pytest.raises((IntegrityError, AuthenticationFailed)) as caught:
            restore_backup(path, target, user="mgr", password=PW)
        assert not target.exists(), name
        assert (
            "nothing was restored" in str(caught.value)
            or "not a Transitions" in str(caught.value)
            or "Wrong" in str(caught.value)
        )
    with pytest.raises(AuthenticationFailed):
        read_backup(out, user="mgr", password="wrong-password")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "something.txt").write_text("keep me")
    with pytest.raises(VaultError, match="not empty"):
        restore_backup(out, busy, user="mgr", password=PW)
    assert sorted(p.name for p in busy.iterdir()) == ["something.txt"]


def test_a_session_opened_before_a_rekey_cannot_write_with_the_old_key(
    vault: tuple[Path, VaultStore, str],
) -> None:
    directory, store, _ = vault
    store.add_user("pat", "practitioner", "pat-password")
    store.put_record("rec-a", b"alpha", None)
    earlier = VaultStore.open(directory, "mgr", PW)
    store.remove_user("pat")
    with pytest.raises(VaultError, match="re-keyed"):
        earlier.put_record("rec-a", b"written with the old key", 1)
    earlier.close()
    assert store.get_record("rec-a").data == b"alpha"
    assert store.check() == []


def test_a_failed_rekey_leaves_the_session_and_vault_usable(
    vault: tuple[Path, VaultStore, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    directory, store, _ = vault
    store.put_record("rec-a", b"alpha", None)

    def boom(*_args: object) -> tuple[bytes, bytes, bytes]:
        raise OSError("simulated failure half-way through re-keying")

    monkeypatch.setattr(crypto, "seal_to_public", boom)
    with pytest.raises(OSError, match="simulated"):
        store.rekey()
    monkeypatch.undo()
    assert store.put_record("rec-a", b"alpha two", 1) == 2
    assert store.check() == []
    store.close()
    again = VaultStore.open(directory, "mgr", PW)
    assert again.get_record("rec-a").data == b"alpha two"
    again.close()
