"""Claims about the loss landscape: closed form, (non)convexity, asymmetry."""

from __future__ import annotations

import math

import mpmath
import sympy as sp

from proofs import checks
from proofs.claim import Claim, Outcome, Settings

__all__ = ["CLAIMS", "DISTRIBUTIONS", "CONCAVITY_BOX", "ASYMPTOTIC_W"]

REGION = {
    "a": checks.uniform(-4.0, 4.0),
    "a_star": checks.uniform(-4.0, 4.0),
    "t": checks.log_uniform(0.1, 5.0),
    "sigma": checks.log_uniform(0.1, 3.0),
}
"""Parameter region of the landscape claims (|a t| <= 20 keeps e^{2 a t} within float64)."""


def DISTRIBUTIONS():
    """x0 laws the closed form is shown for: normal with mean, uniform, two-point."""
    from analysis.model import Normal, TwoPoint, Uniform
    from analysis.symbols import mu, sigma

    return {
        "normal(mu, sigma)": Normal(mean=mu, std=sigma),
        "normal(0, sigma)": Normal(),
        "uniform(0, sigma)": Uniform(0, sigma),
        "two-point(mu +- sigma)": TwoPoint(mu - sigma, mu + sigma),
    }


def _loss_of(initial, flow=None):
    """The loss derived for x0 ~ `initial` by the steps `derive` runs, and E[x0^2].

    `flow` (the flow map, which does not depend on the law of x0) is reused when given.
    """
    from analysis import landscape
    from analysis.model import Model
    from analysis.symbols import x0

    model = Model(initial=initial)
    steps = {step.name: step for step in landscape.STEPS}
    done = {"flow": steps["flow"].derive(model, {}) if flow is None else flow}
    return steps["loss"].derive(model, done), model.expectation(x0**2)


def _second_moment_form(second_moment):
    from analysis.symbols import a, a_star, t

    return second_moment / 2 * (sp.exp(a * t) - sp.exp(a_star * t)) ** 2


def _stated_loss():
    """The statement's closed form for x0 ~ N(mu, sigma^2): (mu^2 + sigma^2)/2 (e^{at} - e^{a*t})^2."""
    from analysis.symbols import a, a_star, mu, sigma, t

    return (mu**2 + sigma**2) / 2 * (sp.exp(a * t) - sp.exp(a_star * t)) ** 2


def _stated_threshold():
    """The statement's concavity threshold a* - ln(2)/t."""
    from analysis.symbols import a_star, t

    return a_star - sp.log(2) / t


def _stated_leading():
    """The statement's asymptotic forms: (label, result name, a -> +-oo, leading form), function/leading form -> 1."""
    from analysis.symbols import a, a_star, sigma, t

    return (
        ("loss -> plateau", "loss", -sp.oo, sigma**2 / 2 * sp.exp(2 * a_star * t)),
        ("gradient ~ e^{at} -> 0", "gradient", -sp.oo, -(sigma**2) * t * sp.exp(a_star * t) * sp.exp(a * t)),
        ("loss ~ e^{2at}", "loss", sp.oo, sigma**2 / 2 * sp.exp(2 * a * t)),
        ("gradient ~ e^{2at}", "gradient", sp.oo, sigma**2 * t * sp.exp(2 * a * t)),
    )


STATED_LOSS = _stated_loss()
"""The closed form as stated; the checks compare this expression (its LaTeX is rendered from it)."""
STATED_THRESHOLD = _stated_threshold()
"""The concavity threshold as stated."""
STATED_LEADING = _stated_leading()
"""The asymptotic forms as stated."""


def independent_second_moment(initial):
    """E[x0^2] computed without `Model.expectation`: the stated mu^2 + sigma^2 for a normal law (its own mean and
    std), sympy.integrate against the density 1/(high - low) for a uniform law, the average of the two squared
    values for a two-point law."""
    from analysis.model import Normal, TwoPoint, Uniform
    from analysis.symbols import mu, sigma

    if isinstance(initial, Normal):
        # mu^2 + sigma^2, read off the statement's own closed form
        stated_moment = sp.cancel(2 * STATED_LOSS / _second_moment_form(sp.Integer(2)))
        return stated_moment.subs({mu: initial.mean, sigma: initial.std}, simultaneous=True)
    if isinstance(initial, Uniform):
        x = sp.Dummy("x", real=True)
        return sp.integrate(x**2 / (initial.high - initial.low), (x, initial.low, initial.high))
    if isinstance(initial, TwoPoint):
        return (initial.low**2 + initial.high**2) / 2
    raise ValueError(f"initial: no independent second moment for {type(initial).__name__}")


# --- loss-closed-form ------------------------------------------------------------------


def closed_form_symbolic(settings: Settings) -> Outcome:
    """For each law: derived loss = E[x0^2]/2 (e^at - e^a*t)^2 with E[x0^2] computed independently of the
    derivation's expectation; for N(mu, sigma^2) the derived loss equals the stated closed form."""
    from analysis import derive

    flow = derive().flow  # x0 e^{at} by dsolve, shared by every law of x0
    differences = {}
    for name, initial in DISTRIBUTIONS().items():
        loss, second_moment = _loss_of(initial, flow)
        moment = independent_second_moment(initial)
        differences[f"{name}: E[x0^2] - independent moment"] = second_moment - moment
        differences[f"{name}: loss - moment/2 (e^at - e^a*t)^2"] = loss - _second_moment_form(moment)
        if name == "normal(mu, sigma)":
            differences[f"{name}: loss - stated (mu^2 + sigma^2)/2 (e^at - e^a*t)^2"] = loss - STATED_LOSS
    return checks.symbolic_zero(differences, settings)


def closed_form_numeric(settings: Settings) -> Outcome:
    """The generated float64 and mpmath losses against the stated closed form at mu = 0, at random points."""
    f64, fmp = checks.compiled("numpy"), checks.compiled("mpmath")

    from analysis.symbols import a, a_star, mu, sigma, t

    stated = sp.lambdify((a, a_star, t, sigma), STATED_LOSS.subs(mu, 0), "mpmath")  # the paper's mu = 0

    def rhs(a, a_star, t, sigma):
        return stated(a, a_star, t, sigma)

    return checks.numeric_identity(
        REGION, settings, lhs=fmp.loss, rhs=rhs, lhs64=f64.loss, what="loss = stated form at mu = 0"
    )


# --- loss-nonconvex --------------------------------------------------------------------

CONCAVITY_BOX = {"d": (-4.0, 4.0), "t": (0.25, 4.0)}
"""Interval box: d = a - a* and t (the sign of the Hessian does not depend on sigma > 0)."""


def nonconvex_symbolic(settings: Settings) -> Outcome:
    """Hessian = sigma^2 t^2 e^{2at} (2 - 2 e^{-w}) with w = (a - a_c) t, a_c the derived threshold.

    2 - 2 e^{-w} has the sign of w (solved as an inequality), so concave iff a < a_c.
    """
    from analysis import derive
    from analysis.symbols import a, sigma, t

    d = derive()
    w = sp.Symbol("w", real=True)
    threshold = d.concavity_threshold
    at = threshold + w / t
    shape = sp.expand(sp.powsimp(sp.expand(d.hessian.subs(a, at) / (sigma**2 * t**2 * sp.exp(2 * a * t)).subs(a, at))))
    outcome = checks.symbolic_zero(
        {
            "threshold - stated a* - ln2/t": threshold - STATED_THRESHOLD,
            "Hessian/(sigma^2 t^2 e^2at) - (2 - 2e^-w)": shape - (2 - 2 * sp.exp(-w)),
        },
        settings,
    )
    if outcome.status != "confirmed":
        return outcome
    positive = sp.solve_univariate_inequality(shape > 0, w, relational=False)
    negative = sp.solve_univariate_inequality(shape < 0, w, relational=False)
    if positive != sp.Interval.open(0, sp.oo) or negative != sp.Interval.open(-sp.oo, 0):
        return Outcome(
            "symbolic",
            "refuted",
            f"Hessian > 0 on w in {positive}, < 0 on {negative}",
            counterexample={"positive_set": str(positive), "negative_set": str(negative)},
        )
    return Outcome("symbolic", "confirmed", f"{outcome.detail}; Hessian > 0 iff w > 0, < 0 iff w < 0 (solved)")


def nonconvex_numeric(settings: Settings) -> Outcome:
    """At random points, the sign of the generated Hessian (float64 and mpmath) against a vs the stated threshold."""
    from analysis.symbols import a_star, t

    f64, fmp = checks.compiled("numpy"), checks.compiled("mpmath")
    threshold = sp.lambdify((a_star, t), STATED_THRESHOLD, "mpmath")
    sample = checks.draw(REGION, settings)
    h64 = f64.hessian(**sample)
    worst = 0.0
    with mpmath.workdps(settings.dps):
        for index, point in enumerate(checks.points(sample)):
            args = {k: mpmath.mpf(v) for k, v in point.items()}
            h = fmp.hessian(**args)
            predicted = mpmath.sign(args["a"] - threshold(args["a_star"], args["t"]))
            if mpmath.sign(h) != predicted:
                return Outcome(
                    "numeric",
                    "refuted",
                    "Hessian sign differs from the threshold's prediction",
                    counterexample={**point, "hessian": mpmath.nstr(h, 15)},
                )
            error = checks.relative_error(float(h64[index]), h)
            if not error <= checks.F64_RTOL or math.copysign(1, h64[index]) != float(predicted):
                return Outcome(
                    "numeric", "inconclusive", f"float64 Hessian off by {error:.3g} at {point}", worst_error=error
                )
            worst = max(worst, error)
    return Outcome(
        "numeric",
        "confirmed",
        f"sign(Hessian) = sign(a - ({STATED_THRESHOLD})) at {settings.samples} points; float64 vs {settings.dps}-digit"
        f" Hessian worst relative error {worst:.2g}",
        worst_error=worst,
    )


SERIES_WIDTH = 0.5
"""Pieces with w = d t + ln 2 straddling 0 use the series enclosure once |w| <= this (within its radius 1)."""


def hessian_sign_parts():
    """From the derived Hessian and threshold, with d = a - a*: the scaled Hessian
    h(d, t) = Hessian / (sigma^2 t^2 e^{2at}) and w(d, t) = (a - a_c) t, as SymPy expressions in (d, t).

    sigma^2 t^2 e^{2at} > 0, so sign(Hessian) = sign(h); the claim is h / w > 0 (w != 0).
    """
    from analysis import derive
    from analysis.symbols import a, a_star, sigma, t

    derived = derive()
    d = sp.Symbol("d", real=True)
    at = {a: a_star + d}
    scaled = sp.simplify(derived.hessian.subs(at) / (sigma**2 * t**2 * sp.exp(2 * a * t)).subs(at))
    w = sp.expand(((a - derived.concavity_threshold) * t).subs(at))
    if scaled.free_symbols - {d, t} or w.free_symbols - {d, t}:
        raise ValueError("the scaled Hessian or w depends on more than d = a - a* and t")
    return d, scaled, w


def hessian_sign_quotient(parts=None):
    """An interval function (d, t) -> enclosure of h / w, generated from `hessian_sign_parts` by lambdify into
    mpmath.iv. Where w may vanish the quotient is enclosed as 2 E_0(-w) = 2 (1 - e^{-w})/w by
    `interval.exp_moment`'s series with proven remainder; that h = 2 (1 - e^{-w}) is certified by
    `nonconvex_interval` before it is used."""
    from mpmath import iv

    from analysis.symbols import t
    from proofs import interval

    d, scaled, w = hessian_sign_parts() if parts is None else parts
    evaluate = sp.lambdify((d, t), [scaled, w], modules=[{"exp": iv.exp, "log": iv.log, "mpf": iv.mpf}, "mpmath"])

    def quotient(d, t):
        h, w = evaluate(d, t)
        if (w.a <= 0 <= w.b) and max(abs(w.a), abs(w.b)) <= SERIES_WIDTH:
            return 2 * interval.exp_moment(-w, 0)
        return h / w  # [-inf, inf] while w straddles 0: the piece is bisected

    return quotient


def nonconvex_interval(settings: Settings) -> Outcome:
    """Certify h / w > 0 on CONCAVITY_BOX, h and w generated from the derived Hessian and threshold."""
    from proofs import interval

    d, scaled, w = parts = hessian_sign_parts()
    series_form = checks.symbolic_zero({"h - 2 (1 - e^{-w})": scaled - 2 * (1 - sp.exp(-w))}, settings)
    if series_form.status != "confirmed":
        return Outcome("interval", "inconclusive", f"series branch not justified: {series_form.detail}")
    result = interval.enclose(hessian_sign_quotient(parts), CONCAVITY_BOX, lower=0)
    return checks.interval_outcome(
        result, f"h/w = ({scaled})/({w}) > 0 (derived) on d = a - a* in [-4, 4], t in [0.25, 4]"
    )


# --- loss-asymmetry --------------------------------------------------------------------

ASYMPTOTIC_W = (5.0, 60.0)
"""|w| = |a - a*| t sampled in this range (capped by `asymptotic_w_max` at low precision)."""

BOUND_OVER_SLACK_DIGITS = 2
"""The bound NEXT_ORDER e^{-|w|} must exceed the rounding slack mp_rtol(dps) by this many digits to test anything."""


def asymptotic_w_max(dps: int) -> float:
    """Largest |w| sampled at dps digits: e^{-|w|} >= 10^BOUND_OVER_SLACK_DIGITS * mp_rtol(dps), at most 60.

    >>> asymptotic_w_max(50)
    60.0
    >>> round(asymptotic_w_max(20), 2)
    18.42
    """
    return min(ASYMPTOTIC_W[1], (dps - checks.MP_MARGIN_DIGITS - BOUND_OVER_SLACK_DIGITS) * math.log(10))

NEXT_ORDER = 2
"""Bound on the next-order coefficient: |(1 - x)^2 - 1| <= 2x and |(1 - x) - 1| <= x for 0 < x < 1."""


def _asymptotic_forms(leading_forms=None):
    """(label, result name, derived function, a -> +-oo, leading form) for the stated (or given) leading forms."""
    from analysis import derive

    d = derive()
    return tuple((label, name, d[name], end, form) for label, name, end, form in (leading_forms or STATED_LEADING))


def asymmetry_symbolic(settings: Settings, leading_forms=None) -> Outcome:
    """sympy.limit: each derived function over its stated leading form tends to 1; the plateau and the vanishing
    gradient."""
    from analysis import derive
    from analysis.symbols import a

    d = derive()
    found = []
    for label, _, function, end, leading in _asymptotic_forms(leading_forms):
        ratio = sp.limit(function / leading, a, end)
        if ratio != 1:
            return Outcome(
                "symbolic",
                "refuted",
                f"{label}: limit of ratio is {ratio}",
                counterexample={"asymptotic": label, "limit_of_ratio": str(ratio)},
            )
        found.append(f"lim {label.split(' ')[0]}/leading = 1 (a -> {end})")
    plateau = sp.limit(d.loss, a, -sp.oo)
    vanishing = sp.limit(d.gradient, a, -sp.oo)
    exploding = (sp.limit(d.loss, a, sp.oo), sp.limit(d.gradient, a, sp.oo))
    if vanishing != 0 or exploding != (sp.oo, sp.oo) or plateau.has(a) or not plateau.is_positive:
        return Outcome(
            "symbolic",
            "refuted",
            "limits at the ends are not plateau/0/oo/oo",
            counterexample={"plateau": str(plateau), "gradient_minus_oo": str(vanishing), "plus_oo": str(exploding)},
        )
    found.append(f"lim_(a->-oo) loss = {plateau}, gradient -> 0; loss, gradient -> oo as a -> oo")
    return Outcome("symbolic", "confirmed", "; ".join(found))


def asymmetry_numeric(settings: Settings) -> Outcome:
    """At |a - a*| t = |w| in ASYMPTOTIC_W: |function/leading - 1| <= NEXT_ORDER e^{-|w|} (mpmath, generated code)."""
    from analysis.symbols import a as a_sym

    fmp, f64 = checks.compiled("mpmath"), checks.compiled("numpy")
    names = {"loss": fmp.loss, "gradient": fmp.gradient}
    names64 = {"loss": f64.loss, "gradient": f64.gradient}
    region = {
        "a_star": checks.uniform(-3.0, 3.0),
        "t": checks.log_uniform(0.5, 4.0),
        "sigma": checks.log_uniform(0.1, 3.0),
        "w": checks.uniform(ASYMPTOTIC_W[0], asymptotic_w_max(settings.dps)),
        "side": checks.uniform(-1.0, 1.0),
    }
    sample = checks.draw(region, settings)
    forms = []
    for label, name, _, end, leading in _asymptotic_forms():
        arguments = sorted(leading.free_symbols - {a_sym}, key=lambda s: s.name)
        forms.append(
            (label, name, end, sp.lambdify([a_sym, *arguments], leading, "mpmath"), [s.name for s in arguments])
        )
    worst, worst64 = 0.0, 0.0
    with mpmath.workdps(settings.dps):
        for point in checks.points(sample):
            sign = 1 if point["side"] >= 0 else -1
            args = {k: mpmath.mpf(point[k]) for k in ("a_star", "t", "sigma")}
            a_value = args["a_star"] + sign * mpmath.mpf(point["w"]) / args["t"]
            bound = NEXT_ORDER * mpmath.exp(-mpmath.mpf(point["w"]))
            for label, name, end, leading, arguments in forms:
                if (end == sp.oo) != (sign > 0):
                    continue
                value = names[name](a=a_value, **args)
                reference = leading(a_value, *(args[n] for n in arguments))
                deviation = abs(value / reference - 1)
                # absolute slack: f/leading - 1 loses its leading digits to cancellation against 1
                if not deviation <= bound + checks.mp_rtol(settings.dps):
                    return Outcome(
                        "numeric",
                        "refuted",
                        f"{label}: deviation {mpmath.nstr(deviation, 5)} > bound",
                        worst_error=float(deviation),
                        counterexample={**args, "a": mpmath.nstr(a_value, 20), "deviation": str(deviation)},
                    )
                worst = max(worst, float(deviation / bound))
                # the float64 code at the same (rounded) point, on the plateau and in the exploding region
                value64 = names64[name](a=float(a_value), **{k: float(v) for k, v in args.items()})
                truth = names[name](a=mpmath.mpf(float(a_value)), **args)
                error64 = checks.relative_error(float(value64), truth)
                if not error64 <= checks.F64_RTOL:
                    return Outcome(
                        "numeric",
                        "inconclusive",
                        f"float64 {name} off by {error64:.3g} at a = {float(a_value)}",
                        worst_error=error64,
                    )
                worst64 = max(worst64, error64)
    return Outcome(
        "numeric",
        "confirmed",
        f"|f/leading - 1| <= {NEXT_ORDER} e^-|w| at {settings.samples} points, |w| in {ASYMPTOTIC_W}"
        f" (capped at {asymptotic_w_max(settings.dps):.3g}; worst deviation/bound {worst:.3g});"
        f" float64 loss and gradient there: worst relative error {worst64:.2g}",
        worst_error=worst64,
    )


_LEFT = {"loss": r"\mathcal{L}(a)", "gradient": r"\mathcal{L}'(a)"}

CLAIMS = (
    Claim(
        id="loss-closed-form",
        statement=f"Loss(a) = E[x0^2]/2 (e^{{at}} - e^{{a*t}})^2 = {STATED_LOSS} for normal x0;"
        " only the second moment of x0 matters (normal, uniform, two-point).",
        latex=r"\mathcal{L}(a) = \tfrac{1}{2}\mathbb{E}[x_0^2]\,(e^{at} - e^{a^\ast t})^2 = "
        + checks.stated_latex(STATED_LOSS),
        assumptions="t > 0; x0 normal, uniform or two-point with finite second moment",
        expected="holds",
        symbolic=closed_form_symbolic,
        numeric=closed_form_numeric,
        source="paper",
    ),
    Claim(
        id="loss-nonconvex",
        statement=f"The loss is concave exactly for a < {STATED_THRESHOLD} and convex for a > {STATED_THRESHOLD}.",
        latex=rf"\mathcal{{L}}''(a) < 0 \iff a < {checks.stated_latex(STATED_THRESHOLD)}, \quad"
        rf" \mathcal{{L}}''(a) > 0 \iff a > {checks.stated_latex(STATED_THRESHOLD)}",
        assumptions="t > 0, sigma > 0; interval box a - a* in [-4, 4], t in [0.25, 4]",
        expected="holds",
        symbolic=nonconvex_symbolic,
        numeric=nonconvex_numeric,
        interval=nonconvex_interval,
        inequality=True,
        source="paper",
    ),
    Claim(
        id="loss-asymmetry",
        statement="; ".join(f"{name} ~ {form} (a -> {end})" for _, name, end, form in STATED_LEADING)
        + ": a plateau with a vanishing gradient below a*, explosion above.",
        latex=r",\ ".join(
            rf"{_LEFT[name]} \sim {checks.stated_latex(form)}\ (a\to{checks.stated_latex(end)})"
            for _, name, end, form in STATED_LEADING
        ),
        assumptions="t > 0, sigma > 0",
        expected="holds",
        symbolic=asymmetry_symbolic,
        numeric=asymmetry_numeric,
        source="paper",
    ),
)
