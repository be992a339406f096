"""Plain gradient descent: the paper's Lemma 1 as a first-order expansion in eta."""

from __future__ import annotations

import sympy as sp

from analysis.steps import Step
from analysis.symbols import a, eta

__all__ = ["STEPS", "taylor_coefficient"]


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


STEPS = (
    Step(
        "gd_ratio_first_order",
        "Lemma 1: Loss(a - eta grad)/Loss(a) to first order in eta.",
        gd_ratio_first_order,
    ),
)
