"""`simplest-node verify`: table, JSON fields, exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from proofs import registry
from proofs.claim import Claim
from proofs.cli import main
from proofs.verify import COLUMNS

ROOT = Path(__file__).resolve().parents[1]
QUICK = ["--samples", "4", "--dps", "25"]


def test_table_lists_the_chosen_claim(capsys):
    assert main(["verify", "--claim", "loss-nonconvex", *QUICK]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0]
    assert all(column in header for column in COLUMNS)
    assert "loss-nonconvex" in out and "holds" in out and "1/1 claims as expected" in out


def test_several_ids_after_one_flag(capsys):
    assert main(["verify", "--claim", "vc-minibatch", "lemma1", "--claim", "vc-below", "--json", *QUICK]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == ["vc-minibatch", "lemma1", "vc-below"]


def test_json_has_the_fields(capsys):
    assert main(["verify", "--claim", "vc-minibatch", "--claim", "lemma1", "--json", *QUICK]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in records] == ["vc-minibatch", "lemma1"]
    for record in records:
        assert {"id", "verdict", "expected", "symbolic", "worst_error", "interval_pieces", "seconds"} <= set(record)
        assert record["verdict"] == record["expected"] == "holds"


def test_exit_1_when_a_verdict_differs_from_its_expectation(capsys, monkeypatch):
    from analysis.symbols import a
    from proofs.checks import symbolic_zero

    wrong = Claim("wrong", "a + 1 = a", "x", "none", "holds", lambda s: symbolic_zero({"1": (a + 1) - a}))
    monkeypatch.setattr(registry, "CLAIMS", (wrong,))
    assert main(["verify", *QUICK]) == 1
    assert "refuted" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, word",
    [
        (["--claim", "no-such-claim"], "no-such-claim"),
        (["--samples", "0"], "--samples must be a positive integer"),
        (["--dps", "5"], "--dps"),
        (["--seed", "-1"], "--seed"),
        (["--samples", "many"], "samples"),
        (["--seed", "x"], "seed"),
        (["--dps", "1001"], "--dps"),
        (["--claim", "lemma1", "--claim", "nope"], "nope"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(capsys, argv, word):
    assert main(["verify", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and word in lines[0]


def test_unknown_claim_in_a_subprocess_has_no_traceback():
    done = subprocess.run(
        [sys.executable, "-m", "proofs", "verify", "--claim", "nope"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "nope" in done.stderr
