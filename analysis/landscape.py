"""The loss landscape: flow map, loss, its derivatives and curvature, from the ODE and E[.]."""

from __future__ import annotations

import sympy as sp

from analysis.steps import Step
from analysis.symbols import a

__all__ = ["STEPS"]


def flow(model, done):
    """phi_t(x0; a), by solving x' = f(x; a), x(0) = x0."""
    return model.flow(a)


def loss(model, done):
    """Loss(a) = 1/2 E[(phi_t(x0; a) - phi_t(x0; a*))^2]."""
    residual = done["flow"] - done["flow"].subs(a, model.true_parameter)
    return sp.factor(model.expectation(residual**2 / 2))


def gradient(model, done):
    """dLoss/da."""
    return sp.factor(sp.diff(done["loss"], a))


def hessian(model, done):
    """d^2 Loss/da^2."""
    return sp.factor(sp.diff(done["gradient"], a))


def terminal_variance(model, done):
    """sigma_k^2(t) = E[phi_t(x0; a)^2]."""
    return sp.factor(model.expectation(done["flow"] ** 2))


def gauss_newton(model, done):
    """E[(d phi_t / d a)^2], the Gauss-Newton curvature (Fisher information per unit noise)."""
    return sp.factor(model.expectation(sp.diff(done["flow"], a) ** 2))


def concavity_threshold(model, done):
    """The a where the Hessian changes sign (unique real root of the Hessian in a).

    Roots are found without solve's own checking (slow) and checked here by substitution.
    """
    hessian = done["hessian"]
    candidates = sp.solve(hessian, a, check=False, simplify=False)
    roots = [
        sp.expand(sp.expand_log(r, force=True))  # log of a positive real: exp(a* t)/2 > 0
        for r in candidates
        if not r.has(sp.zoo, sp.oo, -sp.oo, sp.nan) and r.is_real is not False
    ]
    roots = [r for r in roots if sp.expand(hessian.subs(a, r)) == 0 or sp.simplify(hessian.subs(a, r)) == 0]
    if len(roots) != 1:
        return None
    return roots[0]


STEPS = (
    Step("flow", "Flow map phi_t(x0; a): the solution of x' = a x with x(0) = x0, at time t.", flow),
    Step("loss", "Expected squared terminal error 1/2 E[(phi_t(x0; a) - phi_t(x0; a*))^2].", loss),
    Step("gradient", "Gradient dLoss/da.", gradient),
    Step("hessian", "Hessian d^2 Loss/da^2.", hessian),
    Step("terminal_variance", "Terminal second moment sigma_k^2(t) = E[phi_t(x0; a)^2].", terminal_variance),
    Step("gauss_newton", "Gauss-Newton curvature E[(d phi_t/da)^2].", gauss_newton),
    Step(
        "concavity_threshold", "The a where the Hessian changes sign: concave below, convex above.", concavity_threshold
    ),
)
