"""Landscape claims hold, and their checks refute perturbed statements."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from proofs import checks, interval, registry
from proofs.claim import Settings, run_claim
from proofs.claims import landscape

FAST = Settings(samples=20, seed=3, dps=40)

BOUND_OVER_SLACK = 100
"""At the largest |w| sampled at dps digits the bound NEXT_ORDER e^{-|w|} exceeds the rounding slack mp_rtol(dps) by
two digits, so a deviation at the bound is resolved above rounding (the claim's BOUND_OVER_SLACK_DIGITS = 2, written
out here so that lowering it fails this test)."""


@pytest.mark.parametrize("claim_id", ["loss-closed-form", "loss-nonconvex", "loss-asymmetry"])
def test_claim_holds(claim_id):
    result = run_claim(registry.get(claim_id), FAST)
    assert result.verdict == "holds", result.outcomes


def test_only_second_moment_matters_across_distributions():
    from analysis.symbols import x0

    losses = [landscape._loss_of(initial) for initial in landscape.DISTRIBUTIONS().values()]
    (first, m_first), *rest = losses
    for loss, moment in rest:
        assert sp.expand(loss * m_first - first * moment) == 0
    assert x0 not in first.free_symbols


def test_closed_form_check_refutes_a_wrong_constant():
    fmp = checks.compiled("mpmath")
    outcome = checks.numeric_identity(
        landscape.REGION,
        FAST,
        lhs=fmp.loss,
        rhs=lambda a, a_star, t, sigma: sigma**2 / 3 * (mpmath.exp(a * t) - mpmath.exp(a_star * t)) ** 2,
    )
    assert outcome.status == "refuted" and "lhs" in outcome.counterexample


def test_interval_certifies_with_pieces_and_refutes_a_wrong_threshold():
    certified = landscape.nonconvex_interval(FAST)
    assert certified.status == "confirmed" and certified.pieces > 1

    # a Hessian whose sign changes at ln(3)/t, not at the derived threshold ln(2)/t: the generated check refutes it
    d, scaled, w = landscape.hessian_sign_parts()
    wrong = landscape.hessian_sign_quotient((d, scaled.subs(2, 3), w))
    assert interval.enclose(wrong, landscape.CONCAVITY_BOX, lower=0, max_pieces=4000).status == "refuted"


def test_hessian_changes_sign_at_the_derived_threshold(f_mpmath):
    with mpmath.workdps(40):
        a_star, t, sigma = mpmath.mpf(1), mpmath.mpf(2), mpmath.mpf("0.5")
        threshold = f_mpmath.concavity_threshold(a_star=a_star, t=t)
        below = f_mpmath.hessian(a=threshold - mpmath.mpf("1e-20"), a_star=a_star, t=t, sigma=sigma)
        above = f_mpmath.hessian(a=threshold + mpmath.mpf("1e-20"), a_star=a_star, t=t, sigma=sigma)
    assert below < 0 < above


def test_asymmetry_check_refutes_a_wrong_rate():
    from analysis.symbols import a, a_star, sigma, t

    # the gradient vanishes like e^{at}, not like e^{2at}: stating e^{2at} must be refuted by the claim's check
    wrong = tuple(
        (label, name, end, -(sigma**2) * t * sp.exp(a_star * t) * sp.exp(2 * a * t))
        if (name, end) == ("gradient", -sp.oo)
        else (label, name, end, form)
        for label, name, end, form in landscape.STATED_LEADING
    )
    outcome = landscape.asymmetry_symbolic(FAST, leading_forms=wrong)
    assert outcome.status == "refuted" and outcome.counterexample["limit_of_ratio"] != "1"


def test_independent_moments_are_not_the_models_expectation():
    from analysis.model import TwoPoint, Uniform
    from analysis.symbols import sigma

    # computed by integration / by the two values, and equal to the known moments of these laws
    assert sp.simplify(landscape.independent_second_moment(Uniform(0, sigma)) - sigma**2 / 3) == 0
    assert sp.expand(landscape.independent_second_moment(TwoPoint(-sigma, 3 * sigma)) - 5 * sigma**2) == 0


def test_asymptotic_range_keeps_the_bound_above_rounding():
    for dps in (20, 27, 50):
        w_max = landscape.asymptotic_w_max(dps)
        assert landscape.NEXT_ORDER * mpmath.exp(-w_max) > BOUND_OVER_SLACK * checks.mp_rtol(dps)


def test_a_wrong_stated_threshold_is_refuted_by_the_numeric_check(monkeypatch):
    from analysis.symbols import a_star, t

    monkeypatch.setattr(landscape, "STATED_THRESHOLD", a_star - sp.log(3) / t)
    assert landscape.nonconvex_numeric(FAST).status == "refuted"
    assert landscape.nonconvex_symbolic(FAST).status == "refuted"
