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
from models.spelling import Span


class UserLike(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def role(self) -> Role: ...


class CheckResult(Protocol):
    """``VaultService.check``'s report: sound or not, one sentence per problem."""

    @property
    def ok(self) -> bool: ...

    @property
    def problems(self) -> list[str]: ...


class RecordService(Protocol):
    @property
    def user(self) -> UserLike: ...

    def list_records(self) -> list[Record]: ...

    def load(self, record_id: str) -> Record: ...

    def new_record(self) -> Record: ...

    def save(self, record: Record) -> Record: ...

    def sign_off(self, record_id: str, scope: str) -> Record: ...

    def change_password(self, old: str, new: str) -> None: ...

    @property
    def notices(self) -> list[str]:
        """What the opening found that people must be told: damage at the end of the audit
        trail (an older copy put back), a vault that could not be written to."""
        ...

    def check(self) -> CheckResult:
        """Authenticate every record, blob and audit entry (slow: call it off the UI thread)."""
        ...

    def close(self) -> None: ...


class SpellingLike(Protocol):
    """The spell check (``transitions_app.services.spelling_service.SpellingService`` fits)."""

    def ready(self) -> bool: ...

    def load(self) -> str: ...  # slow the first time: the window calls it off the UI thread

    def misspelt(self, text: str, *, prose: bool = True) -> list[Span]: ...

    def suggest(self, word: str) -> list[str]: ...  # slow the first time for a word

    def cached_suggestions(self, word: str) -> list[str] | None: ...

    def can_add(self) -> bool: ...

    def add(self, word: str) -> Any: ...


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

    def spelling(self, session: RecordService) -> SpellingLike: ...

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
