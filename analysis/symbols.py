"""The symbols every derivation is written in, with the assumptions the mathematics gives them."""

from __future__ import annotations

import sympy as sp

__all__ = ["a", "a_star", "t", "sigma", "mu", "eta", "z", "x0", "s", "SYMBOLS", "by_name"]

a = sp.Symbol("a", real=True)
"""The trained parameter of the dynamics x' = a x."""
a_star = sp.Symbol("a_star", real=True)
"""The true parameter a* that generated the data."""
t = sp.Symbol("t", positive=True)
"""The terminal (observation) time, t > 0."""
sigma = sp.Symbol("sigma", positive=True)
"""The standard deviation of x0."""
mu = sp.Symbol("mu", real=True)
"""The mean of x0 (the paper takes mu = 0)."""
eta = sp.Symbol("eta", positive=True)
"""The learning rate."""
z = sp.Symbol("z", positive=True)
"""z = exp((a* - a) t), the ratio of the true to the predicted terminal gain."""
x0 = sp.Symbol("x0", real=True)
"""The initial state."""
s = sp.Symbol("s", nonnegative=True)
"""The integration time variable of the ODE, 0 <= s <= t."""

SYMBOLS: tuple[sp.Symbol, ...] = (a, a_star, t, sigma, mu, eta, z, x0)
"""The public symbols in their fixed order (the JSON `symbols` list)."""


def by_name() -> dict[str, sp.Symbol]:
    """Map each public symbol's name to the symbol (for reading exported expressions back)."""
    return {sym.name: sym for sym in SYMBOLS}
