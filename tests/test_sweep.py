"""Sweeps: shapes, agreement with single runs, and the executor path equal to the in-process one."""

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

from numerics.optimizers import OPTIMIZERS, run
from numerics.sweep import Grid, sweep

GRID = Grid(
    a0=(-1.0, 0.5, 2.0),
    eta=(0.05, 0.2),
    t=(0.5, 1.0),
    sigma=(1.0,),
    optimizers=(("gd", OPTIMIZERS["gd"]), ("sgd", OPTIMIZERS["sgd"]), ("vc", OPTIMIZERS["vc"])),
    steps=300,
    tol=1e-6,
    seed=5,
    chunk_size=5,
)


def _assert_same(x, y):
    np.testing.assert_array_equal(x.status, y.status)
    np.testing.assert_array_equal(x.steps_to_tol, y.steps_to_tol)
    np.testing.assert_array_equal(x.final_a, y.final_a)
    np.testing.assert_array_equal(x.final_loss, y.final_loss)


def test_sweep_equals_one_run_per_grid_point():
    result = sweep(GRID)
    assert result.status.shape == GRID.shape == (3, 3, 2, 2, 1)
    for o, i, j, k in [(0, 0, 1, 1), (2, 2, 0, 0), (0, 1, 0, 1), (2, 0, 1, 0)]:
        r = run(GRID.optimizers[o][1], GRID.a0[i], eta=GRID.eta[j], t=GRID.t[k], steps=GRID.steps, tol=GRID.tol)
        assert result.status[o, i, j, k, 0] == r.status[0]
        assert result.steps_to_tol[o, i, j, k, 0] == r.steps_to_tol[0]
        assert result.final_a[o, i, j, k, 0] == r.final_a[0]


def test_process_pool_gives_identical_numbers():
    with ProcessPoolExecutor(max_workers=2) as pool:
        _assert_same(sweep(GRID, executor=pool), sweep(GRID))


def test_thread_pool_and_progress():
    calls = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        result = sweep(GRID, executor=pool, progress=lambda done, total: calls.append((done, total)))
    _assert_same(result, sweep(GRID))
    assert calls[-1][0] == calls[-1][1] == len(calls)


def test_vc_steps_do_not_depend_on_the_initialisation_above_the_optimum():
    grid = Grid(a0=(1.5, 2.0, 3.0), eta=(0.1,), optimizers=(("vc", OPTIMIZERS["vc"]),), steps=400, tol=1e-8)
    steps = sweep(grid).steps_to_tol.reshape(-1)
    assert np.ptp(steps) <= 2  # one or two steps of transient, then the same linear rate


@pytest.mark.parametrize("bad, name", [({"a0": ()}, "a0"), ({"eta": (0.0,)}, "eta"), ({"t": (-1.0,)}, "t"),
                                       ({"optimizers": ()}, "optimizers"), ({"chunk_size": 0}, "chunk_size")])
def test_bad_grid_names_the_parameter(bad, name):
    args = {"a0": (0.0,), "optimizers": (("gd", OPTIMIZERS["gd"]),)} | bad
    with pytest.raises(ValueError, match=name):
        Grid(**args)
