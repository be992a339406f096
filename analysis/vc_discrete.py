"""Exact discrete-time theory of the variance-corrected update, in z = exp((a* - a) t).

vc_ratio_z = s^2 with s = (z e^eta - e^{eta z}) e^{-eta}/(z - 1) (`signed_root`). Derived here:

- `vc_ratio_second_order`: the ratio to second order in eta;
- `vc_ratio_lower_bound`, `vc_ratio_upper_bound`: the limits of the ratio at the two ends of
  0 < z < 1 (a above a*), z -> 1 and z -> 0; for 0 < eta < 1 the ratio lies between them;
- `vc_z_critical`: below a* (z > 1) the ratio is < 1 iff s > -1, i.e. iff z < z_c(eta), the
  non-trivial root of s = -1: a Lambert W expression, on the branch k = -1;
- `vc_log_step`, `vc_log_ratio`: the Gauss-Newton step taken in the output y = e^{a t} rather
  than in a, written with the gradient and the terminal variance, and its exact loss ratio.
"""

from __future__ import annotations

import sympy as sp

from analysis.expansions import taylor_polynomial
from analysis.steps import Step
from analysis.symbols import a, eta, z

__all__ = ["STEPS", "signed_root", "BRANCH_PROBE"]

BRANCH_PROBE = sp.Rational(1, 2)
"""The learning rate at which candidate roots and Lambert W branches are told apart."""

_ROOT_TOLERANCE = sp.Float("1e-20")
"""A candidate root is kept when its residual at BRANCH_PROBE, evaluated at 30 digits, is below this."""


def signed_root(square: sp.Expr) -> sp.Expr:
    """s with s**2 == square, read off a product of even powers (each factor keeps its sign).

    >>> signed_root((z - 2)**2 * sp.exp(-2*eta) / (z - 1)**2)
    (z - 2)*exp(-eta)/(z - 1)
    """
    root = sp.Integer(1)
    for factor in sp.Mul.make_args(square):
        if isinstance(factor, sp.exp):
            root *= sp.exp(factor.args[0] / 2)
            continue
        base, power = factor.as_base_exp()
        if not (power.is_integer and power.is_even):
            raise ValueError("square must be a product of even powers")
        root *= base ** (power / 2)
    if sp.expand(root**2 - square) != 0:
        raise ValueError("square is not the square of the root read off its factors")
    return root


def vc_ratio_second_order(model, done):
    """vc_ratio_z = c0 + c1 eta + c2 eta^2 + O(eta^3), by Taylor coefficients at eta = 0."""
    return taylor_polynomial(done["vc_ratio_z"], eta, 2)


def vc_ratio_lower_bound(model, done):
    """lim_{z -> 1^-} vc_ratio_z: the ratio's value at the near end of a > a* (the two-sided
    limit vc_ratio_local, where it was derived, is this one-sided limit too)."""
    if "vc_ratio_local" in done:
        return done["vc_ratio_local"]
    return sp.factor(sp.limit(done["vc_ratio_z"], z, 1, "-"))


def vc_ratio_upper_bound(model, done):
    """lim_{z -> 0^+} vc_ratio_z: the ratio's value as a -> +infinity."""
    return sp.factor(sp.limit(done["vc_ratio_z"], z, 0, "+"))


def _is_root(candidate: sp.Expr, equation: sp.Expr) -> bool:
    """candidate is real, > 1 and solves equation = 0 at eta = BRANCH_PROBE."""
    value = candidate.subs(eta, BRANCH_PROBE).evalf(30)
    if not value.is_real or value <= 1:
        return False
    return abs(equation.subs({eta: BRANCH_PROBE, z: value}).evalf(30)) < _ROOT_TOLERANCE


def vc_z_critical(model, done):
    """The root z_c > 1 of s(z) = -1 (the ratio returns to 1 there), on its Lambert W branch.

    solve() returns the principal branch W_0, which gives the trivial root z = 1; each candidate
    is tried on both real branches k = 0, -1 and the one that solves s = -1 with z > 1 is kept.
    """
    s = signed_root(done["vc_ratio_z"])
    equation = sp.numer(sp.together(s + 1))
    candidates = sp.solve(equation, z, check=False, simplify=False, rational=False)
    found = []
    for candidate in candidates:
        for branch in (0, -1):
            on_branch = candidate.replace(sp.LambertW, lambda arg, *k: sp.LambertW(arg, branch))
            if _is_root(on_branch, equation):
                found.append(on_branch)
    if len(found) != 1:
        return None
    return sp.expand(found[0])


def vc_log_step(model, done):
    """Gauss-Newton in y = e^{a t}: y' = y - eta L_y'/L_y'', a' = log(y')/t, via gradient/terminal variance.

    L(y) = E[(x0 y - x0 y*)^2]/2 is quadratic in y, so L_y'' is its Gauss-Newton matrix E[x0^2];
    L_y' = gradient/(dy/da) and E[x0^2] = terminal_variance/y^2, which needs no knowledge of a*.
    """
    y = sp.exp(a * model.time)
    if sp.powsimp(model.flow() / y).has(a):  # the flow is x0 e^{a t} (not e.g. an Euler polynomial)
        return None
    second_moment = done["terminal_variance"] / y**2
    dloss_dy = done["gradient"] / sp.diff(y, a)
    factor = sp.powsimp(sp.expand(1 - eta * dloss_dy / (y * second_moment)))
    return sp.log(factor) / model.time


def vc_log_ratio(model, done):
    """Loss(a + vc_log_step)/Loss(a), reduced to a function of eta alone when it is one."""
    stepped = sp.expand(done["loss"].subs(a, a + done["vc_log_step"]))  # e^{t(a + log(w)/t)} -> w e^{a t}
    return sp.factor(stepped / done["loss"])


STEPS = (
    Step("vc_ratio_second_order", "The exact ratio to second order in eta.", vc_ratio_second_order),
    Step("vc_ratio_lower_bound", "Limit of the ratio as z -> 1 from below (infimum above a*).", vc_ratio_lower_bound),
    Step("vc_ratio_upper_bound", "Limit of the ratio as z -> 0: its supremum above a*.", vc_ratio_upper_bound),
    Step("vc_z_critical", "z_c(eta) > 1: below a* the loss decreases iff z < z_c (Lambert W, k = -1).", vc_z_critical),
    Step("vc_log_step", "Gauss-Newton step in the output e^{a t}: log(1 - eta gradient/(t sigma_k^2))/t.", vc_log_step),
    Step("vc_log_ratio", "Exact loss ratio of vc_log_step: a function of eta alone.", vc_log_ratio),
)
