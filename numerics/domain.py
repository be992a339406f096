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


def _as_real_array(name: str, value) -> np.ndarray:
    """float64 array of a real number or array of them; ValueError naming `name` otherwise
    (strings, None, booleans, complex numbers and ragged nestings are refused, not coerced)."""
    wrong = ValueError(f"{name} must be a real number or array of real numbers")
    if value is None or isinstance(value, str | bytes | bool | np.bool_):
        raise wrong
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):
        raise wrong from None
    if raw.dtype.kind in "bcUSV" or (raw.dtype.kind == "O" and not all(_real_scalar(v) for v in raw.flat)):
        raise wrong
    try:
        return np.asarray(raw, dtype=float)
    except (TypeError, ValueError):
        raise wrong from None


def _real_scalar(v) -> bool:
    """A real number object (int, float, mpmath mpf, SymPy real number...), not str/bool/complex/None."""
    if v is None or isinstance(v, str | bytes | bool | complex | np.bool_):
        return False
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def check(name: str, value) -> np.ndarray:
    """The value as a float64 array, or ValueError naming `name` if it is outside its domain."""
    array = _as_real_array(name, value)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite")
    words, predicate = DOMAINS[name]
    if not np.all(predicate(array)):
        raise ValueError(f"{name} must be {words}")
    return array
