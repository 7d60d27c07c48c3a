"""Measurements that need a process of their own: ``python -m bench.probes MODE ...``.

Each mode prints one JSON object on its last line of stdout. Only the standard library is imported
at module level, so the bare-window baseline pays for nothing but PySide6.

Modes:

* ``coldstart-bare``: a bare ``QMainWindow``; prints the wall-clock time of its first paint.
* ``coldstart-app VAULT``: the real start-up (``transitions-app window --vault VAULT``) up to the
  first paint of its first window (the login dialog: the app has no way to start without logging in).
* ``ui VAULT USER PASSWORD NAMES_JSON``: after logging in, the main window to its first paint with the
  whole cohort, then search-as-you-type in its dashboard, one key press at a time.
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
    "memory": memory,
    "memory-baseline": memory_baseline,
}

if __name__ == "__main__":
    MODES[sys.argv[1]](*sys.argv[2:])
