"""The fit problem: dynamics, distribution of x0, terminal time, true parameter, solver.

The derivations only ever ask a `Model` for two things, its flow map phi_t(x0; a)
and the expectation of an expression in x0, so a new x0 distribution or a
fixed-step discretisation is added here without touching the derivations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import sympy as sp
from sympy import stats

from analysis.symbols import a, a_star, mu, s, sigma, t, x0

__all__ = ["Model", "Normal", "Uniform", "TwoPoint", "Exact", "Euler", "x"]

x = sp.Symbol("x", real=True)
"""The state variable in which `Model.dynamics` is written."""


def _expr(value) -> sp.Expr:
    """A SymPy expression from a SymPy object or a Python number (never from a string)."""
    if isinstance(value, str):
        raise TypeError("model parameters are SymPy expressions or numbers, never strings")
    return sp.sympify(value, strict=True)


# --- distributions of x0 -------------------------------------------------------------


@dataclass(frozen=True)
class Normal:
    """x0 ~ N(mean, std^2); the paper's choice is mean = 0, std = sigma."""

    mean: sp.Expr = sp.Integer(0)
    std: sp.Expr = sigma

    def __post_init__(self):
        object.__setattr__(self, "mean", _expr(self.mean))
        object.__setattr__(self, "std", _expr(self.std))
        if self.std.is_positive is False:
            raise ValueError("std must be positive")

    def random_variable(self):
        """The sympy.stats random variable of x0."""
        return stats.Normal("X0", self.mean, self.std)

    def describe(self) -> dict[str, str]:
        return {"family": "normal", "mean": str(self.mean), "std": str(self.std)}


@dataclass(frozen=True)
class Uniform:
    """x0 ~ U(low, high)."""

    low: sp.Expr = -sigma
    high: sp.Expr = sigma

    def __post_init__(self):
        object.__setattr__(self, "low", _expr(self.low))
        object.__setattr__(self, "high", _expr(self.high))
        if (self.high - self.low).is_positive is False:
            raise ValueError("high must exceed low")

    def random_variable(self):
        return stats.Uniform("X0", self.low, self.high)

    def describe(self) -> dict[str, str]:
        return {"family": "uniform", "low": str(self.low), "high": str(self.high)}


@dataclass(frozen=True)
class TwoPoint:
    """x0 takes `low` or `high` with probability 1/2 each (a Rademacher variable for +-sigma)."""

    low: sp.Expr = -sigma
    high: sp.Expr = sigma

    def __post_init__(self):
        object.__setattr__(self, "low", _expr(self.low))
        object.__setattr__(self, "high", _expr(self.high))

    def random_variable(self):
        return stats.FiniteRV("X0", {self.low: sp.Rational(1, 2), self.high: sp.Rational(1, 2)})

    def describe(self) -> dict[str, str]:
        return {"family": "two-point", "low": str(self.low), "high": str(self.high)}


# --- how the flow map is obtained ---------------------------------------------------


@dataclass(frozen=True)
class Exact:
    """The exact flow map, by solving the initial value problem with `sympy.dsolve`."""

    HINTS = ("nth_linear_constant_coeff_homogeneous", "1st_linear")
    """dsolve methods tried first, in order: naming a hint skips classifying the ODE against every
    method (~0.5 s), and the constant-coefficient one (x' = a x) needs no integration at all."""

    def flow(self, dynamics: sp.Expr, param: sp.Symbol, time: sp.Expr) -> sp.Expr:
        X = sp.Function("X")
        ode = sp.Eq(X(s).diff(s), dynamics.subs(x, X(s)))
        for hint in (*self.HINTS, "default"):
            try:
                solution = sp.dsolve(ode, X(s), ics={X(0): x0}, hint=hint)
                break
            except (ValueError, NotImplementedError):
                if hint == "default":
                    raise
        return solution.rhs.subs(s, time)

    def describe(self) -> dict[str, str]:
        return {"solver": "exact"}


@dataclass(frozen=True)
class Euler:
    """Explicit Euler with `steps` equal steps: x_{n+1} = x_n + (t/steps) f(x_n)."""

    steps: int = 1

    def __post_init__(self):
        if not isinstance(self.steps, int) or self.steps < 1:
            raise ValueError("steps must be a positive integer")

    def flow(self, dynamics: sp.Expr, param: sp.Symbol, time: sp.Expr) -> sp.Expr:
        h = time / self.steps
        state = x0
        for _ in range(self.steps):
            state = state + h * dynamics.subs(x, state)
        return sp.factor(state)

    def describe(self) -> dict[str, str]:
        return {"solver": "euler", "steps": str(self.steps)}


@lru_cache(maxsize=64)
def _solved_flow(solver, dynamics: sp.Expr, time: sp.Expr) -> sp.Expr:
    """The flow map in the parameter a, from `solver` (cached: solving is the slow part)."""
    return solver.flow(dynamics, a, time)


@lru_cache(maxsize=64)
def _moment(initial, k: int) -> sp.Expr:
    """E[x0^k] for x0 ~ `initial`: the k-th derivative at 0 of its moment generating function
    where sympy.stats has it in closed form, otherwise by integrating x0^k."""
    X = initial.random_variable()
    u = sp.Dummy("u")
    try:
        mgf = stats.moment_generating_function(X)(u)
    except (NotImplementedError, TypeError, ValueError):
        mgf = None
    if mgf is not None and not mgf.has(sp.Piecewise, sp.Integral):
        return sp.expand(sp.diff(mgf, u, k).subs(u, 0))
    return sp.expand(stats.E(X**k))


def clear_caches() -> None:
    """Drop the cached flow maps and moments."""
    _solved_flow.cache_clear()
    _moment.cache_clear()


# --- the model -------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """x'(s) = f(x; a), x(0) = x0 ~ `initial`, observed at `time`, data from `true_parameter`.

    >>> Model().flow()
    x0*exp(a*t)
    """

    dynamics: sp.Expr = a * x
    initial: Normal | Uniform | TwoPoint = field(default_factory=Normal)
    time: sp.Expr = t
    true_parameter: sp.Expr = a_star
    solver: Exact | Euler = field(default_factory=Exact)

    def __post_init__(self):
        object.__setattr__(self, "dynamics", _expr(self.dynamics))
        object.__setattr__(self, "time", _expr(self.time))
        object.__setattr__(self, "true_parameter", _expr(self.true_parameter))
        if a not in self.dynamics.free_symbols:
            raise ValueError("dynamics must depend on the parameter a")
        if self.time.is_positive is not True:
            raise ValueError("time must be positive")

    @classmethod
    def paper(cls) -> Model:
        """The paper's model: x0 ~ N(0, sigma^2)."""
        return cls()

    @classmethod
    def with_mean(cls) -> Model:
        """x0 ~ N(mu, sigma^2)."""
        return cls(initial=Normal(mean=mu, std=sigma))

    def flow(self, param: sp.Expr = a) -> sp.Expr:
        """phi_t(x0; param): the state at `time` started from x0 (the ODE is solved once per model)."""
        return _solved_flow(self.solver, self.dynamics, self.time).subs(a, param)

    def expectation(self, expr: sp.Expr) -> sp.Expr:
        """E[expr] over x0 ~ `initial` (expr is polynomial in x0, taken term by term)."""
        expr = sp.expand(expr)
        if not expr.is_polynomial(x0):
            return sp.expand(stats.E(expr.subs(x0, self.initial.random_variable())))
        # linearity: E[sum c_k x0^k] = sum c_k E[x0^k], each moment integrated once
        poly = sp.Poly(expr, x0)
        return sp.expand(sum(c * _moment(self.initial, k) for (k,), c in poly.terms()))

    def describe(self) -> dict[str, object]:
        """A JSON-ready description of the model."""
        return {
            "dynamics": str(self.dynamics),
            "initial": self.initial.describe(),
            "time": str(self.time),
            "true_parameter": str(self.true_parameter),
            **self.solver.describe(),
        }
