"""Plain gradient descent: Lemma 1 to first and second order in eta, local stability, escape time."""

from __future__ import annotations

import sympy as sp

from analysis.steps import Step
from analysis.symbols import a, eta, z

__all__ = ["STEPS", "taylor_coefficient", "derivative_coefficient"]


def taylor_coefficient(expr: sp.Expr, var: sp.Symbol, order: int) -> sp.Expr:
    """The coefficient of var**order in the Taylor series of expr about var = 0."""
    return sp.factor(sp.series(expr, var, 0, order + 1).removeO().coeff(var, order))


def gd_ratio(done) -> sp.Expr:
    """Loss(a - eta * gradient) / Loss(a), exactly."""
    return done["loss"].subs(a, a - eta * done["gradient"]) / done["loss"]


def gd_ratio_first_order(model, done):
    """Loss(a - eta grad)/Loss(a) = c0 + c1 eta + O(eta^2), by series expansion."""
    ratio = gd_ratio(done)
    c0 = sp.simplify(ratio.subs(eta, 0))
    c1 = sp.simplify(sp.diff(ratio, eta).subs(eta, 0))
    return sp.expand(c0 + c1 * eta)


def derivative_coefficient(expr: sp.Expr, var: sp.Symbol, order: int) -> sp.Expr:
    """The Taylor coefficient of var**order about var = 0 by Taylor's formula, f^(n)(0)/n!.

    The same number as `taylor_coefficient`, without the cost of `sympy.series`.

    >>> derivative_coefficient(sp.exp(2 * eta), eta, 2)
    2
    """
    return sp.factor(sp.expand(sp.diff(expr, var, order).subs(var, 0) / sp.factorial(order)))


def gd_ratio_second_order(model, done):
    """The exact coefficient of eta^2 in Loss(a - eta grad)/Loss(a)."""
    return derivative_coefficient(gd_ratio(done), eta, 2)


def gd_curvature_optimum(model, done):
    """Loss''(a*): the curvature of the loss at its minimiser."""
    return sp.factor(done["hessian"].subs(a, model.true_parameter))


def gd_learning_rate_max(model, done):
    """2 / Loss''(a*): a - a* is multiplied by 1 - eta Loss''(a*) per step, stable iff |.| < 1."""
    return sp.factor(2 / done["gd_curvature_optimum"])


def gd_steps_growth(model, done):
    """C(eta) with steps(a0) ~ C exp((a* - a0) t) as a0 -> -oo, from the gradient flow.

    The flow da/dtau = -grad takes time T(a0) = int_{a0} da / (-grad) to leave the plateau;
    by l'Hopital, T(a0)/z0 with z0 = exp((a* - a0) t) tends to lim 1/(grad * dz0/da0), and
    plain GD with a small step eta needs T/eta steps.
    """
    z0 = sp.exp((model.true_parameter - a) * model.time)
    rate = sp.limit(1 / (done["gradient"] * sp.diff(z0, a)), a, -sp.oo)
    if not rate.is_finite or rate.free_symbols & {a, z}:
        return None
    return sp.factor(rate / eta)


STEPS = (
    Step(
        "gd_ratio_first_order",
        "Lemma 1: Loss(a - eta grad)/Loss(a) to first order in eta.",
        gd_ratio_first_order,
    ),
    Step("gd_ratio_second_order", "Exact eta^2 coefficient of plain GD's loss ratio Loss(a - eta grad)/Loss(a).",
         gd_ratio_second_order),
    Step("gd_curvature_optimum", "Curvature Loss''(a*) of the loss at its minimiser.", gd_curvature_optimum),
    Step("gd_learning_rate_max", "Largest locally stable plain-GD learning rate 2/Loss''(a*).", gd_learning_rate_max),
    Step("gd_steps_growth", "C with plain-GD steps ~ C exp((a* - a0) t) as a0 -> -oo (small eta, gradient flow).",
         gd_steps_growth),
)
