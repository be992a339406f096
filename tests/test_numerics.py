"""Generated numerics against independent high-precision evaluation of the derivations."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, example, given
from hypothesis import strategies as st

from analysis.symbols import a, a_star, eta, mu, sigma, t, x0, z
from numerics import RULES, compile

REFERENCE_DPS = 50
"""Digits of the reference evaluation: 50 leaves > 30 digits after the worst cancellation tested."""
REL_TOL = 1e-12
"""The issue's accuracy target; float64 rounding of arguments up to |a t| = 300 costs ~ 600 eps = 1.3e-13."""
FLOAT_MAX = float(np.finfo(float).max)
FLOAT_TINY = float(np.finfo(float).tiny)
"""Below float64's smallest normal number only absolute accuracy of this order is possible."""

finite_gain = st.floats(-300, 300)  # a t and a* t: the range of the accuracy requirement
times = st.floats(1e-3, 50)
scales = st.floats(1e-3, 1e3)
rates = st.floats(1e-6, 2.0)


def cancelled_digits(values) -> int:
    """Digits the unrewritten form loses to e^{at} - e^{a*t} cancelling (0 unless a ~ a*)."""
    if "a" not in values or "a_star" not in values or values["a"] == values["a_star"]:
        return 0
    a_, b_ = mpmath.mpf(float(values["a"])), mpmath.mpf(float(values["a_star"]))
    with mpmath.workdps(20):
        ratio = max(abs(a_), abs(b_), 1) / abs(a_ - b_)
    return max(0, int(mpmath.ceil(mpmath.log10(ratio))))


def reference(paper, name, extra_dps=0, **values):
    """The derived (unrewritten) expression evaluated with mpmath at REFERENCE_DPS digits
    beyond those its cancellation near a = a* costs."""
    expr = paper[name]
    args = sorted(expr.free_symbols, key=lambda s: s.name)
    fn = sp.lambdify(args, expr, "mpmath")
    with mpmath.workdps(REFERENCE_DPS + cancelled_digits(values) + extra_dps):
        return fn(*(mpmath.mpf(float(values[s.name])) for s in args))


RATIO_INNER_ABS = 8 * float(np.finfo(float).eps)
"""The vc ratios are (eta exprel(eta (z - 1)) - 1)^2: the inner difference of O(1) numbers is kept to a few
ulp absolutely, not relatively, where it vanishes (eta -> 1 at z -> 1, z -> z_c, z -> 0 for large eta)."""


def assert_ratio_close(value, exact):
    """|value - exact| within REL_TOL relatively plus what RATIO_INNER_ABS in the inner difference costs."""
    value = float(value)
    assert not math.isnan(value)
    if abs(exact) > FLOAT_MAX:
        assert value == math.inf
        return
    allowed = REL_TOL * abs(exact) + 2 * mpmath.sqrt(abs(exact)) * RATIO_INNER_ABS + RATIO_INNER_ABS**2
    assert abs(value - exact) <= allowed, (value, exact)


def assert_relative(value, exact, tol=REL_TOL):
    value = float(value)
    assert not math.isnan(value)
    if abs(exact) > FLOAT_MAX:
        assert value == math.copysign(math.inf, exact)
    elif abs(exact) < FLOAT_TINY:
        assert abs(value - exact) <= FLOAT_TINY, (value, exact)
    else:
        assert abs(value - exact) <= tol * abs(exact), (value, exact)


@pytest.mark.parametrize("name", ["loss", "gradient"])
@given(at=finite_gain, ast=finite_gain, t_=times, s=scales)
@example(at=1.0, ast=1.0, t_=1.0, s=1.0)  # a = a* exactly
@example(at=1.0 + 1e-12, ast=1.0, t_=1.0, s=1.0)  # a = a* (1 + 1e-12): catastrophic cancellation if naive
@example(at=1.0 - 1e-12, ast=1.0, t_=1.0, s=1.0)
@example(at=-300.0, ast=-300.0 * (1 + 1e-12), t_=2.0, s=0.5)
@example(at=300.0, ast=-300.0, t_=1.0, s=1.0)  # e^{2 a t} near the top of float64's range
@example(at=-300.0, ast=300.0, t_=1.0, s=1.0)
def test_loss_and_gradient_are_accurate(paper, f_numpy, name, at, ast, t_, s):
    values = {"a": at / t_, "a_star": ast / t_, "t": t_, "sigma": s}
    assert_relative(f_numpy[name](**values), reference(paper, name, **values))


@pytest.mark.parametrize("name", ["terminal_variance", "gauss_newton", "gd_ratio_first_order"])
@given(at=finite_gain, t_=times, s=scales, e=rates)
def test_moments_are_accurate(paper, f_numpy, name, at, t_, s, e):
    values = {"a": at / t_, "t": t_, "sigma": s, "eta": e}
    fn = f_numpy[name]
    values = {k: v for k, v in values.items() if k in fn.arguments}
    exact = reference(paper, name, **values)
    # gd_ratio_first_order is 1 - (positive): absolute error relative to the larger summand
    scale = max(abs(exact), 1.0) if name == "gd_ratio_first_order" else abs(exact)
    assert abs(float(fn(**values)) - exact) <= REL_TOL * scale or abs(exact) > FLOAT_MAX


@given(at=finite_gain, ast=finite_gain, t_=times, s=scales)
@example(at=1.0, ast=1.0 + math.log(2), t_=1.0, s=1.0)  # the concavity threshold: summands cancel
def test_hessian_absolute_error_is_small_against_its_largest_summand(paper, f_numpy, at, ast, t_, s):
    values = {"a": at / t_, "a_star": ast / t_, "t": t_, "sigma": s}
    exact = reference(paper, "hessian", **values)
    with mpmath.workdps(REFERENCE_DPS):
        m = mpmath.mpf(s) ** 2 * mpmath.mpf(t_) ** 2
        largest = max(2 * m * mpmath.exp(2 * mpmath.mpf(at)), m * mpmath.exp(mpmath.mpf(at) + mpmath.mpf(ast)))
    assert abs(float(f_numpy.hessian(**values)) - exact) <= REL_TOL * largest


@given(zz=st.floats(1e-6, 40.0), e=st.floats(1e-6, 1.999))
@example(zz=1.0, e=0.5)  # the removable singularity itself
@example(zz=1.0 + 1e-12, e=0.5)
@example(zz=1.0 - 1e-12, e=0.5)
@example(zz=1.0, e=1e-6)
def test_vc_ratio_z_is_accurate_through_the_removable_singularity(paper, f_numpy, zz, e):
    got = float(f_numpy.vc_ratio_z(z=zz, eta=e))
    assert not math.isnan(got)
    with mpmath.workdps(REFERENCE_DPS):
        zm, em = mpmath.mpf(zz), mpmath.mpf(e)
        if zm == 1:
            exact = (1 - em) ** 2  # the limit, computed independently of the derivation's own limit
        else:
            exact = ((mpmath.exp(em * (zm - 1)) - zm) / (1 - zm)) ** 2
    assert_ratio_close(got, exact)


@pytest.mark.parametrize("zz", [1.0, 1.0 - 1e-12, 1.0 + 1e-12, 1.0 - 1e-8, 1.0 + 1e-8, 0.5, 3.0])
@pytest.mark.parametrize("e", [1.0, 0.999999, 0.5, 1.9])
def test_vc_ratio_z_is_relatively_accurate_next_to_the_optimum_even_where_its_limit_vanishes(f_numpy, zz, e):
    """At eta = 1 the ratio vanishes at z = 1 ((1 - eta)^2 = 0) and is ~ (eta^2 (z - 1)/2)^2 next to it: eta - 1 is
    formed first and the variation through exprel_2, so the relative accuracy holds there too."""
    with mpmath.workdps(REFERENCE_DPS):
        zm, em = mpmath.mpf(zz), mpmath.mpf(e)
        exact = (1 - em) ** 2 if zm == 1 else ((mpmath.exp(em * (zm - 1)) - zm) / (1 - zm)) ** 2
    got = float(f_numpy.vc_ratio_z(z=zz, eta=e))
    assert got == exact == 0 or abs(got - exact) <= REL_TOL * abs(exact), (got, exact)


@given(e=st.floats(1.0, 100.0), zz=st.floats(1e-8, 0.999))
@example(e=10.0, zz=1e-3)  # u = eta (z - 1) far below 0: the unsplit form is the accurate one there
@example(e=100.0, zz=0.5)
def test_vc_ratio_z_is_accurate_for_large_steps_above_the_optimum(f_numpy, e, zz):
    def ratio(zm, em):
        return ((mpmath.exp(em * (zm - 1)) - zm) / (1 - zm)) ** 2

    with mpmath.workdps(REFERENCE_DPS):
        zm, em = mpmath.mpf(zz), mpmath.mpf(e)
        exact = ratio(zm, em)
        # relative condition number in (z, eta): rounding the arguments alone moves the ratio by this many ulps
        dz, deta = mpmath.diff(lambda v: ratio(v, em), zm), mpmath.diff(lambda v: ratio(zm, v), em)
        condition = max(1, float((abs(zm * dz) + abs(em * deta)) / exact))
    assert_relative(f_numpy.vc_ratio_z(z=zz, eta=e), exact, tol=REL_TOL * condition)


@pytest.mark.parametrize(
    "x, expected", [(-(2.0**41), 0.0), (2.0**41, math.inf), (-math.inf, 0.0), (math.inf, math.inf)]
)
def test_guarded_mpmath_exponentials_at_huge_arguments(x, expected):
    from numerics.special import exp_mpmath, expm1_mpmath, exprel_2_mpmath, exprel_mpmath

    assert float(exp_mpmath(x)) == expected
    assert float(expm1_mpmath(x)) == (expected if x > 0 else -1.0)
    with mpmath.workdps(REFERENCE_DPS):  # exprel(x) = -1/x and exprel_2(x) = -2/x (1 + 1/x) far below 0
        exact_exprel = expected if x > 0 or math.isinf(x) else -1 / mpmath.mpf(x)
        exact_exprel_2 = expected if x > 0 or math.isinf(x) else 2 * (-1 - mpmath.mpf(x)) / mpmath.mpf(x) ** 2
    assert_relative(exprel_mpmath(x), exact_exprel)
    assert_relative(exprel_2_mpmath(x), exact_exprel_2)


def test_a_loss_whose_exponentials_pass_the_guard_is_exact(f_numpy):
    """e^{2 a t} with a t = -1e13 lies beyond the guard (2^40): the high-precision loss is 0, as float64 rounds the
    true value e^{-2e13} (1 - e^{-1})^2/2."""
    assert float(f_numpy.loss(a=-1e13, a_star=-1e13 + 1, t=1.0, sigma=1.0)) == 0.0


@pytest.mark.parametrize("a_, ast_", [(1.0 + 1e-12, 1.0), (-3e-14, 0.0), (1.0 - 1e-9, 1.0)])
def test_vc_ratio_at_eta_one_next_to_the_optimum(paper, f_numpy, a_, ast_):
    values = {"a": a_, "a_star": ast_, "t": 1.0, "eta": 1.0}
    assert_relative(f_numpy.vc_ratio(**values), reference(paper, "vc_ratio", **values))


HUGE_GAP_SECONDS = 5.0
"""Generous wall-clock bound for 4 points whose exact ratio is e^(e^(|a| t)): with mpmath's exponential guarded
beyond 2^40 each takes microseconds; unguarded, the e^(e^(1e6)) point alone took minutes."""


def test_vc_ratio_far_below_the_optimum_is_inf_at_once(f_numpy):
    import time

    start = time.perf_counter()
    got = f_numpy.vc_ratio(a=np.array([-2e5, -1e6, -1e8, -1e300]), a_star=0.0, t=1.0, eta=0.5)
    assert np.all(got == np.inf)
    assert float(f_numpy.vc_ratio(a=-1e300, a_star=-800.0, t=1e-12, eta=0.5)) == np.inf
    assert time.perf_counter() - start < HUGE_GAP_SECONDS


@pytest.mark.parametrize("name", ["gd_learning_rate_max", "gd_steps_growth"])
def test_a_division_by_zero_at_sigma_zero_is_a_value_error_naming_the_point(f_numpy, name):
    fn = f_numpy[name]
    values = {"a_star": 1.0, "t": 1.0, "sigma": 0.0, "eta": 0.1}
    with pytest.raises(ValueError, match=f"{name} is undefined at .*sigma=0.0"):
        fn(**{k: values[k] for k in fn.arguments})


@given(x=st.floats(-50.0, 50.0))
@example(x=0.0)
@example(x=1e-300)
@example(x=-1e-12)
@example(x=0.5)  # the series' edge
@example(x=-0.5)
def test_exprel_2_is_accurate_through_zero(x):
    from numerics.special import exprel_2_numpy

    with mpmath.workdps(REFERENCE_DPS):
        xm = mpmath.mpf(x)
        exact = 2 * mpmath.nsum(lambda k: xm**k / mpmath.factorial(k + 2), [0, mpmath.inf])  # its Taylor series
    assert_relative(exprel_2_numpy(x), exact, tol=REL_TOL)


@given(at=st.floats(-30, 30), ast=st.floats(-30, 30), t_=times, e=st.floats(1e-3, 1.0))
@example(at=0.5, ast=0.5, t_=1.0, e=0.5)  # a = a*: the limit (1 - eta)^2
def test_vc_ratio_matches_its_definition(paper, f_numpy, at, ast, t_, e):
    values = {"a": at / t_, "a_star": ast / t_, "t": t_, "eta": e}
    got = float(f_numpy.vc_ratio(**values))
    if at == ast:
        exact = (1 - e) ** 2
    else:
        with mpmath.workdps(REFERENCE_DPS):
            exact = reference(paper, "vc_ratio", **values)
    assert_ratio_close(got, exact)


@given(a_=st.floats(-1e4, 1e4), ast_=st.floats(-1e4, 1e4), t_=st.floats(1e-3, 1e3), s=st.floats(0, 1e300))
@example(a_=1000.0, ast_=1000.0, t_=1.0, s=1.0)  # e^{2at} overflows, the loss is exactly 0
@example(a_=-2000.0, ast_=0.0, t_=1.0, s=1.0)  # e^{(a+a*)t} underflows while the loss is s^2/2
@example(a_=400.0, ast_=400.0 - math.log(2), t_=1.0, s=1.0)
@example(a_=-300.0, ast_=300.0, t_=1.0, s=1e-200)  # sigma^2 underflows on its own; the loss is 1.9e-140
@example(a_=300.0, ast_=0.0, t_=1.0, s=1e200)  # sigma^2 overflows on its own; e^{600} sigma^2 overflows too
def test_never_nan_overflow_is_inf_and_underflow_is_recomputed(paper, f_numpy, a_, ast_, t_, s):
    values = {"a": a_, "a_star": ast_, "t": t_, "sigma": s}
    for name in ("loss", "gradient", "hessian", "terminal_variance"):
        fn = f_numpy[name]
        got = float(fn(**{k: values[k] for k in fn.arguments}))
        exact = reference(paper, name, **{k: values[k] for k in fn.arguments})
        assert not math.isnan(got), name
        assert_relative(got, exact)  # over- and underflow, and zeros, are recomputed at high precision


@given(at=st.floats(-20, 20), ast=st.floats(-20, 20), t_=st.floats(0.1, 5), s=st.floats(0.1, 5))
def test_gradient_matches_a_high_precision_central_difference(paper, f_numpy, at, ast, t_, s):
    assume(abs(at - ast) > 1e-9)  # at a = a* the O(h^2) truncation dominates the zero gradient
    values = {"a": at / t_, "a_star": ast / t_, "t": t_, "sigma": s}
    loss = sp.lambdify((a, a_star, t, sigma), paper.loss, "mpmath")
    with mpmath.workdps(REFERENCE_DPS):
        h = mpmath.mpf(10) ** -15
        x, rest = mpmath.mpf(values["a"]), [mpmath.mpf(values[k]) for k in ("a_star", "t", "sigma")]
        slope = (loss(x + h, *rest) - loss(x - h, *rest)) / (2 * h)  # O(h^2) = 1e-30 truncation
    assert_relative(f_numpy.gradient(**values), slope, tol=1e-12 if abs(slope) > 1e-290 else 1)


def test_numpy_mpmath_and_evalf_agree(paper, f_numpy, f_mpmath):
    point = {"a": 0.3, "a_star": -0.7, "t": 1.7, "sigma": 0.9, "eta": 0.4, "z": 2.5, "x0": 1.3, "mu": 0.2}
    for fn_np in f_numpy.functions:
        kwargs = {k: point[k] for k in fn_np.arguments}
        evalf = paper[fn_np.name].subs({s: sp.Float(point[s.name], 30) for s in paper[fn_np.name].free_symbols})
        exact = float(evalf.evalf(30))
        with mpmath.workdps(30):
            via_mpmath = float(f_mpmath[fn_np.name](**kwargs))
        assert_relative(fn_np(**kwargs), exact, tol=1e-13)
        assert_relative(via_mpmath, exact, tol=1e-13)
    assert {sym.name for r in paper for sym in r.expr.free_symbols} <= set(point)  # every symbol is covered


def test_broadcasting_and_shapes(f_numpy):
    a_grid = np.linspace(-2, 2, 5)[:, None]
    t_grid = np.array([0.5, 1.0, 2.0])[None, :]
    out = f_numpy.loss(a=a_grid, a_star=0.5, t=t_grid, sigma=1.0)
    assert out.shape == (5, 3)
    assert np.ndim(f_numpy.loss(a=0.1, a_star=0.5, t=1.0, sigma=1.0)) == 0
    expected = 0.5 * (np.exp(a_grid * t_grid) - np.exp(0.5 * t_grid)) ** 2
    np.testing.assert_allclose(out, expected, rtol=1e-12)


@pytest.mark.parametrize(
    "name, kwargs, message",
    [
        ("loss", {"a": 0.0, "a_star": 0.0, "t": 0.0, "sigma": 1.0}, "t must be > 0"),
        ("loss", {"a": 0.0, "a_star": 0.0, "t": -1.0, "sigma": 1.0}, "t must be > 0"),
        ("loss", {"a": 0.0, "a_star": 0.0, "t": 1.0, "sigma": -1.0}, "sigma must be >= 0"),
        ("loss", {"a": math.nan, "a_star": 0.0, "t": 1.0, "sigma": 1.0}, "a must be finite"),
        ("loss", {"a": 0.0, "a_star": math.inf, "t": 1.0, "sigma": 1.0}, "a_star must be finite"),
        ("vc_ratio_z", {"z": 1.0, "eta": 0.0}, "eta must be > 0"),
        ("vc_ratio_z", {"z": -1.0, "eta": 0.5}, "z must be > 0"),
        ("loss", {"a": "1", "a_star": 0.0, "t": 1.0, "sigma": 1.0}, None),
    ],
)
def test_invalid_parameters_raise_value_error_naming_them(f_numpy, name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        f_numpy[name](**kwargs)


def test_signature_errors(f_numpy):
    with pytest.raises(TypeError, match="missing sigma"):
        f_numpy.loss(a=0.0, a_star=0.0, t=1.0)
    with pytest.raises(TypeError, match="unexpected b"):
        f_numpy.loss(a=0.0, a_star=0.0, t=1.0, sigma=1.0, b=2)
    with pytest.raises(ValueError, match="backend"):
        compile(f_numpy, "torch")


def test_generated_code_is_inspectable_and_uses_the_named_rewrites(f_numpy):
    assert [rule.name for rule in RULES] == ["through_z", "removable_singularity", "exp_difference", "expm1", "log1p"]
    assert "log1p" in f_numpy.vc_log_step.source
    assert "expm1" in f_numpy.loss.source and "expm1" in f_numpy.gradient.source
    assert "exprel" in f_numpy.vc_ratio_z.source
    assert f_numpy.loss.arguments == ("a", "a_star", "t", "sigma")


def test_rewrites_preserve_value(paper, f_numpy):
    point = {
        a: sp.Rational(3, 7),
        a_star: sp.Rational(-2, 9),
        t: sp.Rational(5, 4),
        sigma: 2,
        eta: sp.Rational(1, 3),
        mu: sp.Rational(1, 5),
        x0: sp.Rational(-7, 6),
    }
    for fn in f_numpy.functions:
        original = paper[fn.name]
        rewritten = fn.expr.rewrite(sp.exp).replace(
            lambda e: e.func.__name__ == "expm1", lambda e: sp.exp(e.args[0]) - 1
        ).replace(lambda e: isinstance(e, sp.UnevaluatedExpr), lambda e: e.args[0])  # grouped sums: plain sums
        zz = sp.exp((point[a_star] - point[a]) * point[t])
        pt = {**point, z: zz}
        diff = sp.N((original - rewritten).subs(pt), 30)
        assert abs(diff) < 1e-25, fn.name


def test_unchecked_equals_the_checked_call_and_keeps_the_fallback(f_numpy, f_mpmath):
    """`unchecked` skips validation only: same values, and overflowing entries still re-evaluated."""
    f = f_numpy.loss
    values = {"a": np.array([-3.0, 0.999999, 1.0, 2.0, 400.0]), "a_star": np.array(1.0), "t": np.array(1.0)}
    values["sigma"] = np.array(1e-150)  # sigma^2 e^{800} over- and underflows in float64: the fallback decides
    checked = f(**values)
    unchecked = f.unchecked(*(values[n] for n in f.arguments))
    np.testing.assert_array_equal(unchecked, checked)
    assert np.all(np.isfinite(unchecked)) and unchecked[-1] > 0
    with pytest.raises(TypeError, match="unchecked"):
        f.unchecked(0.0)
    with pytest.raises(ValueError, match="numpy backend"):
        f_mpmath.loss.unchecked(0.0, 0.0, 1.0, 1.0)


@given(at=st.floats(-300, 300), gap=st.floats(-1e-3, 1e-3), t_=times, e=rates)
@example(at=1.0, gap=4e-5, t_=1.0, e=0.5)  # found by the vc-minibatch claim: expm1(a* t - a t) lost digits
@example(at=200.0, gap=1e-12, t_=1.0, e=0.5)
@example(at=1.0, gap=0.0, t_=1.0, e=0.5)
def test_vc_step_is_accurate_near_the_optimum(paper, f_numpy, at, gap, t_, e):
    values = {"a": (at + gap) / t_, "a_star": at / t_, "t": t_, "eta": e}
    assert_relative(f_numpy.vc_step(**values), reference(paper, "vc_step", **values))


@given(gap=st.floats(-700, 700), t_=times, e=st.floats(1e-6, 1.0))
@example(gap=1e-8, t_=1.0, e=0.5)  # log(eta e^x - eta + 1) loses 8 digits at x = 1e-8 unless written log1p
@example(gap=199.0, t_=1.0, e=1.0)  # eta = 1: 1 + expm1(-199) rounds to 0; the step is exactly -199
@example(gap=-200.0, t_=1.0, e=0.5)
def test_vc_log_step_is_accurate(paper, f_numpy, gap, t_, e):
    values = {"a": gap / t_, "a_star": 0.0, "t": t_, "eta": e}
    # e^{-|gap|} is added to 1 - eta: |gap|/2.3 <= 305 digits more resolve it
    exact = reference(paper, "vc_log_step", extra_dps=320, **values)
    assert_relative(f_numpy.vc_log_step(**values), exact)


def test_a_result_outside_its_real_domain_raises_value_error(f_numpy):
    with pytest.raises(ValueError, match="vc_log_step is not real at .*eta=1.5"):
        f_numpy.vc_log_step(a=3.0, a_star=1.0, t=1.0, eta=1.5)


@pytest.mark.parametrize("bad", [None, True, 1 + 2j, [[1.0, 2.0], [3.0]], [1.0, "a"]])
def test_non_real_inputs_are_refused_not_coerced(f_numpy, bad):
    with pytest.raises(ValueError, match="a must be a real number"):
        f_numpy.loss(a=bad, a_star=0.0, t=1.0, sigma=1.0)
