"""Taylor expansions in a small parameter (the learning rate), the two ways the claims need."""

from __future__ import annotations

import sympy as sp

__all__ = ["taylor_coefficient", "derivative_coefficient", "taylor_polynomial"]


def taylor_coefficient(expr: sp.Expr, var: sp.Symbol, order: int) -> sp.Expr:
    """The coefficient of var**order in the Taylor series of expr about var = 0, by `sympy.series`."""
    return sp.factor(sp.series(expr, var, 0, order + 1).removeO().coeff(var, order))


def derivative_coefficient(expr: sp.Expr, var: sp.Symbol, order: int) -> sp.Expr:
    """The Taylor coefficient of var**order about var = 0 by Taylor's formula, f^(n)(0)/n!.

    The same number as `taylor_coefficient`, without the cost of `sympy.series`.

    >>> from analysis.symbols import eta
    >>> derivative_coefficient(sp.exp(2 * eta), eta, 2)
    2
    """
    return sp.factor(sp.expand(sp.diff(expr, var, order).subs(var, 0) / sp.factorial(order)))


def taylor_polynomial(expr: sp.Expr, var: sp.Symbol, order: int) -> sp.Expr:
    """sum_{k <= order} f^(k)(0)/k! var^k: expr to `order` in var (the O(var^(order+1)) term dropped).

    >>> from analysis.symbols import eta
    >>> taylor_polynomial((1 - eta) ** 3, eta, 1)
    1 - 3*eta
    """
    return sp.expand(sp.Add(*(derivative_coefficient(expr, var, k) * var**k for k in range(order + 1))))
