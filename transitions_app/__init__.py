"""Transitions: transition records from early years settings into Reception."""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("transitions-app")
except metadata.PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

APP_NAME = "Transitions"
