"""Wall time of `python -m proofs report`, without and with the PDF, against the issue's targets.

Run from the repository root: `python benchmarks/bench_report.py`. Each command runs in a fresh
process (nothing cached) into a temporary directory; the stderr progress lines are echoed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS_SECONDS = {"--no-pdf": 30.0, "--pdf": 40.0}
"""Issue 5: report --no-pdf at most 30 s, with PDF at most 40 s, on the 2-core machine."""


def wall_time(flag: str) -> float:
    with tempfile.TemporaryDirectory() as work:
        start = time.perf_counter()
        process = subprocess.run(
            [sys.executable, "-m", "proofs", "report", flag, "--out", str(Path(work) / "report")],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - start
    sys.stderr.write(process.stderr)
    if process.returncode != 0:
        raise SystemExit(f"report {flag} failed with exit code {process.returncode}")
    return seconds


def main() -> int:
    flags = [flag for flag in TARGETS_SECONDS if flag == "--no-pdf" or shutil.which("pdflatex")]
    misses = 0
    for flag in flags:
        seconds = wall_time(flag)
        target = TARGETS_SECONDS[flag]
        verdict = "ok" if seconds <= target else "MISSED"
        misses += seconds > target
        print(
            f"report {flag:<9} {seconds:6.1f} s   target <= {target:4.0f} s   ratio {seconds / target:4.2f}   {verdict}"
        )
    if len(flags) < len(TARGETS_SECONDS):
        print("report --pdf      not measured: no pdflatex")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
