"""The end of the audit trail, attacked for real on both backends: entries cut off the end with
the head pointed back (with and without an older head and tag put back), an older record row
put back with them, a forged head tag, a changed seen head; vaults made before the anchor still
open and are anchored on their first opening; and the rollback that stays undetectable."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from models.roles import Role
from models.vault import KdfParams
from tests.pg import Backend
from transitions_app.services.vault_service import VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PW = "anchor-test-password"
LEGACY = Path(__file__).parent.parent / "data" / "legacy-vault-schema3.db"


def make(backend: Backend) -> VaultService:
    boss, _ = VaultService.create(**backend.where, user="boss", password=PW, kdf=FAST)
    boss.add_user("pat", Role.PRACTITIONER, "pat-password")
    boss.add_user("dee", Role.DSL, "dee-password")
    return boss


def login(backend: Backend, name: str) -> VaultService:
    password = PW if name == "boss" else f"{name}-password"
    return VaultService.open(**backend.where, user=name, password=password)


def head(backend: Backend) -> tuple[str, str]:
    rows = dict(
        backend.sql("SELECT key, value FROM meta WHERE key IN ('audit_head', 'audit_head_tag')")
    )
    return rows["audit_head"], rows["audit_head_tag"]


def put_head_back(backend: Backend, saved: tuple[str, str]) -> None:
    """The attack: cut every entry after the saved head off, and put the head and its tag back
    as they were (a copy of the meta table taken earlier)."""
    seq = int(saved[0].split(":")[0])
    backend.sql("DELETE FROM audit WHERE seq > :s", {"s": seq})
    backend.sql("UPDATE meta SET value = :v WHERE key = 'audit_head'", {"v": saved[0]})
    backend.sql("UPDATE meta SET value = :v WHERE key = 'audit_head_tag'", {"v": saved[1]})


def test_cutting_off_a_dsls_opening_is_found_even_with_the_old_head_and_tag_put_back(
    backend: Backend,
) -> None:
    boss = make(backend)
    record = boss.new_record()
    record.set("about_me.likes", "Made-up note about puddles")
    boss.save(record)
    boss.close()
    saved = head(backend)
    cut_from = int(saved[0].split(":")[0]) + 1
    dee = login(backend, "dee")
    dee.load(record.id)  # the entry the attack wants gone: the DSL opened this record
    dee.close()
    seen = backend.sql("SELECT seq FROM seen_heads WHERE user_name = 'dee'")[0][0]
    put_head_back(backend, saved)

    boss = login(backend, "boss")
    saw = f"dee saw it reach entry {seen}"
    assert any(
        saw in n and f"entries {cut_from} to {seen} are missing" in n for n in boss.notices
    ), boss.notices
    report = boss.check()
    assert not report.ok
    assert any(saw in p for p in report.problems), report.problems
    boss.close()
    # the DSL's own next opening records it in the trail, where moving on cannot hide it
    dee = login(backend, "dee")
    assert any("dee saw" in n for n in dee.notices)
    dee.close()
    boss = login(backend, "boss")
    problems = boss.check().problems
    assert any(saw in p and "found when dee opened the vault" in p for p in problems), problems
    boss.close()


def test_an_older_record_row_put_back_with_the_trail_cut_to_match_is_found(
    backend: Backend,
) -> None:
    boss = make(backend)
    record = boss.new_record()
    record.set("about_me.likes", "First made-up note")
    boss.save(record)
    old_row = backend.sql(
        "SELECT version, nonce, ciphertext, change_seq FROM records WHERE id = :i",
        {"i": record.id},
    )[0]
    saved = head(backend)
    record = boss.load(record.id)
    record.set("about_me.likes", "Second made-up note: the one the attacker wants gone")
    boss.save(record)
    boss.close()
    # put the first version back, and make the trail end where it was then
    backend.sql(
        "UPDATE records SET version = :v, nonce = :n, ciphertext = :c, change_seq = :s "
        "WHERE id = :i",
        {
            "v": old_row[0],
            "n": bytes(old_row[1]),
            "c": bytes(old_row[2]),
            "s": old_row[3],
            "i": record.id,
        },
    )
    put_head_back(backend, saved)
    pat = login(backend, "pat")  # someone who never saw the newer state: still found
    problems = pat.check().problems
    assert any("boss saw it reach" in p and "missing" in p for p in problems), problems
    pat.close()


@pytest.mark.parametrize("how", ["point-back", "garble-tag", "drop-tag"])
def test_a_head_moved_without_its_key_fails_authentication(backend: Backend, how: str) -> None:
    boss = make(backend)
    boss.new_record()
    boss.close()
    rows = backend.sql("SELECT seq, mac FROM audit ORDER BY seq")
    if how == "point-back":  # cut the last two entries off and point the head at the third-last
        seq, mac = rows[-3]
        backend.sql("DELETE FROM audit WHERE seq > :s", {"s": seq})
        backend.sql(
            "UPDATE meta SET value = :v WHERE key = 'audit_head'",
            {"v": f"{seq}:{bytes(mac).hex()}"},
        )
        backend.sql("DELETE FROM seen_heads")  # and remove what the users saw, too
    elif how == "garble-tag":
        backend.sql("UPDATE meta SET value = :v WHERE key = 'audit_head_tag'", {"v": "00" * 32})
    else:
        backend.sql("DELETE FROM meta WHERE key = 'audit_head_tag'")
    pat = login(backend, "pat")
    report = pat.check()
    assert not report.ok
    assert any("head failed authentication" in p for p in report.problems), report.problems
    # writing on does not make it look whole: the finding stays in the trail
    pat.new_record()
    pat.close()
    boss = login(backend, "boss")
    assert any("head failed authentication" in p for p in boss.check().problems)
    boss.close()


def test_a_users_seen_head_changed_by_someone_else_is_found_at_their_opening(
    backend: Backend,
) -> None:
    boss = make(backend)
    boss.new_record()
    boss.close()
    dee = login(backend, "dee")
    dee.close()
    # someone lowers dee's record to an earlier entry (they cannot tag it with dee's key)
    seq, mac = backend.sql("SELECT seq, mac FROM audit WHERE seq = 2")[0]
    backend.sql(
        "UPDATE seen_heads SET seq = :s, entry_mac = :m WHERE user_name = 'dee'",
        {"s": seq, "m": bytes(mac).hex()},
    )
    dee = login(backend, "dee")
    assert any("the newest entry dee saw was changed" in n for n in dee.notices), dee.notices
    dee.close()
    boss = login(backend, "boss")
    assert any("dee saw was changed" in p for p in boss.check().problems)
    boss.close()


def test_normal_use_by_several_people_stays_sound(backend: Backend) -> None:
    boss = make(backend)
    record = boss.new_record()
    pat = login(backend, "pat")
    pat.save(pat.load(record.id))
    boss.reset_password("dee", "dee-new-password")
    boss.remove_user("pat")  # re-keys: the head's tag moves to the new key
    boss.change_password(PW, "boss-new-password")
    assert boss.check().ok, boss.check().problems
    boss.close()
    pat.close()
    again = VaultService.open(**backend.where, user="boss", password="boss-new-password")
    assert again.notices == []
    assert again.check().ok, again.check().problems
    again.close()
    dee = VaultService.open(**backend.where, user="dee", password="dee-new-password")
    assert dee.notices == []
    assert dee.check().ok
    dee.close()


def test_a_vault_made_before_the_anchor_opens_is_sound_and_is_anchored(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    folder.mkdir()
    shutil.copy(LEGACY, folder / "vault.db")
    with sqlite3.connect(folder / "vault.db") as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (
            "3",
        )
    boss = VaultService.open(folder, "boss", "legacy-password")
    report = boss.check()  # its export entry no longer reads as a row version
    assert report.ok, report.problems
    boss.close()
    with sqlite3.connect(folder / "vault.db") as conn:
        keys = {k for (k,) in conn.execute("SELECT key FROM meta")}
        actions = [a for (a,) in conn.execute("SELECT action FROM audit ORDER BY seq")]
    assert "audit_head_tag" in keys
    assert actions.count("audit_anchored") == 1
    # from now on the end is protected: the same cut-back attack is found
    pat = VaultService.open(folder, "pat", "pat-legacy-password")
    pat.close()
    with sqlite3.connect(folder / "vault.db") as conn:
        conn.execute("DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)")
    boss = VaultService.open(folder, "boss", "legacy-password")
    assert not boss.check().ok
    boss.close()


def _two_states(tmp_path: Path) -> Path:
    """A vault of one record copied aside, then a second record added by boss on this PC; the
    copy (the older state) is returned."""
    folder = tmp_path / "vault"
    boss, _ = VaultService.create(folder, "boss", PW, kdf=FAST)
    boss.new_record()
    boss.close()
    shutil.copy(folder / "vault.db", tmp_path / "copy.db")
    boss = VaultService.open(folder, "boss", PW)
    boss.new_record()
    boss.close()
    return tmp_path / "copy.db"


def test_a_whole_older_copy_put_back_after_someone_saw_the_newer_state_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The seen head kept on this PC, outside the vault, is not in the file that was replaced."""
    import transitions_app.cli as cli

    older = _two_states(tmp_path)
    folder = tmp_path / "vault"
    shutil.copy(older, folder / "vault.db")
    boss = VaultService.open(folder, "boss", PW)
    assert len(boss.list_records()) == 1
    report = boss.check()
    assert not report.ok
    assert any(
        "but boss saw entry" in p and "an older copy of the vault was put back" in p
        for p in report.problems
    )
    boss.close()
    monkeypatch.setenv("TRANSITIONS_PASSWORD", PW)
    assert cli.main(["vault", "check", "--vault", str(folder), "--user", "boss"]) == 1
    said = capsys.readouterr()
    assert "an older copy of the vault was put back" in said.out + said.err


def test_a_cut_trail_with_the_users_seen_row_deleted_is_found_from_this_pc(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    boss, _ = VaultService.create(folder, "boss", PW, kdf=FAST)
    boss.add_user("dee", Role.DSL, "dee-password")
    boss.close()
    with sqlite3.connect(folder / "vault.db") as db:
        saved = dict(
            db.execute("SELECT key, value FROM meta WHERE key IN ('audit_head', 'audit_head_tag')")
        )
    dee = VaultService.open(folder, "dee", "dee-password")  # the DSL's opening: to be erased
    dee.close()
    with sqlite3.connect(folder / "vault.db") as db:
        seq = int(saved["audit_head"].split(":")[0])
        db.execute("DELETE FROM audit WHERE seq > ?", (seq,))
        db.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (saved["audit_head"],))
        db.execute(
            "UPDATE meta SET value = ? WHERE key = 'audit_head_tag'", (saved["audit_head_tag"],)
        )
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        if "seen_heads" in tables:
            db.execute("DELETE FROM seen_heads")
    dee = VaultService.open(folder, "dee", "dee-password")
    report = dee.check()
    assert not report.ok
    assert any("but dee saw entry" in p for p in report.problems), report.problems
    dee.close()


def test_a_tampered_state_file_is_reported_and_not_trusted(tmp_path: Path) -> None:
    _two_states(tmp_path)
    state = Path(os.environ["TRANSITIONS_STATE_DIR"])
    files = list((state / "seen").glob("*.json"))
    assert files
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert "boss" not in text  # nothing but hashes, a number and a tag
        f.write_text(text.replace('"seq": ', '"seq": 1').replace("a", "b", 1), encoding="utf-8")
    boss = VaultService.open(tmp_path / "vault", "boss", PW)
    report = boss.check()
    assert not report.ok
    assert len(boss.list_records()) == 2  # the records still open
    boss.close()


def test_the_undetectable_rollback_a_whole_copy_put_back_before_anyone_here_saw_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the README says stays undetectable: the whole vault file put back on a PC (or a state
    folder) that never saw the newer state. The file holds every in-vault seen head, and this PC
    holds no memory of the newer one."""
    older = _two_states(tmp_path)
    folder = tmp_path / "vault"
    shutil.copy(older, folder / "vault.db")
    monkeypatch.setenv("TRANSITIONS_STATE_DIR", str(tmp_path / "another-pc"))
    boss = VaultService.open(folder, "boss", PW)
    assert len(boss.list_records()) == 1
    assert boss.check().ok
    boss.close()


def test_a_run_of_quick_saves_is_kept_on_this_pc_by_the_time_the_session_closes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The state file is written at most once a second during a run of saves (each write
    fsyncs), and the newest entry is written when the session closes: a copy taken during the
    run and put back afterwards is still found."""
    from models.synthetic import generate_records
    from models.vault import local_mark

    folder = tmp_path / "vault"
    boss, _ = VaultService.create(folder, "boss", PW, kdf=FAST)
    record = boss.import_record(generate_records(1, seed=3)[0])
    writes: list[int] = []
    real = local_mark.write

    def counted(*args, **kw):  # noqa: ANN002, ANN003, ANN202
        writes.append(args[-1].seq)
        return real(*args, **kw)

    monkeypatch.setattr(local_mark, "write", counted)
    boss.close()  # the import's entry is kept now
    boss = VaultService.open(folder, "boss", PW)
    copy = tmp_path / "copy.db"
    shutil.copy(folder / "vault.db", copy)  # taken in the middle of the run
    for n in range(5):
        current = boss.load(record.id)
        current.set("about_me.likes", f"Stacking cups, take {n}.")
        boss.save(current)
    during = len(writes)
    boss.close()
    assert during < 1 + 5 * 2  # not one fsynced file per save (the open and its first save)
    assert len(writes) == during + 1  # the newest, at close
    shutil.copy(copy, folder / "vault.db")
    boss = VaultService.open(folder, "boss", PW)
    assert any("an older copy of the vault was put back" in p for p in boss.check().problems)
    boss.close()
