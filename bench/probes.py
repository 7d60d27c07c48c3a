"""Measurements that need a process of their own: ``python -m bench.probes MODE ...``.

Each mode prints one JSON object on its last line of stdout. Only the standard library is imported
at module level, so the bare-window baseline pays for nothing but PySide6.

Modes:

* ``coldstart-bare``: a bare ``QMainWindow``; prints the wall-clock time of its first paint.
* ``coldstart-app VAULT``: the real start-up (``transitions-app window --vault VAULT``) up to the
  first paint of its first window (the login dialog: the app has no way to start without logging in).
* ``ui VAULT USER PASSWORD NAMES_JSON``: after logging in, the main window to its first paint with the
  whole cohort, then search-as-you-type in its dashboard, one key press at a time.
* ``editor VAULT USER PASSWORD SIZES_JSON``: the main window as the app builds it after login
  (with its services); opening records from the dashboard, the first visit to every section, New
  child and the export dialog, each to its first paint, with a bare widget as the baseline.
* ``memory VAULT USER PASSWORD`` / ``memory-baseline``: peak RSS after opening and listing the vault
  (for the dashboard), or after the same imports alone.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

TIMEOUT_MS = 120_000


def _emit(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


def _first_paint_app() -> tuple[Any, dict[str, float]]:
    """A QApplication whose first paint event (on any widget) records the time, prints it and
    ends the process at once."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    seen: dict[str, float] = {}

    class FirstPaint(QObject):
        def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint and "paint" not in seen:
                seen["paint"] = time.time()
                QTimer.singleShot(0, finish)
            return False

    def finish() -> None:
        _emit({"first_paint": seen["paint"]})
        os._exit(0)

    app = QApplication(sys.argv[:1])
    watcher = FirstPaint(app)
    app.installEventFilter(watcher)
    QTimer.singleShot(TIMEOUT_MS, lambda: os._exit(3))
    app._bench_watcher = watcher  # type: ignore[attr-defined]  # keep it alive
    return app, seen


def coldstart_bare() -> None:
    app, _seen = _first_paint_app()
    from PySide6.QtWidgets import QMainWindow

    window = QMainWindow()
    window.resize(1024, 640)
    window.show()
    app.exec()


def coldstart_app(vault: str) -> None:
    _app, _seen = _first_paint_app()
    from transitions_app.cli import main

    main(["window", "--vault", vault])
    os._exit(4)  # the login dialog returned without ever painting


def _wait_painted(app: Any, widget: Any) -> float:
    """Process events until ``widget`` has had a paint event; returns the time of that paint."""
    from PySide6.QtCore import QEvent, QObject

    seen: dict[str, float] = {}

    class Watch(QObject):
        def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint and "t" not in seen:
                seen["t"] = time.perf_counter()
            return False

    watch = Watch()
    app.installEventFilter(watch)
    widget.show()
    deadline = time.perf_counter() + TIMEOUT_MS / 1000
    while "t" not in seen and time.perf_counter() < deadline:
        app.processEvents()
    app.removeEventFilter(watch)
    return seen.get("t", float("nan"))


def ui(vault: str, user: str, password: str, names_json: str) -> None:
    from pathlib import Path

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from transitions_app.app import VaultAccess
    from transitions_app.services.vault_service import VaultService
    from ui.main_window import MainWindow
    from ui.style import apply_style

    # PySide6 6.12.0 on Python 3.11 drops a reference to None on every call that returns None
    # (see docs/performance.md); extra references keep this probe alive long enough to time it.
    pinned = [None] * 5_000_000
    app = QApplication(sys.argv[:1])
    apply_style(app)
    service = VaultService.open(Path(vault), user, password)
    start = time.perf_counter()
    window = MainWindow(VaultAccess(), Path(vault), service)
    built = time.perf_counter()
    painted = _wait_painted(app, window)
    for _ in range(5):
        app.processEvents()

    dashboard = window.dashboard
    search = dashboard.search
    search.setFocus()
    keystrokes: list[float] = []
    clears: list[float] = []
    shown: list[int] = []
    none_before = sys.getrefcount(None)
    for name in json.loads(names_json):
        for char in name:
            t0 = time.perf_counter()
            QTest.keyClicks(search, char)
            app.processEvents()  # the proxy has filtered; the table repaints
            keystrokes.append(time.perf_counter() - t0)
        shown.append(dashboard.proxy.rowCount())
        QTest.keyClick(search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        app.processEvents()
        t0 = time.perf_counter()
        QTest.keyClick(search, Qt.Key.Key_Backspace)  # back to the whole cohort
        app.processEvents()
        clears.append(time.perf_counter() - t0)
    none_lost = none_before - sys.getrefcount(None)
    _emit(
        {
            "rows": dashboard.model.rowCount(),
            "rows_after_clear": dashboard.proxy.rowCount(),
            "main_window_construct_s": built - start,
            "main_window_first_paint_s": painted - start,
            "keystroke_s": keystrokes,
            "clear_s": clears,
            "rows_shown_after_each_name": shown,
            "none_refs_lost": none_lost,
            "pinned": len(pinned),
        }
    )
    window.close()
    os._exit(0)


class _PaintClock:
    """Times an action up to the end of the first event-loop pass that paints inside the widget
    ``find()`` returns (the widget the action shows: it may not exist before the action runs)."""

    def __init__(self, app: Any) -> None:
        from PySide6.QtCore import QEvent, QObject
        from PySide6.QtWidgets import QWidget

        self.app = app
        self.find: Any = lambda: None
        self.painted = False
        clock = self

        class Watch(QObject):
            def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
                if not clock.painted and event.type() == QEvent.Type.Paint:
                    target = clock.find()
                    if (
                        target is not None
                        and isinstance(watched, QWidget)
                        and (watched is target or target.isAncestorOf(watched))
                    ):
                        clock.painted = True
                return False

        self._watch = Watch()
        app.installEventFilter(self._watch)

    def watch(self, find: Any) -> None:
        self.painted = False
        self.find = find

    def wait(self, start: float) -> float:
        deadline = start + 20
        while not self.painted and time.perf_counter() < deadline:
            self.app.processEvents()
        if not self.painted:
            raise RuntimeError("the widget was never painted")
        return time.perf_counter() - start

    def time(self, action: Any, find: Any) -> float:
        """Seconds from ``action()`` to the end of the pass that painted ``find()``."""
        self.watch(find)
        start = time.perf_counter()
        action()
        return self.wait(start)


def _settle(app: Any, seconds: float) -> None:
    """Let the event loop run (timers, background jobs) for ``seconds``, as between key presses."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.002)


def _bare_widget_s(app: Any, clock: _PaintClock, size: Any, dialog: bool = False) -> float:
    """A bare QWidget (or QDialog) of ``size`` shown as a window, to its first paint."""
    from PySide6.QtWidgets import QApplication, QDialog, QWidget

    active = QApplication.activeWindow()
    focus = QApplication.focusWidget()
    widget = QDialog() if dialog else QWidget()
    widget.resize(size)
    elapsed = clock.time(widget.show, lambda: widget)
    widget.close()
    widget.deleteLater()
    if active is not None:  # the key presses that follow go to the window under test again
        active.activateWindow()
        _settle(app, 0.05)
        if focus is not None:
            focus.setFocus()
    app.processEvents()
    return elapsed


def editor(vault: str, user: str, password: str, sizes_json: str) -> None:
    from pathlib import Path

    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from transitions_app.app import VaultAccess, WindowServices
    from transitions_app.services.vault_service import VaultService
    from ui.main_window import MainWindow
    from ui.style import apply_style

    sizes = json.loads(sizes_json)
    pinned = [None] * 5_000_000  # see ui(): PySide6 6.12.0 on Python 3.11
    app = QApplication(sys.argv[:1])
    apply_style(app)
    service = VaultService.open(Path(vault), user, password)
    window = MainWindow(VaultAccess(), Path(vault), service, services=WindowServices())
    _wait_painted(app, window)
    window.activateWindow()  # shortcuts (Ctrl+W, Ctrl+PgDown...) go to the active window
    # A person looks at the dashboard before opening a child: the window makes its editor ahead
    # once it has been left alone for a moment (ui.main_window.EDITOR_AHEAD_MS).
    _settle(app, sizes["settle_s"])
    if QApplication.activeWindow() is not window:
        raise RuntimeError("the main window did not become active")
    clock = _PaintClock(app)
    dashboard, table = window.dashboard, window.dashboard.table
    ids = [r.id for r in service.list_records()]
    picks = [ids[(i * 97 + 11) % len(ids)] for i in range(sizes["open"] + 2)]
    ctrl = Qt.KeyboardModifier.ControlModifier

    def open_by_enter(record_id: str) -> float:
        dashboard.select_record(record_id)
        row = dashboard.model.row_of(record_id)
        table.setCurrentIndex(dashboard.proxy.mapFromSource(dashboard.model.index(row, 0)))
        table.setFocus()
        app.processEvents()
        return clock.time(lambda: QTest.keyClick(table, Qt.Key.Key_Return), lambda: window.editor)

    def activate() -> None:
        """Make the window active again after a dialog closed (shortcuts need it)."""
        if QApplication.activeWindow() is not window:
            window.activateWindow()
            _settle(app, 0.05)
            if QApplication.activeWindow() is not window:
                raise RuntimeError("the main window did not become active again")

    def back() -> float:
        activate()
        start = time.perf_counter()
        QTest.keyClick(_focus(window), Qt.Key.Key_W, ctrl)
        app.processEvents()
        if window.editor is not None:
            raise RuntimeError("Ctrl+W did not close the editor")
        return time.perf_counter() - start

    # Opening records: the first open of the session, then one record after another.
    first_open = open_by_enter(picks[0])
    editor_size = window.editor.size()
    # The first visit to each section straight after the session's first open (no pause: the
    # pages not visited yet may not have been made).
    session_first_visits = [
        clock.time(
            lambda: QTest.keyClick(_focus(window), Qt.Key.Key_PageDown, ctrl),
            lambda: window.editor.pages.currentWidget(),
        )
        for _ in range(window.editor.nav.count() - 1)
    ]
    back()
    opens, backs, loads = [], [], []
    for record_id in picks[2:]:
        loads.append(timed_load(service, record_id))
        opens.append(open_by_enter(record_id))
        _settle(app, sizes["pause_s"])
        backs.append(back())
    bare = [_bare_widget_s(app, clock, editor_size) for _ in range(5)]

    # Every section on a record not opened before: Ctrl+PgDown through them, then back again.
    open_by_enter(picks[1])
    _settle(app, sizes["pause_s"])
    nav = window.editor.nav
    first_visits, revisits = [], []
    pages = window.editor.pages
    for _ in range(nav.count() - 1):
        first_visits.append(
            clock.time(
                lambda: QTest.keyClick(_focus(window), Qt.Key.Key_PageDown, ctrl),
                lambda: pages.currentWidget(),
            )
        )
    for _ in range(nav.count() - 1):
        revisits.append(
            clock.time(
                lambda: QTest.keyClick(_focus(window), Qt.Key.Key_PageUp, ctrl),
                lambda: pages.currentWidget(),
            )
        )
    sections = [nav.item(i).data(Qt.ItemDataRole.UserRole) for i in range(nav.count())]

    # The export dialog from the open editor (Ctrl+E): shown and painted, then interactive (a
    # zero-time timer posted at the paint has run), its first preview page, then every page.
    exports: list[dict[str, float]] = []
    export_bare: list[float] = []

    def export_once() -> dict[str, float]:
        seen: dict[str, float] = {}

        def drive() -> None:
            dialog = window.last_export
            if dialog is None or not dialog.isVisible():
                QTimer.singleShot(1, drive)
                return
            clock.wait(start)
            seen["painted"] = time.perf_counter()
            QTimer.singleShot(0, lambda: seen.setdefault("interactive", time.perf_counter()))
            deadline = time.perf_counter() + TIMEOUT_MS / 1000
            while time.perf_counter() < deadline:
                app.processEvents()
                if "first_page" not in seen and dialog.pages.page_count() > 0:
                    seen["first_page"] = time.perf_counter()
                complete = getattr(dialog, "preview_complete", None)
                done = complete() if complete is not None else dialog.pages.page_count() > 0
                if "interactive" in seen and "first_page" in seen and done:
                    seen["all_pages"] = time.perf_counter()
                    seen["pages"] = dialog.pages.page_count()
                    break
                time.sleep(0.001)
            export_bare.append(_bare_widget_s(app, clock, dialog.size(), dialog=True))
            dialog.reject()

        activate()
        if window.editor is not None:
            window.editor.nav.setFocus()
        window.last_export = None
        clock.watch(lambda: window.last_export)
        QTimer.singleShot(0, drive)
        start = time.perf_counter()
        # keyClick returns when the modal dialog is closed
        QTest.keyClick(_focus(window), Qt.Key.Key_E, ctrl)
        if "all_pages" not in seen:
            raise RuntimeError(f"the export dialog was not timed to the end: {seen}")
        return {k: (v - start if k != "pages" else v) for k, v in seen.items()}

    for _ in range(sizes["exports"]):
        exports.append(export_once())
        _settle(app, sizes["pause_s"])
    back()

    # New child (Ctrl+N) from the dashboard to the editor painted, cursor in the first name.
    new_children = []
    for _ in range(sizes["new"]):
        table.setFocus()
        new_children.append(
            clock.time(
                lambda: QTest.keyClick(_focus(window), Qt.Key.Key_N, ctrl), lambda: window.editor
            )
        )
        _settle(app, sizes["pause_s"])
        back()
    _emit(
        {
            "first_open_s": first_open,
            "open_s": opens,
            "load_s": loads,
            "back_s": backs,
            "bare_widget_s": bare,
            "editor_size": [editor_size.width(), editor_size.height()],
            "sections": sections,
            "first_visit_s": first_visits,
            "session_first_visit_s": session_first_visits,
            "revisit_s": list(reversed(revisits)),
            "export": exports,
            "export_bare_s": export_bare,
            "new_child_s": new_children,
            "pinned": len(pinned),
        }
    )
    window.close()
    os._exit(0)


def _focus(window: Any) -> Any:
    """Where a key press goes: the focused widget (shortcuts are matched from there)."""
    from PySide6.QtWidgets import QApplication

    return QApplication.focusWidget() or window


def timed_load(service: Any, record_id: str) -> float:
    """The service's load of one record (read, decrypt, decode): the pure-Python part."""
    start = time.perf_counter()
    service.load(record_id)
    return time.perf_counter() - start


def _maxrss_mb() -> float:
    """Peak resident memory of this process so far, in MiB.

    On Linux ``getrusage``'s ``ru_maxrss`` carries over the parent's peak across fork + exec
    (the benchmark's parent is itself large), so the peak of this process's own address space,
    ``VmHWM`` in /proc/self/status, is used there; ``ru_maxrss`` elsewhere.
    """
    import resource

    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _rss_mb() -> float | None:
    """Resident memory now (VmRSS), in MiB, where /proc is available."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _rusage_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _memory_imports() -> Any:
    from models.completeness import overall_completeness
    from models.flags import derive_flags
    from transitions_app.services.vault_service import VaultService

    return VaultService, derive_flags, overall_completeness


def memory(vault: str, user: str, password: str) -> None:
    from pathlib import Path

    vault_service, derive_flags, overall_completeness = _memory_imports()
    imported = _maxrss_mb()
    service = vault_service.open(Path(vault), user, password)
    opened = _maxrss_mb()
    records = service.list_records()
    rows = []
    for record in records:
        flags = derive_flags(record)
        rows.append((record, overall_completeness(record), flags, tuple(flags.badges())))
    _emit(
        {
            "records": len(rows),
            "after_imports_mb": imported,
            "after_unlock_mb": opened,
            "after_list_mb": _maxrss_mb(),
            "rss_now_after_list_mb": _rss_mb(),
            "ru_maxrss_mb": _rusage_mb(),
        }
    )
    service.close()


def memory_baseline() -> None:
    _memory_imports()
    _emit({"after_imports_mb": _maxrss_mb(), "ru_maxrss_mb": _rusage_mb()})


MODES = {
    "coldstart-bare": coldstart_bare,
    "coldstart-app": coldstart_app,
    "ui": ui,
    "editor": editor,
    "memory": memory,
    "memory-baseline": memory_baseline,
}

if __name__ == "__main__":
    MODES[sys.argv[1]](*sys.argv[2:])
