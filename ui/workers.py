"""Run slow calls (vault open with the key derivation, password changes, demo set-up) off the UI
thread. Results come back to the UI thread through queued signals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
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


_running: set[QRunnable] = set()


def run_in_background(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_failed: Callable[[BaseException], None],
    *,
    owner: QObject | None = None,
) -> None:
    """Call ``fn()`` on the thread pool; then ``on_done(result)`` or ``on_failed(exc)`` on the UI
    thread. With ``owner``, the answer is dropped if the owner was closed and deleted meanwhile."""
    job = _Job(fn)
    _running.add(job)

    def gone() -> bool:
        return owner is not None and not shiboken6.isValid(owner)

    def finish_ok(result: Any) -> None:
        _running.discard(job)
        if not gone():
            on_done(result)

    def finish_failed(exc: BaseException) -> None:
        _running.discard(job)
        if not gone():
            on_failed(exc)

    job.signals.done.connect(finish_ok)
    job.signals.failed.connect(finish_failed)
    QThreadPool.globalInstance().start(job)


class _ProgressSignals(_Signals):
    progress = Signal(int, int, str)


class _ProgressJob(QRunnable):
    """Like ``_Job``, but ``fn`` receives ``report(done, total, text)`` to call from the worker."""

    def __init__(self, fn: Callable[[Callable[[int, int, str], None]], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.signals = _ProgressSignals()

    def run(self) -> None:
        try:
            result = self.fn(self.signals.progress.emit)
        except Exception as exc:  # noqa: BLE001 - handed to the UI thread, which shows a plain message
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


def run_with_progress(
    fn: Callable[[Callable[[int, int, str], None]], Any],
    on_progress: Callable[[int, int, str], None],
    on_done: Callable[[Any], None],
    on_failed: Callable[[BaseException], None],
) -> None:
    """Call ``fn(report)`` on the thread pool; each ``report(done, total, text)`` reaches
    ``on_progress`` on the UI thread, then ``on_done(result)`` or ``on_failed(exc)``."""
    job = _ProgressJob(fn)
    _running.add(job)  # kept alive until it reports back

    def finish_ok(result: Any) -> None:
        _running.discard(job)
        on_done(result)

    def finish_failed(exc: BaseException) -> None:
        _running.discard(job)
        on_failed(exc)

    job.signals.progress.connect(on_progress)
    job.signals.done.connect(finish_ok)
    job.signals.failed.connect(finish_failed)
    QThreadPool.globalInstance().start(job)
