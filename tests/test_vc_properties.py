"""Property tests: the variance-corrected updates run in mpmath against the proven bounds and rates.

The updates are written out here from the paper's formulas (gradient and terminal variance), not taken
from the derivation, and every step's loss ratio is held against the derived bounds.
"""

from __future__ import annotations

import mpmath
import sympy as sp
from hypothesis import example, given
from hypothesis import strategies as st
from mpmath import iv

from proofs.interval import exp_moment

DPS = 60
"""Working digits: |a - a*| t >= 1e-3 loses at most ~6 digits of the loss to cancellation."""

RTOL = 10.0 ** -(DPS - 20)
"""Relative agreement of exact identities at DPS digits (20 digits of margin for K steps of rounding): 1e-40."""

STEPS = 8
"""Steps per run: enough for a slope, and for the iterates to cross a* when they overshoot."""

ETA_MIN = 1e-4
"""Smallest eta drawn: |log c| = -2 log(1 - eta) >= 2e-4."""

SLOPE_RTOL = 10 * RTOL / ETA_MIN
"""Fitted slope of log Loss against k vs log c (exact log update): each loss within RTOL of c^k Loss_0 moves its log by
<= RTOL, the least-squares slope by <= 2 RTOL (two points, the worst case); over |log c| >= 2 ETA_MIN that is
<= RTOL / ETA_MIN relative, x10 margin: 1e-35."""

LOSS_FLOOR = mpmath.mpf(10) ** -20
"""Loss ratios compared only down to this: a_k - a* ~ 1e-10 there, costing 10 of the DPS digits."""

CRITICAL_OFFSET = mpmath.mpf(10) ** -6
"""Relative distance from z_c at which the sign of ratio - 1 is asserted (ratio - 1 ~ 1e-6 >> noise)."""

LINEAR_RTOL = mpmath.mpf(10) ** -4
"""|ratio - 1| at z_c (1 +- CRITICAL_OFFSET) agrees with the linear term |dr/dz| z_c CRITICAL_OFFSET to this relative
accuracy: the next term is O(CRITICAL_OFFSET z_c |r''/r'|) <= ~1e-5 over the drawn eta."""

FIRST_ORDER_Z = (0.25, 4.0)
"""z range of the first-order property (|a0 - a*| t <= log 4)."""

FIRST_ORDER_ETA_MAX = 0.25
"""Largest eta of the first-order property (the constant below is proven up to it)."""

RESOLVED_DISTANCE = mpmath.mpf(10) ** -20
"""Above a*, steps are compared while (a - a*) t >= this: the loss then keeps >= 20 of the DPS digits."""

BELOW_Z_CAP = mpmath.mpf(50)
"""vc-below draws z0 in (1, 2 min(z_c, this)): past z_c by a factor 2, without overflow-scale z0 at small eta."""

a_stars = st.floats(-2, 2)
times = st.floats(0.2, 3)
sigmas = st.floats(0.1, 3)
etas = st.floats(ETA_MIN, 0.999)
MIN_OFFSET = mpmath.mpf(10) ** -3
"""Smallest |a0 - a*| t drawn (a = a* itself is pinned with @example): DPS covers its cancellation."""

offsets = st.floats(float(MIN_OFFSET), 3)  # |a0 - a*| t


def _derived():
    from analysis import derive

    return derive()


def _bound(name):
    from analysis.symbols import eta

    return sp.lambdify(eta, _derived()[name], "mpmath")


LOWER, UPPER, CRITICAL = _bound("vc_ratio_lower_bound"), _bound("vc_ratio_upper_bound"), _bound("vc_z_critical")
LOG_FACTOR = _bound("vc_log_ratio")


def _loss(a, a_star, t, sigma):
    return sigma**2 / 2 * (mpmath.exp(a * t) - mpmath.exp(a_star * t)) ** 2


def _gradient_and_variance(a, a_star, t, sigma):
    gradient = sigma**2 * t * (mpmath.exp(a * t) - mpmath.exp(a_star * t)) * mpmath.exp(a * t)
    return gradient, sigma**2 * mpmath.exp(2 * a * t)


def vc(a, a_star, t, sigma, eta):
    """The paper's update a - eta L'(a)/(t^2 sigma_k^2)."""
    gradient, variance = _gradient_and_variance(a, a_star, t, sigma)
    return a - eta * gradient / (t**2 * variance)


def vc_log(a, a_star, t, sigma, eta):
    """The Gauss-Newton step in y = e^{a t}: a + log(1 - eta L'(a)/(t sigma_k^2))/t."""
    gradient, variance = _gradient_and_variance(a, a_star, t, sigma)
    return a + mpmath.log(1 - eta * gradient / (t * variance)) / t


def run(update, a0, a_star, t, sigma, eta, steps=STEPS):
    a, path = a0, [a0]
    for _ in range(steps):
        a = update(a, a_star, t, sigma, eta)
        path.append(a)
    return path, [_loss(x, a_star, t, sigma) for x in path]


def _mp(*values):
    return [mpmath.mpf(v) for v in values]


@given(a_stars, times, sigmas, etas)
@example(0.0, 1.0, 1.0, 1e-4)  # eta near 0
@example(0.0, 1.0, 1.0, 0.999)  # eta near 1
@example(2.0, 3.0, 3.0, 0.5)  # e^{2 a* t} = e^12: the largest terminal variance drawn
def test_a_star_is_a_fixed_point_of_both_updates(a_star, t, sigma, eta):
    """a = a*: the gradient vanishes, both updates stay at a* and the loss stays exactly 0."""
    with mpmath.workdps(DPS):
        a_star, t, sigma, eta = _mp(a_star, t, sigma, eta)
        for update in (vc, vc_log):
            path, losses = run(update, a_star, a_star, t, sigma, eta)
            assert all(a == a_star for a in path) and all(v == 0 for v in losses)


@given(a_stars, times, sigmas, etas, offsets)
@example(0.0, 1.0, 1.0, 1e-4, 1e-3)  # eta near 0, a near a*
@example(0.0, 1.0, 1.0, 0.999, 1e-3)  # eta near 1, a near a*: the ratio near its lower bound (1 - eta)^2 ~ 1e-6
@example(0.0, 1.0, 1.0, 0.999, 3.0)  # eta near 1, far above
def test_vc_above_every_step_within_bounds(a_star, t, sigma, eta, offset):
    with mpmath.workdps(DPS):
        a_star, t, sigma, eta, offset = _mp(a_star, t, sigma, eta, offset)
        path, losses = run(vc, a_star + offset / t, a_star, t, sigma, eta)
        low, high = LOWER(eta), UPPER(eta)
        for a, before, after in zip(path, losses, losses[1:]):
            assert a > a_star  # above a*, the iterates stay above a*
            if before == 0 or (a - a_star) * t < RESOLVED_DISTANCE:
                break  # converged to the precision at which the ratio is still resolved
            assert low < after / before < high


@given(a_stars, times, sigmas, etas, st.floats(0.0, 1.0))
@example(0.0, 1.0, 1.0, 0.5, 0.5)
@example(0.0, 1.0, 1.0, 0.999, 0.0)
@example(0.0, 1.0, 1.0, 1e-4, 1.0)
def test_vc_below_decreases_iff_below_z_critical(a_star, t, sigma, eta, fraction):
    with mpmath.workdps(DPS):
        a_star, t, sigma, eta, fraction = _mp(a_star, t, sigma, eta, fraction)
        zc = CRITICAL(eta)
        z0 = 1 + (min(zc, BELOW_Z_CAP) * 2 - 1) * fraction + MIN_OFFSET
        if abs(z0 / zc - 1) < CRITICAL_OFFSET:
            z0 = zc * (1 + CRITICAL_OFFSET)
        a0 = a_star - mpmath.log(z0) / t
        ratio = _loss(vc(a0, a_star, t, sigma, eta), a_star, t, sigma) / _loss(a0, a_star, t, sigma)
        assert (ratio < 1) == (z0 < zc)
        # every later step: below a* it decreases iff z_k < z_c; above a* it lies within the vc-above bounds
        path, losses = run(vc, a0, a_star, t, sigma, eta)
        low, high = LOWER(eta), UPPER(eta)
        for a, before, after in zip(path, losses, losses[1:]):
            if before <= LOSS_FLOOR * losses[0] or abs(a - a_star) * t < RESOLVED_DISTANCE:
                break  # converged to the precision at which the ratio is still resolved
            z = mpmath.exp((a_star - a) * t)
            if z > 1 and abs(z / zc - 1) >= CRITICAL_OFFSET:
                assert (after / before < 1) == (z < zc)
            elif z < 1:
                assert low < after / before < high


@given(st.floats(1e-3, 0.999))
@example(1e-3)
@example(0.5)
@example(0.999)
def test_ratio_tends_to_one_at_z_critical(eta):
    with mpmath.workdps(DPS):
        eta = mpmath.mpf(eta)
        zc = CRITICAL(eta)
        a_star, t, sigma = _mp(0, 1, 1)
        def ratio_at(z):
            a0 = a_star - mpmath.log(z) / t
            return _loss(vc(a0, a_star, t, sigma, eta), a_star, t, sigma) / _loss(a0, a_star, t, sigma)

        # at z_c itself the first step leaves the loss unchanged (z_c at DPS digits: ratio - 1 ~ 10^-DPS |r'| z_c)
        assert abs(ratio_at(zc) - 1) <= RTOL
        linear = abs(mpmath.diff(ratio_at, zc)) * zc * CRITICAL_OFFSET
        for side, sign in ((1 - CRITICAL_OFFSET, -1), (1 + CRITICAL_OFFSET, 1)):
            ratio = ratio_at(zc * side)
            assert sign * (ratio - 1) > 0
            assert abs(abs(ratio - 1) / linear - 1) < LINEAR_RTOL


def _first_order_constant(eta_max):
    """C with |r - (1 - 2 eta)| <= C eta^2 for z in FIRST_ORDER_Z, eta <= eta_max (mean value theorem).

    r = (1 - eta E_0(y))^2, y = -eta u, u = 1 - z: r - (1 - 2 eta) = 2 eta (1 - E_0(y)) + eta^2 E_0(y)^2 and
    |1 - E_0(y)| <= |y| max E_1, so C = 2 max|u| E_1(y_max) + E_0(y_max)^2 (E_n increasing).
    """
    u_max = max(abs(1 - FIRST_ORDER_Z[0]), abs(1 - FIRST_ORDER_Z[1]))
    y_max = iv.mpf(eta_max) * u_max
    return float((2 * u_max * exp_moment(y_max, 1) + exp_moment(y_max, 0) ** 2).b)


FIRST_ORDER_CONSTANT = _first_order_constant(FIRST_ORDER_ETA_MAX)


@given(a_stars, times, sigmas, st.floats(1e-6, FIRST_ORDER_ETA_MAX), st.floats(*FIRST_ORDER_Z))
@example(0.0, 1.0, 1.0, 1e-6, 4.0)
@example(0.0, 1.0, 1.0, FIRST_ORDER_ETA_MAX, 0.25)
def test_first_order_with_explicit_constant(a_star, t, sigma, eta, z0):
    with mpmath.workdps(DPS):
        a_star, t, sigma, eta, z0 = _mp(a_star, t, sigma, eta, z0)
        if abs(z0 - 1) < MIN_OFFSET:
            z0 = 1 + MIN_OFFSET
        a0 = a_star - mpmath.log(z0) / t
        ratio = _loss(vc(a0, a_star, t, sigma, eta), a_star, t, sigma) / _loss(a0, a_star, t, sigma)
        assert abs(ratio - (1 - 2 * eta)) <= FIRST_ORDER_CONSTANT * eta**2


@given(a_stars, times, sigmas, etas, st.floats(-3, 3))
@example(0.0, 1.0, 1.0, 0.5, 0.0)  # a0 = a*: a fixed point, loss 0 throughout
@example(0.0, 1.0, 1.0, 0.999, -3.0)
@example(0.0, 1.0, 1.0, 1e-4, 3.0)
def test_vc_exact_log_constant_factor_and_slope(a_star, t, sigma, eta, offset):
    with mpmath.workdps(DPS):
        a_star, t, sigma, eta, offset = _mp(a_star, t, sigma, eta, offset)
        if offset != 0 and abs(offset) < MIN_OFFSET:
            offset = mpmath.sign(offset) * MIN_OFFSET
        path, losses = run(vc_log, a_star + offset / t, a_star, t, sigma, eta)
        c = LOG_FACTOR(eta)
        assert c == (1 - eta) ** 2 or abs(c / (1 - eta) ** 2 - 1) < RTOL
        if losses[0] == 0:
            assert all(x == a_star for x in path)
            return
        losses = [v for k, v in enumerate(losses) if k == 0 or c**k >= LOSS_FLOOR]
        for k, value in enumerate(losses):
            assert abs(value - c**k * losses[0]) <= RTOL * c**k * losses[0]
        if len(losses) < 2:
            return
        logs = [mpmath.log(v) for v in losses]
        ks = range(len(logs))
        mean_k, mean_log = mpmath.fsum(ks) / len(logs), mpmath.fsum(logs) / len(logs)
        slope = mpmath.fsum((k - mean_k) * (v - mean_log) for k, v in zip(ks, logs)) / mpmath.fsum(
            (k - mean_k) ** 2 for k in ks
        )
        assert abs(slope - mpmath.log(c)) < SLOPE_RTOL * abs(mpmath.log(c))


@given(a_stars, times, sigmas, st.floats(0.05, 0.999), st.floats(-3, 3))
@example(0.0, 1.0, 1.0, 0.999, -3.0)  # far below: overshoots
@example(0.0, 1.0, 1.0, 0.5, 1e-3)
def test_vc_global_one_overshoot_then_slope_within_rates(a_star, t, sigma, eta, offset):
    with mpmath.workdps(DPS):
        a_star, t, sigma, eta, offset = _mp(a_star, t, sigma, eta, offset)
        if abs(offset) < MIN_OFFSET:
            offset = MIN_OFFSET
        path, losses = run(vc, a_star + offset / t, a_star, t, sigma, eta, steps=3 * STEPS)
        resolved = [k for k, v in enumerate(losses) if v > LOSS_FLOOR * losses[0]]  # above the rounding floor
        path, losses = path[: resolved[-1] + 1], losses[: resolved[-1] + 1]
        sides = [a > a_star for a in path]
        crossings = sum(1 for x, y in zip(sides, sides[1:]) if x != y)
        assert crossings <= 1 and (crossings == 0 or not sides[0])
        if True not in sides:
            return
        above = [v for v, side in zip(losses, sides) if side and v > 0]
        if len(above) < 3:
            return
        slope = (mpmath.log(above[-1]) - mpmath.log(above[0])) / (len(above) - 1)
        assert 2 * mpmath.log(1 - eta) < slope < -2 * eta
