"""What the window needs from a logged-in vault session.

``transitions_app.services.vault_service.VaultService`` satisfies this; widgets are typed against
the protocol so they receive the service and never import storage code.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from models.record import Record
from models.roles import Role


class UserLike(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def role(self) -> Role: ...


class RecordService(Protocol):
    @property
    def user(self) -> UserLike: ...

    def list_records(self) -> list[Record]: ...

    def load(self, record_id: str) -> Record: ...

    def new_record(self) -> Record: ...

    def save(self, record: Record) -> Record: ...

    def sign_off(self, record_id: str, scope: str) -> Record: ...

    def change_password(self, old: str, new: str) -> None: ...

    def close(self) -> None: ...


Progress = Callable[[int, int], None]  # (done, total)

# Opens a session for (user, password); raises AuthenticationFailed or VaultError. Slow (KDF):
# the window always calls it off the UI thread.
Opener = Callable[[str, str], RecordService]


class VaultAccess(Protocol):
    """Opening and creating vaults (the ``VaultService`` class itself fits). Both are slow."""

    def exists(self, directory: Path) -> bool: ...

    def open(self, directory: Path, user: str, password: str) -> RecordService: ...

    def create(self, directory: Path, user: str, password: str) -> tuple[RecordService, str]: ...


class SessionServices(Protocol):
    """The services the window builds over the logged-in session (``transitions_app.app``'s
    ``WindowServices`` fits): charter, export, previews, school, feedback, the family's part,
    backup and restore.
    Each returns a service for ``session``; ``school``/``feedback`` return None when the vault is
    not that kind of vault."""

    def today(self) -> date: ...

    def prewarm(self) -> None:
        """Load in the background what the services will need (called once the window shows)."""
        ...

    def charter(self, session: RecordService) -> Any: ...

    def exporter(self, session: RecordService) -> Any: ...

    def preview(self) -> Any: ...

    def profile(self, session: RecordService) -> Any: ...

    def bulk(self, session: RecordService) -> Any: ...

    def school(self, session: RecordService) -> Any | None: ...

    def feedback(self, session: RecordService) -> Any | None: ...

    def family(self, session: RecordService) -> Any: ...

    def backup(self, session: RecordService, out: Path, progress: Progress) -> None: ...

    def restore(
        self,
        backup_file: Path,
        directory: Path,
        progress: Progress,
        *,
        user: str | None,
        password: str | None,
        recovery_key: str | None,
    ) -> None: ...
