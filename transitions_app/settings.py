"""One typed wrapper over QSettings: every preference the window keeps, with its default.

Nothing else in the app reads or writes QSettings keys; add a property here instead.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

DEFAULT_IDLE_LOCK_MINUTES = 5


class AppSettings:
    """Typed access to the window's preferences. Pass a ``QSettings`` (tests use an INI file)."""

    _IDLE = "security/idle_lock_minutes"
    _LAST_USER = "login/last_user"
    _LAST_VAULT = "login/last_vault"
    _GEOMETRY_PER_SCREEN = "geometry"
    _APPEARANCE = "view/appearance"
    _LA_FOLDER = "la/ca_folder"
    _LA_RETURNS = "la/returns_folder"

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._s = qsettings if qsettings is not None else QSettings()

    @classmethod
    def at(cls, path: Path) -> AppSettings:
        """Settings kept in an INI file at ``path`` (tests, portable installs)."""
        return cls(QSettings(str(path), QSettings.Format.IniFormat))

    @property
    def idle_lock_minutes(self) -> int:
        """Minutes without keyboard or mouse input before the window locks (1 to 120)."""
        raw = self._s.value(self._IDLE, DEFAULT_IDLE_LOCK_MINUTES)
        try:
            minutes = int(str(raw))  # INI files give strings back, the registry ints
        except ValueError:
            return DEFAULT_IDLE_LOCK_MINUTES
        return min(max(minutes, 1), 120)

    @idle_lock_minutes.setter
    def idle_lock_minutes(self, minutes: int) -> None:
        self._s.setValue(self._IDLE, int(minutes))

    @property
    def last_user(self) -> str:
        value = self._s.value(self._LAST_USER, "")
        return value if isinstance(value, str) else ""

    @last_user.setter
    def last_user(self, name: str) -> None:
        self._s.setValue(self._LAST_USER, name)

    @property
    def last_vault(self) -> Path | None:
        value = self._s.value(self._LAST_VAULT, "")
        return Path(value) if isinstance(value, str) and value else None

    @last_vault.setter
    def last_vault(self, directory: Path) -> None:
        self._s.setValue(self._LAST_VAULT, str(directory))

    def window_geometry_for(self, key: str) -> QByteArray | None:
        """A window's saved size and place on one screen set-up (``ui.geometry`` makes the key:
        the window's name and the screen's name, resolution and scale)."""
        value = self._s.value(f"{self._GEOMETRY_PER_SCREEN}/{key}")
        return value if isinstance(value, QByteArray) else None

    def set_window_geometry_for(self, key: str, geometry: QByteArray) -> None:
        self._s.setValue(f"{self._GEOMETRY_PER_SCREEN}/{key}", geometry)

    @property
    def appearance(self) -> str:
        """View ▸ Appearance: "system" (follow the light or dark setting), "light" or "dark"."""
        value = self._s.value(self._APPEARANCE, "system")
        return value if value in ("system", "light", "dark") else "system"

    @appearance.setter
    def appearance(self, value: str) -> None:
        self._s.setValue(self._APPEARANCE, value)

    @property
    def la_folder(self) -> Path | None:
        """The LA's CA folder when this computer opens in local authority mode."""
        value = self._s.value(self._LA_FOLDER, "")
        return Path(value) if isinstance(value, str) and value else None

    @la_folder.setter
    def la_folder(self, folder: Path) -> None:
        self._s.setValue(self._LA_FOLDER, str(folder))

    @property
    def la_returns(self) -> Path | None:
        """The folder of returns the LA imported last (opened again at start)."""
        value = self._s.value(self._LA_RETURNS, "")
        return Path(value) if isinstance(value, str) and value else None

    @la_returns.setter
    def la_returns(self, folder: Path) -> None:
        self._s.setValue(self._LA_RETURNS, str(folder))

    def sync(self) -> None:
        self._s.sync()
