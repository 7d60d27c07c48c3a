"""The typed settings wrapper: defaults, bounds and round trips through an INI file."""

from __future__ import annotations

from pathlib import Path

from transitions_app.settings import DEFAULT_IDLE_LOCK_MINUTES, AppSettings


def test_defaults_and_round_trip(tmp_path: Path) -> None:
    settings = AppSettings.at(tmp_path / "s.ini")
    assert settings.idle_lock_minutes == DEFAULT_IDLE_LOCK_MINUTES == 5
    assert settings.last_user == ""
    assert settings.last_vault is None
    settings.idle_lock_minutes = 12
    settings.last_user = "sam"
    settings.last_vault = tmp_path / "vault"
    settings.sync()
    again = AppSettings.at(tmp_path / "s.ini")
    assert again.idle_lock_minutes == 12
    assert again.last_user == "sam"
    assert again.last_vault == tmp_path / "vault"


def test_idle_minutes_are_kept_sensible(tmp_path: Path) -> None:
    settings = AppSettings.at(tmp_path / "s.ini")
    settings.idle_lock_minutes = 0
    assert settings.idle_lock_minutes == 1
    settings.idle_lock_minutes = 10_000
    assert settings.idle_lock_minutes == 120
    (tmp_path / "bad.ini").write_text("[security]\nidle_lock_minutes=soon\n", encoding="utf-8")
    assert AppSettings.at(tmp_path / "bad.ini").idle_lock_minutes == DEFAULT_IDLE_LOCK_MINUTES
