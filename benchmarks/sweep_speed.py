"""Benchmark: 10^4 runs x 1000 steps of vc and of gd, vectorised, against a per-run pure-Python loop
and against PyTorch autograd (where torch is importable). Prints ratios measured in one run.

The pure-Python loop evaluates the same derived expressions (lambdified with the `math` module) one run
at a time; it is timed on a subset of runs and scaled linearly to 10^4 (each run costs the same).
The PyTorch version is written the way a user would: the loss as a tensor expression over all runs,
`loss.sum().backward()` for the gradient each step (the variance correction from the same tensors).

    python benchmarks/sweep_speed.py [--runs 10000] [--steps 1000] [--subset 200]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import sympy as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import derive  # noqa: E402
from analysis.symbols import a, a_star, eta, sigma, t  # noqa: E402
from numerics.optimizers import OPTIMIZERS, run  # noqa: E402

A_STAR, T, SIGMA = 1.0, 1.0, 1.0
ETA = {"gd": 0.05, "vc": 0.05}
TOL = 1e-300
"""Tiny, so no run stops early: every run does the full step budget (a like-for-like comparison)."""


def _vectorised(name, a0, steps):
    start = time.perf_counter()
    run(OPTIMIZERS[name], a0, a_star=A_STAR, t=T, sigma=SIGMA, eta=ETA[name], steps=steps, tol=TOL, history=False)
    return time.perf_counter() - start


def _python_loop(name, a0, steps):
    d = derive()
    args = (a, a_star, t, sigma, eta)
    loss = sp.lambdify(args, d.loss, "math")
    step = sp.lambdify(args, -eta * d.gradient if name == "gd" else d.vc_step, "math")
    start = time.perf_counter()
    for value in a0:
        x = float(value)
        for _ in range(steps):
            x = x + step(x, A_STAR, T, SIGMA, ETA[name])
            current = loss(x, A_STAR, T, SIGMA, ETA[name])
            if not math.isfinite(current):
                break
    return time.perf_counter() - start


def _torch(name, a0, steps):
    import torch

    torch.set_num_threads(1)
    x = torch.tensor(a0, dtype=torch.float64, requires_grad=True)
    a_true = torch.tensor(A_STAR, dtype=torch.float64)
    start = time.perf_counter()
    for _ in range(steps):
        loss = SIGMA**2 / 2 * (torch.exp(x * T) - torch.exp(a_true * T)) ** 2
        (grad,) = torch.autograd.grad(loss.sum(), x)
        with torch.no_grad():
            if name == "gd":
                x -= ETA[name] * grad
            else:
                x -= ETA[name] * grad / (T**2 * SIGMA**2 * torch.exp(2 * x * T))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--subset", type=int, default=200)
    args = parser.parse_args()
    a0 = np.linspace(-1.0, 2.0, args.runs)
    run(OPTIMIZERS["gd"], a0[:10], steps=2)  # compile once, outside the timings
    try:
        import torch  # noqa: F401

        have_torch = True
    except ImportError:
        have_torch = False
    print(f"{args.runs} runs x {args.steps} steps (pure Python timed on {args.subset} runs, scaled)")
    for name in ("vc", "gd"):
        fast = _vectorised(name, a0, args.steps)
        sub = a0[:: max(1, args.runs // args.subset)][: args.subset]
        slow = _python_loop(name, sub, args.steps) * args.runs / len(sub)
        line = f"{name}: vectorised {fast:.2f} s, pure Python {slow:.1f} s -> {slow / fast:.1f}x (target >= 30x)"
        if have_torch:
            torch_time = _torch(name, a0, args.steps)
            line += f"; torch autograd {torch_time:.2f} s -> {torch_time / fast:.2f}x (goal > 1)"
        else:
            line += "; torch not importable: skipped"
        print(line, flush=True)


if __name__ == "__main__":
    main()
