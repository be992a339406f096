"""Landscape claims hold, and their checks refute perturbed statements."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from proofs import checks, interval, registry
from proofs.claim import Settings, run_claim
from proofs.claims import landscape

FAST = Settings(samples=20, seed=3, dps=40)


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

    def wrong(d, t):  # threshold ln(3)/t instead of ln(2)/t
        w = d * t + mpmath.iv.log(3)
        return (2 - mpmath.iv.exp(-d * t)) / w

    assert interval.enclose(wrong, landscape.CONCAVITY_BOX, lower=0, max_pieces=4000).status != "certified"


def test_hessian_changes_sign_at_the_derived_threshold(f_mpmath):
    with mpmath.workdps(40):
        a_star, t, sigma = mpmath.mpf(1), mpmath.mpf(2), mpmath.mpf("0.5")
        threshold = f_mpmath.concavity_threshold(a_star=a_star, t=t)
        below = f_mpmath.hessian(a=threshold - mpmath.mpf("1e-20"), a_star=a_star, t=t, sigma=sigma)
        above = f_mpmath.hessian(a=threshold + mpmath.mpf("1e-20"), a_star=a_star, t=t, sigma=sigma)
    assert below < 0 < above


def test_asymmetry_limit_check_detects_a_wrong_rate():
    from analysis.symbols import a, a_star, sigma, t

    d = __import__("analysis").derive()
    # the gradient vanishes like e^{at}, not like e^{2at}: the ratio to e^{2at} does not tend to 1
    wrong = sp.limit(d.gradient / (-(sigma**2) * t * sp.exp(a_star * t) * sp.exp(2 * a * t)), a, -sp.oo)
    assert wrong != 1
