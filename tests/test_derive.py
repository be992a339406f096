"""The derivations, held against independent computations (not against their own closed forms)."""

from __future__ import annotations

import pickle

import pytest
import sympy as sp
from sympy import stats

from analysis import Derivation, Euler, Model, Normal, Result, TwoPoint, Uniform, clear_caches, derive
from analysis.steps import Step
from analysis.symbols import SYMBOLS, a, a_star, eta, mu, sigma, t, x0, z

EVALF_DIGITS = 40
"""Digits of every numeric evaluation here (sp.N / evalf, adaptive: the digits are correct, cancellation included)."""

IDENTITY_ATOL = 10.0 ** -(EVALF_DIGITS - 5)
"""An exact identity between O(1) values (loss ratios 0.1 .. 0.5 at the points used) evaluated to EVALF_DIGITS
digits: 5 digits of margin below 1 (1e-35)."""

FD_STEP = sp.Rational(1, 10**12)
"""Step in eta of the finite difference for the first-order coefficient (exact rational)."""

FD_ATOL = 1e-9
"""Finite difference at FD_STEP vs the eta coefficient: off by its truncation FD_STEP |c2| = 2.9e-11 at the point used
(c2 = 28.9); rounding (10^-EVALF_DIGITS / FD_STEP = 1e-28) is negligible. Margin 35x."""

EXPECTED_ORDER = (
    "flow",
    "loss",
    "gradient",
    "hessian",
    "terminal_variance",
    "gauss_newton",
    "concavity_threshold",
    "gd_ratio_first_order",
    "vc_step",
    "vc_ratio",
    "vc_ratio_z",
    "vc_ratio_local",
    "vc_ratio_first_order",
)


def is_zero(expr) -> bool:
    return sp.simplify(sp.expand(expr)) == 0


def test_names_are_in_the_documented_order(paper):
    names = paper.names()
    positions = [names.index(name) for name in EXPECTED_ORDER]
    assert positions == sorted(positions)


def test_access_by_attribute_and_item(paper):
    assert paper.loss == paper["loss"]
    with pytest.raises(AttributeError):
        paper.no_such_result
    with pytest.raises(KeyError):
        paper["no_such_result"]


def test_every_result_has_a_one_line_description_and_known_symbols(paper):
    for result in paper:
        assert result.description and "\n" not in result.description
        assert result.expr.free_symbols <= set(SYMBOLS)


def test_flow_solves_the_initial_value_problem(paper):
    phi = paper.flow.subs(t, sp.Symbol("tau", positive=True))
    tau = sp.Symbol("tau", positive=True)
    assert is_zero(sp.diff(phi, tau) - a * phi)
    assert is_zero(phi.subs(tau, 0) - x0)


def test_loss_is_half_the_expected_squared_terminal_error_by_integration(paper):
    # Independent route: integrate against the normal density directly.
    density = sp.exp(-(x0**2) / (2 * sigma**2)) / sp.sqrt(2 * sp.pi * sigma**2)
    residual = x0 * sp.exp(a * t) - x0 * sp.exp(a_star * t)
    direct = sp.integrate(sp.expand(residual**2 / 2 * density), (x0, -sp.oo, sp.oo))
    assert is_zero(paper.loss - direct)


def test_with_mean_only_the_second_moment_enters(with_mean):
    m2 = stats.E(stats.Normal("Y", mu, sigma) ** 2)
    assert is_zero(with_mean.loss - m2 / 2 * (sp.exp(a * t) - sp.exp(a_star * t)) ** 2)
    assert is_zero(with_mean.terminal_variance - m2 * sp.exp(2 * a * t))


@pytest.mark.parametrize("name, order", [("gradient", 1), ("hessian", 2)])
def test_derivatives_of_the_loss(paper, name, order):
    assert is_zero(paper[name] - sp.diff(paper.loss, a, order))


def test_gauss_newton_is_t_squared_times_the_terminal_variance(paper, with_mean):
    for d in (paper, with_mean):
        assert is_zero(d.gauss_newton - t**2 * d.terminal_variance)


def test_concavity_threshold_is_where_the_hessian_vanishes(paper):
    threshold = paper.concavity_threshold
    assert is_zero(paper.hessian.subs(a, threshold))
    # negative just below, positive just above (sign change, not a double root)
    below = paper.hessian.subs({a: threshold - 1 / t}).subs({a_star: 0, t: 1, sigma: 1})
    above = paper.hessian.subs({a: threshold + 1 / t}).subs({a_star: 0, t: 1, sigma: 1})
    assert below.evalf() < 0 < above.evalf()


def test_lemma1_first_order_matches_the_derivative_of_the_exact_ratio(paper):
    exact = paper.loss.subs(a, a - eta * paper.gradient) / paper.loss
    point = {a: sp.Rational(3, 10), a_star: sp.Rational(1, 2), t: sp.Rational(7, 5), sigma: sp.Rational(6, 5)}
    h = FD_STEP
    # finite difference in eta at 0, at EVALF_DIGITS digits, against the first-order coefficient
    slope = ((exact.subs(point).subs(eta, h) - 1) / h).evalf(EVALF_DIGITS)
    coefficient = sp.diff(paper.gd_ratio_first_order, eta).subs(point).evalf(EVALF_DIGITS)
    assert abs(slope - coefficient) < FD_ATOL
    assert is_zero(paper.gd_ratio_first_order.subs(eta, 0) - 1)


def test_vc_step_is_the_scaled_gradient(paper):
    assert is_zero(paper.vc_step + eta * paper.gradient / (t**2 * paper.terminal_variance))


def test_vc_ratio_is_the_loss_ratio_after_the_step(paper):
    point = {a: sp.Rational(-1, 3), a_star: sp.Rational(1, 4), t: 2, sigma: 3, eta: sp.Rational(2, 5)}
    direct = (paper.loss.subs(a, a + paper.vc_step) / paper.loss).subs(point)
    assert abs(sp.N(direct - paper.vc_ratio.subs(point), EVALF_DIGITS)) < IDENTITY_ATOL


def test_vc_ratio_z_depends_on_z_and_eta_alone_and_agrees_with_vc_ratio(paper):
    assert paper.vc_ratio_z.free_symbols == {z, eta}
    point = {a: sp.Rational(7, 10), a_star: sp.Rational(-1, 5), t: sp.Rational(3, 2), eta: sp.Rational(1, 3)}
    zz = sp.exp((point[a_star] - point[a]) * point[t])
    difference = paper.vc_ratio.subs(point) - paper.vc_ratio_z.subs({z: zz, eta: point[eta]})
    assert abs(sp.N(difference, EVALF_DIGITS)) < IDENTITY_ATOL


def test_vc_ratio_local_and_first_order(paper):
    assert is_zero(paper.vc_ratio_local - (1 - eta) ** 2)
    series = sp.series(paper.vc_ratio_z, eta, 0, 2).removeO()
    assert is_zero(paper.vc_ratio_first_order - series)
    assert paper.vc_ratio_first_order.free_symbols == {eta}


@pytest.mark.parametrize("initial", [Normal(), Uniform(-sp.sqrt(3) * sigma, sp.sqrt(3) * sigma), TwoPoint()])
def test_other_distributions_with_unit_variance_give_the_same_loss(paper, initial):
    d = derive(Model(initial=initial))
    assert is_zero(d.loss - paper.loss)


def test_euler_solver_extends_the_model_without_touching_the_derivations():
    d = derive(Model(solver=Euler(steps=2)))
    assert is_zero(d.flow - x0 * (1 + a * t / 2) ** 2)
    assert is_zero(d.gradient - sp.diff(d.loss, a))


def test_results_are_frozen_hashable_and_cached():
    clear_caches()
    first = derive()
    assert derive() is first
    assert hash(first) == hash(derive(Model.paper()))
    with pytest.raises(AttributeError):
        first.results = ()
    assert pickle.loads(pickle.dumps(first.results[1])) == first.results[1]
    clear_caches()
    assert derive() is not first and derive() == first


def test_invariants_are_checked_on_construction():
    with pytest.raises(ValueError, match="unknown symbols"):
        Result("bad", sp.Symbol("q"), "has a stray symbol")
    with pytest.raises(ValueError, match="one-line"):
        Result("bad", a, "two\nlines")
    with pytest.raises(ValueError, match="unique"):
        Derivation(Model(), (Result("x", a, "one"), Result("x", a, "two")))


def test_bad_models_are_refused():
    with pytest.raises(ValueError, match="model"):
        derive("paper")
    with pytest.raises(TypeError, match="strings"):
        Model(dynamics="a*x")
    with pytest.raises(ValueError, match="parameter a"):
        Model(dynamics=sp.Integer(2))
    with pytest.raises(ValueError, match="steps"):
        Euler(steps=0)


def _derive_uncached(steps, monkeypatch):
    """Run the derivation loop over `steps` for the paper's model, bypassing (and not filling) derive's cache."""
    import sys

    module = sys.modules["analysis.derive"]  # the package attribute `analysis.derive` is the function
    monkeypatch.setattr(module, "STEPS", steps)
    return module._derive.__wrapped__(Model.paper())


def _step(name, fn):
    return Step(name, f"Test step {name}.", fn)


def _raise_key_error_naming_a_step(model, done):
    raise KeyError("first")  # e.g. from a lookup of its own, though "first" is derived


def test_a_step_reading_a_result_the_model_lacks_is_skipped(monkeypatch):
    """A step returning None is not applicable; a step reading its result (or one not yet derived) is skipped too."""
    steps = (
        _step("first", lambda model, done: a),
        _step("absent", lambda model, done: None),
        _step("uses_absent", lambda model, done: done["absent"] + done["first"]),
        _step("uses_later", lambda model, done: done["last"]),
        _step("last", lambda model, done: done["first"] * 2),
    )
    d = _derive_uncached(steps, monkeypatch)
    assert d.names() == ("first", "last") and d.last == 2 * a


@pytest.mark.parametrize(
    "fn",
    [
        lambda model, done: {}["internal"],  # a KeyError from inside the computation (e.g. SymPy)
        lambda model, done: done["firts"],  # a typo: no step has this name
        _raise_key_error_naming_a_step,
    ],
    ids=["internal", "typo", "names-a-step"],
)
def test_an_unrelated_key_error_in_a_step_propagates(monkeypatch, fn):
    steps = (_step("first", lambda model, done: a), _step("broken", fn), _step("after", lambda model, done: a))
    with pytest.raises(KeyError):
        _derive_uncached(steps, monkeypatch)
