"""The experiment API and the `simplest-node experiment` command: files promised, bytes stable, exit codes."""

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from numerics.optimizers import VCLog
from proofs.cli import main
from proofs.experiment import CSV_COLUMNS, ExperimentConfig, run, write_runs_csv

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"optimizers": ("gd", "vc", "sgd"), "a0": (0.0, 2.0), "steps": 60, "heatmap_a0": (0.0, 2.0),
         "heatmap_eta": (0.1,)}


def test_default_config_compares_initialisations_on_both_sides_of_the_optimum():
    config = ExperimentConfig()
    assert min(config.a0) < config.a_star < max(config.a0)
    assert {"gd", "sgd", "adam", "newton", "vc"} <= set(config.optimizers)


@pytest.mark.parametrize("field, value", [("eta", 0.0), ("t", -1.0), ("batch", 0), ("a0", ()), ("steps", 0),
                                          ("optimizers", ("gd", "bogus")), ("tol", 1.0), ("sigma", float("nan"))])
def test_config_validation_names_the_parameter(field, value):
    with pytest.raises(ValueError, match=field):
        ExperimentConfig(**{field: value})


def test_runs_csv_is_long_format_and_deterministic(tmp_path):
    config = ExperimentConfig(**SMALL)
    first = write_runs_csv(run(config), tmp_path / "a" / "runs.csv").read_bytes()
    second = write_runs_csv(run(config), tmp_path / "b" / "runs.csv").read_bytes()
    assert first == second
    rows = list(csv.DictReader(first.decode().splitlines()))
    assert tuple(rows[0]) == CSV_COLUMNS
    result = run(config)
    for name, r in result.runs:
        for i, a0 in enumerate(r.a0):
            mine = [row for row in rows if row["optimizer"] == name and float(row["a0"]) == a0]
            assert [int(row["step"]) for row in mine] == list(range(int(r.stop[i]) + 1))
            assert {row["status"] for row in mine} == {str(r.status[i])}
            np.testing.assert_array_equal([float(row["loss"]) for row in mine], r.loss[i, : r.stop[i] + 1])
    assert not list(tmp_path.glob("**/*.tmp"))


def test_cli_writes_the_promised_files_and_summary(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from proofs.figures import FIGURES

    out = tmp_path / "out"
    code = main(["experiment", "--optimizers", "gd,vc", "--a0", "0,1.5", "--steps", "40", "--out", str(out)])
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(("runs.csv", *FIGURES))
    for name in FIGURES:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["optimizer", "a0", "steps", "to", "tol"]
    assert [line.split()[0] for line in lines[1:5]] == ["gd", "gd", "vc", "vc"]


@pytest.mark.parametrize(
    "argv",
    [
        ["--eta", "0"],
        ["--t", "-1"],
        ["--batch", "0"],
        ["--a0-range", "3:1:4"],
        ["--a0-range", "1:2:0"],
        ["--a0", "x"],
        ["--optimizers", "gd,nope"],
        ["--steps", "0"],
        ["--tol", "2"],
        ["--a0", "1", "--a0-range", "0:1:2"],
        ["--a0", "500"],
        ["--sigma", "1e200"],
        ["--a-star", "400"],
        ["--t", "500"],
        ["--a0-range", "0:1:100000000"],
        ["--steps", "100000000"],
        ["--a0-range", "0:1:5000", "--steps", "5000"],
        ["--batch", "1000000000"],
        ["--sigma", "1e-300"],
    ],
)
def test_bad_arguments_exit_2_with_one_line_before_any_work(argv, tmp_path, capsys):
    out = tmp_path / "never"
    assert main(["experiment", *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("simplest-node: error:")
    assert not out.exists()


def test_subprocess_exit_code_and_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "proofs", "experiment", "--sigma", "0", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "--sigma" in proc.stderr


@pytest.mark.parametrize("argv, option", [(["--a0", "500"], "--a0"), (["--sigma", "1e200"], "--sigma"),
                                          (["--a-star", "400"], "--a-star"), (["--t", "500"], "--t")])
def test_float64_range_errors_name_the_option_that_causes_them(argv, option, tmp_path, capsys):
    assert main(["experiment", *argv, "--out", str(tmp_path / "never")]) == 2
    head = re.split(r" must |:| = ", capsys.readouterr().err.split("error: ", 1)[1])[0]  # the options it names
    assert option in head.split(" and ")


def _unusable_outs(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    outs = [afile, afile / "sub"]
    if Path("/proc/self").is_dir():
        outs.append(Path("/proc/simplest-node-experiment"))
    return outs


def test_unusable_out_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    import proofs.experiment

    def never(*args, **kwargs):
        raise AssertionError("the experiment ran before --out was checked")

    monkeypatch.setattr(proofs.experiment, "run_experiment", never)
    for out in _unusable_outs(tmp_path):
        assert main(["experiment", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "--out" in err


def test_user_arguments_shape_the_heat_map():
    """Centred on a*, spanning the chosen a_0, eta around --eta: --t 120 --a0 0.5,1.5 is representable."""
    config = ExperimentConfig(t=120.0, a0=(0.5, 1.5), eta=0.3)
    assert config.heatmap_a0[len(config.heatmap_a0) // 2] == config.a_star
    assert min(config.heatmap_a0) == 0.5 and max(config.heatmap_a0) == 1.5
    assert config.eta in config.heatmap_eta and len(config.heatmap_eta) > 1


def test_cli_with_large_t_runs(tmp_path, capsys):
    out = tmp_path / "o"
    argv = ["experiment", "--optimizers", "gd,vc", "--t", "120", "--a0", "0.5,1.5", "--steps", "20", "--out", str(out)]
    assert main(argv) == 0
    assert (out / "runs.csv").is_file()


def test_written_files_get_the_usual_permissions(tmp_path):
    mask = os.umask(0)
    os.umask(mask)
    path = write_runs_csv(run(ExperimentConfig(**SMALL)), tmp_path / "runs.csv")
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


@pytest.mark.skipif(not VCLog.available(), reason="vc_log_step not derived")
def test_vc_log_is_left_out_of_the_defaults_at_large_eta_but_refused_when_asked(tmp_path, capsys):
    config = ExperimentConfig(eta=1.5)
    assert "vc-log" not in config.optimizers and "vc" in config.optimizers
    assert "vc-log" in ExperimentConfig(eta=0.5).optimizers
    out = tmp_path / "o"
    assert main(["experiment", "--eta", "1.5", "--a0", "0.5", "--steps", "5", "--out", str(out)]) == 0
    assert "vc-log left out" in capsys.readouterr().err
    assert main(["experiment", "--eta", "1.5", "--optimizers", "vc-log", "--out", str(out)]) == 2
    assert "--eta" in capsys.readouterr().err
