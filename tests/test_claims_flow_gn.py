"""theorem1-flow, vc-gauss-newton, vc-minibatch: they hold; perturbed statements are refuted."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from proofs import checks, registry
from proofs.claim import Settings, run_claim
from proofs.claims import gauss_newton, theorem1

FAST = Settings(samples=15, seed=7, dps=40)


@pytest.mark.parametrize("claim_id", ["theorem1-flow", "vc-gauss-newton", "vc-minibatch"])
def test_claim_holds(claim_id):
    result = run_claim(registry.get(claim_id), FAST)
    assert result.verdict == "holds", result.outcomes


def test_flow_rate_minus_one_is_refuted(f_mpmath):
    def rate(a, a_star, t, sigma):
        g = f_mpmath.gradient(a=a, a_star=a_star, t=t, sigma=sigma)
        return -(g**2) / (t**2 * f_mpmath.terminal_variance(a=a, t=t, sigma=sigma))

    outcome = checks.numeric_identity(theorem1.REGION, FAST, lhs=rate, rhs=lambda **p: -f_mpmath.loss(**p))
    assert outcome.status == "refuted"


def test_a_wrongly_stated_rate_is_refuted_by_the_claims_own_checks(monkeypatch):
    import sympy as sp

    monkeypatch.setattr(theorem1, "STATED_RATE", sp.Integer(-3))
    symbolic = theorem1.flow_symbolic(FAST)
    numeric = theorem1.flow_numeric(FAST)
    assert symbolic.status == "refuted" and numeric.status == "refuted"


def test_rk4_integrates_exponential_decay():
    with mpmath.workdps(30):
        y = theorem1._rk4(lambda tau, y: -y, mpmath.mpf(1), mpmath.mpf(1), 200)
        assert abs(y - mpmath.exp(-1)) < theorem1.RK4_RTOL


def _batch_steps(f_numpy, batch, a, a_star, t, eta):
    """(variance-corrected batch step, plain batch gradient step) from the derived per-sample results."""

    def gradient(x):
        return f_numpy.sample_gradient(a=a, a_star=a_star, t=t, x0=x)

    def variance(x):
        return f_numpy.sample_terminal_variance(a=a, t=t, x0=x)

    corrected = gauss_newton.batch_step(batch, eta, t, gradient, variance, np.mean)
    return corrected, -eta * np.mean([gradient(x) for x in batch])


def test_batch_step_equals_population_step_and_plain_gradient_does_not(f_numpy):
    rng = np.random.default_rng(0)
    first, second = rng.normal(0.3, 2.0, 5), rng.normal(-1.0, 0.5, 7)
    a, a_star, t, eta = 0.4, -0.2, 1.7, 0.3
    population = f_numpy.vc_step(a=a, a_star=a_star, t=t, eta=eta)
    (step1, plain1), (step2, plain2) = (_batch_steps(f_numpy, b, a, a_star, t, eta) for b in (first, second))
    assert abs(step1 / population - 1) < checks.F64_RTOL and abs(step2 / population - 1) < checks.F64_RTOL
    # the plain gradient step (derived per-sample gradients) follows each batch's own second moment
    moments = np.mean(first**2), np.mean(second**2)
    assert abs((plain1 / plain2) / (moments[0] / moments[1]) - 1) < checks.F64_RTOL


def test_quadrature_of_the_sensitivity_gives_the_gauss_newton_term(f_mpmath):
    with mpmath.workdps(40):
        p = {"a": mpmath.mpf("0.7"), "t": mpmath.mpf("1.3"), "sigma": mpmath.mpf("0.6")}
        integral = gauss_newton._expected_square_sensitivity(f_mpmath, **p)
        assert checks.relative_error(f_mpmath.gauss_newton(**p), integral) <= gauss_newton.quadrature_rtol(40)
