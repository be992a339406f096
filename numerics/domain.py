"""Where each symbol's numeric value may lie; violations raise ValueError naming the parameter."""

from __future__ import annotations

import numpy as np

__all__ = ["DOMAINS", "check"]

DOMAINS: dict[str, tuple[str, object]] = {
    "a": ("finite", lambda v: np.ones_like(v, dtype=bool)),
    "a_star": ("finite", lambda v: np.ones_like(v, dtype=bool)),
    "x0": ("finite", lambda v: np.ones_like(v, dtype=bool)),
    "mu": ("finite", lambda v: np.ones_like(v, dtype=bool)),
    "t": ("> 0", lambda v: v > 0),
    "sigma": (">= 0", lambda v: v >= 0),
    "eta": ("> 0", lambda v: v > 0),
    "z": ("> 0", lambda v: v > 0),
}
"""symbol name -> (condition in words, predicate on a float array)."""


def _numeric_objects(value) -> bool:
    """True for object arrays holding only numbers (e.g. mpmath mpf values)."""
    return all(not isinstance(v, str | bytes) for v in np.asarray(value, dtype=object).flat)


def check(name: str, value) -> np.ndarray:
    """The value as a float64 array, or ValueError naming `name` if it is outside its domain."""
    if isinstance(value, str | bytes) or np.asarray(value).dtype.kind in "USO" and not _numeric_objects(value):
        raise ValueError(f"{name} must be a real number or array of real numbers")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number or array of real numbers") from None
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite")
    words, predicate = DOMAINS[name]
    if not np.all(predicate(array)):
        raise ValueError(f"{name} must be {words}")
    return array
