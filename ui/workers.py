"""Run slow calls (vault open with the key derivation, password changes, demo set-up) off the UI
thread. Results come back to the UI thread through queued signals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.signals = _Signals()  # made on the UI thread, so its slots run there

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # noqa: BLE001 - handed to the UI thread, which shows a plain message
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


_running: set[_Job] = set()


def run_in_background(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_failed: Callable[[BaseException], None],
) -> None:
    """Call ``fn()`` on the thread pool; then ``on_done(result)`` or ``on_failed(exc)`` on the UI thread."""
    job = _Job(fn)
    _running.add(job)

    def finish_ok(result: Any) -> None:
        _running.discard(job)
        on_done(result)

    def finish_failed(exc: BaseException) -> None:
        _running.discard(job)
        on_failed(exc)

    job.signals.done.connect(finish_ok)
    job.signals.failed.connect(finish_failed)
    QThreadPool.globalInstance().start(job)
