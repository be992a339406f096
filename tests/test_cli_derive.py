"""`simplest-node derive`: formats, JSON round-trip, error paths."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp
from sympy.parsing.sympy_parser import parse_expr

from analysis import Model, derive
from analysis.symbols import by_name
from proofs.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_shape_and_round_trip(capsys):
    code, out, err = run_cli(capsys, "derive", "--format", "json")
    assert code == 0 and err == ""
    document = json.loads(out)
    assert set(document) == {"model", "symbols", "results"}
    assert document["symbols"] == ["a", "a_star", "t", "sigma", "mu", "eta", "z", "x0"]
    derivation = derive()
    assert [r["name"] for r in document["results"]] == list(derivation.names())
    symbols = by_name()
    for record in document["results"]:
        assert set(record) == {"name", "sympy", "latex", "description"}
        # the exported text reads back (with the project's symbols, no code executed) to an equal expression
        back = parse_expr(record["sympy"], local_dict=symbols, global_dict={**sp.__dict__})
        assert sp.simplify(back - derivation[record["name"]]) == 0, record["name"]


def test_with_mean_changes_the_model_and_the_loss(capsys):
    _, out, _ = run_cli(capsys, "derive", "--format", "json", "--with-mean")
    document = json.loads(out)
    assert document["model"]["initial"]["mean"] == "mu"
    loss = next(r for r in document["results"] if r["name"] == "loss")
    assert "mu" in loss["sympy"]
    assert loss["sympy"] == str(derive(Model.with_mean()).loss)


def test_latex_labels_every_result(capsys):
    code, out, _ = run_cli(capsys, "derive", "--format", "latex")
    assert code == 0
    for name in derive().names():
        assert f"\\label{{eq:{name}}}" in out
    assert out.count("\\begin{equation}") == out.count("\\end{equation}") == len(derive())


def test_text_lists_every_result(capsys):
    code, out, _ = run_cli(capsys, "derive")
    assert code == 0
    for result in derive():
        assert f"{result.name}: {result.description}" in out


def test_output_is_deterministic(capsys):
    first = run_cli(capsys, "derive", "--format", "json")[1]
    second = run_cli(capsys, "derive", "--format", "json")[1]
    assert first == second


@pytest.mark.parametrize(
    "argv",
    [
        ["derive", "--format", "yaml"],
        ["derive", "--bogus"],
        ["nonsense"],
        [],
    ],
)
def test_bad_arguments_exit_2_with_one_line(capsys, argv):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_console_entry_point_runs_as_a_process():
    done = subprocess.run(
        [sys.executable, "-m", "proofs", "derive", "--format", "yaml"], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_negative_lists_and_ranges_are_values_not_options():
    from proofs.cli import _attach_negative_values

    argv = ["experiment", "--a0", "-1,0,2", "--a0-range", "-3:1:5", "--t", "2", "--eta", "-.5", "--out", "x"]
    assert _attach_negative_values(argv) == [
        "experiment",
        "--a0=-1,0,2",
        "--a0-range=-3:1:5",
        "--t",
        "2",
        "--eta=-.5",
        "--out",
        "x",
    ]
    assert _attach_negative_values(["derive", "--format", "json"]) == ["derive", "--format", "json"]


def test_the_console_script_entry_point_runs_in_a_bare_interpreter():
    # The entry point `simplest-node = proofs.cli:main` is called with nothing preloaded
    # (python -m preloads importlib.util through runpy; -c and the console script do not).
    # -S: no site module, so no .pth file (an editable install's finder) preloads anything either.
    code = "import sys; from proofs.cli import main; sys.exit(main(['derive', '--format', 'json']))"
    path = os.pathsep.join([str(ROOT), *site.getsitepackages()])
    env = {**os.environ, "PYTHONPATH": path}
    done = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"]
