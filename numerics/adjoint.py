"""dLoss/da as a neural-ODE library computes it: the adjoint method with `scipy.integrate.solve_ivp`.

For samples x0_1..x0_N and data y_i = phi_t(x0_i; a*), the loss is L = 1/(2N) sum_i (x_i(t) - y_i)^2.
Forward: solve x' = f(x; a) from x(0) = x0 to t. Backward, from s = t to 0, solve the augmented system

    x' = f(x; a),    lambda' = -lambda df/dx,    g' = -lambda df/da,

with lambda(t) = dL/dx(t) = (x(t) - y)/N and g(t) = 0; then dL/da = g(0) = int_0^t lambda df/da ds.
The vector-Jacobian products df/dx, df/da are SymPy derivatives of the model's dynamics (what an
autodiff library would differentiate); the data come from a forward solve with a*.

>>> import numpy as np
>>> x0 = np.array([0.5, -1.0, 2.0])
>>> g = adjoint_gradient(0.3, x0, a_star=1.0, t=1.0)
>>> bool(abs(g - symbolic_gradient(0.3, x0, a_star=1.0, t=1.0)) <= ADJOINT_RTOL * gradient_scale(0.3, x0, 1.0, 1.0))
True
"""

from __future__ import annotations

from functools import cache

import numpy as np

from numerics.domain import check
from numerics.optimizers import derived

__all__ = ["adjoint_gradient", "symbolic_gradient", "gradient_scale", "SOLVER_RTOL", "SOLVER_ATOL", "ADJOINT_RTOL"]

SOLVER_RTOL = 1e-11
"""solve_ivp's relative tolerance per step (DOP853, 8th order): well above float64's 2.2e-16."""

SOLVER_ATOL = 1e-14
"""solve_ivp's absolute tolerance, for states that pass near zero (x0 near 0)."""

ADJOINT_RTOL = 1e-8
"""Agreement of the adjoint and symbolic gradients, relative to the size of the terms whose difference
forms the gradient: 1000 x SOLVER_RTOL, for three solves (data, forward, backward) of O(100) steps each."""


@cache
def _vector_field():
    """f(x; a) and its derivatives df/dx, df/da, generated from the model's dynamics."""
    import sympy as sp

    from analysis.model import Model, x
    from analysis.symbols import a

    f = Model.paper().dynamics
    return tuple(sp.lambdify((x, a), expr, "numpy") for expr in (f, sp.diff(f, x), sp.diff(f, a)))


def _solve(fun, span, y0, what: str) -> np.ndarray:
    """The state at the end of `span`, by solve_ivp (DOP853); ValueError where the solver fails or the state
    leaves float64 (e^{a t} beyond ~1e308), never a silently wrong number."""
    from scipy.integrate import solve_ivp

    with np.errstate(over="ignore", invalid="ignore"):
        sol = solve_ivp(fun, span, y0, method="DOP853", rtol=SOLVER_RTOL, atol=SOLVER_ATOL)
    end = sol.y[:, -1]
    if not sol.success or not np.all(np.isfinite(end)):
        reason = sol.message if not sol.success else "the state is not finite in float64"
        raise ValueError(f"the {what} solve failed ({reason}): a t and a_star t must keep e^(a t) within float64")
    return end


def _flow(param: float, x0: np.ndarray, t: float, what: str) -> np.ndarray:
    f, _, _ = _vector_field()
    return _solve(lambda s, y: f(y, param) * np.ones_like(y), (0.0, t), x0, what)


def _check(a, x0, a_star, t):
    a, a_star, t = (float(check(name, v)) for name, v in (("a", a), ("a_star", a_star), ("t", t)))
    x0 = np.atleast_1d(check("x0", x0)).astype(float)
    if x0.ndim != 1 or x0.size == 0:
        raise ValueError("x0 must be a non-empty one-dimensional array of samples")
    return a, x0, a_star, t


def adjoint_gradient(a, x0, *, a_star, t) -> float:
    """dL/da on the samples x0 by the adjoint method (forward solve, then backward augmented solve); ValueError
    where a solve fails or leaves float64."""
    a, x0, a_star, t = _check(a, x0, a_star, t)
    f, f_x, f_a = _vector_field()
    n = x0.size
    data = _flow(a_star, x0, t, "data (a_star)")
    terminal = _flow(a, x0, t, "forward")
    adjoint = (terminal - data) / n

    def backward(s, y):
        state, lam = y[:n], y[n : 2 * n]
        ones = np.ones_like(state)
        return np.concatenate(
            [f(state, a) * ones, -lam * f_x(state, a) * ones, [-np.sum(lam * f_a(state, a) * ones)]]
        )

    y_t = np.concatenate([terminal, adjoint, [0.0]])
    return float(_solve(backward, (t, 0.0), y_t, "backward (adjoint)")[-1])


def symbolic_gradient(a, x0, *, a_star, t) -> float:
    """The same dL/da from the derivations: the sample mean of the derived per-sample gradient."""
    a, x0, a_star, t = _check(a, x0, a_star, t)
    return float(np.mean(derived("sample_gradient")(a=a, a_star=a_star, t=t, x0=x0)))


def gradient_scale(a, x0, a_star, t) -> float:
    """mean |d phi_t/da| (|phi_t(x0; a)| + |phi_t(x0; a*)|): the size of the terms whose difference is
    the gradient, the scale against which an absolute solver error is measured."""
    a, x0, a_star, t = _check(a, x0, a_star, t)
    sensitivity = derived("sample_sensitivity")(a=a, t=t, x0=x0)
    flow = derived("flow")
    return float(np.mean(np.abs(sensitivity) * (np.abs(flow(a=a, t=t, x0=x0)) + np.abs(flow(a=a_star, t=t, x0=x0)))))
