"""An LA hosting three settings' vaults on one PostgreSQL server, each isolated.

One vault has a database of its own; two share a database, each in a schema of its own
(``?schema=NAME``). Each has its own database login (password in a pgpass file, the server asks
for SCRAM passwords), its own keys and its own staff passwords. The test then attacks: one
setting's login pointed at another's database or schema, raw SQL into another's tables, one
vault's staff password against another vault, another vault's ciphertext copied in by the
server's administrator, and a byte search of every file the server wrote for any child's data.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

import transitions_app.cli as cli
from models.errors import AuthenticationFailed, VaultError
from models.synthetic import generate_records
from models.vault import KdfParams
from tests.pg import PgServer
from tests.unit.test_pg_privacy import needles, search, server_files
from transitions_app.services.demo import create_demo_vault
from transitions_app.services.vault_service import VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
LOGINS = {"acorns": "acorns-db-pw-1", "bramble": "bramble-db-pw-2", "conker": "conker-db-pw-3"}
STAFF = {"acorns": "acorns-staff-pw", "bramble": "bramble-staff-pw", "conker": "conker-staff-pw"}


def _admin(server: PgServer, database: str = "postgres") -> psycopg.Connection:  # type: ignore[type-arg]
    return psycopg.connect(
        f"host=127.0.0.1 port={server.port} user=postgres dbname={database}", autocommit=True
    )


def _url(server: PgServer, login: str, database: str, schema: str | None = None) -> str:
    url = f"postgresql+psycopg://{login}@127.0.0.1:{server.port}/{database}"
    return url if schema is None else f"{url}?schema={schema}"


def _raw(server: PgServer, login: str, password: str, database: str) -> psycopg.Connection:  # type: ignore[type-arg]
    return psycopg.connect(
        f"host=127.0.0.1 port={server.port} user={login} password={password} dbname={database}",
        autocommit=True,
    )


@pytest.fixture
def hosted(
    own_pg_server: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """The server as the LA's IT would set it up: a login per setting, a database for acorns,
    a schema each for bramble and conker in the shared database, passwords required."""
    server = own_pg_server
    with _admin(server) as conn:
        for login, pw in LOGINS.items():
            conn.execute(f"CREATE ROLE {login} LOGIN PASSWORD '{pw}'")
        conn.execute("CREATE DATABASE acorns OWNER acorns")
        conn.execute("CREATE DATABASE childminders")
        for db in ("acorns", "childminders"):
            conn.execute(f"REVOKE ALL ON DATABASE {db} FROM PUBLIC")
        conn.execute("GRANT CONNECT ON DATABASE childminders TO bramble, conker")
    with _admin(server, "childminders") as conn:
        conn.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
        for login in ("bramble", "conker"):
            conn.execute(f"CREATE SCHEMA {login} AUTHORIZATION {login}")
    hba = server.datadir / "pg_hba.conf"
    hba.write_text(
        "host all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n"
    )
    with _admin(server) as conn:
        conn.execute("SELECT pg_reload_conf()")
    pgpass = tmp_path / "pgpass"
    pgpass.write_text("".join(f"127.0.0.1:{server.port}:*:{u}:{p}\n" for u, p in LOGINS.items()))
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("transitions_app.cli.vault_cmd",))
    for name in ("TRANSITIONS_NEW_PASSWORD", "TRANSITIONS_RECOVERY_KEY", "TRANSITIONS_DB"):
        monkeypatch.delenv(name, raising=False)
    return {
        "acorns": _url(server, "acorns", "acorns"),
        "bramble": _url(server, "bramble", "childminders", "bramble"),
        "conker": _url(server, "conker", "childminders", "conker"),
    }


def _cli(monkeypatch: pytest.MonkeyPatch, password: str, *argv: str) -> int:
    monkeypatch.setenv("TRANSITIONS_PASSWORD", password)
    return cli.main(list(argv))


def test_three_hosted_vaults_are_isolated(
    hosted: dict[str, str],
    own_pg_server: PgServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = own_pg_server
    # acorns and bramble: demo vaults moved onto the server with `vault migrate`
    for n, name in enumerate(("acorns", "bramble")):
        folder = tmp_path / name
        create_demo_vault(folder, password=STAFF[name], children=12, seed=30 + n, kdf=FAST)
        code = _cli(monkeypatch, STAFF[name], "vault", "migrate", "--from", str(folder),
                    "--to", hosted[name], "--user", "manager")  # fmt: skip
        assert code == 0, capsys.readouterr().err
    # conker: a new vault made with `vault init --db`, then children added
    assert _cli(monkeypatch, STAFF["conker"], "vault", "init", "--db", hosted["conker"]) == 0
    conker = VaultService.open(None, "manager", STAFF["conker"], db_url=hosted["conker"])
    for record in generate_records(12, seed=33):
        conker.import_record(record)
    conker.close()
    capsys.readouterr()

    every: dict[str, list] = {}  # type: ignore[type-arg]
    for name, url in hosted.items():
        service = VaultService.open(None, "manager", STAFF[name], db_url=url)
        every[name] = service.list_records()
        assert service.check().ok
        service.close()
        assert (
            _cli(monkeypatch, STAFF[name], "vault", "check", "--db", url, "--user", "manager") == 0
        )
    assert [len(v) for v in every.values()] == [12, 12, 12]
    ids = [{r.id for r in v} for v in every.values()]
    assert len(ids[0] | ids[1] | ids[2]) == 36

    # 1. one setting's login pointed at another's schema or database is refused by the app
    with pytest.raises(VaultError, match="schema conker .*may not"):
        VaultService.open(None, "manager", STAFF["bramble"],
                          db_url=_url(server, "bramble", "childminders", "conker"))  # fmt: skip
    with pytest.raises(VaultError, match="refused the login|could not be"):
        VaultService.open(
            None, "manager", STAFF["bramble"], db_url=_url(server, "bramble", "acorns")
        )
    assert _cli(monkeypatch, STAFF["bramble"], "vault", "check", "--user", "manager",
                "--db", _url(server, "bramble", "childminders", "conker")) == 2  # fmt: skip
    assert "may not use it" in capsys.readouterr().err
    # ... and a schema that does not exist, or the shared database's public schema, cannot be used
    with pytest.raises(VaultError, match="does not exist"):
        VaultService.exists(db_url=_url(server, "bramble", "childminders", "nobody"))
    with pytest.raises(VaultError):
        VaultService.create(None, "manager", "x-password-1234", kdf=FAST,
                            db_url=_url(server, "bramble", "childminders"))  # fmt: skip

    # 2. raw SQL with one setting's database password cannot read another's tables
    with _raw(server, "bramble", LOGINS["bramble"], "childminders") as conn:
        assert conn.execute("SELECT count(*) FROM bramble.records").fetchone() == (12,)
        for table in ("conker.records", "conker.key_slots", "conker.audit"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT * FROM {table}")
    with pytest.raises(psycopg.OperationalError, match="permission denied|not permitted"):
        _raw(server, "bramble", LOGINS["bramble"], "acorns")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        _raw(server, "acorns", LOGINS["bramble"], "acorns")  # another's login with one's password

    # 3. the staff password of one vault does not open another (each vault has its own keys)
    for name, url in hosted.items():
        for other in STAFF:
            if other != name:
                with pytest.raises(AuthenticationFailed):
                    VaultService.open(None, "manager", STAFF[other], db_url=url)

    # 4. the server's administrator copies bramble's ciphertext into conker: conker cannot read it
    with _admin(server, "childminders") as conn:
        conn.execute("INSERT INTO conker.records SELECT * FROM bramble.records LIMIT 1")
    service = VaultService.open(None, "manager", STAFF["conker"], db_url=hosted["conker"])
    try:
        assert not service.check().ok
    finally:
        service.close()

    # 5. the server holds ciphertext only: no child's name, date of birth or note in its files
    server.checkpoint()
    words = set().union(*(needles(v) for v in every.values()))
    assert len(words) > 100
    assert search(server_files(server), words) == []


def test_schema_names_in_the_url_are_checked() -> None:
    from models.vault import locate

    base = "postgresql+psycopg://someone@db.example/childminders"
    for bad in ("Bramble", "pg_catalog", "a;drop", "public", "x" * 64):
        with pytest.raises(VaultError, match="schema"):
            locate(db_url=f"{base}?schema={bad}").url  # noqa: B018
    with pytest.raises(VaultError, match="server options"):
        locate(db_url=f"{base}?options=-csearch_path%3Dother")
    where = locate(db_url=f"{base}?schema=bramble")
    assert (where.url, where.schema) == (base, "bramble")
    assert str(where).endswith("/childminders?schema=bramble")
    assert where.place != locate(db_url=f"{base}?schema=conker").place
