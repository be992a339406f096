"""The variance-corrected preconditioner as Gauss-Newton / Fisher scoring, and its minibatch form."""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from proofs import checks
from proofs.claim import Claim, Outcome, Settings

__all__ = [
    "CLAIMS",
    "BATCH_SIZES",
    "SYMBOLIC_BATCH",
    "QUADRATURE_POINTS",
    "STATED_STEP",
    "batch_step",
    "quadrature_rtol",
]

REGION = {
    "a": checks.uniform(-3.0, 3.0),
    "a_star": checks.uniform(-3.0, 3.0),
    "t": checks.log_uniform(0.2, 3.0),
    "sigma": checks.log_uniform(0.2, 3.0),
    "eta": checks.log_uniform(0.01, 1.0),
}
"""Parameter region of these claims."""

DOMAIN = {"eta": (0, 1)}
"""Where symbolic differences are probed: t, sigma positive by assumption, 0 < eta < 1 as in the region."""

BATCH_SIZES = (1, 64)
"""Minibatch sizes drawn uniformly in this range for the numeric minibatch check."""

SYMBOLIC_BATCH = 3
"""Size of the generic batch of symbols x_1..x_B checked alongside the symbolic-B sum."""


# --- vc-gauss-newton -------------------------------------------------------------------


def gauss_newton_symbolic(settings: Settings) -> Outcome:
    """t^2 sigma_k^2 - E[(d phi/da)^2] = 0 (paper's model and x0 with mean); Fisher scoring step = vc step."""
    from sympy import stats

    from analysis import derive, landscape
    from analysis.model import Model
    from analysis.symbols import a, a_star, eta, t

    d = derive()
    differences = {"paper: t^2 sigma_k^2 - E[(dphi/da)^2]": t**2 * d.terminal_variance - d.gauss_newton}
    model = Model.with_mean()
    steps = {step.name: step for step in landscape.STEPS}
    flow = steps["flow"].derive(model, {})
    variance = steps["terminal_variance"].derive(model, {"flow": flow})
    differences["with mean: t^2 sigma_k^2 - E[(dphi/da)^2]"] = t**2 * variance - steps["gauss_newton"].derive(
        model, {"flow": flow}
    )
    # Fisher scoring: y = phi_t(x0; a*) observed with N(0, s^2) noise; model density N(phi_t(x0; a), s^2).
    y, noise = sp.Symbol("y", real=True), sp.Symbol("s_noise", positive=True)
    phi = d.flow
    log_density = -((y - phi) ** 2) / (2 * noise**2) - sp.log(noise * sp.sqrt(2 * sp.pi))
    error = stats.Normal("epsilon", 0, noise)
    # Fisher information E_y|a[-d^2 log p / da^2] with y ~ N(phi(a), s^2), then averaged over x0.
    information = Model.paper().expectation(sp.expand(stats.E(-sp.diff(log_density, a, 2).subs(y, phi + error))))
    # Score at the data y = phi(a*) + noise (mean over noise), averaged over x0.
    score = Model.paper().expectation(sp.expand(stats.E(sp.diff(log_density, a).subs(y, phi.subs(a, a_star) + error))))
    differences["Fisher information * s^2 - E[(dphi/da)^2]"] = information * noise**2 - d.gauss_newton
    differences["eta * score / information - vc_step"] = eta * score / information - d.vc_step
    return checks.symbolic_zero(differences, settings, note="Fisher scoring with Gaussian noise is the vc step")


QUADRATURE_POINTS = 2
"""Points at which E[(d phi/da)^2] is computed by quadrature (mpmath.quad at settings.dps, ~0.4 s each at 50
digits); the cheap identity gauss_newton = t^2 sigma_k^2 covers all settings.samples points."""

QUADRATURE_DIGITS = 5
"""Digits of the working precision given up by mpmath.quad over the Gaussian tails (its error estimate is far
smaller at these smooth integrands; 5 digits leaves room for the split at 0 and the tails' truncation)."""


def quadrature_rtol(dps: int) -> float:
    """Tolerance of the quadrature: 10^(-dps + QUADRATURE_DIGITS)."""
    return 10.0 ** (-dps + QUADRATURE_DIGITS)


def _expected_square_sensitivity(fmp, a, t, sigma):
    """E[(d phi_t/da)^2] over x0 ~ N(0, sigma^2): mpmath.quad of the derived sample_sensitivity squared."""
    return mpmath.quad(
        lambda x: fmp.sample_sensitivity(a=a, t=t, x0=x) ** 2 * mpmath.npdf(x, 0, sigma),
        [-mpmath.inf, 0, mpmath.inf],
    )


def gauss_newton_numeric(settings: Settings) -> Outcome:
    """Derived gauss_newton = t^2 * derived terminal_variance at random points (generated float64 and mpmath code);
    and at QUADRATURE_POINTS of them, both against mpmath.quad of the derived sample_sensitivity^2 against the
    N(0, sigma^2) density."""
    f64, fmp = checks.compiled("numpy"), checks.compiled("mpmath")
    region = {k: REGION[k] for k in ("a", "t", "sigma")}

    identity = checks.numeric_identity(
        region,
        settings,
        lhs=lambda a, t, sigma: fmp.gauss_newton(a=a, t=t, sigma=sigma),
        rhs=lambda a, t, sigma: t**2 * fmp.terminal_variance(a=a, t=t, sigma=sigma),
        lhs64=lambda a, t, sigma: f64.gauss_newton(a=a, t=t, sigma=sigma),
        what="gauss_newton = t^2 sigma_k^2",
    )
    if identity.status != "confirmed":
        return identity
    tolerance = quadrature_rtol(settings.dps)
    worst = 0.0
    sample = checks.draw(region, settings, n=min(settings.samples, QUADRATURE_POINTS))
    with mpmath.workdps(settings.dps):
        for point in checks.points(sample):
            p = {k: mpmath.mpf(v) for k, v in point.items()}
            integral = _expected_square_sensitivity(fmp, **p)
            for name, value in (
                ("gauss_newton", fmp.gauss_newton(**p)),
                ("t^2 sigma_k^2", p["t"] ** 2 * fmp.terminal_variance(**p)),
            ):
                error = checks.relative_error(value, integral)
                if not error <= tolerance:
                    return Outcome(
                        "numeric",
                        "refuted",
                        f"{name} differs from the quadrature of E[(dphi/da)^2] by {error:.3g}",
                        worst_error=error,
                        counterexample={**point, name: mpmath.nstr(value, 20), "quadrature": mpmath.nstr(integral, 20)},
                    )
                worst = max(worst, error)
    return Outcome(
        "numeric",
        "confirmed",
        f"{identity.detail}; at {len(sample['a'])} points both equal mpmath.quad of sample_sensitivity^2 N(0, sigma^2)"
        f" to {worst:.2g} (tol {tolerance:.0e})",
        worst_error=max(identity.worst_error, worst),
    )


# --- vc-minibatch ----------------------------------------------------------------------


def batch_step(batch, eta, t, gradient, variance, mean):
    """The variance-corrected step from a batch: -eta mean(sample_gradient) / (t^2 mean(sample_terminal_variance)).

    `gradient` and `variance` map one x0 to the derived per-sample results; `mean` averages a list.
    """
    return -eta * mean([gradient(x) for x in batch]) / (t**2 * mean([variance(x) for x in batch]))


def _stated_step():
    """The population step as stated: eta/t (e^{(a*-a)t} - 1)."""
    from analysis.symbols import a, a_star, eta, t

    return eta / t * (sp.exp((a_star - a) * t) - 1)


STATED_STEP = _stated_step()
"""The statement's closed form of the (batch and population) step; the symbolic check compares it."""


def minibatch_symbolic(settings: Settings) -> Outcome:
    """Symbolic B: (1/B) sum of the derived sample_gradient over (1/B) sum of the derived sample_terminal_variance
    at x_1..x_B, times -eta/t^2, minus the population step is 0; the same for a generic batch of symbols."""
    from analysis import derive
    from analysis.symbols import eta, t, x0

    d = derive()
    i = sp.Idx("i")
    size = sp.Symbol("B", integer=True, positive=True)
    x = sp.IndexedBase("x", real=True)
    batch_gradient = sp.Sum(d.sample_gradient.subs(x0, x[i]), (i, 1, size)) / size
    batch_variance = sp.Sum(d.sample_terminal_variance.subs(x0, x[i]), (i, 1, size)) / size
    step = -eta * batch_gradient / (t**2 * batch_variance)
    step = sp.factor_terms(sp.simplify(sp.factor_terms(step.doit())))
    moment = sp.Sum(x[i] ** 2, (i, 1, size))
    reduced = sp.simplify(step.subs(moment, sp.Symbol("m2", positive=True)))
    xs = sp.symbols(f"x1:{SYMBOLIC_BATCH + 1}", real=True)
    generic = batch_step(
        xs,
        eta,
        t,
        gradient=lambda value: d.sample_gradient.subs(x0, value),
        variance=lambda value: d.sample_terminal_variance.subs(x0, value),
        mean=lambda terms: sp.Add(*terms) / len(terms),
    )
    return checks.symbolic_zero(
        {
            "batch step (symbolic B) - vc_step": reduced - d.vc_step,
            f"batch step (x_1..x_{SYMBOLIC_BATCH}) - vc_step": sp.cancel(sp.factor(generic)) - d.vc_step,
            "vc_step - stated eta/t (e^{(a*-a)t} - 1)": d.vc_step - STATED_STEP,
        },
        settings,
        note="the batch second moment cancels whenever it is nonzero",
        domain=DOMAIN,
    )


def minibatch_numeric(settings: Settings) -> Outcome:
    """Random batches (size, values, nonzero mean): the batch step from the generated per-sample results (mpmath and
    float64) equals the generated population vc_step."""
    fmp = checks.compiled("mpmath")
    f64 = checks.compiled("numpy")
    rng = np.random.default_rng(settings.seed)
    sample = checks.draw(REGION, settings)
    worst, worst64 = 0.0, 0.0
    with mpmath.workdps(settings.dps):
        for point in checks.points(sample):
            size = int(rng.integers(BATCH_SIZES[0], BATCH_SIZES[1] + 1))
            batch = rng.normal(rng.normal(), point["sigma"], size)
            p = {k: mpmath.mpf(v) for k, v in point.items()}
            step = batch_step(
                [mpmath.mpf(float(x)) for x in batch],
                p["eta"],
                p["t"],
                gradient=lambda x, p=p: fmp.sample_gradient(a=p["a"], a_star=p["a_star"], t=p["t"], x0=x),
                variance=lambda x, p=p: fmp.sample_terminal_variance(a=p["a"], t=p["t"], x0=x),
                mean=lambda terms: mpmath.fsum(terms) / len(terms),
            )
            population = fmp.vc_step(a=p["a"], a_star=p["a_star"], t=p["t"], eta=p["eta"])
            error = checks.relative_error(step, population)
            if not error <= checks.mp_rtol(settings.dps):
                return Outcome(
                    "numeric",
                    "refuted",
                    f"batch step differs by {error:.3g}",
                    worst_error=error,
                    counterexample={
                        **point,
                        "batch": batch.tolist(),
                        "batch_step": mpmath.nstr(step, 20),
                        "population_step": mpmath.nstr(population, 20),
                    },
                )
            worst = max(worst, error)
            a_, s_, t_ = point["a"], point["a_star"], point["t"]
            step64 = -point["eta"] * np.mean(f64.sample_gradient(a=a_, a_star=s_, t=t_, x0=batch)) / (
                t_**2 * np.mean(f64.sample_terminal_variance(a=a_, t=t_, x0=batch))
            )
            error64 = max(
                checks.relative_error(float(step64), population),
                checks.relative_error(float(f64.vc_step(a=a_, a_star=s_, t=t_, eta=point["eta"])), population),
            )
            if not error64 <= checks.F64_RTOL:
                return Outcome(
                    "numeric",
                    "inconclusive",
                    f"float64 batch step off by {error64:.3g} at {point}",
                    worst_error=error64,
                )
            worst64 = max(worst64, error64)
    return Outcome(
        "numeric",
        "confirmed",
        f"{settings.samples} random batches of size {BATCH_SIZES[0]}.."
        f"{BATCH_SIZES[1]}: batch step (derived per-sample results) = population step to {worst:.2g}"
        f" ({settings.dps} digits), {worst64:.2g} (float64)",
        worst_error=max(worst, worst64),
    )


CLAIMS = (
    Claim(
        id="vc-gauss-newton",
        statement="t^2 sigma_k^2 = E[(d phi_t/da)^2]: the variance-corrected rule is Gauss-Newton, and Fisher scoring"
        " for observations with Gaussian noise.",
        latex=r"t^2\sigma_k^2(t) = \mathbb{E}\big[(\partial_a \phi_t(x_0; a))^2\big]",
        assumptions="t > 0, sigma > 0; Gaussian observation noise for the Fisher statement",
        expected="holds",
        symbolic=gauss_newton_symbolic,
        numeric=gauss_newton_numeric,
    ),
    Claim(
        id="vc-minibatch",
        statement="With the terminal variance estimated on the same minibatch, the variance-corrected step equals"
        " the population step exactly, for every batch with nonzero second moment: both are"
        f" {STATED_STEP}.",
        latex=r"-\eta\,\frac{\hat{\mathcal{L}}_B'(a)}{t^2\hat\sigma_{k,B}^2}"
        r" = -\eta\,\frac{\mathcal{L}'(a)}{t^2\sigma_k^2} = " + checks.stated_latex(STATED_STEP),
        assumptions="t > 0, eta > 0, batch with sum x_i^2 > 0",
        expected="holds",
        symbolic=minibatch_symbolic,
        numeric=minibatch_numeric,
    ),
)
