"""Small timing helpers (no third-party packages)."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from typing import Any


def p95(samples: list[float]) -> float:
    """The 95th percentile by the nearest-rank method (the maximum for fewer than 20 samples)."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds taken by ``fn()`` and its result."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def repeat(fn: Callable[[], Any], times: int, warmup: int = 1) -> list[float]:
    """Seconds for each of ``times`` calls of ``fn()`` after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    return [timed(fn)[0] for _ in range(times)]
