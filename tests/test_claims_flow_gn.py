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


def test_rk4_integrates_exponential_decay():
    with mpmath.workdps(30):
        y = theorem1._rk4(lambda tau, y: -y, mpmath.mpf(1), mpmath.mpf(1), 200)
        assert abs(y - mpmath.exp(-1)) < theorem1.RK4_RTOL


def test_batch_step_equals_population_step_and_plain_gradient_does_not(f_numpy):
    rng = np.random.default_rng(0)
    batch = rng.normal(0.3, 2.0, 5)
    a, a_star, t, eta = 0.4, -0.2, 1.7, 0.3
    step = gauss_newton._batch_step(batch, a, a_star, t, eta)
    assert abs(step / f_numpy.vc_step(a=a, a_star=a_star, t=t, eta=eta) - 1) < checks.F64_RTOL
    # without the batch variance the step depends on the batch: the claim is about the corrected step only
    u, v = np.exp(a * t), np.exp(a_star * t)
    plain = -eta * np.mean((batch * u - batch * v) * batch * t * u)
    other = -eta * np.mean((2 * batch * u - 2 * batch * v) * 2 * batch * t * u)
    assert abs(plain - other) > 1e-3 * abs(plain)
