"""exprel(x) = (e^x - 1)/x, with exprel(0) = 1: the removable singularity as a function."""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

__all__ = ["exprel", "exprel_numpy", "exprel_mpmath", "lambertw_numpy", "lambertw_mpmath"]


class exprel(sp.Function):  # noqa: N801 - the function's mathematical name
    """exprel(x) = expm1(x)/x, continued by exprel(0) = 1."""

    nargs = 1

    @classmethod
    def eval(cls, arg):
        if arg.is_zero:
            return sp.Integer(1)

    def fdiff(self, argindex=1):
        (x,) = self.args
        return (sp.exp(x) * x - sp.exp(x) + 1) / x**2

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return sp.Piecewise((sp.Integer(1), sp.Eq(arg, 0)), ((sp.exp(arg) - 1) / arg, True))

    def _eval_evalf(self, prec):
        (x,) = self.args
        x = x.evalf(prec)
        if not x.is_Number:
            return None
        with mpmath.workprec(prec):
            return sp.Float(exprel_mpmath(mpmath.mpf(x._mpf_)), precision=prec)


def exprel_numpy(x):
    """Vectorised exprel in float64: expm1(x)/x, 1 at x = 0, and no 0/0."""
    x = np.asarray(x, dtype=float)
    safe = np.where(x == 0.0, 1.0, x)
    with np.errstate(over="ignore"):
        return np.where(x == 0.0, 1.0, np.expm1(safe) / safe)


def exprel_mpmath(x):
    """exprel at the working precision of mpmath."""
    x = mpmath.mpmathify(x)
    if x == 0:
        return mpmath.mpf(1)
    return mpmath.expm1(x) / x


def lambertw_numpy(x, k=0):
    """Real branch k of Lambert W in float64 (scipy.special.lambertw); nan off the real branch."""
    from scipy.special import lambertw

    w = lambertw(np.asarray(x, dtype=float), int(k))
    return np.where(np.imag(w) == 0, np.real(w), np.nan)


def lambertw_mpmath(x, k=0):
    """Branch k of Lambert W at mpmath's working precision."""
    return mpmath.lambertw(x, int(k))
