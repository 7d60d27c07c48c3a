"""Transitions: transition records from early years settings into Reception."""

from __future__ import annotations

from functools import cache

APP_NAME = "Transitions"


@cache
def version() -> str:
    """The installed version (pyproject.toml is the one place it is written). Read on first use:
    importlib.metadata scans the installed distributions, which slows the window's first paint."""
    from importlib import metadata

    try:
        return metadata.version("transitions-app")
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+source"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
