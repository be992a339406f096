"""The paper's experiment: every optimiser from several a_0, recorded, and a (a_0, eta) sweep.

Defaults (chosen to reproduce the paper's comparison on its model): a* = 1, t = 1, sigma = 1,
eta = 0.1, a_0 in {-2, -1, 0, 0.5, 1.5, 2, 2.5} (below and above a*, on both sides of the concavity
threshold a* - ln 2 / t), 1000 steps, minibatches of 32, seed 0, relative tolerance 1e-8
(Loss(a_k) <= 1e-8 Loss(a_0)). The heat-map sweep runs a_0 over 11 points of [-2, 3] and eta over
{0.02, 0.05, 0.1, 0.2, 0.5}.

`runs.csv` is in long format, one row per (optimizer, a0, step) up to the step where the run stopped:

    optimizer,a0,step,a,loss,ratio,status,steps_to_tol

`ratio` is Loss(a_step)/Loss(a_{step-1}) (empty at step 0); `status` (converged, diverged, overflow,
budget) and `steps_to_tol` (empty unless converged) repeat the run's summary on each of its rows.
Rows are ordered by the configured optimiser order, then a0, then step; numbers are written with
Python's shortest round-trip repr, so the same config and seed give the same bytes.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from numerics.optimizers import OPTIMIZERS, VCLog
from numerics.optimizers import run as run_optimizer
from numerics.sweep import Grid, SweepResult, sweep

__all__ = [
    "ExperimentConfig",
    "ExperimentResult",
    "run_experiment",
    "run",
    "runs_csv_text",
    "write_runs_csv",
    "CSV_COLUMNS",
    "default_optimizers",
]

CSV_COLUMNS = ("optimizer", "a0", "step", "a", "loss", "ratio", "status", "steps_to_tol")
BATCHED = ("sgd", "adam", "vc-minibatch")
"""Optimisers whose minibatch size is the experiment's `batch`."""


def default_optimizers() -> tuple[str, ...]:
    """Every optimiser of the table whose derived results exist (vc-log once vc_log_step is derived)."""
    return tuple(name for name in OPTIMIZERS if name != "vc-log" or VCLog.available())


def _positive(name, value):
    if not (isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0")


@dataclass(frozen=True)
class ExperimentConfig:
    """What to run; every field is checked on construction (ValueError naming it)."""

    optimizers: tuple[str, ...] = field(default_factory=default_optimizers)
    a0: tuple[float, ...] = (-2.0, -1.0, 0.0, 0.5, 1.5, 2.0, 2.5)
    a_star: float = 1.0
    t: float = 1.0
    sigma: float = 1.0
    eta: float = 0.1
    steps: int = 1000
    batch: int = 32
    seed: int = 0
    tol: float = 1e-8
    heatmap_a0: tuple[float, ...] = tuple(np.linspace(-2.0, 3.0, 11).tolist())
    heatmap_eta: tuple[float, ...] = (0.02, 0.05, 0.1, 0.2, 0.5)

    def __post_init__(self):
        optimizers = tuple(self.optimizers)
        if not optimizers:
            raise ValueError("optimizers must name at least one optimiser")
        unknown = [n for n in optimizers if n not in OPTIMIZERS]
        if unknown:
            raise ValueError(f"optimizers: unknown {', '.join(unknown)} (known: {', '.join(OPTIMIZERS)})")
        if len(set(optimizers)) != len(optimizers):
            raise ValueError("optimizers must not repeat a name")
        if "vc-log" in optimizers and not VCLog.available():
            raise ValueError("optimizers: vc-log needs the derived result vc_log_step, not in derive() yet")
        object.__setattr__(self, "optimizers", optimizers)
        for name in ("a0", "heatmap_a0", "heatmap_eta"):
            values = tuple(float(v) for v in getattr(self, name))
            if not values:
                raise ValueError(f"{name} must not be empty")
            if not all(np.isfinite(values)):
                raise ValueError(f"{name} must be finite")
            object.__setattr__(self, name, values)
        if not np.isfinite(self.a_star):
            raise ValueError("a_star must be finite")
        for name in ("t", "sigma", "eta", "tol"):
            _positive(name, getattr(self, name))
        if min(self.heatmap_eta) <= 0:
            raise ValueError("heatmap_eta must be > 0")
        if self.tol >= 1:
            raise ValueError("tol must be < 1 (a relative loss reduction)")
        for name, low in (("steps", 1), ("batch", 1), ("seed", 0)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}")
        if "vc-log" in optimizers and max(self.eta, *self.heatmap_eta) > 1:
            raise ValueError("eta must be <= 1 with vc-log")

    def optimizer(self, name: str):
        """The table's optimiser `name`, with the experiment's batch size where it uses one."""
        opt = OPTIMIZERS[name]
        return dataclasses.replace(opt, batch=self.batch) if name in BATCHED else opt


@dataclass(frozen=True)
class ExperimentResult:
    """The recorded runs per optimiser (in config order) and the (a_0, eta) sweep."""

    config: ExperimentConfig
    runs: tuple[tuple[str, object], ...]
    sweep: SweepResult

    def __post_init__(self):
        if tuple(name for name, _ in self.runs) != self.config.optimizers:
            raise ValueError("runs must follow the configured optimisers")

    def run_of(self, name: str):
        return dict(self.runs)[name]


def run_experiment(config: ExperimentConfig, progress=None, executor=None) -> ExperimentResult:
    """Run every optimiser from every a_0 with histories, then the heat-map sweep without them.

    `progress(done, total)` is called after each unit of work.
    """
    if not isinstance(config, ExperimentConfig):
        raise ValueError("config must be an ExperimentConfig")
    names = config.optimizers
    grid = Grid(
        a0=config.heatmap_a0,
        eta=config.heatmap_eta,
        t=(config.t,),
        sigma=(config.sigma,),
        optimizers=tuple((n, config.optimizer(n)) for n in names),
        a_star=config.a_star,
        steps=config.steps,
        tol=config.tol,
        seed=config.seed,
    )
    chunks = len(names) * -(-int(np.prod(grid.shape[1:])) // grid.chunk_size)
    total = len(names) + chunks
    runs = []
    for k, name in enumerate(names):
        r = run_optimizer(config.optimizer(name), config.a0, a_star=config.a_star, t=config.t, sigma=config.sigma,
                eta=config.eta, steps=config.steps, tol=config.tol, seed=(config.seed, k))
        runs.append((name, r))
        if progress is not None:
            progress(k + 1, total)
    inner = None if progress is None else (lambda done, _: progress(len(names) + done, total))
    return ExperimentResult(config, tuple(runs), sweep(grid, executor=executor, progress=inner))


run = run_experiment  # the name: run(config) -> ExperimentResult


def _number(x: float) -> str:
    return repr(float(x))


def runs_csv_text(result: ExperimentResult) -> str:
    """The CSV text of `write_runs_csv` (long format, see the module docstring)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for name, r in result.runs:
        for i, a0 in enumerate(r.a0):
            status = str(r.status[i])
            to_tol = str(int(r.steps_to_tol[i])) if status == "converged" else ""
            for step in range(int(r.stop[i]) + 1):
                ratio = "" if step == 0 else _number(r.ratio[i, step - 1])
                writer.writerow([name, _number(a0), step, _number(r.a[i, step]), _number(r.loss[i, step]), ratio,
                                 status, to_tol])
    return buffer.getvalue()


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_runs_csv(result: ExperimentResult, path) -> Path:
    """Write runs.csv atomically (temporary file in the same directory, then os.replace)."""
    path = Path(path)
    _atomic_write(path, runs_csv_text(result).encode("utf-8"))
    return path
