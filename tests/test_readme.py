"""The README's examples run as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def test_readme_has_python_examples():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_python_example_runs(index):
    done = subprocess.run([sys.executable, "-c", BLOCKS[index]], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def test_readme_names_the_commands_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text()
    test_command = re.search(r"^python -m pip install -q (.*pytest.*)$", ci, flags=re.M).group(1)
    assert f"python -m pip install {test_command}" in (ROOT / "README.md").read_text()


ERROR_FACTOR = 4
"""The excerpt's worst numeric errors (two digits) must match verify's within this factor: where a claim's worst
error is a float64 one, its last digits depend on the CPU's vectorised exp/log, not on the mathematics."""


def test_readme_verification_excerpt_is_what_verify_computes():
    from proofs.claim import Settings
    from proofs.verify import verify

    block = re.search(r"```text\n(id .*?)```", (ROOT / "README.md").read_text(), flags=re.S).group(1)
    rows = [line.split() for line in block.strip().splitlines()[1:]]
    results = verify([row[0] for row in rows], Settings())
    for row, result in zip(rows, results, strict=True):
        pieces = "-" if result.interval_pieces is None else str(result.interval_pieces)
        assert (row[0], row[1], row[2], row[4]) == (result.id, result.verdict, result.expected, pieces)
        printed = float(row[3])
        assert result.worst_error / ERROR_FACTOR <= printed <= result.worst_error * ERROR_FACTOR, (row, result)
