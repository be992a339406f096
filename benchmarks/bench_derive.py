"""Cold `simplest-node derive --format json` in a fresh process against `python -c "import sympy"`.

Target: at most 2.5x (importing SymPy is the floor for any SymPy tool). Run: python benchmarks/bench_derive.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import paired_ratio, report, time_process  # noqa: E402

TARGET = 2.5
REPEATS = 7


def main() -> int:
    derive = [sys.executable, "-m", "proofs", "derive", "--format", "json"]
    floor = [sys.executable, "-c", "import sympy"]
    ratio, a_s, b_s = paired_ratio(lambda: time_process(derive), lambda: time_process(floor), REPEATS)
    report("cold derive --format json / import sympy", ratio, TARGET, a_s, b_s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
