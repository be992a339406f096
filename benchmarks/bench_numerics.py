"""Generated NumPy `loss` and `gradient` on 10^6 points against the naive hand-written expression.

Target: at most 1.5x. The generated functions also validate their inputs, avoid cancellation at
a = a* and never return nan; the naive forms do none of that. Run: python benchmarks/bench_numerics.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))  # the project, when not installed
from _timing import paired_ratio, report, time_call  # noqa: E402

from analysis import derive  # noqa: E402
from numerics import compile  # noqa: E402

TARGET = 1.5
REPEATS = 15
N = 10**6


def _compare(label, f, values, naive):
    for name in ("loss", "gradient"):
        fn = f[name]
        ratio, a_s, b_s = paired_ratio(
            lambda fn=fn: time_call(lambda: fn(**values)),
            lambda name=name: time_call(lambda: naive[name](**values)),
            REPEATS,
        )
        report(f"generated {name} / naive NumPy, {label}", ratio, TARGET, a_s, b_s)


def naive_loss(a, a_star, t, sigma):
    return 0.5 * sigma**2 * (np.exp(a * t) - np.exp(a_star * t)) ** 2


def naive_gradient(a, a_star, t, sigma):
    e = np.exp(a * t)
    return sigma**2 * t * e * (e - np.exp(a_star * t))


def main() -> int:
    rng = np.random.default_rng(0)
    f = compile(derive())
    naive = {"loss": naive_loss, "gradient": naive_gradient}
    # 10^6 points of parameter space: every argument varies
    points = {
        "a": rng.uniform(-3, 3, N),
        "a_star": rng.uniform(-3, 3, N),
        "t": rng.uniform(0.1, 3, N),
        "sigma": rng.uniform(0.1, 2, N),
    }
    _compare("1e6 points (a, a*, t, sigma)", f, points, naive)
    # 10^6 values of a, the rest fixed: the naive form then needs one array exp, ours two
    _compare("1e6 values of a", f, {"a": points["a"], "a_star": 0.5, "t": 1.3, "sigma": 0.8}, naive)
    return 0


if __name__ == "__main__":
    sys.exit(main())
