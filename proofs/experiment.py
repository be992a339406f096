"""The paper's experiment: every optimiser from several a_0, recorded, and a (a_0, eta) sweep.

Defaults (chosen to reproduce the paper's comparison on its model): a* = 1, t = 1, sigma = 1,
eta = 0.1, a_0 in {-2, -1, 0, 0.5, 1.5, 2, 2.5} (below and above a*, on both sides of the concavity
threshold a* - ln 2 / t), 1000 steps, minibatches of 32, seed 0, relative tolerance 1e-8
(Loss(a_k) <= 1e-8 Loss(a_0), together with the absolute |a_k - a*| t <= FLOW_TOL of
`numerics.optimizers`), every optimiser of the table (vc-log only with eta < 1, where its step is
defined for every a). Unless given, the heat-map sweep is derived from these: a_0 over
`HEATMAP_POINTS` points centred on a* spanning the chosen a_0 (clipped to the representable range
above a*), and eta over `HEATMAP_ETA_FACTORS` times eta (only those <= 1 when vc-log runs); for the
defaults that is 11 points of [-2, 4] and {0.02, 0.05, 0.1, 0.2, 0.5}.

Sizes are capped (`MAX_A0`, `MAX_STEPS`, `MAX_HISTORY`) so that a typo cannot hang the machine or
allocate the histories beyond memory; larger studies go through `numerics.sweep`, which keeps no history.

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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from numerics.optimizers import OPTIMIZERS, VCLog, a_bound, representability_error
from numerics.optimizers import run as run_optimizer
from numerics.sweep import Grid, SweepResult, sweep
from proofs.files import atomic_write

__all__ = [
    "ExperimentConfig",
    "ExperimentResult",
    "run_experiment",
    "run",
    "runs_csv_text",
    "write_runs_csv",
    "CSV_COLUMNS",
    "default_optimizers",
    "MAX_A0",
    "MAX_STEPS",
    "MAX_HISTORY",
    "HEATMAP_POINTS",
    "HEATMAP_ETA_FACTORS",
]

MAX_A0 = 10_000
"""Initial values per optimiser with full histories: more is a sweep (`numerics.sweep`), and no figure
or summary table shows them apart."""
MAX_STEPS = 1_000_000
"""Step budget cap: the slowest rule of the table (gd far below a*) needs ~1e4 steps at the defaults;
1e6 leaves room for eta a hundred times smaller and still ends within minutes per run."""
MAX_HISTORY = 5_000_000
"""Cap on len(a0) * (steps + 1): the histories (a, loss, ratio as float64) then take at most 120 MB per
optimiser and runs.csv stays within a few hundred MB."""
MAX_BATCH_SAMPLES = 10_000_000
"""Cap on batch times the runs drawn at once (the a_0 values, or the heat map's a_0 x eta grid): one step's x0
draw and its per-sample gradient temporaries then stay within a few hundred MB."""
HEATMAP_POINTS = 11
"""a_0 points of the heat map: odd, so that a* itself is one (marked in the figure)."""
HEATMAP_ETA_FACTORS = (0.2, 0.5, 1.0, 2.0, 5.0)
"""eta values of the heat map as multiples of the configured eta (the paper's 0.02 ... 0.5 at eta = 0.1)."""

CSV_COLUMNS = ("optimizer", "a0", "step", "a", "loss", "ratio", "status", "steps_to_tol")
BATCHED = ("sgd", "adam", "vc-minibatch")
"""Optimisers whose minibatch size is the experiment's `batch`."""


def default_optimizers(eta: float = 0.1) -> tuple[str, ...]:
    """Every optimiser of the table whose derived results exist (vc-log once vc_log_step is derived),
    without vc-log when eta >= 1 (its step log1p(eta (z - 1))/t is undefined for small z when eta > 1,
    and at eta = 1 it jumps to a* in one step: nothing to compare)."""
    return tuple(name for name in OPTIMIZERS if name != "vc-log" or (VCLog.available() and eta < 1))


def heatmap_a0(a0, a_star: float, t: float, sigma: float) -> tuple[float, ...]:
    """`HEATMAP_POINTS` values centred on a*, spanning every a_0 (width 1/t when a_0 = a*), the upper end
    clipped to the largest representable a_0 (never below max(a0), which is representable)."""
    half = max(abs(v - a_star) for v in a0) or 1.0 / t
    upper = min(a_star + half, max(max(a0), np.nextafter(float(a_bound(t, sigma)), -np.inf) - 1.0 / t))
    lower = a_star - half
    values = np.concatenate([np.linspace(lower, a_star, HEATMAP_POINTS // 2 + 1),
                             np.linspace(a_star, upper, HEATMAP_POINTS // 2 + 1)[1:]])
    return tuple(float(v) for v in values)


def heatmap_eta(eta: float, optimizers) -> tuple[float, ...]:
    """`HEATMAP_ETA_FACTORS` times eta; only the values <= 1 when vc-log runs (eta itself is one of them)."""
    values = tuple(float(f"{f * eta:.12g}") for f in HEATMAP_ETA_FACTORS)  # 0.02, not 0.020000000000000004
    return tuple(v for v in values if v <= 1) if "vc-log" in optimizers else values


def _positive(name, value):
    if not (isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0")


@dataclass(frozen=True)
class ExperimentConfig:
    """What to run; every field is checked on construction (ValueError naming it)."""

    optimizers: tuple[str, ...] | None = None
    a0: tuple[float, ...] = (-2.0, -1.0, 0.0, 0.5, 1.5, 2.0, 2.5)
    a_star: float = 1.0
    t: float = 1.0
    sigma: float = 1.0
    eta: float = 0.1
    steps: int = 1000
    batch: int = 32
    seed: int = 0
    tol: float = 1e-8
    heatmap_a0: tuple[float, ...] | None = None
    heatmap_eta: tuple[float, ...] | None = None

    def __post_init__(self):
        for name in ("t", "sigma", "eta", "tol"):
            _positive(name, getattr(self, name))
        optimizers = default_optimizers(self.eta) if self.optimizers is None else tuple(self.optimizers)
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
        if not (isinstance(self.a_star, int | float) and np.isfinite(self.a_star)):
            raise ValueError("a_star must be finite")
        self._tuple("a0")
        if len(self.a0) > MAX_A0:
            raise ValueError(f"a0 has {len(self.a0)} values; at most MAX_A0 = {MAX_A0} (use numerics.sweep for more)")
        for name, low in (("steps", 1), ("batch", 1), ("seed", 0)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}")
        if self.steps > MAX_STEPS:
            raise ValueError(f"steps must be <= MAX_STEPS = {MAX_STEPS}")
        if len(self.a0) * (self.steps + 1) > MAX_HISTORY:
            raise ValueError(f"steps: {len(self.a0)} a0 values x {self.steps + 1} steps exceed the history cap "
                             f"MAX_HISTORY = {MAX_HISTORY}; fewer steps or fewer a0")
        error = representability_error(self.a0, self.a_star, self.t, self.sigma)
        if error is not None:
            raise ValueError(error)
        if self.heatmap_a0 is None:
            object.__setattr__(self, "heatmap_a0", heatmap_a0(self.a0, self.a_star, self.t, self.sigma))
        if self.heatmap_eta is None:
            object.__setattr__(self, "heatmap_eta", heatmap_eta(self.eta, optimizers))
        for name in ("heatmap_a0", "heatmap_eta"):
            self._tuple(name)
        error = representability_error(self.heatmap_a0, self.a_star, self.t, self.sigma)
        if error is not None:
            raise ValueError("heatmap_" + error)
        if min(self.heatmap_eta) <= 0:
            raise ValueError("heatmap_eta must be > 0")
        runs = max(len(self.a0), len(self.heatmap_a0) * len(self.heatmap_eta))
        if any(name in BATCHED for name in optimizers) and self.batch * runs > MAX_BATCH_SAMPLES:
            raise ValueError(f"batch: {self.batch} samples x {runs} runs drawn at once exceed MAX_BATCH_SAMPLES = "
                             f"{MAX_BATCH_SAMPLES}; a smaller batch or fewer a0")
        if self.tol >= 1:
            raise ValueError("tol must be < 1 (a relative loss reduction)")
        if "vc-log" in optimizers and max(self.eta, *self.heatmap_eta) > 1:
            raise ValueError("eta must be <= 1 with vc-log")

    def _tuple(self, name: str) -> None:
        """Store the field `name` as a non-empty tuple of finite floats (ValueError naming it)."""
        try:
            values = tuple(float(v) for v in getattr(self, name))
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a sequence of numbers") from None
        if not values:
            raise ValueError(f"{name} must not be empty")
        if not all(np.isfinite(values)):
            raise ValueError(f"{name} must be finite")
        object.__setattr__(self, name, values)

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


def write_runs_csv(result: ExperimentResult, path) -> Path:
    """Write runs.csv atomically (temporary file in the same directory, then os.replace)."""
    return atomic_write(Path(path), runs_csv_text(result))
