"""The variance-corrected preconditioner as Gauss-Newton / Fisher scoring, and its minibatch form."""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from proofs import checks
from proofs.claim import Claim, Outcome, Settings

__all__ = ["CLAIMS", "BATCH_SIZES", "SYMBOLIC_BATCH"]

REGION = {
    "a": checks.uniform(-3.0, 3.0),
    "a_star": checks.uniform(-3.0, 3.0),
    "t": checks.log_uniform(0.2, 3.0),
    "sigma": checks.log_uniform(0.2, 3.0),
    "eta": checks.log_uniform(0.01, 1.0),
}
"""Parameter region of these claims."""

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


def gauss_newton_numeric(settings: Settings) -> Outcome:
    """t^2 sigma_k^2 against E[(d phi/da)^2] = sigma^2 t^2 e^{2at} int y^2 N(y; 0, 1) dy, the integral by mpmath.quad.

    x0 = sigma y scales out of the expectation exactly, so one quadrature of the standard normal's second moment
    at the working precision serves every point.
    """
    f64, fmp = checks.compiled("numpy"), checks.compiled("mpmath")
    region = {k: REGION[k] for k in ("a", "t", "sigma")}
    with mpmath.workdps(settings.dps):
        moment = mpmath.quad(lambda y: y**2 * mpmath.npdf(y), [-mpmath.inf, 0, mpmath.inf])

    def lhs64(a, t, sigma):
        return t**2 * f64.terminal_variance(a=a, t=t, sigma=sigma)

    def lhs(a, t, sigma):
        return t**2 * fmp.terminal_variance(a=a, t=t, sigma=sigma)

    def rhs(a, t, sigma):
        return sigma**2 * moment * (t * mpmath.exp(a * t)) ** 2

    return checks.numeric_identity(
        region, settings, lhs=lhs, rhs=rhs, lhs64=lhs64, what="t^2 sigma_k^2 = E[(dphi/da)^2] (quadrature)"
    )


# --- vc-minibatch ----------------------------------------------------------------------


def _batch_step(batch, a, a_star, t, eta, exp=np.exp, expm1=np.expm1, mean=np.mean):
    """The variance-corrected step computed from a batch: batch gradient over batch terminal second moment.

    The residual x e^{at} - x e^{a*t} is formed as -x e^{at} expm1((a* - a) t), without cancellation near a = a*.
    """
    u = exp(a * t)
    gradient = mean([-x * u * expm1((a_star - a) * t) * x * t * u for x in batch])
    variance = mean([(x * u) ** 2 for x in batch])
    return -eta * gradient / (t**2 * variance)


def minibatch_symbolic(settings: Settings) -> Outcome:
    """Symbolic B: batch loss (1/2B) sum (x_i e^{at} - x_i e^{a*t})^2; its vc step minus the population step is 0."""
    from analysis import derive
    from analysis.symbols import a, a_star, eta, t, x0

    d = derive()
    i = sp.Idx("i")
    size = sp.Symbol("B", integer=True, positive=True)
    x = sp.IndexedBase("x", real=True)
    flow = d.flow
    batch_loss = sp.Sum(((flow - flow.subs(a, a_star)) ** 2).subs(x0, x[i]), (i, 1, size)) / (2 * size)
    batch_variance = sp.Sum((flow**2).subs(x0, x[i]), (i, 1, size)) / size
    step = -eta * sp.diff(batch_loss, a) / (t**2 * batch_variance)
    step = sp.factor_terms(sp.simplify(sp.factor_terms(step.doit())))
    moment = sp.Sum(x[i] ** 2, (i, 1, size))
    reduced = sp.simplify(step.subs(moment, sp.Symbol("m2", positive=True)))
    xs = sp.symbols(f"x1:{SYMBOLIC_BATCH + 1}", real=True)
    generic = _batch_step(
        xs, a, a_star, t, eta, exp=sp.exp, expm1=lambda y: sp.exp(y) - 1, mean=lambda terms: sp.Add(*terms) / len(terms)
    )
    return checks.symbolic_zero(
        {
            "batch step (symbolic B) - vc_step": reduced - d.vc_step,
            f"batch step (x_1..x_{SYMBOLIC_BATCH}) - vc_step": sp.cancel(sp.factor(generic)) - d.vc_step,
        },
        settings,
        note="the batch second moment cancels whenever it is nonzero",
    )


def minibatch_numeric(settings: Settings) -> Outcome:
    """Random batches (size, values, and a batch with nonzero mean): batch step = generated population vc_step."""
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
            batch_mp = [mpmath.mpf(float(x)) for x in batch]
            step = _batch_step(
                batch_mp,
                p["a"],
                p["a_star"],
                p["t"],
                p["eta"],
                exp=mpmath.exp,
                expm1=mpmath.expm1,
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
            step64 = _batch_step(batch, point["a"], point["a_star"], point["t"], point["eta"])
            error64 = checks.relative_error(float(step64), population)
            error64 = max(
                error64,
                checks.relative_error(
                    float(f64.vc_step(a=point["a"], a_star=point["a_star"], t=point["t"], eta=point["eta"])), population
                ),
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
        f"{BATCH_SIZES[1]}: batch step = population step to {worst:.2g} ({settings.dps} digits),"
        f" {worst64:.2g} (float64)",
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
        " the population step exactly, for every batch with nonzero second moment.",
        latex=r"-\eta\,\frac{\hat{\mathcal{L}}_B'(a)}{t^2\hat\sigma_{k,B}^2}"
        r" = -\eta\,\frac{\mathcal{L}'(a)}{t^2\sigma_k^2} = \frac{\eta}{t}\big(e^{(a^\ast-a)t} - 1\big)",
        assumptions="t > 0, eta > 0, batch with sum x_i^2 > 0",
        expected="holds",
        symbolic=minibatch_symbolic,
        numeric=minibatch_numeric,
    ),
)
