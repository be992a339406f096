"""Wall time of `python -m proofs verify` with defaults (target: at most 20 s on the 2-core machine).

Run from the repository root: `python benchmarks/bench_verify.py`. Prints the time, the target and their ratio,
measured in one run, and the exit code of the command.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

TARGET_SECONDS = 20.0
ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "proofs", "verify"], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    verdict = "MET" if seconds <= TARGET_SECONDS else "MISSED"
    print(f"verify (defaults): {seconds:.2f} s; target {TARGET_SECONDS:.0f} s; ratio {seconds / TARGET_SECONDS:.2f}"
          f" {verdict}; exit {done.returncode}" + ("" if done.returncode == 0 else f" ({done.stderr.strip()[-200:]})"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
