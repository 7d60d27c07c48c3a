"""Fixtures for the vault on both backends: a throwaway PostgreSQL server for the session, and a
``backend`` fixture that gives each test either a new folder (SQLite) or a new, empty database.

PostgreSQL tests never skip in CI: if the server binaries (Debian's ``postgresql`` package) or
psycopg are missing while the ``CI`` variable is set, the fixture fails with what to install.
On a developer's machine without them, they skip.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg import Backend, PgServer, find_bindir

_MISSING = (
    "PostgreSQL tests need the server binaries (apt-get install postgresql: initdb, pg_ctl under "
    "/usr/lib/postgresql/*/bin) and psycopg (pip install -e '.[postgres]'): {what}"
)


def _unavailable(what: str) -> None:
    message = _MISSING.format(what=what)
    if os.environ.get("CI"):
        pytest.fail(f"{message}. CI must run every PostgreSQL test.", pytrace=False)
    pytest.skip(message)


def _start_server() -> PgServer:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed")
    bindir = find_bindir()
    if bindir is None:
        _unavailable("no initdb was found")
    assert bindir is not None
    server = PgServer(bindir)
    try:
        server.start()
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        log = server.log_file.read_text(errors="replace") if server.log_file.exists() else ""
        output = getattr(exc, "stderr", "") or ""
        server.stop()
        pytest.fail(f"The test PostgreSQL server did not start: {output}\n{log}", pytrace=False)
    return server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One PostgreSQL server per test process (each xdist worker starts its own, ~2 s)."""
    server = _start_server()
    yield server
    server.stop()


@pytest.fixture
def own_pg_server() -> Iterator[PgServer]:
    """A server of the test's own, for tests that look at every file the server wrote."""
    server = _start_server()
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A new, empty database on the session's server."""
    return pg_server.create_database(f"t_{uuid.uuid4().hex[:16]}")


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        return Backend("sqlite", tmp_path / "vault", None)
    url = request.getfixturevalue("pg_url")
    return Backend("postgresql", None, url)
