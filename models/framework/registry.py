"""Known framework versions. A record names its version and is always read with that one."""

from __future__ import annotations

from functools import cache

from models.errors import UnknownFramework
from models.framework import v1
from models.framework.definition import Framework

FRAMEWORK_ID = v1.FRAMEWORK_ID
CURRENT_VERSION = 1

_extra: dict[tuple[str, int], Framework] = {}


@cache
def _builtin(version: int) -> Framework:
    if version == 1:
        return v1.build()
    raise KeyError(version)


def register(framework: Framework) -> None:
    """Make another framework version known (used for newer versions and test fixtures)."""
    _extra[(framework.id, framework.version)] = framework


def unregister(framework: Framework) -> None:
    _extra.pop((framework.id, framework.version), None)


def get_framework(framework_id: str, version: int) -> Framework:
    if (framework_id, version) in _extra:
        return _extra[(framework_id, version)]
    if framework_id != FRAMEWORK_ID:
        raise UnknownFramework(
            f"The record uses a framework this app does not know (“{framework_id}”)."
        )
    try:
        return _builtin(version)
    except KeyError:
        raise UnknownFramework(
            f"The record uses version {version} of the framework, which this app does not know yet; "
            "update Transitions to open it."
        ) from None


def current_framework() -> Framework:
    return get_framework(FRAMEWORK_ID, CURRENT_VERSION)


def known_versions() -> tuple[int, ...]:
    extra = sorted(v for (fid, v) in _extra if fid == FRAMEWORK_ID)
    return tuple(sorted({CURRENT_VERSION, *extra}))
