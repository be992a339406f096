"""The claim machinery: verdicts computed from outcomes, check helpers, registry, verify()."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from analysis.symbols import a, a_star, t
from proofs import checks, registry
from proofs.claim import Claim, Outcome, Settings, run_claim
from proofs.verify import as_json, as_table, verify

FAST = Settings(samples=12, seed=1, dps=30)
REGION = {"x": checks.uniform(-2.0, 2.0), "y": checks.log_uniform(0.1, 3.0)}


def _false_symbolic(settings):
    # (e^{at} - e^{a* t})^2 is not e^{2at} - e^{2a*t}: a deliberately false identity.
    lhs = (sp.exp(a * t) - sp.exp(a_star * t)) ** 2
    return checks.symbolic_zero({"square - difference of squares": lhs - (sp.exp(2 * a * t) - sp.exp(2 * a_star * t))})


def _false_numeric(settings):
    return checks.numeric_identity(
        REGION,
        settings,
        lhs=lambda x, y: (mpmath.exp(x) - mpmath.exp(y)) ** 2,
        rhs=lambda x, y: mpmath.exp(2 * x) - mpmath.exp(2 * y),
    )


def _crash(settings):
    raise ZeroDivisionError("boom")


def test_false_claim_is_refuted_with_counterexample():
    claim = Claim("false-square", "a false identity", "x", "t > 0", "holds", _false_symbolic, _false_numeric)
    result = run_claim(claim, FAST)
    assert result.verdict == "refuted" and not result.ok
    assert all(o.status == "refuted" for o in result.outcomes)
    assert {"x", "y", "lhs", "rhs"} <= set(result.outcome("numeric").counterexample)
    assert "value" in result.outcome("symbolic").counterexample
    # both refute: the reported counterexample is the numeric check's (a sampled point), not the probe's
    assert result.counterexample == result.outcome("numeric").counterexample


def test_probe_rejects_values_without_significant_digits():
    # exactly zero, but its terms e^{2at} ~ 1e1287 at a = 39, t = 38 cancel: evaluation leaves only rounding
    identity = (sp.exp(a * t) + 1) ** 2 - sp.exp(2 * a * t) - 2 * sp.exp(a * t) - 1
    assert checks._significant(identity, {a: sp.Integer(39), t: sp.Integer(38)}) is None
    # a genuinely nonzero value of the same size is kept
    assert checks._significant(identity + sp.exp(2 * a * t) / 3, {a: sp.Integer(39), t: sp.Integer(38)}) > 0


def test_probe_points_stay_in_the_claims_domain():
    from analysis.symbols import eta

    # 1 - eta > 0 on the claim's domain 0 < eta < 1: a probe must not refute it with eta > 1
    found = checks._probe(sp.Abs(1 - eta) - (1 - eta), seed=0, domain={"eta": (0, 1)})
    assert found is None
    outside = checks._probe(sp.Abs(1 - eta) - (1 - eta), seed=0)
    assert outside is not None and sp.Rational(outside["eta"]) > 1


def test_a_refuted_expectation_is_met_by_a_false_claim():
    claim = Claim("false-square", "a false identity", "x", "t > 0", "refuted", _false_symbolic)
    assert run_claim(claim, FAST).ok


def test_crashing_check_is_inconclusive():
    true = lambda settings: checks.symbolic_zero({"(a+1)^2 - a^2 - 2a - 1": (a + 1) ** 2 - a**2 - 2 * a - 1})  # noqa: E731
    result = run_claim(Claim("crash", "s", "x", "none", "holds", true, _crash), FAST)
    assert result.outcome("symbolic").status == "confirmed"
    assert result.outcome("numeric").status == "inconclusive"
    assert "ZeroDivisionError" in result.outcome("numeric").detail
    assert result.verdict == "inconclusive"


def test_true_identity_confirmed_and_errors_within_precision():
    outcome = checks.numeric_identity(
        REGION,
        FAST,
        lhs=lambda x, y: mpmath.exp(x) * mpmath.exp(y),
        rhs=lambda x, y: mpmath.exp(x + y),
        lhs64=lambda x, y: __import__("numpy").exp(x) * __import__("numpy").exp(y),
    )
    assert outcome.status == "confirmed"
    assert outcome.worst_error <= checks.F64_RTOL


def test_inaccurate_float64_is_inconclusive_not_refuted():
    import numpy as np

    outcome = checks.numeric_identity(
        REGION,
        FAST,
        lhs=lambda x, y: mpmath.exp(x),
        rhs=lambda x, y: mpmath.exp(x),
        lhs64=lambda x, y: np.exp(x) * (1 + 1e-9),
    )
    assert outcome.status == "inconclusive"


def test_draw_is_seeded_and_within_region():
    first, second = checks.draw(REGION, FAST), checks.draw(REGION, FAST)
    assert all((first[k] == second[k]).all() for k in REGION)
    assert len(first["x"]) == FAST.samples and first["y"].min() >= 0.1 and first["x"].max() <= 2.0
    assert (checks.draw(REGION, Settings(samples=12, seed=2))["x"] != first["x"]).any()


def test_zero_certificate_names_the_reduction():
    assert checks.zero_certificate(sp.exp(a * t) * sp.exp(a_star * t) - sp.exp((a + a_star) * t)) is not None
    assert checks.zero_certificate(sp.exp(a) - a) is None


def test_interval_outcome_refutes_with_point():
    from proofs import interval

    outcome = checks.interval_outcome(interval.enclose(lambda x: x * x - 1, {"x": (-2, 2)}, lower=0), "x^2 > 1")
    assert outcome.status == "refuted" and "x" in outcome.counterexample


def test_mp_tolerance_follows_precision():
    assert checks.mp_rtol(60) < checks.mp_rtol(50) < checks.F64_RTOL


def test_registry_order_and_lookup():
    assert registry.ids() == registry.ORDER
    assert len(registry.ORDER) == len(set(registry.ORDER)) == 15  # the list of claim ids
    assert registry.get("lemma1").id == "lemma1"
    with pytest.raises(ValueError, match="no-such"):
        registry.get("no-such")
    with pytest.raises(KeyError):
        registry.get("no-such")


def test_verify_unknown_id_names_it():
    with pytest.raises(ValueError, match="nope"):
        verify(["nope"])


def test_table_and_json_render_results():
    claim = Claim("false-square", "a false identity", "x", "t > 0", "holds", _false_symbolic, _false_numeric)
    results = (run_claim(claim, FAST),)
    table = as_table(results)
    assert "false-square" in table and "refuted" in table and "0/1 claims as expected" in table
    import json

    (record,) = json.loads(as_json(results))
    assert record["verdict"] == "refuted" and record["counterexample"]


def test_outcome_contract_rejects_refutation_without_counterexample():
    with pytest.raises(ValueError):
        Outcome("numeric", "refuted", "no point")


@pytest.mark.parametrize("field", ["samples", "seed", "dps"])
def test_settings_reject_bools_and_non_integers(field):
    with pytest.raises(ValueError, match=field):
        Settings(**{field: True})
    with pytest.raises(ValueError, match=field):
        Settings(**{field: 30.0})


@pytest.mark.parametrize("field", ["statement", "latex", "assumptions"])
@pytest.mark.parametrize("blank", ["", "  \n\t"])
def test_claim_rejects_an_empty_text_field(field, blank):
    texts = {"statement": "a false identity", "latex": "x", "assumptions": "t > 0"}
    with pytest.raises(ValueError, match=field):
        Claim("false-square", **{**texts, field: blank}, expected="holds", symbolic=_false_symbolic)
    assert Claim("false-square", **texts, expected="holds", symbolic=_false_symbolic).statement == texts["statement"]


def test_registered_claims_have_non_empty_text():
    assert registry.CLAIMS
    for claim in registry.CLAIMS:
        for field in ("statement", "latex", "assumptions"):
            value = getattr(claim, field)
            assert isinstance(value, str) and value.strip(), f"{claim.id}: empty {field}"
