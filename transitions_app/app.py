"""Start the window: QApplication, first run or demo vault, log in, main window.

Start-up time is the time to the login dialog's first paint, so this module imports only what
that dialog needs. The vault layer (SQLAlchemy, ``models.vault``) is imported by the background
job that opens or creates a vault, the main window (and everything it shows) after logging in.
``tests/unit/test_cold_imports.py`` checks this.
"""

from __future__ import annotations

import argparse
import importlib.util
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QWidget

from models.roles import SCHOOL_ROLES, SETTING_ROLES
from transitions_app import APP_NAME
from transitions_app.locations import default_vault_dir, vault_location
from transitions_app.settings import AppSettings
from ui.login import LoginDialog, plain_error
from ui.style import apply_style
from ui.window_fit import install as fit_every_window
from ui.workers import run_in_background

if TYPE_CHECKING:  # imported on first use (or after login): a faster first paint
    from models.vault import KdfParams
    from transitions_app.services.bulk_service import BulkService
    from transitions_app.services.charter_service import CharterService
    from transitions_app.services.export_service import ExportService
    from transitions_app.services.family_service import FamilyService
    from transitions_app.services.feedback_service import FeedbackService
    from transitions_app.services.la_service import LaReturnService
    from transitions_app.services.phrase_service import PhraseService
    from transitions_app.services.preview_service import PreviewService
    from transitions_app.services.profile_service import ProfileService
    from transitions_app.services.school_service import SchoolService
    from transitions_app.services.spelling_service import SpellingService
    from transitions_app.services.vault_service import VaultService
    from ui.service import Progress, RecordService, SessionServices

# Copies of constants whose modules import the vault layer, so the login dialog can be shown
# without it; tests/unit/test_cold_imports.py checks that they stay the same.
VAULT_FILE = "vault.db"  # models.vault.schema.DB_FILE: a folder vault is this file
DEMO_MODULE = "transitions_app.services.demo"
DEMO_MARKER = "demo.txt"  # transitions_app.services.demo.DEMO_MARKER
DEMO_PASSWORD = "demo-password"  # transitions_app.services.demo.DEMO_PASSWORD
DEMO_NOTE = "demo vault of fictional children"  # ui.main_window.DEMO_NOTE


def tr(text: str) -> str:
    return QCoreApplication.translate("app", text)


class VaultAccess:
    """Opens and creates vaults with :class:`VaultService` (what the window's protocol expects)."""

    @staticmethod
    def exists(directory: Path) -> bool:
        """Is there a vault in the folder? The same answer as ``VaultService.exists(directory)``
        for a folder (its database file is there), without importing the vault layer."""
        return (Path(directory) / VAULT_FILE).is_file()

    @staticmethod
    def open(directory: Path, user: str, password: str) -> VaultService:
        from transitions_app.services.vault_service import VaultService  # on first use

        return VaultService.open(directory, user, password)

    @staticmethod
    def create(directory: Path, user: str, password: str) -> tuple[VaultService, str]:
        from transitions_app.services.vault_service import VaultService  # on first use

        return VaultService.create(directory, user, password)

    @staticmethod
    def create_school(
        directory: Path,
        user: str,
        password: str,
        *,
        urn: str,
        name: str,
        p12: Path | None = None,
        p12_passphrase: str = "",
        kdf: KdfParams | None = None,
    ) -> tuple[VaultService, str]:
        """A school's vault whose first user, ``user``, is the headteacher (as ``school init``
        makes it), signing with the LA-issued certificate ``p12`` or else a self-signed one.
        Returns the vault session the window expects and the recovery key. The certificate is
        read before anything is written, so a wrong passphrase leaves no half-made vault."""
        from transitions_app.services.school_service import SchoolService

        identity = None
        if p12 is not None:
            from export.pki import load_setting_p12
            from models.safe_input import DOCUMENT_BYTES, read_file

            data = read_file(p12, limit=DOCUMENT_BYTES, what="certificate file")
            identity = load_setting_p12(data, p12_passphrase)
        school, recovery_key = SchoolService.create(
            directory, user, password, urn=urn, name=name, identity=identity, kdf=kdf
        )
        return school.vault, recovery_key


class ServerVaultAccess:
    """The same protocol as :class:`VaultAccess` for a vault on a PostgreSQL server
    (``--db URL`` or ``TRANSITIONS_DB``): the folder the window passes is not used. A server vault
    is made by IT with ``vault init --db`` or ``vault migrate``, not from the window."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url

    def exists(self, _directory: Path) -> bool:
        from transitions_app.services.vault_service import VaultService

        return VaultService.exists(None, db_url=self.db_url)

    def open(self, _directory: Path, user: str, password: str) -> VaultService:
        from transitions_app.services.vault_service import VaultService

        return VaultService.open(None, user, password, db_url=self.db_url)

    def create(self, directory: Path, user: str, password: str) -> tuple[VaultService, str]:
        """New vaults made from this window are folder vaults, as the dialog says."""
        return VaultAccess.create(directory, user, password)

    def location(self) -> str:
        from transitions_app.services.vault_service import VaultService

        return VaultService.describe_location(None, db_url=self.db_url)


class WindowServices:
    """Builds the services the window uses over the logged-in session (see
    ``ui.service.SessionServices``). ``clock`` and ``workers`` are injected for tests."""

    def __init__(
        self, *, clock: Callable[[], datetime] | None = None, workers: int | None = None
    ) -> None:
        self._clock = clock or (lambda: datetime.now(UTC).replace(microsecond=0))
        self._workers = workers

    def today(self) -> date:
        return self._clock().astimezone(UTC).date()

    def prewarm(self) -> None:
        """Import what the export dialog, New child and the family tools need (pyHanko, pikepdf,
        reportlab, pdfium: about 0.4 s) on a daemon thread, so the first of them in a session does
        not wait for it. Imports only: no Qt objects are made there."""
        _prewarm(SERVICES_USED_LATER, "prewarm-services")

    def charter(self, session: VaultService) -> CharterService:
        from transitions_app.services.charter_service import CharterService

        return CharterService(session, clock=self._clock)

    def exporter(self, session: VaultService) -> ExportService:
        from transitions_app.services.export_service import ExportService

        return ExportService(session, clock=self._clock, workers=self._workers)

    def profile(self, session: VaultService) -> ProfileService:
        from transitions_app.services.charter_service import CharterService
        from transitions_app.services.profile_service import ProfileService

        return ProfileService(session, CharterService(session, clock=self._clock))

    def bulk(self, session: VaultService) -> BulkService:
        from transitions_app.services.bulk_service import BulkService

        return BulkService(session)

    def preview(self) -> PreviewService:
        from transitions_app.services.preview_service import PreviewService

        return PreviewService(clock=self._clock)

    def spelling(self, session: VaultService) -> SpellingService:
        from transitions_app.services.spelling_service import SpellingService

        return SpellingService(session)

    def school(self, session: VaultService) -> SchoolService | None:
        if session.user.role not in SCHOOL_ROLES:
            return None
        from transitions_app.services.school_service import SchoolService

        return SchoolService(session, clock=self._clock)

    def feedback(self, session: VaultService) -> FeedbackService | None:
        if session.user.role not in SETTING_ROLES:
            return None
        from transitions_app.services.feedback_service import FeedbackService

        return FeedbackService(session, clock=self._clock)

    def family(self, session: VaultService) -> FamilyService:
        from transitions_app.services.family_service import FamilyService

        return FamilyService(session, clock=self._clock)

    def phrases(self, session: VaultService) -> PhraseService | None:
        if session.user.role not in SETTING_ROLES:
            return None
        from transitions_app.services.phrase_service import PhraseService

        return PhraseService(session)

    def la_return(self, session: VaultService) -> LaReturnService:
        from transitions_app.services.la_service import LaReturnService

        return LaReturnService(session, clock=self._clock)

    @staticmethod
    def backup(session: VaultService, out: Path, progress: Progress) -> None:
        session.backup(out, progress)

    @staticmethod
    def restore(
        backup_file: Path,
        directory: Path,
        progress: Progress,
        *,
        user: str | None,
        password: str | None,
        recovery_key: str | None,
    ) -> None:
        from transitions_app.services.vault_service import VaultService

        VaultService.restore(
            backup_file,
            directory,
            user=user,
            password=password,
            recovery_key=recovery_key,
            progress=progress,
        )


def window_services() -> SessionServices:
    """The window's services. Each ``WindowServices`` method takes the ``VaultService`` the
    window's opener made, while ``ui.service.SessionServices`` can only name the
    ``RecordService`` protocol (ui never imports storage code): parameters are contravariant, so
    mypy cannot see that the session handed back is always one of ours."""
    return WindowServices()  # type: ignore[return-value]  # see the docstring


def _wait_in_background(label: str, fn: Any) -> tuple[Any, BaseException | None]:
    """Run ``fn`` off the UI thread behind a busy dialog; the event loop keeps running."""
    dialog = QProgressDialog(label, "", 0, 0)
    dialog.setWindowTitle(APP_NAME)
    dialog.setCancelButton(None)
    dialog.setMinimumDuration(0)
    dialog.show()
    loop = QEventLoop()
    outcome: dict[str, Any] = {}

    def done(result: Any) -> None:
        outcome["result"] = result
        loop.quit()

    def failed(exc: BaseException) -> None:
        outcome["error"] = exc
        loop.quit()

    run_in_background(fn, done, failed)
    loop.exec()
    dialog.close()
    return outcome.get("result"), outcome.get("error")


def _ensure_demo(directory: Path) -> Any:
    """The demo vault's DemoInfo, or None when the demo module is not installed."""
    try:
        from transitions_app.services.demo import ensure_demo_vault
    except ImportError:
        return None
    info, error = _wait_in_background(
        tr("Setting up a demo vault of fictional children…"), lambda: ensure_demo_vault(directory)
    )
    if error is not None:
        QMessageBox.warning(None, APP_NAME, plain_error(error))
        return None
    return info


def _demo_hint(directory: Path) -> str:
    """The login hint for the demo vault, or "" for a real vault (or when the demo module is not
    installed). Checks the demo's marker file without importing the demo module (which imports
    the vault layer)."""
    if importlib.util.find_spec(DEMO_MODULE) is None:
        return ""
    if not (directory / DEMO_MARKER).exists():
        return ""
    return tr(
        "This is the demo vault of fictional children. Log in as manager, keyperson, senco or dsl "
        "with the password “{pw}”."
    ).format(pw=DEMO_PASSWORD)


PREWARM_DELAY_MS = 300
SERVICES_USED_LATER = (
    "transitions_app.services.export_service",
    "transitions_app.services.preview_service",
    "transitions_app.services.profile_service",
    "transitions_app.services.family_service",
)


def _prewarm(modules: Sequence[str], name: str) -> None:
    """Import ``modules`` on a daemon thread (imports only: no Qt objects are made)."""

    def load() -> None:
        import importlib

        for module in modules:
            importlib.import_module(module)

    threading.Thread(target=load, name=name, daemon=True).start()


def _prewarm_vault_layer() -> None:
    _prewarm(["transitions_app.services.vault_service"], "prewarm-vault")


def _run_on_server(
    app: QApplication, args: argparse.Namespace, settings: AppSettings, access: ServerVaultAccess
) -> int:
    """The window on a shared vault on a PostgreSQL server: log in, then the same main window."""
    try:
        found = access.exists(default_vault_dir())
    except Exception as exc:  # noqa: BLE001 - the server cannot be reached: one plain sentence
        QMessageBox.critical(
            None,
            APP_NAME,
            tr("The vault server cannot be reached: {why}").format(why=plain_error(exc)),
        )
        return 3
    if not found:
        QMessageBox.critical(
            None,
            APP_NAME,
            tr(
                "There is no vault in that database yet. IT makes one with “transitions-app vault "
                "init --db URL” or moves a folder vault there with “vault migrate”."
            ),
        )
        return 2
    login = LoginDialog(
        lambda u, p: access.open(default_vault_dir(), u, p),
        last_user=settings.last_user,
        title=tr("Log in to Transitions – shared vault on {where}").format(where=access.location()),
    )
    if not login.exec() or login.service is None:
        return 0
    service = login.service
    settings.last_user = service.user.name
    from ui.main_window import MainWindow

    window = MainWindow(
        access,
        default_vault_dir(),
        service,
        idle_minutes=settings.idle_lock_minutes,
        services=window_services(),
    )
    window.user_logged_in.connect(lambda name: setattr(settings, "last_user", name))
    present(window)
    code = app.exec()
    settings.sync()
    return int(code)


def _run_la(app: QApplication, settings: AppSettings, folder: Path) -> int:
    """The window in local authority mode on the LA's CA folder: no vault, returns only."""
    from transitions_app.services.la_service import LaReportService
    from ui.la.window import LaWindow

    try:
        reports = LaReportService(folder)
    except Exception as exc:  # noqa: BLE001 - not a CA folder, unreadable: one plain sentence
        QMessageBox.critical(None, APP_NAME, plain_error(exc))
        return 2
    window = LaWindow(reports)
    window.folder_loaded.connect(lambda path: setattr(settings, "la_returns", Path(path)))
    present(window)
    last = settings.la_returns
    if last is not None and last.is_dir():
        window.load(last)
    code = app.exec()
    settings.sync()
    return int(code)


def present(window: QWidget) -> None:
    """Show the first window after the login and give it the keyboard: the login dialog had it,
    and without this a person's first keystroke (Ctrl+N, a search) can go nowhere."""
    window.show()
    if QGuiApplication.platformName() not in ("offscreen", "minimal"):  # they cannot raise
        window.raise_()
    window.activateWindow()


def run_app(args: argparse.Namespace, argv: Sequence[str]) -> int:
    app = QApplication.instance() or QApplication(list(argv))
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    assert isinstance(app, QApplication)
    settings = AppSettings()
    apply_style(app, settings)
    fit_every_window(app, settings)
    directory, db_url = vault_location(args)
    if db_url is not None:
        return _run_on_server(app, args, settings, ServerVaultAccess(db_url))
    assert directory is not None
    access = VaultAccess()
    la_folder = getattr(args, "la", None)
    if la_folder is None and settings.la_folder is not None and not access.exists(directory):
        la_folder = settings.la_folder  # this computer was set up for a local authority
    if la_folder is not None:
        return _run_la(app, settings, Path(la_folder))

    service: RecordService | None = None
    made_demo = (
        not access.exists(directory)
        and directory == default_vault_dir()
        and _ensure_demo(directory) is not None
    )
    if not made_demo and not access.exists(directory):
        from ui.dialogs import NewVaultDialog  # first run only

        first_run = NewVaultDialog(
            access.create, directory, school_creator=access.create_school, la_choice=True
        )
        if not first_run.exec():
            return 0
        if first_run.la_folder is not None:
            settings.la_folder = first_run.la_folder
            return _run_la(app, settings, first_run.la_folder)
        if first_run.service is None:
            return 0
        service, directory = first_run.service, first_run.directory
    password_hint = _demo_hint(directory)
    demo = bool(password_hint)

    if service is None:
        title = tr("Log in to Transitions")
        if demo:
            title += " – " + tr(DEMO_NOTE)
        login = LoginDialog(
            lambda u, p: access.open(directory, u, p),
            last_user=settings.last_user,
            hint=password_hint,
            title=title,
        )
        # While the person types their password, load the vault layer (SQLAlchemy, about 0.2 s)
        # in the background, after the dialog has painted, so logging in does not wait for it.
        QTimer.singleShot(PREWARM_DELAY_MS, login, _prewarm_vault_layer)
        if not login.exec() or login.service is None:
            return 0
        service = login.service
    settings.last_user = service.user.name
    settings.last_vault = directory

    from ui.main_window import MainWindow  # after login: not needed for the first paint

    window = MainWindow(
        access,
        directory,
        service,
        idle_minutes=settings.idle_lock_minutes,
        demo=demo,
        demo_hint=password_hint,
        services=window_services(),
    )
    window.user_logged_in.connect(lambda name: setattr(settings, "last_user", name))
    present(window)
    code = app.exec()
    settings.sync()
    return int(code)
