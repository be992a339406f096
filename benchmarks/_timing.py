"""Ratios of timings taken in one run, interleaved, so a drifting machine speed cancels."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable, Sequence


def time_call(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def time_process(argv: Sequence[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def paired_ratio(a: Callable[[], float], b: Callable[[], float], repeats: int) -> tuple[float, float, float]:
    """Median of a/b over `repeats` interleaved pairs, with the medians of a and b (seconds)."""
    a(), b()  # warm-up
    pairs = [(a(), b()) for _ in range(repeats)]
    ratios = [x / y for x, y in pairs]
    return statistics.median(ratios), statistics.median(x for x, _ in pairs), statistics.median(y for _, y in pairs)


def report(label: str, ratio: float, target: float, a_s: float, b_s: float, higher_is_better: bool = False) -> bool:
    met = ratio >= target if higher_is_better else ratio <= target
    relation = ">=" if higher_is_better else "<="
    verdict = "MET" if met else "MISSED"
    print(f"{label}: ratio {ratio:.2f} (target {relation} {target}) [{a_s:.3f} s vs {b_s:.3f} s] {verdict}")
    return met
