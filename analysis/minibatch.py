"""One sample x0 instead of the expectation: the per-sample loss and its derivatives, for minibatches.

A minibatch estimate of a population result is the sample mean of its per-sample version
over x0 drawn from the model's distribution (the expectation is linear).
"""

from __future__ import annotations

import sympy as sp

from analysis.steps import Step
from analysis.symbols import a

__all__ = ["STEPS"]


def sample_loss(model, done):
    """l(a; x0) = 1/2 (phi_t(x0; a) - phi_t(x0; a*))^2; Loss(a) = E[l(a; x0)]."""
    residual = done["flow"] - done["flow"].subs(a, model.true_parameter)
    return sp.factor(residual**2 / 2)


def sample_gradient(model, done):
    """dl/da(a; x0)."""
    return sp.factor(sp.diff(done["sample_loss"], a))


def sample_sensitivity(model, done):
    """d phi_t(x0; a)/da, the forward sensitivity of the terminal state."""
    return sp.factor(sp.diff(done["flow"], a))


def sample_terminal_variance(model, done):
    """phi_t(x0; a)^2, whose mean over x0 is the terminal variance sigma_k^2(t)."""
    return sp.factor(done["flow"] ** 2)


STEPS = (
    Step("sample_loss", "Per-sample loss 1/2 (phi_t(x0; a) - phi_t(x0; a*))^2.", sample_loss),
    Step("sample_gradient", "Per-sample gradient d/da of the per-sample loss.", sample_gradient),
    Step("sample_sensitivity", "Forward sensitivity d phi_t(x0; a)/da of the terminal state.", sample_sensitivity),
    Step("sample_terminal_variance", "Per-sample terminal second moment phi_t(x0; a)^2.", sample_terminal_variance),
)
