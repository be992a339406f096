"""exprel(x) = (e^x - 1)/x and exprel_2(x) = 2 (e^x - 1 - x)/x^2, both 1 at x = 0: removable singularities as
functions (the names are GSL's, gsl_sf_exprel and gsl_sf_exprel_2)."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

__all__ = [
    "exprel", "exprel_numpy", "exprel_mpmath", "exprel_2", "exprel_2_numpy", "exprel_2_mpmath",
    "lambertw_numpy", "lambertw_mpmath", "EXP_ARG_LIMIT", "exp_mpmath", "expm1_mpmath",
]

EXP_ARG_LIMIT = 2.0**40
"""|x| beyond which mpmath's e^x is taken as inf (or 0): e^(2^40) exceeds float64 by 10^11 orders of magnitude,
and computing it exactly costs time in the size of x itself (e^(e^(2e5)) takes seconds, e^(e^(1e6)) minutes)."""


def exp_mpmath(x):
    """e^x at mpmath's working precision; inf beyond EXP_ARG_LIMIT and 0 below -EXP_ARG_LIMIT."""
    x = mpmath.mpmathify(x)
    if abs(mpmath.re(x)) > EXP_ARG_LIMIT:
        return mpmath.inf if mpmath.re(x) > 0 else mpmath.mpf(0)
    return mpmath.exp(x)


def expm1_mpmath(x):
    """e^x - 1 at mpmath's working precision; inf beyond EXP_ARG_LIMIT and -1 below -EXP_ARG_LIMIT."""
    x = mpmath.mpmathify(x)
    if abs(mpmath.re(x)) > EXP_ARG_LIMIT:
        return mpmath.inf if mpmath.re(x) > 0 else mpmath.mpf(-1)
    return mpmath.expm1(x)


class _OneAtZero(sp.Function):
    """A function of one argument continued by the value 1 at 0; numerically, its `mp_value` (mpmath at the
    working precision)."""

    nargs = 1

    @classmethod
    def eval(cls, arg):
        if arg.is_zero:
            return sp.Integer(1)

    @staticmethod
    def mp_value(x):
        raise NotImplementedError

    def _eval_evalf(self, prec):
        (x,) = self.args
        x = x.evalf(prec)
        if not x.is_Number:
            return None
        with mpmath.workprec(prec):
            return sp.Float(type(self).mp_value(mpmath.mpf(x._mpf_)), precision=prec)


class exprel(_OneAtZero):  # noqa: N801 - the function's mathematical name
    """exprel(x) = expm1(x)/x, continued by exprel(0) = 1."""

    def fdiff(self, argindex=1):
        (x,) = self.args
        return (sp.exp(x) * x - sp.exp(x) + 1) / x**2

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return sp.Piecewise((sp.Integer(1), sp.Eq(arg, 0)), ((sp.exp(arg) - 1) / arg, True))

    @staticmethod
    def mp_value(x):
        return exprel_mpmath(x)


def exprel_numpy(x):
    """Vectorised exprel in float64: expm1(x)/x, 1 at x = 0, inf at x = inf (no 0/0, no inf/inf)."""
    x = np.asarray(x, dtype=float)
    safe = np.where((x == 0.0) | (x == np.inf), 1.0, x)
    with np.errstate(over="ignore"):
        return np.where(x == 0.0, 1.0, np.where(x == np.inf, np.inf, np.expm1(safe) / safe))


def exprel_mpmath(x):
    """exprel at the working precision of mpmath."""
    x = mpmath.mpmathify(x)
    if x == 0:
        return mpmath.mpf(1)
    if mpmath.isinf(x):
        return mpmath.inf if x > 0 else mpmath.mpf(0)
    return expm1_mpmath(x) / x


class exprel_2(_OneAtZero):  # noqa: N801 - the function's mathematical name
    """exprel_2(x) = 2 (e^x - 1 - x)/x^2 = 2 int_0^1 (1 - s) e^{s x} ds, continued by exprel_2(0) = 1; so that
    exprel(x) = 1 + x exprel_2(x)/2 separates exprel's value at 0 from its variation."""

    def fdiff(self, argindex=1):
        (x,) = self.args
        return 2 * ((x - 2) * sp.exp(x) + x + 2) / x**3

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return sp.Piecewise((sp.Integer(1), sp.Eq(arg, 0)), (2 * (sp.exp(arg) - 1 - arg) / arg**2, True))

    @staticmethod
    def mp_value(x):
        return exprel_2_mpmath(x)


EXPREL_2_SERIES_RADIUS = 0.5
"""|x| below which exprel_2 is summed as its Taylor series: outside, 2 (expm1(x) - x)/x^2 loses at most ~2 eps/|x|
= 4 eps to the cancellation of expm1(x) - x ~ x^2/2 (expm1 is correctly rounded to ~1 ulp)."""

EXPREL_2_TERMS = 17
"""Terms of the series 2 sum_k x^k/(k + 2)!: at |x| = 1/2 the first omitted one is 2 (1/2)^17/19! < 1e-22."""

_EXPREL_2_COEFFICIENTS = tuple(2.0 / math.factorial(k + 2) for k in range(EXPREL_2_TERMS))


def exprel_2_numpy(x):
    """Vectorised exprel_2 in float64: its Taylor series (Horner) for |x| < EXPREL_2_SERIES_RADIUS, else
    2 (expm1(x) - x)/x^2; inf at x = inf, 0 at x = -inf."""
    x = np.asarray(x, dtype=float)
    small = np.abs(x) < EXPREL_2_SERIES_RADIUS
    series = np.zeros_like(x)
    for c in reversed(_EXPREL_2_COEFFICIENTS):
        series = series * np.where(small, x, 0.0) + c
    safe = np.where(small | np.isinf(x), 1.0, x)
    with np.errstate(over="ignore", invalid="ignore"):
        direct = 2 * ((np.expm1(safe) - safe) / safe / safe)  # x^2 in two divisions: no overflow of x^2 alone
    return np.where(small, series, np.where(x == np.inf, np.inf, np.where(x == -np.inf, 0.0, direct)))


def exprel_2_mpmath(x):
    """exprel_2 at the working precision of mpmath: the closed form with the bits its cancellation costs near 0
    (expm1(x) - x ~ x^2/2 loses about -log2|x| of them) added to the working precision."""
    x = mpmath.mpmathify(x)
    if x == 0:
        return mpmath.mpf(1)
    if mpmath.isinf(x) or x > EXP_ARG_LIMIT:
        return mpmath.inf if x > 0 else mpmath.mpf(0)
    with mpmath.extraprec(max(0, -int(mpmath.mag(x))) + 10):
        value = 2 * (mpmath.expm1(x) - x) / x**2
    return +value


def lambertw_numpy(x, k=0):
    """Real branch k of Lambert W in float64 (scipy.special.lambertw); nan off the real branch."""
    from scipy.special import lambertw

    w = lambertw(np.asarray(x, dtype=float), int(k))
    return np.where(np.imag(w) == 0, np.real(w), np.nan)


def lambertw_mpmath(x, k=0):
    """Branch k of Lambert W at mpmath's working precision."""
    return mpmath.lambertw(x, int(k))
