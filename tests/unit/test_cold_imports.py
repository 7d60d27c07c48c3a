"""Start-up imports only what the login dialog needs before its first paint.

The window's cold start (``transitions-app window --vault DIR``, benchmark figure
``cold_start_login_window``) is the time to the login dialog's first paint. The vault layer
(SQLAlchemy, ``models.vault``), signing (``export.*``) and the main window are imported later: by
the background job that opens the vault, or after logging in. These tests check *what* is imported
(in a fresh interpreter), not how long it takes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Not imported before the login dialog is shown (nor by building the command line).
HEAVY = (
    "sqlalchemy",
    "models.vault",
    "export.sign",
    "export.pki",
    "ui.main_window",
    "ui.dialogs",  # the first-run, password and lock-screen dialogs: the login is in ui.login
    "models.record",
    "transitions_app.services.vault_service",
    "spylls",  # the spell check's Hunspell: imported when the dictionary is loaded
)

# Runs `transitions-app window --vault DIR` as bench/probes.py coldstart-app does, but the login
# dialog's exec() records sys.modules (and the dialog's title and hint) instead of waiting.
WINDOW_SCRIPT = textwrap.dedent(
    """
    import json, sys

    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    import ui.login

    seen = {}

    def fake_exec(self):
        seen["modules"] = sorted(sys.modules)
        seen["title"] = self.windowTitle()
        seen["hint"] = self.form.hint.text()
        return 0

    ui.login.LoginDialog.exec = fake_exec
    from transitions_app.cli import main

    code = main(["window", "--vault", sys.argv[1]])
    print(json.dumps({"code": code, **seen}))
    """
)

PARSER_SCRIPT = textwrap.dedent(
    """
    import contextlib, io, json, sys

    from transitions_app.cli import main

    with contextlib.redirect_stdout(io.StringIO()):
        try:
            main(["--help"])
        except SystemExit:
            pass
    print(json.dumps({"modules": sorted(sys.modules)}))
    """
)


def _run(script: str, *args: str, home: Path) -> dict[str, object]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
    )
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _heavy(modules: object) -> list[str]:
    assert isinstance(modules, list)
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.fixture
def fake_demo_vault(tmp_path: Path) -> Path:
    """A folder that looks like the demo vault to the start-up code. The login dialog is never
    used here, so the database file need not be a real vault."""
    directory = tmp_path / "vault"
    directory.mkdir()
    (directory / "vault.db").write_bytes(b"")
    (directory / "demo.txt").write_text("demo\n", encoding="utf-8")
    return directory


def test_window_start_reaches_the_login_dialog_without_heavy_imports(
    tmp_path: Path, fake_demo_vault: Path
) -> None:
    result = _run(WINDOW_SCRIPT, str(fake_demo_vault), home=tmp_path / "home")
    assert "modules" in result, "the login dialog was never shown"
    assert _heavy(result["modules"]) == []
    assert result["code"] == 0
    # The demo vault was recognised without importing the demo module (which opens vaults).
    assert "demo-password" in str(result["hint"])
    assert str(result["title"]).endswith("demo vault of fictional children")
    assert "transitions_app.services.demo" not in result["modules"]  # type: ignore[operator]


def test_building_the_command_line_imports_no_heavy_modules(tmp_path: Path) -> None:
    result = _run(PARSER_SCRIPT, home=tmp_path / "home")
    assert _heavy(result["modules"]) == []
    assert "PySide6" not in result["modules"]  # type: ignore[operator]


def test_copied_constants_match_their_sources() -> None:
    from models.vault import schema
    from transitions_app import app
    from transitions_app.services import demo
    from ui import main_window

    assert app.VAULT_FILE == schema.DB_FILE
    assert app.DEMO_MARKER == demo.DEMO_MARKER
    assert app.DEMO_PASSWORD == demo.DEMO_PASSWORD
    assert demo.__name__ == app.DEMO_MODULE
    assert app.DEMO_NOTE == main_window.DEMO_NOTE


def test_vault_access_exists_answers_as_the_vault_service_does(tmp_path: Path) -> None:
    from transitions_app.app import VaultAccess
    from transitions_app.services.vault_service import VaultService

    empty = tmp_path / "empty"
    empty.mkdir()
    odd = tmp_path / "odd"
    (odd / "vault.db").mkdir(parents=True)  # a folder named like the database is not a vault
    real = tmp_path / "real"
    real.mkdir()
    (real / "vault.db").write_bytes(b"")
    for directory in (tmp_path / "missing", empty, odd, real):
        assert VaultAccess.exists(directory) == VaultService.exists(directory), directory
    assert VaultAccess.exists(real)
