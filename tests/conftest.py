"""Hypothesis profiles (registered once) and fixtures shared by the tests."""

from __future__ import annotations

import os

import mpmath
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=60, deadline=None)
settings.register_profile(
    "ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("ci" if os.environ.get("CI", "").lower() in ("1", "true", "yes") else "default")


@pytest.fixture(autouse=True)
def _reset_mpmath_precision():
    """Precision never leaks between tests."""
    dps = mpmath.mp.dps
    yield
    mpmath.mp.dps = dps


@pytest.fixture(scope="session")
def paper():
    from analysis import derive

    return derive()


@pytest.fixture(scope="session")
def with_mean():
    from analysis import Model, derive

    return derive(Model.with_mean())


@pytest.fixture(scope="session")
def f_numpy(paper):
    from numerics import compile

    return compile(paper, "numpy")


@pytest.fixture(scope="session")
def f_mpmath(paper):
    from numerics import compile

    return compile(paper, "mpmath")
