"""Plain gradient descent: Lemma 1 to first and second order in eta, local stability, escape time."""

from __future__ import annotations

import sympy as sp

from analysis.expansions import derivative_coefficient, taylor_polynomial
from analysis.steps import Step
from analysis.symbols import a, eta, z

__all__ = ["STEPS", "gd_ratio"]


def gd_ratio(done) -> sp.Expr:
    """Loss(a - eta * gradient) / Loss(a), exactly."""
    return done["loss"].subs(a, a - eta * done["gradient"]) / done["loss"]


def gd_ratio_first_order(model, done):
    """Loss(a - eta grad)/Loss(a) = c0 + c1 eta + O(eta^2)."""
    return taylor_polynomial(gd_ratio(done), eta, 1)


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
