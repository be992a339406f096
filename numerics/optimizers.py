"""Optimisers of the fit over a batch of independent runs, and a runner that records them.

An optimiser is a frozen dataclass with two pure methods, in the manner of optax:

    state = opt.init(a0, problem)
    a_next, state = opt.update(a, state, problem, x0)

`a` and every array of `problem` (a*, t, sigma, eta) have one entry per run (shape (n,));
`x0` is the minibatch, shape (n, batch), or None for optimisers with `batch is None`, which use
the expected loss. `state` is a tuple of arrays of shape (n,), so a runner may keep only the
active runs by indexing every array alike. Every gradient, Hessian, curvature and step is a
function generated from the derivations (`numerics.compile(analysis.derive())`); minibatch
estimates are sample means of the derived per-sample results (`sample_gradient`, ...).

`run` iterates an optimiser from a_0 and stops each run with a status:

- ``converged``: Loss(a_k) <= tol * Loss(a_0) (a relative tolerance: by Theorem 1 the
  variance-corrected rule then needs the same number of steps from every a_0) and also
  |a_k - a*| t <= `FLOW_TOL` (an absolute one: the fitted flow e^{a_k t} within 0.1% of the
  true one). From a_0 within about ln(1 + FLOW_TOL/sqrt(tol))/t of a* (a* + 2.4/t at the default
  tol 1e-8, so every a_0 of the paper's comparison) the relative criterion is the stricter one
  and the equal step counts stay visible; far above a*, where a relative drop of the loss
  ~ e^{2 a t} says little (vc from a_0 = 200 drops the loss by 1e-8 by a = 190), the absolute one decides;
- ``diverged``: the step was undefined (nan), or the loss rose in each of the last
  `DIVERGENCE_PATIENCE` steps and exceeds Loss(a_0);
- ``overflow``: a_{k+1} or its loss and derivatives leave the float64 range;
- ``budget``: `steps` steps done without any of the above.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import ClassVar

import mpmath
import numpy as np

from numerics.domain import check

__all__ = [
    "Problem",
    "GD",
    "SGD",
    "Adam",
    "Newton",
    "VC",
    "GaussNewtonLM",
    "VCLog",
    "OPTIMIZERS",
    "Run",
    "run",
    "STATUSES",
    "DIVERGENCE_PATIENCE",
    "HEADROOM",
    "FLOW_TOL",
    "a_bound",
    "representability_error",
    "sample_x0",
    "derived",
]

STATUSES = ("converged", "diverged", "overflow", "budget")

DIVERGENCE_PATIENCE = 20
"""Consecutive loss increases (with the loss above Loss(a_0)) that count as divergence: longer
than Adam's momentum memory 1/(1 - beta1) = 10 steps, so an overshoot that turns back is not one."""

HEADROOM = 30.0
"""Room e^30 ~ 1e13 kept below float64's largest exponent for the prefactors (sigma^2, t^2,
x0^2/sigma^2, eta/t) that multiply e^{2 max(a, a*) t} in the loss, gradient and Hessian."""

FLOW_TOL = 1e-3
"""Absolute part of ``converged``: |a_k - a*| t <= 1e-3, i.e. the fitted flow e^{a_k t} within 0.1% of
e^{a* t}; far above float64 rounding of (a - a*) t (~1e-16 |a| t), far below the scale 1 of the flow."""

_LOG_FLOAT_MAX = float(np.log(np.finfo(float).max))
LOG_BUDGET = _LOG_FLOAT_MAX - HEADROOM
"""ln of the largest value the loss's factors may reach: float64's maximum less `HEADROOM`."""


def log_prefactor(t, sigma):
    """ln of the largest prefactor (sigma^2 t^2) multiplying e^{2 max(a, a*) t} in the loss and its derivatives."""
    return 2 * np.log(np.maximum(sigma, 1.0)) + 2 * np.log(np.maximum(t, 1.0))


def a_bound(t, sigma):
    """The bound on a and a* below which the loss and its derivatives fit in float64 with `HEADROOM`:
    2 max(a, a*) t + ln(sigma^2 t^2) < ln(float max) - HEADROOM. It is <= 0 when the prefactor alone
    uses up the range (`log_prefactor(t, sigma) >= LOG_BUDGET`)."""
    return (LOG_BUDGET - log_prefactor(t, sigma)) / (2 * np.asarray(t, dtype=float))


def representability_error(a0, a_star, t, sigma) -> str | None:
    """None if the loss at every a_0 (and at a*) fits in float64 with `HEADROOM`, else a message that
    names first the parameter that breaks it: sigma or t when their prefactor sigma^2 t^2 alone uses
    up the range, else a_star or a0 (whichever is larger), with t when t > 1 contributes.

    >>> representability_error([500.0], 1.0, 1.0, 1.0).split(" ")[0]
    'a0'
    >>> representability_error([0.0], 1.0, 1.0, 1e200).split(" ")[0]
    'sigma'
    """
    a0 = np.atleast_1d(np.asarray(a0, dtype=float))
    a_star, t, sigma = (float(np.max(v)) for v in (a_star, t, sigma))
    if 2 * np.log(max(sigma, 1.0)) >= LOG_BUDGET:
        return f"sigma must be < e^{LOG_BUDGET / 2:.4g} (sigma^2 times the loss's exponential overflows float64)"
    if log_prefactor(t, sigma) >= LOG_BUDGET:
        return f"t = {t:g} is too large: t^2 sigma^2 alone overflows float64 (sigma = {sigma:g})"
    bound = float(a_bound(t, sigma))
    worst = max(a_star, float(np.max(a0)))
    if worst < bound:
        return _underflow_error(a0, a_star, t, sigma)
    name, symbol = ("a_star", "a*") if a_star >= float(np.max(a0)) else ("a0", "a0")
    overflow = f"e^(2 {symbol} t) would overflow float64"
    if t <= 1 or worst <= 0:
        return f"{name} must be < {bound:.6g} at t = {t:g}, sigma = {sigma:g} ({overflow})"
    return (f"{name} and t: {symbol} = {worst:g} with t = {t:g} is too large ({overflow}); "
            f"need {symbol} < {bound:.6g} at this t, or t < {LOG_BUDGET / (2 * worst):.4g} at this {symbol}")


_FLOAT_TINY = float(np.finfo(float).tiny)
_LOG_FLOAT_TINY = float(np.log(_FLOAT_TINY))


def _underflow_error(a0, a_star, t, sigma) -> str | None:
    """A message naming sigma (or a_star) where the loss at an a_0 farther than FLOW_TOL from a* is below float64's
    smallest normal number: its runs would start with a loss of 0 (or a subnormal) and no ratio to record.
    ln Loss = 2 ln sigma - ln 2 + 2 max(a, a*) t + 2 ln(-expm1(-|a - a*| t))."""
    a_star, t, sigma = (float(np.min(v)) for v in (a_star, t, sigma))
    w = np.abs(a0 - a_star) * t
    far = w > FLOW_TOL
    if not far.any():
        return None
    with np.errstate(divide="ignore"):
        log_loss = (2 * np.log(sigma) - np.log(2) + 2 * np.maximum(a0[far], a_star) * t
                    + 2 * np.log(-np.expm1(-w[far])))
    if float(np.min(log_loss)) > _LOG_FLOAT_TINY:
        return None
    return _underflow_message(float(a0[far][np.argmin(log_loss)]), a_star, t, sigma)


def _underflow_message(a0: float, a_star: float, t: float, sigma: float) -> str:
    name = "sigma" if sigma < 1 else "a_star"
    return (f"{name}: the loss at a0 = {a0:g} (a_star = {a_star:g}, t = {t:g}, sigma = {sigma:g}) underflows"
            " float64; raise sigma or a_star")


_CONVERGED, _DIVERGED, _OVERFLOW, _BUDGET = (STATUSES.index(s) for s in ("converged", "diverged", "overflow", "budget"))
"""Small integer status codes used inside the runner loop (indices into `STATUSES`)."""


@cache
def _compiled():
    from analysis import derive
    from numerics.compiled import compile

    return compile(derive())


def derived(name: str):
    """The compiled function of the derived result `name` (KeyError if it is not derived)."""
    return _compiled()[name]


def _call(name: str, values: dict):
    """Evaluate the derived result `name`, passing it the values of the arguments it takes. The values
    are validated once where they enter (`Problem`, `Problem.values`, `sample_x0`), so the call skips
    the per-call domain check; non-finite results still go to the mpmath fallback."""
    f = derived(name)
    return f.unchecked(*(values[arg] for arg in f.arguments))


def _sample_mean(name: str, a, problem: Problem, x0) -> np.ndarray:
    """The minibatch estimate: the mean over x0 (axis 1) of the per-sample result `name`."""
    values = {k: v[:, None] for k, v in problem.values(a).items()}
    values["x0"] = x0
    return np.mean(_call(name, values), axis=1)


def _full(value, shape) -> np.ndarray:
    """`value` as a writable float64 array of `shape` (no copy when it already is one)."""
    if isinstance(value, np.ndarray) and value.shape == shape and value.dtype == float:
        return value
    return np.array(np.broadcast_to(value, shape), dtype=float)


_FUSED_ARGUMENTS = ("a", "a_star", "t", "sigma", "eta")
"""The fused kernels' arguments, in order."""


@dataclass(frozen=True)
class _Fused:
    """Loss(a) and step(a) of a stateless population optimiser, generated together by lambdify with
    cse=True from the rewritten derived results, so they share their common subexpressions. Entries
    that are not finite in float64 are re-evaluated by `numerics.compiled.high_precision`, as in a
    `CompiledFunction`; the arguments (a, a_star, t, sigma, eta) are float64 arrays of one shape, already validated."""

    kernel: object = field(repr=False)
    fallback: object = field(repr=False)
    source: str = field(repr=False)

    def __call__(self, a, a_star, t, sigma, eta) -> tuple[np.ndarray, np.ndarray]:
        from numerics.compiled import high_precision

        args = (a, a_star, t, sigma, eta)
        with np.errstate(all="ignore"):
            loss, step = (_full(v, a.shape) for v in self.kernel(*args))
        if math.isfinite(loss.sum() + step.sum()):  # a nan or inf entry makes the sum one (so may a huge one)
            return loss, step
        bad = np.flatnonzero(~(np.isfinite(loss) & np.isfinite(step)))
        for i in bad:
            point = [float(v[i]) if np.ndim(v) else float(v) for v in args]
            loss[i], step[i] = high_precision(self.fallback, point, "loss and step", _FUSED_ARGUMENTS)
        return loss, step


@cache
def _fused(optimizer) -> _Fused | None:
    """The fused loss-and-step kernel of `optimizer`, or None unless it is population-based (batch
    None), stateless, and gives its step as an expression in the derived results (`step_expression`)."""
    expression = getattr(optimizer, "step_expression", None)
    if expression is None or optimizer.batch is not None:
        return None
    import inspect

    from analysis import symbols
    from numerics.compiled import generate

    rewritten = {f.name: f.expr for f in _compiled().functions}
    outputs = [rewritten["loss"], expression(rewritten)]
    args = tuple(getattr(symbols, name) for name in _FUSED_ARGUMENTS)
    kernel = generate(args, outputs, "numpy")
    fallback = generate(args, outputs, "mpmath")
    return _Fused(kernel, fallback, inspect.getsource(kernel))


def _fused_step(optimizer, a, problem: Problem) -> np.ndarray:
    """The step of a fused optimiser at the iterates `a` (ValueError unless finite)."""
    return _fused(optimizer)(check("a", a), problem.a_star, problem.t, problem.sigma, problem.eta)[1]


# --- the problem: one entry per run ---------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """The fit problems of n independent runs: true parameter, terminal time, std of x0, step size."""

    a_star: np.ndarray
    t: np.ndarray
    sigma: np.ndarray
    eta: np.ndarray

    def __post_init__(self):
        arrays = [check(f.name, getattr(self, f.name)) for f in dataclasses.fields(self)]
        for f, arr in zip(dataclasses.fields(self), np.broadcast_arrays(*arrays)):
            object.__setattr__(self, f.name, np.array(arr, dtype=float).reshape(-1))
        if np.any(self.sigma <= 0):
            raise ValueError("sigma must be > 0")
        object.__setattr__(self, "_bound", a_bound(self.t, self.sigma))  # see _representable

    def __len__(self) -> int:
        return self.a_star.size

    def take(self, index) -> Problem:
        """The sub-problem of the runs `index`."""
        return Problem(self.a_star[index], self.t[index], self.sigma[index], self.eta[index])

    def values(self, a) -> dict:
        """Argument values for the derived functions at the iterates `a` (ValueError unless finite)."""
        return {"a": check("a", a), "a_star": self.a_star, "t": self.t, "sigma": self.sigma, "eta": self.eta}


def sample_x0(problem: Problem, batch: int, seed: Sequence[int], step: int, rows=None) -> np.ndarray:
    """x0 ~ N(0, sigma^2), shape (n, batch), from the generator seeded by (*seed, step): each step
    a fresh batch, the same for the same seed, and for each run independent of the other runs'
    progress. With `rows` (increasing run indices) only those rows, shape (len(rows), batch): the
    generator fills row after row, so only the first max(rows) + 1 rows are drawn, and row i is
    the same as in the full draw."""
    rng = np.random.default_rng([*seed, step])
    if rows is None:
        return problem.sigma[:, None] * rng.standard_normal((len(problem), batch))
    rows = np.asarray(rows)
    drawn = rng.standard_normal((int(rows[-1]) + 1 if rows.size else 0, batch))
    return problem.sigma[rows, None] * drawn[rows]


def _check_batch(batch) -> None:
    if batch is not None and (not isinstance(batch, int) or isinstance(batch, bool) or batch < 1):
        raise ValueError("batch must be a positive integer or None")


# --- the optimisers -------------------------------------------------------------------------


@dataclass(frozen=True)
class GD:
    """Gradient descent on the expected loss: a' = a - eta dLoss/da."""

    name: ClassVar[str] = "gd"
    batch: ClassVar[None] = None

    def init(self, a0, problem: Problem) -> tuple:
        return ()

    @staticmethod
    def step_expression(results: dict):
        """-eta dLoss/da, from the rewritten derived gradient."""
        from analysis.symbols import eta

        return -eta * results["gradient"]

    def update(self, a, state, problem: Problem, x0=None):
        return a + _fused_step(self, a, problem), state


@dataclass(frozen=True)
class SGD:
    """Minibatch SGD: a' = a - eta mean_i dl/da(a; x0_i), a fresh batch of x0 each step."""

    name: ClassVar[str] = "sgd"
    batch: int = 32

    def __post_init__(self):
        _check_batch(self.batch)
        if self.batch is None:
            raise ValueError("batch must be a positive integer for sgd")

    def init(self, a0, problem: Problem) -> tuple:
        return ()

    def update(self, a, state, problem: Problem, x0=None):
        return a - problem.eta * _sample_mean("sample_gradient", a, problem, x0), state


def _gradient(a, problem: Problem, x0) -> np.ndarray:
    """The population gradient (x0 None) or its minibatch estimate."""
    if x0 is None:
        return _call("gradient", problem.values(a))
    return _sample_mean("sample_gradient", a, problem, x0)


@dataclass(frozen=True)
class Adam:
    """Adam (Kingma and Ba) with bias correction, on minibatch gradients (population if batch is None)."""

    name: ClassVar[str] = "adam"
    batch: int | None = 32
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8

    def __post_init__(self):
        _check_batch(self.batch)
        for name in ("beta1", "beta2"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in [0, 1)")
        if not self.eps > 0:
            raise ValueError("eps must be > 0")

    def init(self, a0, problem: Problem) -> tuple:
        zeros = np.zeros(len(problem))
        return zeros, zeros.copy(), zeros.copy()  # first moment, second moment, step count

    def update(self, a, state, problem: Problem, x0=None):
        m, v, k = state
        g = _gradient(a, problem, x0)
        k = k + 1
        m = self.beta1 * m + (1 - self.beta1) * g
        v = self.beta2 * v + (1 - self.beta2) * g**2
        m_hat = m / -np.expm1(k * np.log(self.beta1)) if self.beta1 > 0 else m
        v_hat = v / -np.expm1(k * np.log(self.beta2)) if self.beta2 > 0 else v
        return a - problem.eta * m_hat / (np.sqrt(v_hat) + self.eps), (m, v, k)


@dataclass(frozen=True)
class Newton:
    """Damped Newton: a' = a - eta (dLoss/da)/(d^2Loss/da^2); uphill where the loss is concave."""

    name: ClassVar[str] = "newton"
    batch: ClassVar[None] = None

    def init(self, a0, problem: Problem) -> tuple:
        return ()

    def update(self, a, state, problem: Problem, x0=None):
        values = problem.values(a)
        with np.errstate(divide="ignore", invalid="ignore"):  # a zero Hessian gives inf/nan: a status
            return a - problem.eta * _call("gradient", values) / _call("hessian", values), state


@dataclass(frozen=True)
class VC:
    """The paper's variance-corrected rule a' = a - eta (dLoss/da)/(t^2 sigma_k^2(t)).

    variance="exact": sigma_k^2(t) is the derived terminal variance (with batch None the step is the
    derived `vc_step`); variance="minibatch": the gradient and sigma_k^2(t) are both estimated on the
    same minibatch of x0.
    """

    name: ClassVar[str] = "vc"
    variance: str = "exact"
    batch: int | None = None

    def __post_init__(self):
        _check_batch(self.batch)
        if self.variance not in ("exact", "minibatch"):
            raise ValueError("variance must be 'exact' or 'minibatch'")
        if self.variance == "minibatch" and self.batch is None:
            raise ValueError("batch must be a positive integer when variance is 'minibatch'")

    def init(self, a0, problem: Problem) -> tuple:
        return ()

    def step_expression(self, results: dict):
        """The derived `vc_step` (used only with batch None, where the variance is exact)."""
        return results["vc_step"]

    def update(self, a, state, problem: Problem, x0=None):
        if x0 is None:
            return a + _fused_step(self, a, problem), state
        values = problem.values(a)
        if self.variance == "exact":
            variance = _call("terminal_variance", values)
        else:
            variance = _sample_mean("sample_terminal_variance", a, problem, x0)
        gradient = _sample_mean("sample_gradient", a, problem, x0)
        step = -problem.eta * gradient / (problem.t**2 * variance)
        if self.variance == "minibatch":
            for i in np.flatnonzero(~np.isfinite(step)):  # both means under- or overflowed: the ratio at high precision
                step[i] = _minibatch_vc_step(a[i], problem.take([i]), x0[i])
        return a + step, state


def _minibatch_vc_step(a, problem: Problem, x0) -> float:
    """-eta mean(g_i)/(t^2 mean(v_i)) over one run's minibatch, from the derived per-sample gradient and terminal
    variance in mpmath at FALLBACK_DPS digits, rounded once: the two means may leave float64 together (a far below
    a*: both underflow, 0/0) while their ratio is as representable as the population step's; nan only where the
    ratio is undefined (every x0 is 0)."""
    from analysis import derive
    from numerics.compiled import FALLBACK_DPS, compile

    f = compile(derive(), "mpmath")
    a_star, t, eta = (mpmath.mpf(float(v[0])) for v in (problem.a_star, problem.t, problem.eta))
    with mpmath.workdps(FALLBACK_DPS):
        a, samples = mpmath.mpf(float(a)), [mpmath.mpf(float(x)) for x in x0]
        gradient = mpmath.fsum(f.sample_gradient(a=a, a_star=a_star, t=t, x0=x) for x in samples)
        variance = mpmath.fsum(f.sample_terminal_variance(a=a, t=t, x0=x) for x in samples)
        return float(-eta * gradient / (t**2 * variance)) if variance != 0 else math.nan


@dataclass(frozen=True)
class GaussNewtonLM:
    """Levenberg-Marquardt: a' = a - eta (dLoss/da)/(E[(d phi_t/da)^2] + damping)."""

    name: ClassVar[str] = "gauss-newton-lm"
    batch: ClassVar[None] = None
    damping: float = 1e-3

    def __post_init__(self):
        if not (np.isfinite(self.damping) and self.damping >= 0):
            raise ValueError("damping must be finite and >= 0")

    def init(self, a0, problem: Problem) -> tuple:
        return ()

    def update(self, a, state, problem: Problem, x0=None):
        values = problem.values(a)
        return a - problem.eta * _call("gradient", values) / (_call("gauss_newton", values) + self.damping), state


@dataclass(frozen=True)
class VCLog:
    """The exact variant a' = a + vc_log_step, vc_log_step = log1p(t vc_step)/t (derived result)."""

    name: ClassVar[str] = "vc-log"
    batch: ClassVar[None] = None
    result: ClassVar[str] = "vc_log_step"

    @classmethod
    def available(cls) -> bool:
        """Whether the derivations provide `vc_log_step`."""
        return cls.result in _compiled().names()

    def init(self, a0, problem: Problem) -> tuple:
        if not self.available():
            raise ValueError(f"optimizer vc-log needs the derived result {self.result}, not in derive() yet")
        if np.any(problem.eta > 1):
            raise ValueError("eta must be <= 1 for vc-log: log1p(eta (z - 1)) needs 1 + eta (z - 1) > 0 for all z > 0")
        return ()

    def update(self, a, state, problem: Problem, x0=None):
        return a + _call(self.result, problem.values(a)), state


OPTIMIZERS: dict[str, object] = {
    "gd": GD(),
    "sgd": SGD(),
    "adam": Adam(),
    "newton": Newton(),
    "vc": VC(),
    "vc-minibatch": VC(variance="minibatch", batch=32),
    "gauss-newton-lm": GaussNewtonLM(),
    "vc-log": VCLog(),
}
"""name -> optimiser with its default settings (replace fields with `dataclasses.replace`)."""


# --- the runner -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """The recorded runs: histories of shape (n, steps + 1) (ratio: (n, steps)) or None without
    history; entries after a run's `stop` are nan, and its `status` says why it stopped."""

    optimizer: str
    a0: np.ndarray
    problem: Problem
    tol: float
    status: np.ndarray
    stop: np.ndarray
    final_a: np.ndarray
    final_loss: np.ndarray
    loss: np.ndarray | None = field(default=None, repr=False)
    a: np.ndarray | None = field(default=None, repr=False)
    ratio: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self):
        if not set(np.unique(self.status)) <= set(STATUSES):
            raise ValueError("status entries must be among " + ", ".join(STATUSES))
        if not (len(self.a0) == len(self.status) == len(self.stop) == len(self.problem)):
            raise ValueError("one status, stop and problem per run")

    @property
    def steps_to_tol(self) -> np.ndarray:
        """Steps to the tolerance, -1 where the run did not converge."""
        return np.where(self.status == "converged", self.stop, -1)


def _loss(a, problem: Problem) -> np.ndarray:
    """The derived loss at the finite iterates `a` (validated by the runner: no per-call check)."""
    return derived("loss").unchecked(a, problem.a_star, problem.t, problem.sigma)


def _representable(a, problem: Problem) -> np.ndarray:
    """Whether the loss and its derivatives at a fit in float64 with `HEADROOM` to spare."""
    with np.errstate(invalid="ignore"):
        return (a > -np.inf) & (np.maximum(a, problem.a_star) < problem._bound)  # nan compares False


def _check_run_arguments(steps, tol) -> None:
    if not isinstance(steps, int | np.integer) or isinstance(steps, bool) or steps < 1:
        raise ValueError("steps must be a positive integer")
    if not (isinstance(tol, float | int) and 0 < tol < 1):
        raise ValueError("tol must be a number in (0, 1)")


def _seed_tuple(seed) -> tuple[int, ...]:
    seed = (seed,) if isinstance(seed, int | np.integer) else tuple(seed)
    if not seed or any(not isinstance(s, int | np.integer) or isinstance(s, bool) or s < 0 for s in seed):
        raise ValueError("seed must be a non-negative integer or a sequence of them")
    return tuple(int(s) for s in seed)


def run(
    optimizer,
    a0,
    *,
    a_star=1.0,
    t=1.0,
    sigma=1.0,
    eta=0.1,
    steps: int = 1000,
    tol: float = 1e-8,
    seed=0,
    history: bool = True,
) -> Run:
    """Iterate `optimizer` from every a_0 (all arguments broadcast to n runs) for at most `steps` steps.

    >>> r = run(OPTIMIZERS["vc"], [0.5, 1.5], eta=0.25, steps=200, tol=1e-6)
    >>> [str(s) for s in r.status]
    ['converged', 'converged']
    """
    _check_run_arguments(steps, tol)
    seed = _seed_tuple(seed)
    named = {"a": a0, "a_star": a_star, "t": t, "sigma": sigma, "eta": eta}
    arrays = np.broadcast_arrays(*(check(k, v) for k, v in named.items()))
    a0, *rest = (np.array(v, dtype=float).reshape(-1) for v in arrays)
    problem = Problem(*rest)
    n = len(problem)
    if not np.all(_representable(a0, problem)):
        for i in np.flatnonzero(~_representable(a0, problem))[:1]:
            raise ValueError(representability_error(a0[i], problem.a_star[i], problem.t[i], problem.sigma[i]))

    codes = np.full(n, _BUDGET, dtype=np.int8)
    stop = np.full(n, steps)
    fused = _fused(optimizer)
    # Parameters shared by every run enter the fused kernel as scalars: their products stay scalar inside it.
    parameters = _FUSED_ARGUMENTS[1:]
    shared = {f: v[0] for f in parameters if (v := getattr(problem, f)).size and (v == v[0]).all()}

    def fused_at(a_values, p: Problem):
        return fused(a_values, *(shared[f] if f in shared else getattr(p, f) for f in parameters))

    if fused is None:
        loss0, step = _loss(a0, problem), None
    else:
        loss0, step = fused_at(a0, problem)
    final_a, final_loss = a0.copy(), loss0.copy()
    if history:
        loss_h = np.full((n, steps + 1), np.nan)
        a_h = np.full((n, steps + 1), np.nan)
        ratio_h = np.full((n, steps), np.nan)
        loss_h[:, 0], a_h[:, 0] = loss0, a0

    near = np.abs(a0 - problem.a_star) * problem.t <= FLOW_TOL
    lost = (loss0 < _FLOAT_TINY) & ~near
    if lost.any():  # no ratio to record from a loss of 0 (or a subnormal) away from the optimum
        i = int(np.flatnonzero(lost)[0])
        raise ValueError(_underflow_message(*(float(v[i]) for v in (a0, problem.a_star, problem.t, problem.sigma))))
    done0 = (loss0 == 0) & near  # started at the optimum
    codes[done0], stop[done0] = _CONVERGED, 0
    idx = np.flatnonzero(~done0)
    prob = problem.take(idx) if done0.any() else problem
    a, loss_prev = a0[idx], loss0[idx]
    step = step[idx] if step is not None else None
    start_loss, threshold = loss_prev, tol * loss_prev
    rises = np.zeros(idx.size, dtype=int)
    rising = False  # whether any entry of rises is nonzero
    state = optimizer.init(a, prob)

    for k in range(steps):
        if idx.size == 0:
            break
        if fused is None:
            x0 = None
            if optimizer.batch is not None:
                x0 = sample_x0(problem, optimizer.batch, seed, k, rows=idx)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                a_next, state = optimizer.update(a, state, prob, x0)
        else:
            a_next = a + step
        with np.errstate(invalid="ignore"):
            ok = (a_next > -np.inf) & (a_next < prob._bound)  # _representable; every a* is below the bound
        all_ok = bool(ok.all())
        if all_ok and fused is None:
            loss = _loss(a_next, prob)
        elif all_ok:
            loss, step = fused_at(a_next, prob)
        else:
            loss = np.full(idx.size, np.inf)
            sub = prob.take(ok)
            if fused is None:
                loss[ok] = _loss(a_next[ok], sub)
            else:
                step = np.full(idx.size, np.nan)  # never used: the runs not ok stop here
                loss[ok], step[ok] = fused_at(a_next[ok], sub)
        ratio = loss / loss_prev
        up = ratio > 1
        rose = bool(up.any())
        if rose or rising:  # the counters of consecutive rises move only while some run rises
            rises = np.where(up, rises + 1, 0)
            rising = rose
        with np.errstate(invalid="ignore"):  # a_next nan or inf where not ok: not converged
            converged = loss <= threshold
            if converged.any():  # the flow test only where the loss test passed
                converged &= np.abs(a_next - prob.a_star) * prob.t <= FLOW_TOL
        diverged = (rises >= DIVERGENCE_PATIENCE) & (loss > start_loss) if rising else up  # (up: all False)
        if all_ok:
            overflow = None
            recorded = idx
        else:
            undefined = np.isnan(a_next)
            diverged = undefined | (ok & diverged)
            overflow = ~ok & ~undefined
            recorded = idx[ok]
        if history:
            good = slice(None) if all_ok else ok
            loss_h[recorded, k + 1] = loss[good]
            a_h[recorded, k + 1] = a_next[good]
            ratio_h[recorded, k] = ratio[good]
        finished = converged | diverged if overflow is None else converged | diverged | overflow
        if finished.any():
            codes[idx[converged]] = _CONVERGED
            codes[idx[diverged]] = _DIVERGED
            stop[idx[converged | diverged]] = k + 1
            if overflow is not None:
                codes[idx[overflow]] = _OVERFLOW
                stop[idx[overflow | undefined]] = k  # the last representable (recorded) iterate
            done = idx[finished]
            final_a[done] = np.where(ok, a_next, a)[finished]
            final_loss[done] = np.where(ok, loss, loss_prev)[finished]
            keep = ~finished
            idx, prob, a_next, loss, rises = idx[keep], prob.take(keep), a_next[keep], loss[keep], rises[keep]
            start_loss, threshold = start_loss[keep], threshold[keep]
            state = tuple(s[keep] for s in state)
            step = step[keep] if step is not None else None
        a, loss_prev = a_next, loss
    final_a[idx], final_loss[idx] = a, loss_prev  # the runs still going after `steps` steps

    return Run(
        optimizer=getattr(optimizer, "name", type(optimizer).__name__),
        a0=a0,
        problem=problem,
        tol=float(tol),
        status=np.array(STATUSES)[codes],
        stop=stop,
        final_a=final_a,
        final_loss=final_loss,
        loss=loss_h if history else None,
        a=a_h if history else None,
        ratio=ratio_h if history else None,
    )
