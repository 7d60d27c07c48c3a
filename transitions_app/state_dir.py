"""This PC's state folder: what the app keeps here that must not travel with a vault.

It holds, per user and vault, the newest audit entry that user has seen (see
``models/vault/local_mark.py``), so that an older copy of the vault put back is found. The folder
is the platform's user state folder, or ``TRANSITIONS_STATE_DIR`` when that is set (tests,
portable installs).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV = "TRANSITIONS_STATE_DIR"


def default_state_dir() -> Path:
    override = os.environ.get(ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_state_dir("Transitions", "Transitions"))
