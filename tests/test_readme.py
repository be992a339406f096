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
