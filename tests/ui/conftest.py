"""Fixtures for the window tests: synthetic records, an in-memory fake service and a real vault
made with cheap key-derivation parameters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QWidget

from models.errors import AuthenticationFailed, PermissionDenied, SignOffRefused
from models.framework.registry import current_framework
from models.readiness import readiness
from models.record import Record, SignOffScope, Status
from models.roles import Permission, Role, can, refusal
from models.signoff import derive_status, with_signoff
from models.synthetic import generate_records
from models.vault import KdfParams
from transitions_app.services.vault_service import VaultService

TODAY = date(2026, 3, 2)
CHEAP_KDF = KdfParams(memory_kib=64, iterations=1, lanes=1)
PASSWORD = "correct horse battery"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The offscreen platform plugin warns that it cannot resize windows to their size hints, nor
    # raise a popup (a completer's list, a context menu) or grab the keyboard for it; those are
    # properties of the test platform, not of the app.
    for item in items:
        if "tests/ui" in str(item.fspath).replace("\\", "/"):
            item.add_marker(
                pytest.mark.qt_log_ignore(
                    "propagateSizeHints", "does not support raise", "does not support grabbing"
                )
            )


@dataclass(frozen=True)
class FakeUser:
    name: str
    role: Role


_SIGN_OFF_PERMISSION = {
    SignOffScope.RECORD: Permission.SIGN_OFF_RECORD,
    SignOffScope.SEND: Permission.SIGN_OFF_SEND,
    SignOffScope.MANAGER: Permission.SIGN_OFF_MANAGER,
}


class FakeService:
    """The VaultService methods the window calls, in memory, with the same role rules and the
    same domain rules (sign-offs bound to content, readiness under no charter)."""

    def __init__(
        self, records: list[Record] | None = None, user: str = "sam", role: Role = Role.MANAGER
    ) -> None:
        self.records = {r.id: r.copy() for r in records or []}
        self.user = FakeUser(user, role)
        self.saves: list[Record] = []
        self.closed = False
        self.fail_next_save: Exception | None = None
        self.notices: list[str] = []  # what the opening found (VaultService.notices)

    def check(self) -> SimpleNamespace:
        return SimpleNamespace(ok=True, problems=[])

    def list_records(self) -> list[Record]:
        return [r.copy() for r in self.records.values()]

    def load(self, record_id: str) -> Record:
        return self.records[record_id].copy()

    def new_record(self) -> Record:
        fw = current_framework()
        record = Record(framework_id=fw.id, framework_version=fw.version)
        self.records[record.id] = record.copy()
        return record

    def list_users(self) -> list[FakeUser]:
        return [self.user, FakeUser("sen", Role.SENCO), FakeUser("boss", Role.MANAGER)]

    def sign_off_refusal(self, scope: str) -> str | None:
        permission = _SIGN_OFF_PERMISSION[SignOffScope(scope)]
        if can(self.user.role, permission):
            return None
        return refusal(permission, [(u.name, u.role) for u in self.list_users()])

    def save(self, record: Record) -> Record:
        if self.fail_next_save is not None:
            exc, self.fail_next_save = self.fail_next_save, None
            raise exc
        old = self.records.get(record.id)
        new = record.copy()
        if old is not None:
            new.signoffs = list(old.signoffs)
            new.export_version, new.exported_digest = old.export_version, old.exported_digest
        ready = record.status is Status.READY_FOR_REVIEW or (
            record.status not in (Status.DRAFT, Status.READY_FOR_REVIEW)
            and old is not None
            and old.status is Status.READY_FOR_REVIEW
        )
        new.status = derive_status(new, ready=ready)
        new.updated = datetime.now(UTC)
        self.records[new.id] = new.copy()
        self.saves.append(new.copy())
        return new

    def sign_off(self, record_id: str, scope: str) -> Record:
        which = SignOffScope(scope)
        refused = self.sign_off_refusal(scope)
        if refused is not None:
            raise PermissionDenied(refused)
        record = self.records[record_id]
        stopping = readiness(record, None, TODAY).stopping(which)
        if stopping:
            raise SignOffRefused(f"The {which.label} cannot be given yet.", tuple(stopping))
        signed = with_signoff(record, which, self.user.name, self.user.role, TODAY)
        self.records[record_id] = signed.copy()
        return signed

    def change_password(self, old: str, new: str) -> None:
        if old != PASSWORD:
            raise AuthenticationFailed("The current password is not right.")

    def close(self) -> None:
        self.closed = True


class FakeAccess:
    """Opens FakeService sessions over one shared set of records."""

    def __init__(self, service: FakeService) -> None:
        self.service = service
        self.opened: list[str] = []

    def exists(self, directory: Path) -> bool:
        return True

    def open(self, directory: Path, user: str, password: str) -> FakeService:
        if password != PASSWORD:
            raise AuthenticationFailed("The user name or password is not right.")
        self.opened.append(user)
        fresh = FakeService(
            user=user,
            role=self.service.user.role if user == self.service.user.name else Role.PRACTITIONER,
        )
        fresh.records = self.service.records
        self.service = fresh
        return fresh

    def create(self, directory: Path, user: str, password: str) -> tuple[FakeService, str]:
        return FakeService(user=user), "ABCD-EFGH-JKLM-NPQR"


class CheapVaultAccess:
    """The real VaultService with cheap key derivation, for tests."""

    @staticmethod
    def exists(directory: Path) -> bool:
        return VaultService.exists(directory)

    @staticmethod
    def open(directory: Path, user: str, password: str) -> VaultService:
        return VaultService.open(directory, user, password, sleeper=lambda _s: None)

    @staticmethod
    def create(directory: Path, user: str, password: str) -> tuple[VaultService, str]:
        return VaultService.create(directory, user, password, kdf=CHEAP_KDF)


@pytest.fixture
def records() -> list[Record]:
    return generate_records(12, seed=3, today=TODAY)


@pytest.fixture
def fake_service(records: list[Record]) -> FakeService:
    return FakeService(records)


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "vault"
    service, _key = CheapVaultAccess.create(directory, "sam", PASSWORD)
    service.add_user("kim", Role.PRACTITIONER, PASSWORD)
    service.close()
    return directory


@pytest.fixture(autouse=True)
def _finish_background_jobs():
    yield
    QThreadPool.globalInstance().waitForDone(5000)


def show_active(qtbot, window: QWidget) -> None:  # noqa: ANN001 - qtbot is pytest-qt's fixture
    """Show ``window`` as a person would have it: on screen, exposed and the active window (so
    shortcuts and focus behave as they do for a real user)."""
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
