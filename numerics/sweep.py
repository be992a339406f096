"""A grid a_0 x eta x t x sigma x optimiser, run as arrays in chunks, on any `concurrent.futures.Executor`.

Each optimiser's grid is flattened to one array of runs and cut into chunks of `chunk_size` runs; a
chunk is one vectorised `numerics.optimizers.run`. Chunks go to `executor.submit` (default: run
in-process, one after the other). Minibatch samples are seeded by (seed, optimiser index, chunk index),
so the numbers depend on the grid, the seed and the chunk size, never on the executor.

To go past one machine, pass a dask.distributed executor (dask is not a dependency)::

    from dask.distributed import Client
    result = sweep(grid, executor=Client("scheduler:8786").get_executor())

>>> from numerics.optimizers import OPTIMIZERS
>>> grid = Grid(a0=(0.0, 2.0), eta=(0.1,), optimizers=(("vc", OPTIMIZERS["vc"]),), steps=300, tol=1e-6)
>>> sweep(grid).steps_to_tol.shape
(1, 2, 1, 1, 1)
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np

from numerics.optimizers import run

__all__ = ["Grid", "SweepResult", "sweep"]


def _floats(name: str, values) -> tuple[float, ...]:
    try:
        out = tuple(float(v) for v in np.atleast_1d(np.asarray(values, dtype=float)).reshape(-1))
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a sequence of real numbers") from None
    if not out:
        raise ValueError(f"{name} must not be empty")
    if not all(np.isfinite(out)):
        raise ValueError(f"{name} must be finite")
    return out


@dataclass(frozen=True)
class Grid:
    """The runs of a sweep: every combination of a_0, eta, t, sigma for each (label, optimiser)."""

    a0: tuple[float, ...]
    eta: tuple[float, ...] = (0.1,)
    t: tuple[float, ...] = (1.0,)
    sigma: tuple[float, ...] = (1.0,)
    optimizers: tuple[tuple[str, object], ...] = ()
    a_star: float = 1.0
    steps: int = 1000
    tol: float = 1e-8
    seed: int = 0
    chunk_size: int = 4096

    def __post_init__(self):
        for name in ("a0", "eta", "t", "sigma"):
            object.__setattr__(self, name, _floats(name, getattr(self, name)))
        for name in ("eta", "t", "sigma"):
            if min(getattr(self, name)) <= 0:
                raise ValueError(f"{name} must be > 0")
        if not self.optimizers:
            raise ValueError("optimizers must name at least one optimiser")
        object.__setattr__(self, "optimizers", tuple((str(k), v) for k, v in self.optimizers))
        if not np.isfinite(self.a_star):
            raise ValueError("a_star must be finite")
        if not isinstance(self.chunk_size, int) or self.chunk_size < 1:
            raise ValueError("chunk_size must be a positive integer")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError("seed must be a non-negative integer")

    @property
    def shape(self) -> tuple[int, ...]:
        """(optimisers, a_0, eta, t, sigma)."""
        return (len(self.optimizers), len(self.a0), len(self.eta), len(self.t), len(self.sigma))

    def runs(self) -> tuple[np.ndarray, ...]:
        """a_0, eta, t, sigma flattened over one optimiser's grid (C order)."""
        mesh = np.meshgrid(self.a0, self.eta, self.t, self.sigma, indexing="ij")
        return tuple(m.reshape(-1) for m in mesh)


@dataclass(frozen=True)
class SweepResult:
    """Per-run summaries, each of shape `grid.shape`; steps_to_tol is -1 where the run did not converge."""

    grid: Grid
    status: np.ndarray
    steps_to_tol: np.ndarray
    final_a: np.ndarray
    final_loss: np.ndarray

    def __post_init__(self):
        for name in ("status", "steps_to_tol", "final_a", "final_loss"):
            if getattr(self, name).shape != self.grid.shape:
                raise ValueError(f"{name} must have the grid's shape {self.grid.shape}")


def _run_chunk(optimizer, a0, eta, t, sigma, a_star, steps, tol, seed):
    """One chunk of runs, summarised (module level so that process pools can pickle it)."""
    r = run(optimizer, a0, a_star=a_star, t=t, sigma=sigma, eta=eta, steps=steps, tol=tol, seed=seed, history=False)
    return r.status, r.steps_to_tol, r.final_a, r.final_loss


class _InProcess:
    """submit() that runs at once: the default executor."""

    @staticmethod
    def submit(fn: Callable, *args):
        class _Done:
            def __init__(self, value):
                self._value = value

            def result(self):
                return self._value

        return _Done(fn(*args))


def sweep(grid: Grid, executor: Executor | None = None, progress: Callable[[int, int], None] | None = None):
    """Run every optimiser over the grid in chunks; `progress(done, total)` is called after each chunk."""
    if not isinstance(grid, Grid):
        raise ValueError("grid must be a numerics.sweep.Grid")
    pool = executor if executor is not None else _InProcess()
    a0, eta, t, sigma = grid.runs()
    n = a0.size
    starts = range(0, n, grid.chunk_size)
    futures = []
    for k, (_, optimizer) in enumerate(grid.optimizers):
        for c, start in enumerate(starts):
            part = slice(start, start + grid.chunk_size)
            args = (optimizer, a0[part], eta[part], t[part], sigma[part], grid.a_star, grid.steps, grid.tol)
            futures.append(pool.submit(_run_chunk, *args, (grid.seed, k, c)))
    outputs = []
    for i, future in enumerate(futures):
        outputs.append(future.result())
        if progress is not None:
            progress(i + 1, len(futures))
    fields = [np.concatenate([out[j] for out in outputs]).reshape(grid.shape) for j in range(4)]
    return SweepResult(grid, fields[0].astype(str), *fields[1:])
