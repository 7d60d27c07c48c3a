"""The vault on both backends (folder/SQLite and PostgreSQL): opening, tampering, blobs, upgrades,
picking up other sessions' changes, backups, moving between backends, and the ``--db`` option."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

import transitions_app.cli as cli
from models.errors import AuthenticationFailed, IntegrityError, SaveConflict, VaultError
from models.vault import CURRENT_SCHEMA, KdfParams, VaultStore
from tests.pg import Backend, PgServer
from transitions_app.services.vault_service import VaultService

Run = Callable[..., tuple[int, str, str]]
FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PW = "backend-test-password"


def make(backend: Backend, *, staff: bool = False) -> VaultService:
    service, _ = VaultService.create(**backend.where, user="boss", password=PW, kdf=FAST)
    if staff:
        service.add_user("pat", "practitioner", "pat-password")
    return service


def login(backend: Backend, user: str = "boss", password: str = PW) -> VaultService:
    return VaultService.open(**backend.where, user=user, password=password)


def test_create_open_and_wrong_passwords(backend: Backend) -> None:
    assert not VaultService.exists(**backend.where)
    make(backend).close()
    assert VaultService.exists(**backend.where)
    with pytest.raises(VaultError, match="already"):
        make(backend)
    with pytest.raises(AuthenticationFailed) as wrong:
        login(backend, password="not-the-password")
    with pytest.raises(AuthenticationFailed) as unknown:
        login(backend, user="nobody")
    assert str(wrong.value) == str(unknown.value)
    service = login(backend)
    failures = [e for e in service.audit_entries() if e.action == "login_failures"]
    assert failures[-1].detail["count"] == 1
    assert service.check().ok
    service.close()


@pytest.mark.parametrize(
    "tamper",
    ["flip-record", "replay-record", "audit-action", "audit-delete", "audit-truncate", "blob"],
)
def test_tampering_on_the_database_is_found_by_check(backend: Backend, tamper: str) -> None:
    service = make(backend)
    record = service.new_record()
    record.set("about_me.likes", "First version of a made-up note")
    record = service.save(record)
    old = backend.sql(
        "SELECT version, nonce, ciphertext FROM records WHERE id = :i", {"i": record.id}
    )[0]
    record = service.load(record.id)
    record.set("about_me.likes", "Second version of a made-up note")
    service.save(record)
    service.put_blob("certificate", b"made-up certificate")
    assert service.check().ok
    if tamper == "flip-record":
        (sealed,) = backend.sql("SELECT ciphertext FROM records WHERE id = :i", {"i": record.id})[0]
        flipped = bytes([sealed[0] ^ 1]) + bytes(sealed[1:])
        backend.sql(
            "UPDATE records SET ciphertext = :c WHERE id = :i", {"c": flipped, "i": record.id}
        )
    elif tamper == "replay-record":
        backend.sql(
            "UPDATE records SET version = :v, nonce = :n, ciphertext = :c WHERE id = :i",
            {"v": old[0], "n": bytes(old[1]), "c": bytes(old[2]), "i": record.id},
        )
    elif tamper == "audit-action":
        backend.sql("UPDATE audit SET action = 'opened' WHERE seq = 3")
    elif tamper == "audit-delete":
        backend.sql("DELETE FROM audit WHERE seq = 3")
    elif tamper == "audit-truncate":
        backend.sql("DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)")
    else:
        backend.sql("UPDATE blobs SET nonce = :n", {"n": bytes(12)})
    report = service.check()
    assert not report.ok, tamper
    expected = {"flip-record": "Record", "replay-record": "older copy", "blob": "Blob"}
    assert any(expected.get(tamper, "Audit") in p for p in report.problems), report.problems
    service.close()


def test_blobs_and_users(backend: Backend) -> None:
    service = make(backend, staff=True)
    service.put_blob("certificate", b"one")
    service.put_blob("certificate", b"two")
    assert service.get_blob("certificate") == b"two"
    assert service.get_blob("missing") is None
    assert {u.name for u in service.list_users()} == {"boss", "pat"}
    service.remove_user("pat")  # re-keys every row on the server
    with pytest.raises(AuthenticationFailed):
        login(backend, "pat", "pat-password")
    assert service.get_blob("certificate") == b"two"
    assert service.check().ok
    service.close()


def test_changes_since_sees_other_sessions(backend: Backend) -> None:
    mine = make(backend, staff=True)
    first = mine.new_record()
    ids, token = mine.changes_since(0)
    assert ids == [first.id]
    assert mine.changes_since(token) == ([], token)
    theirs = login(backend, "pat", "pat-password")
    record = theirs.load(first.id)  # only opening: no change
    assert mine.changes_since(token)[0] == []
    record.set("about_me.likes", "Changed by another instance")
    theirs.save(record)
    second = theirs.new_record()
    ids, token2 = mine.changes_since(token)
    assert sorted(ids) == sorted([first.id, second.id])
    assert token2 > token
    mine.delete(second.id)
    ids, token3 = theirs.changes_since(token2)
    assert ids == [second.id]
    assert second.id not in {r.id for r in theirs.list_records()}
    found, gone = theirs.get_records(ids + [first.id])
    assert ([r.id for r in found], gone) == ([first.id], [second.id])
    # a token from somewhere else (e.g. before a restore) starts again from everything
    assert mine.changes_since(token3 + 1000)[0] == sorted([first.id, second.id])
    mine.close()
    theirs.close()


def test_a_refreshed_list_does_not_let_an_older_copy_win(backend: Backend) -> None:
    mine = make(backend, staff=True)
    record = mine.new_record()
    theirs = login(backend, "pat", "pat-password")
    other = theirs.load(record.id)
    other.set("about_me.likes", "Saved first, by another instance")
    theirs.save(other)
    stale = record  # the editor's copy, read before the other save
    mine.list_records()  # the dashboard refreshes while the editor is open
    mine.get_records([record.id])
    stale.set("about_me.likes", "Saved second, from an older copy")
    with pytest.raises(SaveConflict):
        mine.save(stale)
    assert mine.load(record.id).get("about_me.likes") == "Saved first, by another instance"
    mine.close()
    theirs.close()


def test_a_schema_1_vault_is_upgraded_in_place(backend: Backend) -> None:
    store, _ = VaultStore.create(
        backend.directory, "mgr", PW, "manager", db_url=backend.db_url, kdf=FAST, schema_version=1
    )
    store.put_record("rec-a", b"written under schema 1", None)
    store.close()
    assert backend.sql("SELECT value FROM meta WHERE key = 'schema_version'") == [("1",)]
    upgraded = VaultStore.open(backend.directory, "mgr", PW, db_url=backend.db_url)
    assert upgraded.get_record("rec-a").data == b"written under schema 1"
    assert upgraded.check() == []
    assert upgraded.changes_since(0)[0] == ["rec-a"]
    upgraded.put_record("rec-a", b"after the upgrade", 1)
    upgraded.close()
    assert backend.sql("SELECT value FROM meta WHERE key = 'schema_version'") == [
        (str(CURRENT_SCHEMA),)
    ]


def test_server_vault_backup_restores_into_a_folder_and_a_database(
    pg_url: str, pg_server: PgServer, tmp_path: Path
) -> None:
    service = make(Backend("postgresql", None, pg_url))
    record = service.new_record()
    record.set("about_me.likes", "Backed up from the server")
    service.save(record)
    service.put_blob("charter", b"{}")
    out = tmp_path / "server.backup"
    service.backup(out)
    service.close()
    VaultService.restore(out, tmp_path / "restored", user="boss", password=PW)
    other = pg_server.create_database("restored_here")
    VaultService.restore(out, None, db_url=other, user="boss", password=PW)
    with pytest.raises(VaultError, match="empty database"):
        VaultService.restore(out, None, db_url=other, user="boss", password=PW)
    for where in (
        Backend("sqlite", tmp_path / "restored", None),
        Backend("postgresql", None, other),
    ):
        again = login(where)
        assert again.load(record.id).get("about_me.likes") == "Backed up from the server"
        assert again.get_blob("charter") == b"{}"
        assert again.check().ok
        again.close()


def test_database_urls_are_checked_and_passwords_never_shown(pg_server: PgServer) -> None:
    with pytest.raises(VaultError, match="PostgreSQL"):
        VaultService.exists(db_url="mysql://someone@localhost/vault")
    with pytest.raises(VaultError, match="either"):
        VaultService.exists(Path("somewhere"), db_url=pg_server.url())
    unreachable = "postgresql+psycopg://postgres:Sup3rSecretPw@127.0.0.1:1/vault"
    with pytest.raises(VaultError) as caught:
        VaultService.open(None, "boss", PW, db_url=unreachable)
    assert "could not be reached" in str(caught.value)
    assert "Sup3rSecretPw" not in str(caught.value)
    assert "***" in VaultService.describe_location(db_url=unreachable)
    missing = pg_server.url("no_such_database")
    with pytest.raises(VaultError, match="does not exist"):
        VaultService.exists(db_url=missing)


# --- the command line ------------------------------------------------------------------------


@pytest.fixture
def run_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> Run:
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("transitions_app.cli.vault_cmd",))
    for name in ("TRANSITIONS_NEW_PASSWORD", "TRANSITIONS_RECOVERY_KEY", "TRANSITIONS_DB"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRANSITIONS_PASSWORD", PW)

    def run(*argv: str) -> tuple[int, str, str]:
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_cli_db_option_on_every_command(
    run_cli: Run, pg_url: str, pg_server: PgServer, tmp_path: Path
) -> None:
    run = run_cli
    code, out, _ = run("vault", "init", "--db", pg_url)
    assert code == 0
    assert re.search(r"\b[A-Z2-7]{5}(?:-[A-Z2-7]{5}){7}\b", out)
    code, _, err = run("vault", "init", "--db", pg_url)
    assert (code, "already a vault" in err) == (2, True)
    new_pw = tmp_path / "new"
    new_pw.write_text("pat-password\n")
    code, _, _ = run(
        "vault", "user", "add", "pat", "--role", "practitioner", "--new-password-file", str(new_pw),
        "--db", pg_url,
    )  # fmt: skip
    assert code == 0
    code, out, _ = run("vault", "user", "list", "--json", "--db", pg_url)
    assert '"name": "pat"' in out
    code, out, _ = run("vault", "check", "--db", pg_url)
    assert (code, "sound" in out) == (0, True)
    code, _, _ = run("vault", "backup", "--out", str(tmp_path / "b.backup"), "--db", pg_url)
    assert code == 0
    code, _, err = run("vault", "check", "--db", pg_url, "--vault", str(tmp_path))
    assert (code, "not both" in err) == (2, True)
    code, _, _ = run("vault", "user", "remove", "pat", "--db", pg_url)
    assert code == 0
    other = pg_server.create_database("restored_by_cli")
    code, _, err = run("vault", "restore", str(tmp_path / "b.backup"), "--db", other)
    assert code == 0, err
    code, out, _ = run("vault", "check", "--db", other)
    assert (code, "sound" in out) == (0, True)


def test_cli_migrate_folder_to_database_and_back(
    run_cli: Run, pg_url: str, pg_server: PgServer, tmp_path: Path
) -> None:
    run = run_cli
    folder = tmp_path / "vault"
    service = make(Backend("sqlite", folder, None), staff=True)
    for n in range(3):
        record = service.new_record()
        record.set("about_me.likes", f"Made-up note number {n}")
        service.save(record)
    service.put_blob("charter", b"{}")
    before = {r.id: r.get("about_me.likes") for r in service.list_records()}
    service.close()

    code, _, err = run("vault", "migrate", "--from", str(folder), "--to", pg_url, "--user", "pat")
    assert code == 3  # pat's password is not the manager's: nothing is made
    assert not VaultService.exists(db_url=pg_url)
    code, out, err = run(
        "vault", "migrate", "--from", str(folder), "--to", pg_url, "--user", "boss"
    )
    assert code == 0, err
    assert "3 records" in out
    code, _, err = run("vault", "migrate", "--from", str(folder), "--to", pg_url, "--user", "boss")
    assert (code, "already holds a vault" in err) == (2, True)
    code, out, _ = run("vault", "check", "--db", pg_url, "--user", "boss")
    assert code == 0

    on_server = login(Backend("postgresql", None, pg_url), "pat", "pat-password")
    assert {r.id: r.get("about_me.likes") for r in on_server.list_records()} == before
    record = on_server.load(next(iter(before)))
    record.set("about_me.likes", "Changed on the server")
    on_server.save(record)
    assert "moved_in" in [e.action for e in on_server.audit_entries()]
    on_server.close()

    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("keep me")
    code, _, err = run("vault", "migrate", "--from", pg_url, "--to", str(busy), "--user", "boss")
    assert (code, "not empty" in err) == (2, True)
    back = tmp_path / "back"
    code, out, err = run(
        "vault", "migrate", "--from", pg_url, "--to", str(back), "--json", "--user", "boss"
    )
    assert code == 0, err
    assert '"records": 3' in out
    again = login(Backend("sqlite", back, None))
    assert again.load(record.id).get("about_me.likes") == "Changed on the server"
    assert again.check().ok
    again.close()


def test_a_copy_that_fails_its_check_is_removed(pg_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    service = make(Backend("sqlite", folder, None))
    service.new_record()
    service.close()
    Backend("sqlite", folder, None).sql("UPDATE audit SET action = 'opened' WHERE seq = 2")
    with pytest.raises(IntegrityError, match="removed"):
        VaultService.move(folder, pg_url, "boss", PW)
    assert not VaultService.exists(db_url=pg_url)


def test_missing_postgresql_fails_in_ci_and_skips_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tests.unit.conftest as fixtures

    monkeypatch.setattr(fixtures, "find_bindir", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install postgresql"):
        fixtures._start_server()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        fixtures._start_server()
