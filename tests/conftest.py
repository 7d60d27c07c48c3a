"""Shared test set-up: Qt runs offscreen unless a display is available, and no test keeps state
in the real home."""

from __future__ import annotations

import os

import pytest

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _state_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test keeps this PC's state (the newest audit entry each user saw) in its own
    folder, never in the real home."""
    monkeypatch.setenv("TRANSITIONS_STATE_DIR", str(tmp_path_factory.mktemp("state")))
