"""Where each symbol's numeric value may lie; violations raise ValueError naming the parameter."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["DOMAINS", "Domain", "check", "check_range", "value_range"]


@dataclass(frozen=True)
class Domain:
    """The finite numbers above `lower` (strictly when `strict`): an interval, so the least entry decides."""

    words: str
    lower: float = -math.inf
    strict: bool = False

    def admits(self, least: float) -> bool:
        return least > self.lower if self.strict else least >= self.lower


DOMAINS: dict[str, Domain] = {
    "a": Domain("finite"),
    "a_star": Domain("finite"),
    "x0": Domain("finite"),
    "mu": Domain("finite"),
    "t": Domain("> 0", 0.0, strict=True),
    "sigma": Domain(">= 0", 0.0),
    "eta": Domain("> 0", 0.0, strict=True),
    "z": Domain("> 0", 0.0, strict=True),
}
"""symbol name -> its domain."""


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


def value_range(array: np.ndarray) -> tuple[float, float]:
    """The least and greatest entries of a float64 array (inf, -inf when it is empty), by two reductions and no
    temporary array: a nan propagates into both, an infinity into one."""
    if array.size == 0:
        return math.inf, -math.inf
    return float(array.min()), float(array.max())


def check_range(name: str, value) -> tuple[np.ndarray, float, float]:
    """The value as a float64 array with its `value_range`, or ValueError naming `name` if it is outside its
    domain."""
    array = _as_real_array(name, value)
    least, greatest = value_range(array)
    if array.size == 0:
        return array, least, greatest
    if not (math.isfinite(least) and math.isfinite(greatest)):
        raise ValueError(f"{name} must be finite")
    domain = DOMAINS[name]
    if not domain.admits(least):
        raise ValueError(f"{name} must be {domain.words}")
    return array, least, greatest


def check(name: str, value) -> np.ndarray:
    """The value as a float64 array, or ValueError naming `name` if it is outside its domain."""
    return check_range(name, value)[0]
