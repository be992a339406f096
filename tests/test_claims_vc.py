"""The vc discrete claims: verdicts, derived values against independent numbers, and interval.py."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp
from hypothesis import example, given
from hypothesis import strategies as st
from mpmath import iv

from analysis.symbols import eta as ETA
from analysis.symbols import z as Z
from proofs import checks
from proofs.claim import Settings, run_claim
from proofs.claims import vc_discrete
from proofs.interval import Enclosure, enclose, exp_moment

DPS = 50
"""Working digits of the independent reference computations."""

RTOL = 10.0 ** -(DPS - 10)
"""Relative agreement required at DPS digits (10 digits of margin for rounding and cancellation): 1e-40."""

BISECTIONS = 200
"""Halvings of the root bracket: 2^-200 relative is below the 50-digit rounding."""

PRINTED_RTOL = 1e-12
"""Agreement of a counterexample's printed values (mpmath.nstr, 15 significant digits) with a recomputation."""

DIFF_ATOL = 1e-30
"""mpmath.diff's second derivative at DPS digits (default step ~ 10^(-DPS/3)) is accurate to far better than this."""

PROBE_ATOL = 1e-25
"""A value evaluated with evalf(30) (30 digits) equals 1 to within this when it is 1."""

MOMENT_WIDTH = 1e-13
"""Width of exp_moment's enclosure at a point: a few hundred 53-bit ulps (the closed form loses a few bits)."""

MOMENT_DPS = 30
"""Digits of the quadrature reference for E_n: far beyond the 53-bit enclosure being tested."""

END_OFFSET = mpmath.mpf(10) ** -20
"""Distance of z from the ends of (0, 1) at which the ratio is compared with its end value: |dr/du| <= eta^2 < 1
there (r = s^2, 0 < s < 1, ds/du = eta^2 E_1(-eta u) <= eta^2/2), so |r - bound| <= END_OFFSET; DPS digits leave
30 after the 20 lost to cancellation in the loss near a*."""

FAST = Settings(samples=12, seed=3)
"""Few points: the claims' own numeric checks are exercised, not re-timed."""

CLAIMS = {claim.id: claim for claim in vc_discrete.CLAIMS}


def _z(eta):
    """The nontrivial root of e^{eta (z - 1)} = 2 z - 1, found by bisection (independent of Lambert W)."""

    def f(z):
        return mpmath.exp(eta * (z - 1)) - (2 * z - 1)

    low, high = mpmath.mpf(1) + mpmath.mpf(10) ** -3, mpmath.mpf(2)
    while f(high) < 0:
        high *= 2
    for _ in range(BISECTIONS):
        middle = (low + high) / 2
        low, high = (middle, high) if f(middle) < 0 else (low, middle)
    return (low + high) / 2


def _loss(a, a_star, t, sigma):
    return sigma**2 / 2 * (mpmath.exp(a * t) - mpmath.exp(a_star * t)) ** 2


def _paper_step(a, a_star, t, sigma, eta):
    """a - eta L'(a)/(t^2 sigma_k^2), from the paper's formulas, written out independently."""
    gradient = sigma**2 * t * (mpmath.exp(a * t) - mpmath.exp(a_star * t)) * mpmath.exp(a * t)
    return a - eta * gradient / (t**2 * sigma**2 * mpmath.exp(2 * a * t))


def test_claim_ids_are_the_issues():
    assert list(CLAIMS) == [
        "theorem1-first-order",
        "theorem1-as-stated",
        "vc-exact-ratio",
        "vc-above",
        "vc-below",
        "vc-global",
        "vc-exact-log",
    ]
    assert CLAIMS["vc-above"].inequality and CLAIMS["vc-above"].interval is not None


@pytest.mark.parametrize("claim_id", [c for c in CLAIMS if c != "vc-above"])
def test_verdict_is_expected(claim_id):
    result = run_claim(CLAIMS[claim_id], FAST)
    assert result.verdict == result.expected, result.outcomes


def test_vc_above_interval_certificate_counts_pieces():
    result = run_claim(CLAIMS["vc-above"], FAST)
    assert result.verdict == "holds", result.outcomes
    assert result.interval_pieces >= 3


def _as_stated_gap(eta, w):
    """|Loss(a_1) - (1 - 2 eta) Loss(a_0)| / Loss(a_1) at a* = 0, t = sigma = 1, a_0 = w (the paper's step)."""
    eta, w, zero, one = mpmath.mpf(eta), mpmath.mpf(w), mpmath.mpf(0), mpmath.mpf(1)
    lhs = _loss(_paper_step(w, zero, one, one, eta), zero, one, one)
    return abs(lhs - (1 - 2 * eta) * _loss(w, zero, one, one)) / lhs


def test_theorem1_as_stated_counterexample_is_the_first_clear_one_on_the_grid():
    """Every grid point searched before the reported one has a gap below CLEAR_GAP (recomputed independently)."""
    example = run_claim(CLAIMS["theorem1-as-stated"], FAST).outcome("numeric").counterexample
    with mpmath.workdps(DPS):
        for eta in vc_discrete.AS_STATED_GRID["eta"]:
            for w in vc_discrete.AS_STATED_GRID["w"]:
                if (eta, w) == (example["eta"], example["a0 - a_star"]):
                    assert _as_stated_gap(eta, w) > vc_discrete.CLEAR_GAP
                    return
                assert _as_stated_gap(eta, w) <= vc_discrete.CLEAR_GAP
    raise AssertionError("the reported counterexample is not on the grid")


def test_theorem1_as_stated_counterexample_recomputed():
    result = run_claim(CLAIMS["theorem1-as-stated"], FAST)
    assert result.verdict == "refuted"
    example = result.outcome("numeric").counterexample
    with mpmath.workdps(DPS):
        eta, t = mpmath.mpf(example["eta"]), mpmath.mpf(example["t"])
        a_star, sigma = mpmath.mpf(example["a_star"]), mpmath.mpf(example["sigma"])
        a0 = a_star + mpmath.mpf(example["a0 - a_star"])
        lhs = _loss(_paper_step(a0, a_star, t, sigma, eta), a_star, t, sigma)
        rhs = (1 - 2 * eta) * _loss(a0, a_star, t, sigma)
        assert abs(lhs - rhs) > vc_discrete.CLEAR_GAP * abs(lhs)
        assert abs(lhs - mpmath.mpf(example["Loss(a_1)"])) < PRINTED_RTOL * lhs
        assert abs(rhs - mpmath.mpf(example["(1 - 2 eta) Loss(a_0)"])) < PRINTED_RTOL * abs(rhs)


def test_second_order_coefficient_matches_numeric_derivative(paper):
    from analysis.symbols import eta, z

    coefficient = paper.vc_ratio_second_order.coeff(eta, 2)
    ratio = sp.lambdify((z, eta), paper.vc_ratio_z, "mpmath")
    with mpmath.workdps(DPS):
        for z0 in (mpmath.mpf("0.3"), mpmath.mpf(2), mpmath.mpf(5)):
            numeric = mpmath.diff(lambda h: ratio(z0, h), 0, 2) / 2
            assert abs(numeric - coefficient.subs(z, z0).evalf(DPS)) < DIFF_ATOL
    assert paper.vc_ratio_second_order.coeff(eta, 1) == -2


def _paper_ratio(z, eta, a_star=0, t=1, sigma=1):
    """Loss(a_1)/Loss(a_0) of the paper's step from a_0 = a* - log(z)/t, written out independently."""
    a_star, t, sigma = mpmath.mpf(a_star), mpmath.mpf(t), mpmath.mpf(sigma)
    a0 = a_star - mpmath.log(z) / t
    return _loss(_paper_step(a0, a_star, t, sigma, eta), a_star, t, sigma) / _loss(a0, a_star, t, sigma)


def test_bounds_are_the_ratio_at_the_ends(paper):
    from analysis.symbols import eta

    with mpmath.workdps(DPS):
        for e in ("0.01", "0.5", "0.99"):
            e = mpmath.mpf(e)
            near_optimum = _paper_ratio(1 - END_OFFSET, e)
            far_above = _paper_ratio(END_OFFSET, e)
            assert abs(near_optimum - paper.vc_ratio_lower_bound.subs(eta, e).evalf(DPS)) <= END_OFFSET
            assert abs(far_above - paper.vc_ratio_upper_bound.subs(eta, e).evalf(DPS)) <= END_OFFSET


def test_z_critical_against_bisection():
    with mpmath.workdps(DPS):
        for e in ("0.001", "0.3", "0.5", "0.999"):
            e = mpmath.mpf(e)
            closed = vc_discrete.z_critical(e)
            assert closed > 1
            assert abs(closed - _z(e)) < RTOL * closed
            assert abs(vc_discrete.ratio_z(closed, e) - 1) < RTOL


@pytest.mark.parametrize("e", vc_discrete.FACTOR_ETAS)
def test_first_step_factor_beyond_z_critical_recomputed(e):
    """The reported factor is Loss(a_1)/Loss(a_0) of the paper's step from z = 2 z_c (z_c by bisection), and > 1."""
    with mpmath.workdps(DPS):
        eta = mpmath.mpf(e)
        zc, factor = vc_discrete.first_step_factor(eta)
        assert abs(zc - _z(eta)) < RTOL * zc
        assert factor > 1
        assert abs(factor - _paper_ratio(vc_discrete.FACTOR_DISTANCE * _z(eta), eta)) < RTOL * factor


def test_principal_branch_would_be_trivial(paper):
    from analysis.symbols import eta

    principal = paper.vc_z_critical.replace(sp.LambertW, lambda arg, *k: sp.LambertW(arg))
    assert abs(principal.subs(eta, sp.Rational(1, 3)).evalf(30) - 1) < PROBE_ATOL


def test_log_ratio_is_a_function_of_eta_alone(paper):
    from analysis.symbols import eta

    assert paper.vc_log_ratio.free_symbols == {eta}
    assert paper.vc_log_step.free_symbols <= {sp.Symbol("a", real=True), sp.Symbol("a_star", real=True),
                                              sp.Symbol("t", positive=True), eta}


def test_signed_root_rejects_non_squares():
    from analysis.symbols import z
    from analysis.vc_discrete import signed_root

    with pytest.raises(ValueError):
        signed_root((z - 2) ** 3)


# --- proofs.interval -------------------------------------------------------------------------


def test_enclose_certifies_and_counts_pieces():
    result = enclose(lambda x, y: x * x + y * y - x * y + 1, {"x": (-3, 3), "y": (-3, 3)}, lower=0)
    assert result.status == "certified" and result.pieces > 1
    assert enclose(lambda x: x + 2, {"x": (-1, 1)}, lower=0).pieces == 1


def test_enclose_refutes_a_false_inequality():
    result = enclose(lambda x: x * x - 2 * x + 0.9, {"x": (-1, 3)}, lower=0)
    assert result.status == "refuted"
    x = result.point["x"]
    assert x * x - 2 * x + 0.9 <= 0


def test_enclose_two_sided_and_undecided():
    assert enclose(lambda x: iv.exp(x), {"x": (0, 1)}, lower=0.9, upper=2.8).certified
    assert enclose(lambda x: iv.exp(x), {"x": (0, 1)}, lower=0.9, upper=2.7).status == "refuted"
    touching = enclose(lambda x: x * x, {"x": (-1, 1)}, lower=-1e-300, max_pieces=30)
    assert touching.status == "certified"  # x*x >= 0 > -1e-300: decided once pieces are small enough
    undecided = enclose(lambda x: (x - 0.1) * (x - 0.1) * iv.mpf([1, 1]), {"x": (0, 1)}, lower=0, max_pieces=5)
    assert undecided.status == "undecided" and undecided.piece is not None  # touches 0 at x = 0.1: never decided


def test_enclose_rejects_bad_input():
    with pytest.raises(ValueError, match="box"):
        enclose(lambda x: x, {"x": (1, 0)}, lower=0)
    with pytest.raises(ValueError, match="lower or upper"):
        enclose(lambda x: x, {"x": (0, 1)})
    with pytest.raises(ValueError, match="max_pieces"):
        enclose(lambda x: x, {"x": (0, 1)}, lower=-1, max_pieces=0)
    with pytest.raises(ValueError):
        Enclosure("refuted", 1)


@pytest.mark.parametrize("y", ["-0.99", "-0.125", "-1e-40", "0", "1e-20", "0.1", "0.7", "3"])
@pytest.mark.parametrize("n", [0, 1, 2])
def test_exp_moment_encloses_the_integral(y, n):
    with mpmath.workdps(30):
        truth = mpmath.quad(lambda s: s**n * mpmath.exp(s * mpmath.mpf(y)), [0, 1])
    enclosure = exp_moment(iv.mpf(y), n)
    assert enclosure.a <= truth <= enclosure.b
    assert enclosure.delta < MOMENT_WIDTH


def _moment(y, n):
    with mpmath.workdps(MOMENT_DPS):
        return mpmath.quad(lambda s: s**n * mpmath.exp(s * y), [0, 1])


@given(st.floats(-8, 8), st.floats(-8, 8), st.integers(0, 3), st.floats(0, 1))
@example(-0.5, 0.5, 0, 0.5)  # straddles 0
@example(-0.125, 0.125, 1, 0.25)  # exactly the series region
@example(0.1, 0.2, 2, 0.5)  # crosses the series boundary 1/8 from inside
@example(-0.2, -0.1, 0, 0.5)  # crosses -1/8
@example(-1e-30, 3.0, 1, 0.0)  # a series end and a closed-form end
@example(-8.0, 8.0, 3, 0.9)
def test_exp_moment_encloses_wide_intervals(y1, y2, n, fraction):
    """E_n at both ends and at interior points of [y1, y2] lies in the enclosure of the whole interval."""
    low, high = sorted((y1, y2))
    enclosure = exp_moment(iv.mpf([low, high]), n)
    with mpmath.workdps(MOMENT_DPS):
        inside = mpmath.mpf(low) + (mpmath.mpf(high) - mpmath.mpf(low)) * mpmath.mpf(fraction)
        middle = (mpmath.mpf(low) + mpmath.mpf(high)) / 2
        for y in (mpmath.mpf(low), mpmath.mpf(high), inside, middle):
            truth = _moment(y, n)
            assert enclosure.a <= truth <= enclosure.b, (y, truth, enclosure)


def test_interval_function_from_derived_ratio_encloses_it(paper):
    """The generated interval ratio (exprel -> E_0) contains the mpmath ratio at points, z = 1 included."""
    from analysis.symbols import eta, z
    from numerics.rewrites import apply_rules
    from proofs.interval import interval_function

    f = interval_function(apply_rules(paper.vc_ratio_z), (eta, z))
    for e, zz in ((0.3, 1.0), (0.99, 0.001), (0.01, 5.0), (0.5, 0.999)):
        value = f(eta=iv.mpf(e), z=iv.mpf(zz))
        with mpmath.workdps(DPS):  # the limit (1 - eta)^2 at z = 1 (vc-exact-ratio), else the paper's step
            truth = _paper_ratio(mpmath.mpf(zz), mpmath.mpf(e)) if zz != 1 else (1 - mpmath.mpf(e)) ** 2
        assert value.a <= truth <= value.b


def test_interval_function_rejects_non_interval_functions():
    from proofs.interval import interval_function

    x = sp.Symbol("x")
    with pytest.raises(ValueError, match="interval"):
        interval_function(sp.sin(x), (x,))


def test_centered_form_is_sound_and_tighter():
    from proofs.interval import centered_form, interval_function

    x, y = sp.symbols("x y")
    expr = sp.exp(x) - x * y
    box = {"x": iv.mpf([0.5, 0.75]), "y": iv.mpf([1, 1.25])}
    centred, natural = centered_form(expr, (x, y))(**box), interval_function(expr, (x, y))(**box)
    for xx in (0.5, 0.6, 0.75):
        for yy in (1, 1.1, 1.25):
            assert centred.a <= mpmath.exp(xx) - xx * yy <= centred.b
    assert centred.delta < natural.delta


@pytest.mark.parametrize(
    ("key", "check"),
    [
        ("vc_ratio_first_order", "first_order_symbolic"),
        ("second_order_coefficient", "first_order_symbolic"),
        ("vc_ratio_lower_bound", "above_symbolic"),
        ("vc_ratio_upper_bound", "above_symbolic"),
        ("vc_z_critical", "below_symbolic"),
        ("vc_ratio_z", "exact_ratio_symbolic"),
        ("vc_ratio_local", "exact_ratio_symbolic"),
        ("vc_log_ratio", "exact_log_symbolic"),
    ],
)
def test_a_wrong_stated_formula_is_not_confirmed(monkeypatch, key, check):
    """The checks compare the stated formula with the derived one: a changed statement fails them."""
    from analysis.symbols import eta

    monkeypatch.setitem(vc_discrete.STATED, key, vc_discrete.STATED[key] + eta**3)
    assert getattr(vc_discrete, check)(FAST).status != "confirmed"


MIDDLE = ((1 - ETA) ** 2 + sp.exp(-2 * ETA)) / 2
"""A wrong bound for vc-above: the mean of the true ones, crossed by the ratio in the middle of a > a*."""


@pytest.mark.parametrize(
    ("key", "wrong", "check"),
    [
        ("vc_ratio_lower_bound", MIDDLE, "above_numeric"),
        ("vc_ratio_lower_bound", MIDDLE, "above_interval"),
        ("vc_ratio_upper_bound", MIDDLE, "above_numeric"),
        ("vc_ratio_upper_bound", MIDDLE, "above_interval"),
        ("vc_log_ratio", (1 - ETA) ** 2 * sp.Rational(1001, 1000), "exact_log_numeric"),
        ("vc_log_ratio", 1 - 2 * ETA, "exact_log_numeric"),
        ("second_order_coefficient", sp.Rational(21, 10) - Z, "first_order_numeric"),
        ("vc_ratio_z", vc_discrete.STATED["vc_ratio_z"] * (1 + ETA / 1000), "exact_ratio_numeric"),
    ],
)
def test_a_wrong_stated_formula_is_refuted_by_the_numeric_and_interval_checks(monkeypatch, key, wrong, check):
    """Not only the symbolic comparison: the numeric runs and the enclosures test the stated formula itself."""
    monkeypatch.setitem(vc_discrete.STATED, key, wrong)
    vc_discrete._above_functions.cache_clear()
    try:
        assert getattr(vc_discrete, check)(FAST).status == "refuted"
    finally:
        vc_discrete._above_functions.cache_clear()


@pytest.mark.parametrize("branch", [0, "scaled"])
def test_a_wrong_stated_z_critical_is_refuted_numerically(monkeypatch, branch):
    stated = vc_discrete.STATED["vc_z_critical"]
    if branch == 0:
        wrong = stated.replace(sp.LambertW, lambda arg, *k: sp.LambertW(arg))  # the principal branch: z_c = 1
    else:
        wrong = stated * (1 + sp.Rational(1, 10**6))
    monkeypatch.setitem(vc_discrete.STATED, "vc_z_critical", wrong)
    assert vc_discrete.below_numeric(FAST).status == "refuted"
    assert vc_discrete.below_symbolic(FAST).status == "refuted"


def test_statements_are_rendered_from_the_stated_formulas():
    text = vc_discrete._text
    stated = vc_discrete.STATED
    assert text(stated["second_order_coefficient"]) in CLAIMS["theorem1-first-order"].statement
    assert text(stated["vc_ratio_lower_bound"]) in CLAIMS["vc-above"].statement
    assert text(stated["vc_ratio_upper_bound"]) in CLAIMS["vc-above"].statement
    assert text(stated["vc_z_critical"]) in CLAIMS["vc-below"].statement
    assert sp.latex(stated["vc_z_critical"]) in CLAIMS["vc-below"].latex
    assert text(stated["vc_ratio_z"]) in CLAIMS["vc-exact-ratio"].statement
    assert text(stated["vc_log_ratio"]) in CLAIMS["vc-exact-log"].statement


def test_as_stated_grid_without_a_gap_is_inconclusive(monkeypatch):
    monkeypatch.setattr(vc_discrete, "CLEAR_GAP", float("inf"))
    assert vc_discrete.as_stated_numeric(FAST).status == "inconclusive"


def test_as_stated_numeric_confirms_an_update_for_which_the_statement_is_true(monkeypatch):
    """The check is not built to refute: with an update whose loss ratio is exactly 1 - 2 eta it confirms."""
    true_loss = vc_discrete.loss

    def exact_update(a0, a_star, t, eta):
        return ("after one step", a0, eta)

    def loss(a, a_star, t, sigma):
        if isinstance(a, tuple):
            _, a0, eta = a
            return (1 - 2 * eta) * true_loss(a0, a_star, t, sigma)
        return true_loss(a, a_star, t, sigma)

    monkeypatch.setattr(vc_discrete, "vc_update", exact_update)
    monkeypatch.setattr(vc_discrete, "loss", loss)
    outcome = vc_discrete.as_stated_numeric(FAST)
    assert outcome.status == "confirmed" and outcome.worst_error <= checks.mp_rtol(FAST.dps), outcome


@pytest.mark.parametrize("claim_id", ["vc-above", "vc-below", "vc-global"])
def test_inequality_claims_are_interval_certified(claim_id):
    claim = CLAIMS[claim_id]
    assert claim.inequality
    outcome = claim.interval(FAST)
    assert outcome.status == "confirmed" and outcome.pieces >= 3, outcome


def test_z_critical_lies_in_the_interval_box():
    with mpmath.workdps(DPS):
        assert 1 < vc_discrete.z_critical(vc_discrete.ETA_BOX[0]) < vc_discrete.Z_MAX


def test_removable_singularity_is_covered_not_skipped():
    # (1 - e^{-x})/x > 1/2 on [0, 1], including the removable point x = 0.
    def f(x):
        return exp_moment(-x, 0)

    assert enclose(f, {"x": (0, 1)}, lower=0.5).certified
    # The same expression written as a quotient never decides at x = 0.
    naive = enclose(lambda x: (1 - iv.exp(-x)) / x, {"x": (0, 1)}, lower=0.5, max_pieces=40)
    assert naive.status != "certified"
