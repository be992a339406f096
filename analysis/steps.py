"""A derivation step: a named, described function of the model and earlier results."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sympy as sp

__all__ = ["Step"]


@dataclass(frozen=True)
class Step:
    """Derives `name` from the model and the results derived before it (None: not applicable)."""

    name: str
    description: str
    derive: Callable[[object, Mapping[str, sp.Basic]], sp.Basic | None]
