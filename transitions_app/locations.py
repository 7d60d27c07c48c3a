"""Where the vault is: a folder (by default in the user's data folder) or a PostgreSQL database.

The command line (``--vault DIR``, ``--db URL``, ``TRANSITIONS_DB``) and the window's start-up
both ask here, so neither imports the other to find the vault.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from models.errors import VaultLocationAmbiguous

DB_ENV = "TRANSITIONS_DB"


def default_vault_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("Transitions", "Transitions")) / "vault"


def vault_dir(args: argparse.Namespace) -> Path:
    """--vault, or the default folder."""
    value = getattr(args, "vault", None)
    return Path(value) if value is not None else default_vault_dir()


def vault_location(args: argparse.Namespace) -> tuple[Path | None, str | None]:
    """(directory, db_url) for ``VaultService``: --db (or TRANSITIONS_DB) wins over the default
    folder; --vault with --db is a usage error."""
    db_url = getattr(args, "db", None)
    folder = getattr(args, "vault", None)
    if db_url and folder is not None:
        raise VaultLocationAmbiguous("Give either --vault DIR or --db URL, not both.")
    if not db_url and folder is None:
        db_url = os.environ.get(DB_ENV) or None
    if db_url:
        return None, str(db_url)
    return vault_dir(args), None
