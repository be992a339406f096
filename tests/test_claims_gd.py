"""Plain-GD claims (lemma1, gd-stability): they hold, and perturbed statements are refuted."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given
from hypothesis import strategies as st

from proofs import checks, registry
from proofs.claim import Settings, run_claim
from proofs.claims import gradient_descent as gd

FAST = Settings(samples=15, seed=5, dps=40)

LOCAL_RATE_DPS = 40
"""Digits of the local-rate runs: rounding (~1e-40 per step) is far below LOCAL_RATE_RTOL."""

LOCAL_RATE_STEPS = 6
"""Plain-GD steps per local-rate run: at h <= 2.5 the offset grows by at most |1 - h|^6 = 1.5^6 ~ 11, still linear."""

LOCAL_RATE_RTOL = 1e-9
"""Measured vs |1 - h| per-step multiplier over LOCAL_RATE_STEPS steps from (a_0 - a*) t = gd.STABILITY_OFFSET = 1e-12:
the map's quadratic term (d^3 Loss/da^3 = 3 t Loss'' at a*) is 3 h (a - a*) t / (2 |1 - h|) <= 3e-11 relative per step
over the drawn h (|1 - h| >= 0.1, growth <= 11); rounding at LOCAL_RATE_DPS digits is negligible. Margin 30x (a grid
of the drawn range measures <= 5e-12)."""


@pytest.mark.parametrize("claim_id", ["lemma1", "gd-stability"])
def test_claim_holds(claim_id):
    result = run_claim(registry.get(claim_id), FAST)
    assert result.verdict == "holds", result.outcomes


def test_second_order_coefficient_is_t2_sigma2_times_hessian(paper):
    from analysis.symbols import t

    c2 = paper.gd_ratio_second_order
    assert sp.expand(c2 - t**2 * paper.terminal_variance * paper.hessian) == 0
    # a perturbed coefficient is refuted by the symbolic check, with a point
    outcome = checks.symbolic_zero({"wrong c2": c2 - 2 * t**2 * paper.terminal_variance * paper.hessian})
    assert outcome.status == "refuted" and "value" in outcome.counterexample


def test_learning_rate_limit_separates_contraction_from_expansion(f_mpmath):
    with mpmath.workdps(40):
        p = {"a_star": mpmath.mpf("0.3"), "t": mpmath.mpf("1.5"), "sigma": mpmath.mpf("0.7")}
        eta_max = f_mpmath.gd_learning_rate_max(**p)
        assert gd._gd_contraction(f_mpmath, p, eta_max * mpmath.mpf("0.97")) < 1
        assert gd._gd_contraction(f_mpmath, p, eta_max * mpmath.mpf("1.03")) > 1
        # a limit 10% too large is wrong: GD at 0.97 of it already expands
        assert gd._gd_contraction(f_mpmath, p, eta_max * mpmath.mpf("1.1") * mpmath.mpf("0.97")) > 1


def test_escape_steps_grow_like_the_derived_constant(f_numpy):
    a_star, t, sigma = 0.2, 1.3, 0.8
    eta = gd.GROWTH_STEP / float(f_numpy.gd_curvature_optimum(a_star=a_star, t=t, sigma=sigma))
    depths = np.asarray(gd.GROWTH_DEPTHS)
    steps = gd._escape_steps(f_numpy, a_star, t, sigma, depths, eta)
    constant = float(f_numpy.gd_steps_growth(a_star=a_star, t=t, sigma=sigma, eta=eta))
    fitted = np.polyfit(np.exp(depths), steps, 1)[0]
    assert abs(fitted / constant - 1) <= gd.GROWTH_RATIO_RTOL


@pytest.mark.parametrize("key", ["curvature", "eta_max", "growth"])
def test_a_wrong_stated_formula_is_refuted_by_the_symbolic_check(key):
    wrong = {**gd.STATED_STABILITY, key: 2 * gd.STATED_STABILITY[key]}
    outcome = gd.stability_symbolic(FAST, stated=wrong)
    assert outcome.status == "refuted" and outcome.counterexample["difference"].startswith(
        {"curvature": "curvature - stated", "eta_max": "eta_max - stated", "growth": "C - stated"}[key]
    )


@pytest.mark.parametrize(
    ("key", "factor"),
    [("eta_max", sp.Rational(101, 100)), ("curvature", sp.Rational(101, 100)), ("growth", sp.Rational(105, 100))],
)
def test_a_wrong_stated_formula_is_refuted_by_running_gd(key, factor):
    """The runs test the stated eta_max (multiplier 1 there), curvature (|1 - eta L''|) and C (escape growth)."""
    wrong = {**gd.STATED_STABILITY, key: factor * gd.STATED_STABILITY[key]}
    assert gd.stability_numeric(FAST, stated=wrong).status == "refuted"


def test_escape_increments_follow_the_derived_flow_time(f_numpy, f_mpmath):
    """N(z0_{i+1}) - N(z0_i) = flow time / eta + 1/2 ln(v_end/v_start) to within the integer slack; a flow time
    1% off (what a 1% error in C amounts to) is outside it."""
    point = {"a_star": -0.4, "t": 0.7, "sigma": 1.9}
    eta = gd.GROWTH_STEP / float(f_numpy.gd_curvature_optimum(**point))
    depths = np.asarray(gd.GROWTH_DEPTHS)
    steps = gd._escape_steps(f_numpy, point["a_star"], point["t"], point["sigma"], depths, eta)
    with mpmath.workdps(30):
        residuals = gd._increment_residuals(f_mpmath, point, gd.GROWTH_DEPTHS, steps, eta)
        assert max(map(abs, residuals)) <= gd.ESCAPE_STEP_SLACK
        off = gd._increment_residuals(f_mpmath, point, gd.GROWTH_DEPTHS, steps, eta * 1.01)
    assert max(map(abs, off)) > gd.ESCAPE_STEP_SLACK


def test_a_wrong_stated_second_order_term_is_refuted():
    wrong = {**gd.STATED_LEMMA1, "c2": 2 * gd.STATED_LEMMA1["c2"]}
    assert gd.lemma1_symbolic(FAST, stated=wrong).status == "refuted"



@given(
    a_star=st.floats(-2, 2),
    t=st.floats(0.2, 3),
    sigma=st.floats(0.2, 3),
    # h = 1 (one-step contraction) and h = 2 (the stability boundary) are where the linear rate decides nothing
    h=st.one_of(st.floats(0.01, 0.9), st.floats(1.1, 1.99), st.floats(2.01, 2.5)),
)
@example(a_star=0.0, t=1.0, sigma=1.0, h=1.95)  # just inside the stability limit
@example(a_star=0.0, t=1.0, sigma=1.0, h=2.05)  # just outside: expands
@example(a_star=0.0, t=1.0, sigma=1.0, h=0.01)  # small step
@example(a_star=2.0, t=3.0, sigma=3.0, h=0.5)  # large curvature e^12 * 81
def test_local_gd_rate_is_one_minus_eta_times_curvature(f_mpmath, a_star, t, sigma, h):
    """Near a*, plain GD with eta = h / Loss''(a*) multiplies a - a* by |1 - h| per step: stable iff h < 2."""
    with mpmath.workdps(LOCAL_RATE_DPS):
        p = {"a_star": mpmath.mpf(a_star), "t": mpmath.mpf(t), "sigma": mpmath.mpf(sigma)}
        eta = h / f_mpmath.gd_curvature_optimum(**p)
        measured = gd._gd_contraction(f_mpmath, p, eta, steps=LOCAL_RATE_STEPS)
        predicted = abs(1 - mpmath.mpf(h))
        assert abs(measured / predicted - 1) <= LOCAL_RATE_RTOL
        assert (measured < 1) == (eta < f_mpmath.gd_learning_rate_max(**p))
