"""Claims about plain gradient descent: Lemma 1 (with its exact eta^2 term) and local stability / escape time."""

from __future__ import annotations

import math
from functools import lru_cache

import mpmath
import numpy as np
import sympy as sp

from proofs import checks
from proofs.claim import Claim, Outcome, Settings

__all__ = [
    "CLAIMS",
    "STATED_LEMMA1",
    "STATED_STABILITY",
    "second_order_step", "second_order_rtol", "STABILITY_MARGIN", "GROWTH_SLOPE_RTOL", "ESCAPE_STEP_SLACK"]

REGION = {
    "a": checks.uniform(-3.0, 3.0),
    "a_star": checks.uniform(-3.0, 3.0),
    "t": checks.log_uniform(0.2, 3.0),
    "sigma": checks.log_uniform(0.2, 3.0),
}
"""Parameter region of the plain-GD claims."""

DOMAIN = {"eta": (0, None)}
"""Where a symbolic difference is probed for a counterexample: t, sigma positive by assumption, eta > 0."""

SECOND_ORDER_DIGITS = 3
"""At dps digits the eta^2 coefficient is estimated from a step |da| t = s = 10^(-dps/3): its eta^2 term (~s^2)
keeps dps/3 digits above rounding."""

TRUNCATION_FACTOR = 10
"""Safety factor on the leading truncation s |4 - z| / (3 |2 - z|) of the c2 estimate (measured ratio <= 1.0 at
dps 20, 50, 100); it covers the O(s^2) rest. With y = da t = -h (1 - z), h = eta t^2 sigma_k^2, the ratio is
((e^y - z)/(1 - z))^2 = 1 - 2h + (2 - z) h^2 - (1 - z)(4 - z)/3 h^3 + ..., and h = s/|1 - z|; the estimate is
singular where c2 = 0 (z = 2, the concavity threshold), so the tolerance grows there instead of assuming |1 - z|
or |2 - z| bounded away from 0."""


def second_order_step(dps: int):
    """The step |da| t = 10^(-dps/3) used to estimate c2 at dps digits."""
    return mpmath.mpf(10) ** (-mpmath.mpf(dps) / SECOND_ORDER_DIGITS)


ROUNDING_ULPS = 100
"""Units of 10^-dps of rounding in the computed ratio (a few dozen operations at dps digits)."""


def second_order_rtol(dps: int, second_order_term=None, z=None) -> float:
    """Relative tolerance of the c2 estimate at z = e^{(a*-a)t}: TRUNCATION_FACTOR * s |4 - z| / (3 |2 - z|) with
    s = 10^(-dps/3) (s alone when z is not given), plus the rounding of the ratio, ROUNDING_ULPS * 10^-dps,
    relative to the size |c2| eta^2 of the term being estimated."""
    step = second_order_step(dps)
    shape = 1 if z is None else abs(4 - z) / (3 * abs(2 - z))
    truncation = float(TRUNCATION_FACTOR * step * shape)
    if second_order_term is None:
        return truncation
    return truncation + float(ROUNDING_ULPS * mpmath.mpf(10) ** -dps / abs(second_order_term))


def _done():
    from analysis import derive

    return {r.name: r.expr for r in derive()}


# --- the statements' formulas (the checks compare these very expressions) --------------

LOSS, GRADIENT, HESSIAN, VARIANCE, CURVATURE = sp.symbols("Loss Loss_prime Loss_second sigma_k2 Loss_second_star")
"""Placeholders the statements are written in: Loss(a), Loss'(a), Loss''(a), sigma_k^2(t), Loss''(a*)."""

PLACEHOLDER_LATEX = {
    LOSS: r"\mathcal{L}(a)",
    GRADIENT: r"\mathcal{L}'(a)",
    HESSIAN: r"\mathcal{L}''(a)",
    VARIANCE: r"\sigma_k^2",
    CURVATURE: r"\mathcal{L}''(a^\ast)",
}


def _stated_lemma1():
    """grad^2 = 2 t^2 sigma_k^2 Loss; ratio 1 - 2 eta t^2 sigma_k^2 + c2 eta^2, c2 = t^2 sigma_k^2 L''."""
    from analysis.symbols import eta, t

    return {
        "gradient^2": 2 * t**2 * VARIANCE * LOSS,
        "first order": 1 - 2 * eta * t**2 * VARIANCE,
        "c2": t**2 * VARIANCE * HESSIAN,
    }


def _stated_stability():
    """gd-stability as stated: Loss''(a*) = sigma^2 t^2 e^{2a*t}, eta_max = 2/Loss''(a*), C = 1/(eta Loss''(a*))."""
    from analysis.symbols import a_star, eta, sigma, t

    return {
        "curvature": sigma**2 * t**2 * sp.exp(2 * a_star * t),
        "eta_max": 2 / CURVATURE,
        "growth": 1 / (eta * CURVATURE),
    }


STATED_LEMMA1 = _stated_lemma1()
STATED_STABILITY = _stated_stability()


def _placeholders(done):
    """Placeholder -> derived expression."""
    from analysis.symbols import a, a_star

    return {
        LOSS: done["loss"],
        GRADIENT: done["gradient"],
        HESSIAN: done["hessian"],
        VARIANCE: done["terminal_variance"],
        CURVATURE: done["hessian"].subs(a, a_star),
    }


def _tex(expr) -> str:
    return checks.stated_latex(expr, PLACEHOLDER_LATEX)


# --- lemma1 ----------------------------------------------------------------------------


def lemma1_symbolic(settings: Settings, stated=None) -> Outcome:
    """The stated grad^2 identity, first-order ratio and c2 (STATED_LEMMA1, derived results substituted) against
    the derived gradient^2, gd_ratio_first_order, and the eta^2 coefficient by sympy.series and by derivation."""
    from analysis.expansions import taylor_coefficient
    from analysis.gradient_descent import gd_ratio
    from analysis.symbols import eta

    done = _done()
    stated = {k: v.subs(_placeholders(done)) for k, v in (stated or STATED_LEMMA1).items()}
    by_series = taylor_coefficient(gd_ratio(done), eta, 2)
    return checks.symbolic_zero(
        {
            "grad^2 - stated 2 t^2 sigma_k^2 Loss": done["gradient"] ** 2 - stated["gradient^2"],
            "gd_ratio_first_order - stated (1 - 2 eta t^2 sigma_k^2)": done["gd_ratio_first_order"]
            - stated["first order"],
            "series c2 - gd_ratio_second_order": by_series - done["gd_ratio_second_order"],
            "gd_ratio_second_order - stated t^2 sigma_k^2 Loss''": done["gd_ratio_second_order"] - stated["c2"],
        },
        settings,
        note=f"c2 = {done['gd_ratio_second_order']}",
        domain=DOMAIN,
    )


def lemma1_numeric(settings: Settings) -> Outcome:
    """grad^2 = 2 t^2 sigma_k^2 Loss at random points; and (ratio - 1 - c1 eta)/eta^2 -> c2 at small eta."""
    f64, fmp = checks.compiled("numpy"), checks.compiled("mpmath")

    def lhs64(a, a_star, t, sigma):
        return f64.gradient(a=a, a_star=a_star, t=t, sigma=sigma) ** 2

    def lhs(a, a_star, t, sigma):
        return fmp.gradient(a=a, a_star=a_star, t=t, sigma=sigma) ** 2

    def rhs(a, a_star, t, sigma):
        return 2 * t**2 * fmp.terminal_variance(a=a, sigma=sigma, t=t) * fmp.loss(a=a, a_star=a_star, t=t, sigma=sigma)

    identity = checks.numeric_identity(
        REGION, settings, lhs=lhs, rhs=rhs, lhs64=lhs64, what="grad^2 = 2 t^2 sigma_k^2 L"
    )
    if identity.status != "confirmed":
        return identity
    worst = 0.0
    with mpmath.workdps(settings.dps):
        for point in checks.points(checks.draw(REGION, settings)):
            p = {k: mpmath.mpf(v) for k, v in point.items()}
            scale = p["t"] ** 2 * fmp.terminal_variance(a=p["a"], sigma=p["sigma"], t=p["t"])
            eta = second_order_step(settings.dps) / (p["t"] * abs(fmp.gradient(**p)))
            loss = fmp.loss(**p)
            stepped = {**p, "a": p["a"] - eta * fmp.gradient(**p)}
            ratio = fmp.loss(**stepped) / loss
            estimate = (ratio - 1 + 2 * eta * scale) / eta**2
            c2 = fmp.gd_ratio_second_order(**p)
            error = checks.relative_error(estimate, c2)
            z = mpmath.exp((p["a_star"] - p["a"]) * p["t"])
            if not error <= second_order_rtol(settings.dps, c2 * eta**2, z):
                return Outcome(
                    "numeric",
                    "refuted",
                    f"eta^2 coefficient off by {error:.3g}",
                    worst_error=error,
                    counterexample={**point, "c2": mpmath.nstr(c2, 15), "estimate": mpmath.nstr(estimate, 15)},
                )
            worst = max(worst, error)
    return Outcome(
        "numeric",
        "confirmed",
        f"{identity.detail}; eta^2 coefficient from a step |da| t = {float(second_order_step(settings.dps)):.0e}:"
        f" worst relative error {worst:.2g} (tol {second_order_rtol(settings.dps):.0e} |4-z|/(3|2-z|) + rounding)",
        worst_error=max(identity.worst_error, worst),
    )


# --- gd-stability ----------------------------------------------------------------------

STABILITY_MARGIN = 0.05
"""GD is run with eta = (1 -+ this) * eta_max: multipliers |1 - eta L''| = 0.9 and 1.1, far from 1."""

STABILITY_OFFSET = mpmath.mpf("1e-12")
"""(a_0 - a*) t at the start: nonlinear terms are ~1e-12 relative, far below the rate tolerance."""

STABILITY_STEPS = 40
"""Steps over which the per-step contraction is measured (1.1^40 ~ 45 keeps the offset linear)."""

STABILITY_RTOL = 1e-6
"""Measured vs predicted per-step multiplier: the nonlinear rest grows to ~45 * 1e-12 * O(1)."""

GROWTH_DEPTHS = (4.0, 5.0, 6.0)
"""(a* - a_0) t of the escape-time runs: z_0 = e^4 .. e^6, 2e2 .. 1.6e3 plain-GD steps at h = 0.25."""

GROWTH_STEP = 0.25
"""h = eta Loss''(a*) of the escape-time runs: on the plateau each step moves a by ~h e^{(a - a*)t}/t, tiny,
so the gradient-flow law applies; h only changes the fixed number of final contraction steps."""

GROWTH_TOLERANCE = 1e-6
"""Stop when Loss <= this * sigma^2/2 e^{2a*t} (the plateau)."""

GROWTH_SLOPE_RTOL = 0.02
"""Log-slope of the step increments, d log(N(z0_{i+1}) - N(z0_i)) / d((a* - a0) t), vs the leading law's 1: the
differences cancel the fixed final contraction steps; the flow time's ln z0 term (N = C (z0 + ln z0 + const))
moves the slope between depths 5 and 6 by ln((1 + 1/((e-1) e^5)) / (1 + 1/((e-1) e^4))) = -0.0067, the integer
counts (+-1 step in >= 380) by <= 0.005 more."""

GROWTH_RATIO_RTOL = 0.02
"""Least-squares slope dN/dz0 vs C: the ln z0 term adds C * 0.0054 (its least-squares slope over z0 = e^4..e^6),
the integer counts <= 1/(e^6 - e^4) C^-1 ~ 0.1%: about 0.6% in all, within this."""

ESCAPE_STEP_SLACK = 1.0
"""|N(z0_{i+1}) - N(z0_i) - predicted| in steps, the prediction being the derived flow time between the two starts
over eta plus Euler's 1/2 ln(v_end/v_start) (v = -gradient): the counts are integers (ceilings of the GD map's Abel
function), so their difference is within 1 of the continuous one; Euler's next terms, O(N (eta Loss''(a))^2) with
eta Loss''(a) <= 0.25 * 53 e^-8 on the plateau, are below 0.01 step."""


@lru_cache(maxsize=1)
def _flow_time():
    """The gradient-flow time from u0 = e^{a0 t} to u1 = e^{a1 t}, int du / (t u (-gradient)) with u = e^{at}, in
    closed form (None if the integrand does not reduce to u), with the symbols (u0, u1)."""
    from analysis.symbols import a, t

    done = _done()
    u, u0, u1 = sp.symbols("u u0 u1", positive=True)
    integrand = sp.apart(sp.factor((1 / (t * u * -done["gradient"])).subs(sp.exp(a * t), u)), u)
    if integrand.has(a):
        return None, (u0, u1)
    return sp.integrate(integrand, (u, u0, u1)), (u0, u1)


def _stated_functions(stated=None):
    """The stated curvature, eta_max (a*, t, sigma) and growth constant C (a*, t, sigma, eta), placeholders replaced
    by the derived results, as mpmath (curvature, eta_max) and NumPy (C) functions."""
    from analysis.symbols import a_star, eta, sigma, t

    done = _done()
    forms = {k: v.subs(_placeholders(done)) for k, v in (stated or STATED_STABILITY).items()}
    return {
        "curvature": sp.lambdify((a_star, t, sigma), forms["curvature"], "mpmath"),
        "eta_max": sp.lambdify((a_star, t, sigma), forms["eta_max"], "mpmath"),
        "growth": sp.lambdify((a_star, t, sigma, eta), forms["growth"], "numpy"),
    }


def stability_symbolic(settings: Settings, stated=None) -> Outcome:
    """grad(a*) = 0; L''(a*) = derived curvature = stated; the GD map's derivative at a* is -1 at exactly eta = eta_max
    = stated; the escape-time constant from the closed-form flow time integral = derived C = stated C."""
    from analysis.symbols import a, a_star, eta, t

    done = _done()
    stated = {k: v.subs(_placeholders(done)) for k, v in (stated or STATED_STABILITY).items()}
    curvature, eta_max, growth = done["gd_curvature_optimum"], done["gd_learning_rate_max"], done["gd_steps_growth"]
    step_map = a - eta * done["gradient"]
    slope_at_optimum = sp.diff(step_map, a).subs(a, a_star)
    unstable_at = sp.solve(sp.Eq(slope_at_optimum, -1), eta)
    # Flow time from u0 = e^{a0 t} to u1 in u = e^{at}: dtau = da/(-grad) = du / (t u (-grad)).
    flow_time, (u0, _) = _flow_time()
    if flow_time is None:
        return Outcome("symbolic", "inconclusive", "the flow-time integrand does not reduce to u = e^{at}")
    # z0 = e^{(a* - a0) t} = e^{a* t}/u0; the escape time per unit z0 as u0 -> 0+.
    constant = sp.limit(flow_time * u0 / sp.exp(a_star * t), u0, 0, "+")
    return checks.symbolic_zero(
        {
            "grad(a*)": done["gradient"].subs(a, a_star),
            "curvature - Loss''(a*)": curvature - done["hessian"].subs(a, a_star),
            "curvature - stated Loss''(a*)": curvature - stated["curvature"],
            "eta_max - root of (GD map)'(a*) = -1": eta_max - unstable_at[0] if len(unstable_at) == 1 else sp.nan,
            "eta_max - stated eta_max": eta_max - stated["eta_max"],
            "(GD map)'(a*) - (1 - eta curvature)": slope_at_optimum - (1 - eta * curvature),
            "C - lim flow_time/z0 / eta": growth - constant / eta,
            "C - stated C": growth - stated["growth"],
        },
        settings,
        note=f"L''(a*) = {curvature}; eta_max = {eta_max}; steps ~ ({growth}) z0",
        domain=DOMAIN,
    )


def _gd_contraction(fmp, p, eta, steps=STABILITY_STEPS):
    """|a_N - a*| / |a_0 - a*| over N = `steps` plain-GD steps from a* + offset/t, to the power 1/N."""
    a = p["a_star"] + STABILITY_OFFSET / p["t"]
    for _ in range(steps):
        a = a - eta * fmp.gradient(a=a, a_star=p["a_star"], t=p["t"], sigma=p["sigma"])
    return (abs(a - p["a_star"]) / (STABILITY_OFFSET / p["t"])) ** (mpmath.mpf(1) / steps)


def _escape_steps(f64, a_star, t, sigma, depths, eta):
    """Plain-GD steps from a0 = a* - depth/t until Loss <= GROWTH_TOLERANCE * plateau.

    float64, vectorised: parameters are column vectors (one row per point), depths a row.
    """
    a = a_star - depths / t
    a_star, t, sigma, eta = (np.broadcast_to(v, a.shape) for v in (a_star, t, sigma, eta))
    target = GROWTH_TOLERANCE * sigma**2 / 2 * np.exp(2 * a_star * t)
    steps = np.zeros_like(a)
    active = np.ones_like(a, dtype=bool)
    limit = int(20 * math.exp(max(GROWTH_DEPTHS)) / GROWTH_STEP)
    for k in range(limit):
        loss = f64.loss(a=a, a_star=a_star, t=t, sigma=sigma)
        reached = active & (loss <= target)
        steps[reached] = k
        active &= ~reached
        if not active.any():
            return steps
        a = np.where(active, a - eta * f64.gradient(a=a, a_star=a_star, t=t, sigma=sigma), a)
    raise RuntimeError("plain GD did not reach the tolerance within the step limit")


@lru_cache(maxsize=1)
def _flow_time_function():
    """The derived flow time as an mpmath function of (u0, u1, a*, t, sigma)."""
    from analysis.symbols import a_star, sigma, t

    flow_time, (u0, u1) = _flow_time()
    return sp.lambdify((u0, u1, a_star, t, sigma), flow_time, "mpmath")


def _increment_residuals(fmp, point, depths, steps, eta):
    """N(z0_{i+1}) - N(z0_i) minus its prediction, in steps: the derived flow time between the starts a* - d/t over
    eta, plus Euler's 1/2 ln(v_end/v_start), v = -gradient (the flow time's log terms carry +-i pi, which cancel)."""
    time = _flow_time_function()
    p = {k: mpmath.mpf(v) for k, v in point.items()}
    starts = [p["a_star"] - mpmath.mpf(d) / p["t"] for d in depths]
    speeds = [-fmp.gradient(a=x, **p) for x in starts]
    residuals = []
    for i in range(len(depths) - 1):
        u_start, u_end = mpmath.exp(starts[i + 1] * p["t"]), mpmath.exp(starts[i] * p["t"])
        value = time(u_start, u_end, p["a_star"], p["t"], p["sigma"])
        predicted = mpmath.re(value) / mpmath.mpf(eta) + mpmath.log(speeds[i] / speeds[i + 1]) / 2
        residuals.append(float(steps[i + 1] - steps[i] - predicted))
    return residuals


def stability_numeric(settings: Settings, stated=None) -> Outcome:
    """Run plain GD: the multiplier |1 - eta Loss''(a*)| at (1 -+ margin) eta_max and 1 at the stated eta_max; the
    escape-step increments against the derived flow time; their growth against the stated C z0."""
    f64, fmp = checks.compiled("numpy"), checks.compiled("mpmath")
    law = _stated_functions(stated)
    region = {k: REGION[k] for k in ("a_star", "t", "sigma")}
    sample = checks.draw(region, settings, n=min(settings.samples, 6))
    worst = 0.0
    with mpmath.workdps(settings.dps):
        for point in checks.points(sample):
            p = {k: mpmath.mpf(v) for k, v in point.items()}
            eta_max = law["eta_max"](p["a_star"], p["t"], p["sigma"])
            curvature = law["curvature"](p["a_star"], p["t"], p["sigma"])
            for factor in (1 - STABILITY_MARGIN, 1, 1 + STABILITY_MARGIN):
                eta = factor * eta_max
                measured = _gd_contraction(fmp, p, eta)
                # at eta_max itself the statement is the stability limit: multiplier exactly 1
                predicted = mpmath.mpf(1) if factor == 1 else abs(1 - eta * curvature)
                error = float(abs(measured / predicted - 1))
                if not error <= STABILITY_RTOL or factor != 1 and (measured < 1) != (factor < 1):
                    return Outcome(
                        "numeric",
                        "refuted",
                        f"GD at {factor} eta_max: multiplier {mpmath.nstr(measured, 8)}"
                        f" vs predicted {mpmath.nstr(predicted, 8)}",
                        worst_error=error,
                        counterexample={
                            **point,
                            "eta": mpmath.nstr(eta, 15),
                            "measured_multiplier": mpmath.nstr(measured, 15),
                        },
                    )
                worst = max(worst, error)
    depths = np.asarray(GROWTH_DEPTHS)
    column = {k: v[:, None] for k, v in sample.items()}
    eta = GROWTH_STEP / f64.gd_curvature_optimum(**column)
    all_steps = _escape_steps(f64, column["a_star"], column["t"], column["sigma"], depths[None, :], eta)
    growth = law["growth"](column["a_star"], column["t"], column["sigma"], eta)[:, 0]
    slope_errors, ratio_errors, residuals, increment_errors = [], [], [], []
    with mpmath.workdps(settings.dps):
        for index, point in enumerate(checks.points(sample)):
            steps = all_steps[index]
            found = _increment_residuals(fmp, point, GROWTH_DEPTHS, steps, eta[index, 0])
            residuals.extend(found)
            increment_errors.extend(abs(r) / d for r, d in zip(found, np.diff(steps)))
            log_slope = np.polyfit(depths[1:], np.log(np.diff(steps)), 1)[0]
            fitted = np.polyfit(np.exp(depths), steps, 1)[0]
            slope_errors.append(abs(log_slope - 1))
            ratio_errors.append(abs(fitted / growth[index] - 1))
            if not (
                max(map(abs, found)) <= ESCAPE_STEP_SLACK
                and slope_errors[-1] <= GROWTH_SLOPE_RTOL
                and ratio_errors[-1] <= GROWTH_RATIO_RTOL
            ):
                return Outcome(
                    "numeric",
                    "refuted",
                    f"escape steps {steps.tolist()}: increments off the derived flow time by {found} steps;"
                    f" dN/dz0 = {fitted:.4g} vs C = {growth[index]:.4g}, increment log-slope {log_slope:.4g} vs 1",
                    worst_error=max(slope_errors[-1], ratio_errors[-1], *increment_errors),
                    counterexample={
                        **point,
                        "eta": float(eta[index, 0]),
                        "steps": steps.tolist(),
                        "increment_residuals": found,
                        "log_slope": float(log_slope),
                    },
                )
    return Outcome(
        "numeric",
        "confirmed",
        f"GD at (1 -+ {STABILITY_MARGIN}) eta_max contracts/expands at |1 - eta L''(a*)|, at eta_max by 1 (worst"
        f" relative error {worst:.2g}, {settings.dps} digits); escape steps at (a*-a0)t in {GROWTH_DEPTHS}: increments"
        f" = derived flow time / eta + Euler term to within {max(map(abs, residuals)):.2g} steps (tol"
        f" {ESCAPE_STEP_SLACK:g}; relative {max(increment_errors):.2g}); leading law: increment log-slope within"
        f" {max(slope_errors):.2g} of 1 (tol {GROWTH_SLOPE_RTOL}), dN/dz0 within {max(ratio_errors):.2g} of C (tol"
        f" {GROWTH_RATIO_RTOL}) (float64 runs)",
        worst_error=max(worst, *increment_errors),
    )


CLAIMS = (
    Claim(
        id="lemma1",
        statement=f"grad^2 = {STATED_LEMMA1['gradient^2']} exactly; plain GD's loss ratio is"
        f" {STATED_LEMMA1['first order']} + c2 eta^2 + O(eta^3) with c2 = {STATED_LEMMA1['c2']}"
        " (Loss_second = Loss''(a), sigma_k2 = sigma_k^2(t)).",
        latex=rf"\mathcal{{L}}'(a)^2 = {_tex(STATED_LEMMA1['gradient^2'])},\quad"
        r" \frac{\mathcal{L}(a-\eta\mathcal{L}')}{\mathcal{L}(a)}"
        rf" = {_tex(STATED_LEMMA1['first order'])} + \eta^2 \left({_tex(STATED_LEMMA1['c2'])}\right) + O(\eta^3)",
        assumptions="t > 0, sigma > 0, a != a*",
        expected="holds",
        symbolic=lemma1_symbolic,
        numeric=lemma1_numeric,
        source="paper",
    ),
    Claim(
        id="gd-stability",
        statement=f"Loss''(a*) = {STATED_STABILITY['curvature']}; plain GD is locally stable iff eta <"
        f" {STATED_STABILITY['eta_max']}; from a0 far below a*, small-step GD needs ~"
        f" ({STATED_STABILITY['growth']}) z0 steps, z0 = e^{{(a*-a0)t}} (Loss_second_star = Loss''(a*)).",
        latex=rf"\mathcal{{L}}''(a^\ast) = {_tex(STATED_STABILITY['curvature'])},\ "
        rf"\eta_{{\max}} = {_tex(STATED_STABILITY['eta_max'])},\ "
        rf"N(a_0) \sim {_tex(STATED_STABILITY['growth'])}\, e^{{(a^\ast-a_0)t}}",
        assumptions="t > 0, sigma > 0; escape law for eta Loss''(a*) small and a0 -> -oo",
        expected="holds",
        symbolic=stability_symbolic,
        numeric=stability_numeric,
    ),
)
