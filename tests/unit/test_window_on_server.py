"""The window on a shared vault on a PostgreSQL server (`transitions-app window --db URL`, or
TRANSITIONS_DB): log in, the main window opens on the server's records, locking and unlocking go
back to the server. Uses the test PostgreSQL server of tests/unit/conftest.py."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

import transitions_app.app as app_module
from models.vault import KdfParams
from tests.ui.test_app import _login_as, shown  # noqa: F401  (fixture)
from transitions_app.services.vault_service import VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PW = "server-manager-password"

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _args(db: str | None) -> argparse.Namespace:
    return argparse.Namespace(vault=None, db=db, password_file=None, user=None)


def test_the_window_opens_a_vault_on_the_server(
    qtbot,
    monkeypatch: pytest.MonkeyPatch,
    pg_url: str,
    shown: list[str],  # noqa: F811
) -> None:
    service, _key = VaultService.create(None, "manager", PW, db_url=pg_url, kdf=FAST)
    record = service.new_record()
    record.set("child.legal_forenames", "Serverina")
    service.save(record)
    service.close()
    _login_as(monkeypatch, qtbot, "manager", PW)
    opened: list[tuple[bool, list[str]]] = []
    real_open = app_module.ServerVaultAccess.open

    def spy(self, directory: Path, user: str, password: str) -> VaultService:  # type: ignore[no-untyped-def]
        session = real_open(self, directory, user, password)
        names = [str(r.get("child.legal_forenames")) for r in session.list_records()]
        opened.append((session.on_server, names))
        return session

    monkeypatch.setattr(app_module.ServerVaultAccess, "open", spy)
    assert app_module.run_app(_args(pg_url), ["transitions-app"]) == 0
    assert shown
    assert "manager" in shown[0]
    assert opened == [(True, ["Serverina"])]


def test_an_empty_database_is_explained_not_created(
    qtbot,
    monkeypatch: pytest.MonkeyPatch,
    pg_url: str,
    shown: list[str],  # noqa: F811
) -> None:
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text: said.append(text))
    monkeypatch.setenv("TRANSITIONS_DB", pg_url)  # the environment works like --db
    assert app_module.run_app(_args(None), ["transitions-app"]) == 2
    assert said
    assert "vault init --db" in said[0]
    assert not VaultService.exists(None, db_url=pg_url)


def test_no_new_folder_vault_from_a_server_window(qtbot, pg_url: str, tmp_path: Path) -> None:
    from transitions_app.app import ServerVaultAccess, WindowServices
    from ui.main_window import MainWindow

    service, _key = VaultService.create(None, "manager", PW, db_url=pg_url, kdf=FAST)
    window = MainWindow(ServerVaultAccess(pg_url), tmp_path, service, services=WindowServices())
    qtbot.addWidget(window)
    assert not window.new_vault_action.isEnabled()
    assert window.users_action.isEnabled()
