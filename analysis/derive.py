"""derive(model): every result, in order, from the ODE and the distribution of x0."""

from __future__ import annotations

from functools import lru_cache

from analysis import gradient_descent, landscape, minibatch, variance_corrected, vc_discrete
from analysis.derivation import Derivation, Result
from analysis.model import Model
from analysis.model import clear_caches as _clear_model_caches

__all__ = ["derive", "clear_caches", "STEPS"]

STEPS = landscape.STEPS + gradient_descent.STEPS + variance_corrected.STEPS + vc_discrete.STEPS + minibatch.STEPS
"""Every derivation step, in the order results are listed (the per-sample minibatch results last)."""


class _NotDerived(KeyError):
    """A step read a result that is a step's name but has no value (not applicable to the model, or not yet derived)."""


class _Done(dict):
    """The results derived so far: reading a step name without a value raises `_NotDerived`, any other missing
    name (a typo) a plain KeyError."""

    def __init__(self, names):
        super().__init__()
        self._names = frozenset(names)

    def __missing__(self, key):
        if key in self._names:
            raise _NotDerived(key)
        raise KeyError(key)


@lru_cache(maxsize=16)
def _derive(model: Model) -> Derivation:
    done = _Done(step.name for step in STEPS)
    results = []
    for step in STEPS:
        try:
            expr = step.derive(model, done)
        except _NotDerived:
            continue  # depends on a result this model does not have: not applicable either
        if expr is None:
            continue
        done[step.name] = expr
        results.append(Result(step.name, expr, step.description))
    return Derivation(model, tuple(results))


def derive(model: Model | None = None) -> Derivation:
    """Derive every result for `model` (None: the paper's model). Cached; see `clear_caches`.

    >>> derive().loss
    sigma**2*(exp(a*t) - exp(a_star*t))**2/2
    """
    if model is None:
        model = Model.paper()
    if not isinstance(model, Model):
        raise ValueError("model must be an analysis.Model")
    return _derive(model)


def clear_caches() -> None:
    """Drop every cached derivation, flow map and moment."""
    _derive.cache_clear()
    _clear_model_caches()
