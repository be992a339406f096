"""The paper's variance-corrected update and its exact one-step loss ratio."""

from __future__ import annotations

import sympy as sp

from analysis.steps import Step
from analysis.symbols import a, eta, z

__all__ = ["STEPS", "z_substitution"]


def z_substitution(model) -> dict:
    """a* = a + log(z)/t, i.e. z = exp((a* - a) t)."""
    return {model.true_parameter: a + sp.log(z) / model.time}


def vc_step(model, done):
    """Delta a = -eta * gradient / (t^2 sigma_k^2(t))."""
    return sp.powsimp(sp.expand(sp.cancel(-eta * done["gradient"] / (model.time**2 * done["terminal_variance"]))))


def vc_ratio(model, done):
    """Loss(a + Delta a)/Loss(a), exactly."""
    ratio = done["loss"].subs(a, a + done["vc_step"]) / done["loss"]
    return ratio.replace(lambda n: isinstance(n, sp.exp), lambda n: sp.exp(sp.expand(n.args[0])))


def vc_ratio_z(model, done):
    """vc_ratio with a* = a + log(z)/t; a must cancel (None when the flow is not exponential)."""
    flow = done["flow"]
    if sp.expand(sp.diff(flow, a) - model.time * flow) != 0:  # the z-form needs phi_t = x0 e^{a t}
        return None
    rewritten = sp.factor(sp.expand(sp.expand_power_exp(done["vc_ratio"].subs(z_substitution(model)))))
    if rewritten.free_symbols - {z, eta}:
        return None
    return rewritten


def vc_ratio_local(model, done):
    """lim_{z -> 1} vc_ratio_z: the contraction factor at the optimum."""
    return sp.factor(sp.limit(done["vc_ratio_z"], z, 1))


def vc_ratio_first_order(model, done):
    """vc_ratio_z = c0 + c1 eta + O(eta^2)."""
    ratio = done["vc_ratio_z"]
    c0 = sp.simplify(ratio.subs(eta, 0))
    c1 = sp.simplify(sp.diff(ratio, eta).subs(eta, 0))
    return sp.expand(c0 + c1 * eta)


STEPS = (
    Step("vc_step", "Variance-corrected step -eta * gradient / (t^2 sigma_k^2(t)).", vc_step),
    Step("vc_ratio", "Exact one-step loss ratio Loss(a + vc_step)/Loss(a).", vc_ratio),
    Step("vc_ratio_z", "The exact ratio in z = exp((a* - a) t) and eta alone.", vc_ratio_z),
    Step("vc_ratio_local", "Limit of the exact ratio at the optimum (z -> 1).", vc_ratio_local),
    Step("vc_ratio_first_order", "The exact ratio to first order in eta (Theorem 1's rate).", vc_ratio_first_order),
)
