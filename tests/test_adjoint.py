"""The adjoint-method gradient (what a neural-ODE library computes) against the derived one."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from numerics.adjoint import ADJOINT_RTOL, adjoint_gradient, gradient_scale, symbolic_gradient

SAMPLES = 8
ADJOINT_SHARE = 5
"""Each example integrates three ODEs with solve_ivp at rtol 1e-11 (~0.1 s): this test runs a fifth of the
active profile's examples (12 by default, 60 under CI), within a few seconds either way."""


@settings(max_examples=max(1, settings.default.max_examples // ADJOINT_SHARE), deadline=None)
@given(
    a=st.floats(-2.0, 2.0),
    a_star=st.floats(-2.0, 2.0),
    t=st.floats(0.1, 2.0),
    seed=st.integers(0, 2**16),
)
@example(a=1.0, a_star=1.0, t=1.0, seed=0)  # the optimum: the gradient vanishes
@example(a=1.0 + 1e-9, a_star=1.0, t=1.0, seed=0)  # cancellation next to the optimum
@example(a=-2.0, a_star=2.0, t=2.0, seed=1)  # the flat region far below a*
@example(a=2.0, a_star=-2.0, t=2.0, seed=2)  # the steep region far above a*
def test_adjoint_gradient_matches_the_sample_mean_of_the_derived_per_sample_gradient(a, a_star, t, seed):
    x0 = np.random.default_rng(seed).normal(0.0, 1.5, SAMPLES)
    adjoint = adjoint_gradient(a, x0, a_star=a_star, t=t)
    symbolic = symbolic_gradient(a, x0, a_star=a_star, t=t)
    assert abs(adjoint - symbolic) <= ADJOINT_RTOL * gradient_scale(a, x0, a_star, t)


def test_adjoint_gradient_has_the_sign_of_a_minus_a_star():
    x0 = np.array([0.3, -1.2, 2.0])
    assert adjoint_gradient(0.5, x0, a_star=1.0, t=1.0) < 0 < adjoint_gradient(1.5, x0, a_star=1.0, t=1.0)


@pytest.mark.parametrize("name, kwargs", [("t", {"t": 0.0}), ("x0", {"x0": []}), ("a", {"a": np.nan})])
def test_bad_input_names_the_parameter(name, kwargs):
    args = {"a": 0.5, "x0": [1.0], "a_star": 1.0, "t": 1.0} | kwargs
    with pytest.raises(ValueError, match=name):
        adjoint_gradient(args.pop("a"), args.pop("x0"), **args)


@pytest.mark.parametrize("a, t", [(80.0, 10.0), (400.0, 1.0)])
def test_a_solve_beyond_float64_is_an_error_not_a_number(a, t):
    """e^{a t} beyond 1.8e308: the solver cannot represent the state; the gradient is refused, not returned as 0."""
    with pytest.raises(ValueError, match="solve failed"):
        adjoint_gradient(a, [0.5, -1.0], a_star=1.0, t=t)
