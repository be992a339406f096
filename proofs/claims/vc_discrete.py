"""Claims on the discrete variance-corrected update: Theorem 1 to first order and as stated, the exact
ratio, its bounds above a*, the critical z_c below a*, global convergence, and the exact log update.

Write z = e^{(a* - a) t}. The update a' = a + vc_step has the exact loss ratio r = s^2 with
s = 1 - eta exprel(-eta (1 - z)); z' = z e^{-eta (z - 1)}. The log update a' = a + vc_log_step
moves y = e^{a t} by a Gauss-Newton step, y' - y* = (1 - eta)(y - y*), so its ratio is (1 - eta)^2.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

import mpmath
import sympy as sp

from proofs import checks
from proofs.claim import Claim, Outcome, Settings

__all__ = [
    "CLAIMS",
    "ABOVE_BOX",
    "AS_STATED_GRID",
    "CLEAR_GAP",
    "GLOBAL_STEPS",
    "vc_update",
    "log_update",
    "loss",
    "ratio_z",
    "z_critical",
]

ABOVE_BOX = {"eta": (0.01, 0.99), "u": (0.0, 1.0)}
"""vc-above's certified box: eta and u = 1 - z, closed (u = 0, the optimum, is the removable singularity)."""

ABOVE_INTERIOR = {"eta": (0.01, 0.99), "u": (0.25, 0.75)}
"""Interior box where the two gaps of vc-above are also enclosed directly (a cross-check of the proof)."""

AS_STATED_GRID = {
    "eta": (0.01, 0.05, 0.1, 0.25, 0.5),
    "delta": (0.1, -0.1, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0),
    "t": (0.5, 1.0, 2.0),
}
"""Grid searched, in this order (smallest eta, then |a0 - a*|, then t first), for theorem1-as-stated."""

CLEAR_GAP = 1e-3
"""A counterexample is clear when the two sides differ relatively by more than this (far above 50-digit noise)."""

GLOBAL_STEPS = 400
"""Steps run per trajectory in vc-global: at eta >= 0.05 the loss above a* falls by >= e^{-0.1} a step."""

GLOBAL_ETA = (0.05, 0.95)
"""Learning rates of vc-global's numeric runs (the symbolic argument covers all of 0 < eta < 1)."""

GLOBAL_DELTA = 3.0
"""|a0 - a*| t <= this in the runs, so z0 <= e^3 and the iterates converge within GLOBAL_STEPS."""

CONVERGED = 1e-12
"""A run has converged (and stops) when Loss(a_K)/Loss(a_0) is at or below this; far above the 50-digit floor."""

TRAJECTORIES = 24
"""Trajectories per numeric run check (each is GLOBAL_STEPS mpmath steps; keeps verify within budget)."""

EXTRA_DIGITS = 30
"""Digits added to the working precision for iterated runs: a_k - a* shrinks to ~1e-12, and the loss
(e^{a t} - e^{a* t})^2 loses that many digits to cancellation, with margin for the k roundings."""

LOG_STEPS = 20
"""Steps of the exact log update compared with c^k Loss(a0) (c^k >= 1e-20 over the region)."""

CRITICAL_OFFSET = 1e-8
"""Relative offset from z_c at which the ratio is probed on both sides (ratio - 1 ~ 1e-8, far above noise)."""

REGION = {
    "a": checks.uniform(-2.0, 2.0),
    "a_star": checks.uniform(-2.0, 2.0),
    "t": checks.log_uniform(0.2, 2.0),
    "sigma": checks.log_uniform(0.1, 3.0),
    "eta": checks.uniform(0.01, 0.99),
}
"""Parameter region of the numeric checks (|a - a*| t <= 8: e^{2 a t} far from overflow in mpmath)."""


# --- derived objects, generated once ----------------------------------------------------


@lru_cache(maxsize=1)
def _derived():
    from analysis import derive

    return derive()


@lru_cache(maxsize=1)
def _kernels():
    """mpmath functions generated from the derived results (no per-call domain checks: inner loops)."""
    from analysis.symbols import a, a_star, eta, sigma, t, z

    d = _derived()
    step = (a, a_star, t, eta)
    return {
        "vc_step": sp.lambdify(step, d.vc_step, "mpmath"),
        "vc_log_step": sp.lambdify(step, d.vc_log_step, "mpmath"),
        "loss": sp.lambdify((a, a_star, t, sigma), d.loss, "mpmath"),
        "z_critical": sp.lambdify((eta,), d.vc_z_critical, "mpmath"),
        "vc_ratio_z": checks.compiled_expr("vc_ratio_z", d.vc_ratio_z, "mpmath"),  # exprel rewrite: finite at z = 1
        "z": (a, a_star, t, eta, z),
    }


def vc_update(a, a_star, t, eta):
    """a + vc_step(a): the paper's variance-corrected update, in mpmath."""
    return a + _kernels()["vc_step"](a, a_star, t, eta)


def log_update(a, a_star, t, eta):
    """a + vc_log_step(a): the Gauss-Newton step in y = e^{a t}, in mpmath."""
    return a + _kernels()["vc_log_step"](a, a_star, t, eta)


def loss(a, a_star, t, sigma):
    """The derived loss, in mpmath."""
    return _kernels()["loss"](a, a_star, t, sigma)


def ratio_z(z, eta):
    """The derived exact ratio vc_ratio_z, through its exprel form (finite at z = 1)."""
    return _kernels()["vc_ratio_z"](z=z, eta=eta)


def z_critical(eta):
    """The derived z_c(eta), evaluated in mpmath (Lambert W, branch -1)."""
    return _kernels()["z_critical"](mpmath.mpf(eta))


def _mp(point):
    return {k: mpmath.mpf(v) for k, v in point.items()}


# --- theorem1-first-order ----------------------------------------------------------------


def first_order_symbolic(settings: Settings) -> Outcome:
    """vc_ratio_first_order = 1 - 2 eta (the paper's rate); sp.series agrees with the derived eta^2 term."""
    from analysis.symbols import eta, z

    d = _derived()
    independent = sp.series(d.vc_ratio_z, eta, 0, 3).removeO()
    coefficient = sp.factor(d.vc_ratio_second_order.coeff(eta, 2))
    outcome = checks.symbolic_zero(
        {
            "vc_ratio_first_order - (1 - 2 eta)": d.vc_ratio_first_order - (1 - 2 * eta),
            "series(vc_ratio_z, eta, 3) - vc_ratio_second_order": independent - d.vc_ratio_second_order,
        },
        settings,
        note=f"eta^2 coefficient {coefficient}",
    )
    if coefficient.has(eta) or not coefficient.has(z):
        return Outcome("symbolic", "inconclusive", f"unexpected eta^2 coefficient {coefficient}")
    return outcome


def _third_order_constant(z_range):
    """max |c3(z)| over z_range, with vc_ratio_z = 1 - 2 eta + c2 eta^2 + c3 eta^3 + O(eta^4)."""
    from analysis.symbols import eta, z

    c3 = sp.lambdify(z, sp.diff(_derived().vc_ratio_z, eta, 3).subs(eta, 0) / 6, "mpmath")
    grid = [z_range[0] + (z_range[1] - z_range[0]) * k / 64 for k in range(65)]
    return max(abs(c3(mpmath.mpf(v))) for v in grid if v != 1)


FIRST_ORDER_Z = (0.25, 4.0)
"""z range of the first-order numeric check (|a - a*| t <= log 4)."""

FIRST_ORDER_ETA = (1e-6, 1e-3)
"""eta range of the first-order numeric check: the eta^3 remainder is then below 1e-9 relative."""

REMAINDER_FACTOR = 2
"""|r - second-order| <= REMAINDER_FACTOR max|c3| eta^3 at eta <= 1e-3: the eta^4 term is 1e-3 times smaller."""


def first_order_numeric(settings: Settings) -> Outcome:
    """At random (z, eta small), r - (1 - 2 eta + c2 eta^2) is O(eta^3), with the measured constant."""
    from analysis.symbols import eta, z

    second = sp.lambdify((z, eta), _derived().vc_ratio_second_order, "mpmath")
    region = {"z": checks.uniform(*FIRST_ORDER_Z), "eta": checks.log_uniform(*FIRST_ORDER_ETA)}
    worst = 0.0
    with mpmath.workdps(settings.dps):
        bound = REMAINDER_FACTOR * _third_order_constant(FIRST_ORDER_Z)
        for point in checks.points(checks.draw(region, settings)):
            p = _mp(point)
            exact = ratio_z(p["z"], p["eta"])
            remainder = abs(exact - second(p["z"], p["eta"])) / p["eta"] ** 3
            if remainder > bound:
                return Outcome(
                    "numeric", "refuted", f"remainder {mpmath.nstr(remainder, 5)} eta^3 exceeds the bound",
                    worst_error=float(remainder), counterexample={**point, "remainder/eta^3": float(remainder)},
                )
            worst = max(worst, float(remainder * p["eta"] ** 3))
    return Outcome(
        "numeric", "confirmed",
        f"|r - (1 - 2 eta + (2 - z) eta^2)| <= {float(bound):.3g} eta^3 at {settings.samples} points"
        f" z in {FIRST_ORDER_Z}, eta in {FIRST_ORDER_ETA}",
        worst_error=worst,
    )


# --- theorem1-as-stated ------------------------------------------------------------------


def as_stated_symbolic(settings: Settings) -> Outcome:
    """vc_ratio_z - (1 - 2 eta) is not zero: probed at rational points (refutes with the point)."""
    from analysis.symbols import eta

    return checks.symbolic_zero({"vc_ratio_z - (1 - 2 eta)": _derived().vc_ratio_z - (1 - 2 * eta)}, settings)


def as_stated_numeric(settings: Settings) -> Outcome:
    """The first grid point (k = 1) where Loss(a_1) and (1 - 2 eta) Loss(a_0) clearly differ."""
    a_star, sigma = mpmath.mpf(0), mpmath.mpf(1)
    with mpmath.workdps(settings.dps):
        for eta, delta, t in itertools.product(*AS_STATED_GRID.values()):
            eta_, t_, a0 = mpmath.mpf(eta), mpmath.mpf(t), a_star + mpmath.mpf(delta)
            lhs = loss(vc_update(a0, a_star, t_, eta_), a_star, t_, sigma)
            rhs = (1 - 2 * eta_) * loss(a0, a_star, t_, sigma)
            gap = float(abs(lhs - rhs) / abs(lhs))
            if gap > CLEAR_GAP:
                example = {
                    "k": 1, "eta": eta, "a0 - a_star": delta, "t": t, "a_star": 0.0, "sigma": 1.0,
                    "Loss(a_1)": mpmath.nstr(lhs, 15), "(1 - 2 eta) Loss(a_0)": mpmath.nstr(rhs, 15),
                }
                return Outcome(
                    "numeric", "refuted",
                    f"k=1, eta={eta}, a0-a*={delta}, t={t}: Loss(a_1) = {mpmath.nstr(lhs, 8)}"
                    f" vs (1-2eta) Loss(a_0) = {mpmath.nstr(rhs, 8)} (relative gap {gap:.3g})",
                    worst_error=gap, counterexample=example,
                )
    return Outcome("numeric", "confirmed", "no clear counterexample on the grid", worst_error=0.0)


# --- vc-exact-ratio ----------------------------------------------------------------------


def exact_ratio_symbolic(settings: Settings) -> Outcome:
    """vc_ratio_z at z = e^{(a*-a)t} is vc_ratio; its z -> 1 limit is (1 - eta)^2, also via exprel(0) = 1."""
    from analysis.symbols import a, a_star, eta, t, z
    from analysis.vc_discrete import signed_root

    d = _derived()
    u = sp.Symbol("u", positive=True)
    s = signed_root(d.vc_ratio_z)
    exprel_form = 1 - (1 - sp.exp(-eta * u)) / u  # 1 - eta exprel(-eta u)
    at_optimum = sp.limit(exprel_form, u, 0)
    return checks.symbolic_zero(
        {
            "vc_ratio - vc_ratio_z(z = e^{(a*-a)t})": d.vc_ratio - d.vc_ratio_z.subs(z, sp.exp((a_star - a) * t)),
            "s - (1 - eta exprel(-eta (1 - z)))": s - exprel_form.subs(u, 1 - z),
            "vc_ratio_local - (1 - eta)^2": d.vc_ratio_local - (1 - eta) ** 2,
            "(1 - eta exprel(0))^2 - vc_ratio_local": at_optimum**2 - d.vc_ratio_local,
        },
        settings,
    )


def exact_ratio_numeric(settings: Settings) -> Outcome:
    """Loss(a + vc_step)/Loss(a) from the loss at 50 digits against the closed form in z and eta."""

    def direct(a, a_star, t, sigma, eta):
        return loss(vc_update(a, a_star, t, eta), a_star, t, sigma) / loss(a, a_star, t, sigma)

    def closed(a, a_star, t, sigma, eta):
        return ratio_z(mpmath.exp((a_star - a) * t), eta)

    return checks.numeric_identity(REGION, settings, lhs=direct, rhs=closed, what="Loss(a')/Loss(a) = r(z, eta)")


# --- vc-above ----------------------------------------------------------------------------


def above_symbolic(settings: Settings) -> Outcome:
    """s = 1 - (1 - e^{-eta u})/u, u = 1 - z; ds/du = eta^2 E_1(-eta u) > 0; the bounds are s's end limits."""
    from analysis.symbols import eta, z
    from analysis.vc_discrete import signed_root

    d = _derived()
    u = sp.Symbol("u", positive=True)
    w = sp.Symbol("w", positive=True)
    s = signed_root(d.vc_ratio_z).subs(z, 1 - u)
    moment = sp.integrate(w * sp.exp(-w * eta * u), (w, 0, 1))  # E_1(-eta u): integrand > 0
    outcome = checks.symbolic_zero(
        {
            "ds/du - eta^2 int_0^1 w e^{-w eta u} dw": sp.diff(s, u) - eta**2 * moment,
            "s(u -> 0)^2 - vc_ratio_lower_bound": sp.limit(s, u, 0) ** 2 - d.vc_ratio_lower_bound,
            "s(u = 1)^2 - vc_ratio_upper_bound": s.subs(u, 1) ** 2 - d.vc_ratio_upper_bound,
        },
        settings,
        note="s increases in u on [0, 1] from 1 - eta > 0 to e^{-eta}: (1-eta)^2 < r < e^{-2 eta} on 0 < z < 1",
    )
    if outcome.status != "confirmed":
        return outcome
    lower, upper = d.vc_ratio_lower_bound, d.vc_ratio_upper_bound
    if lower.free_symbols != {eta} or upper.free_symbols != {eta}:
        return Outcome("symbolic", "inconclusive", f"bounds {lower}, {upper} are not functions of eta alone")
    return Outcome("symbolic", "confirmed", f"{lower} < r < {upper}; " + outcome.detail)


def _ds_du(eta, u):
    from proofs.interval import exp_moment

    return eta**2 * exp_moment(-eta * u, 1)


def _gap_low(eta, u):
    """(s - (1 - eta))/eta = 1 - E_0(-eta u)."""
    from proofs.interval import exp_moment

    return 1 - exp_moment(-eta * u, 0)


def _gap_high(eta, u):
    """(e^{-eta} - s)/eta = E_0(-eta u) - E_0(-eta)."""
    from proofs.interval import exp_moment

    return exp_moment(-eta * u, 0) - exp_moment(-eta, 0)


def above_interval(settings: Settings) -> Outcome:
    """ds/du > 0 on the closed box (u = 0 by Taylor with remainder), and both gaps > 0 inside."""
    from proofs.interval import enclose

    results = {
        "ds/du > 0 on eta in [0.01, 0.99], u in [0, 1]": enclose(_ds_du, ABOVE_BOX, lower=0),
        "(s - (1-eta))/eta > 0 on u in [1/4, 3/4]": enclose(_gap_low, ABOVE_INTERIOR, lower=0),
        "(e^-eta - s)/eta > 0 on u in [1/4, 3/4]": enclose(_gap_high, ABOVE_INTERIOR, lower=0),
    }
    pieces = sum(r.pieces for r in results.values())
    for what, result in results.items():
        if result.status == "refuted":
            return Outcome(
                "interval", "refuted", f"{what}: violated", pieces=pieces,
                counterexample={**result.point, "enclosure": result.value},
            )
        if result.status != "certified":
            return Outcome("interval", "inconclusive", f"{what}: undecided on {result.piece}", pieces=pieces)
    detail = "; ".join(f"{what}: {r.pieces} pieces" for what, r in results.items())
    return Outcome("interval", "confirmed", detail, pieces=pieces)


def above_numeric(settings: Settings) -> Outcome:
    """At random a > a*, the loss ratio of one step (from the loss, 50 digits) lies strictly between the bounds."""
    from analysis.symbols import eta

    d = _derived()
    lower = sp.lambdify(eta, d.vc_ratio_lower_bound, "mpmath")
    upper = sp.lambdify(eta, d.vc_ratio_upper_bound, "mpmath")
    region = {**REGION, "u": checks.uniform(0.0, 1.0)}
    worst = 0.0
    with mpmath.workdps(settings.dps):
        for point in checks.points(checks.draw(region, settings)):
            p = _mp(point)
            if not 0 < p["u"] < 1:
                continue
            a = p["a_star"] - mpmath.log(1 - p["u"]) / p["t"]  # z = 1 - u
            ratio = loss(vc_update(a, p["a_star"], p["t"], p["eta"]), p["a_star"], p["t"], p["sigma"])
            ratio /= loss(a, p["a_star"], p["t"], p["sigma"])
            worst = max(worst, checks.relative_error(ratio, ratio_z(1 - p["u"], p["eta"])))
            if not lower(p["eta"]) < ratio < upper(p["eta"]):
                return Outcome(
                    "numeric", "refuted", "ratio outside the bounds", worst_error=worst,
                    counterexample={**point, "ratio": mpmath.nstr(ratio, 15)},
                )
    return Outcome(
        "numeric", "confirmed",
        f"(1-eta)^2 < Loss(a')/Loss(a) < e^(-2 eta) at {settings.samples} points above a*;"
        f" worst relative error against r(z, eta) {worst:.2g}",
        worst_error=worst,
    )


# --- vc-below ----------------------------------------------------------------------------


def _lambert_identity(expr):
    """e^{-W(x)} = W(x)/x, the defining identity W e^W = x, applied to every such factor."""

    def is_target(e):
        return isinstance(e, sp.exp) and isinstance(-e.args[0], sp.LambertW)

    return expr.replace(is_target, lambda e: (-e.args[0]) / (-e.args[0]).args[0])


def below_symbolic(settings: Settings) -> Outcome:
    """z_c solves e^{eta(z-1)} = 2z - 1; there s = -1 (ratio 1); W's argument lies in (-1/e, 0) (branch -1 real)."""
    from analysis.symbols import eta, z
    from analysis.vc_discrete import signed_root

    d = _derived()
    zc = d.vc_z_critical
    s = signed_root(d.vc_ratio_z)
    residual = _lambert_identity(sp.expand(sp.exp(eta * (zc - 1)) - (2 * zc - 1)))
    on_curve = s.subs(sp.exp(eta * z), sp.exp(eta) * (2 * z - 1))  # e^{eta z} = e^eta (2z - 1) at z_c
    outcome = checks.symbolic_zero(
        {"e^{eta(z_c - 1)} - (2 z_c - 1)": residual, "s + 1 on e^{eta(z-1)} = 2z - 1": on_curve + 1},
        settings,
    )
    if outcome.status != "confirmed":
        return outcome
    (argument,) = {w.args[0] for w in zc.atoms(sp.LambertW)}
    branches = {w.args[1] for w in zc.atoms(sp.LambertW)}
    x = sp.Symbol("x", positive=True)  # -argument = (eta/2) e^{-eta/2} = x e^{-x}, maximal 1/e at x = 1
    profile = (-argument).subs(eta, 2 * x)
    top = sp.solve(sp.diff(profile, x), x)
    if branches != {-1} or top != [1] or profile.subs(x, 1) != sp.exp(-1):
        return Outcome("symbolic", "inconclusive", f"branch {branches}, maximum at {top}")
    return Outcome(
        "symbolic", "confirmed",
        f"z_c = {zc}; -W argument = x e^(-x), x = eta/2, max 1/e at x = 1: W_-1 real for 0 < eta < 2; "
        + outcome.detail,
    )


def _numeric_root(eta):
    """The root z > 1 of e^{eta(z-1)} - (2z - 1), by bracketing then findroot (no closed form used)."""

    def f(z):
        return mpmath.exp(eta * (z - 1)) - (2 * z - 1)

    low = 1 + mpmath.mpf(1) / 4 if f(1 + mpmath.mpf(1) / 4) < 0 else 1 + mpmath.mpf(10) ** -6
    high = 2 * low
    while f(high) <= 0:
        low, high = high, 2 * high
    return mpmath.findroot(f, (low, high), solver="anderson")


def below_numeric(settings: Settings) -> Outcome:
    """z_c against a findroot root; ratio < 1 just below z_c, > 1 just above; the factor at 2 z_c."""
    region = {"eta": checks.uniform(0.01, 0.99), "zeta": checks.uniform(0.0, 1.0)}
    worst = 0.0
    samples = min(settings.samples, TRAJECTORIES * 2)
    factor_at = None
    with mpmath.workdps(settings.dps):
        for point in checks.points(checks.draw(region, settings, samples)):
            eta = mpmath.mpf(point["eta"])
            closed, numeric = z_critical(eta), _numeric_root(eta)
            worst = max(worst, checks.relative_error(closed, numeric))
            below = ratio_z(closed * (1 - CRITICAL_OFFSET), eta)
            above = ratio_z(closed * (1 + CRITICAL_OFFSET), eta)
            # A random z in (1, 3 z_c): ratio < 1 exactly when z < z_c.
            z = 1 + (3 * closed - 1) * mpmath.mpf(point["zeta"])
            decreases = ratio_z(z, eta) < 1
            if not (below < 1 < above) or z != 1 and decreases != (z < closed) or worst > checks.mp_rtol(settings.dps):
                return Outcome(
                    "numeric", "refuted", "z_c does not separate decrease from increase", worst_error=worst,
                    counterexample={"eta": point["eta"], "z_c": mpmath.nstr(closed, 15), "z": mpmath.nstr(z, 15),
                                    "root": mpmath.nstr(numeric, 15)},
                )
        eta = mpmath.mpf(1) / 2
        factor_at = (z_critical(eta), ratio_z(2 * z_critical(eta), eta))
    return Outcome(
        "numeric", "confirmed",
        f"z_c closed form vs findroot at {samples} eta: worst relative error {worst:.2g}; ratio crosses 1 at z_c;"
        f" at eta = 1/2, z_c = {mpmath.nstr(factor_at[0], 10)} and the first step from z = 2 z_c multiplies the"
        f" loss by {mpmath.nstr(factor_at[1], 10)}",
        worst_error=worst,
    )


# --- vc-global ---------------------------------------------------------------------------


def global_symbolic(settings: Settings) -> Outcome:
    """z' = z e^{-eta (z - 1)} from vc_step; on 0 < z < 1, log z' = log z + eta (1 - z) < 0 since -log z > 1 - z."""
    from analysis.symbols import a, a_star, eta, t, z

    d = _derived()
    z_of_a = sp.exp((a_star - a) * t)
    z_next = sp.exp((a_star - (a + d.vc_step)) * t)
    h = -sp.log(z) - (1 - z)  # > 0 on (0, 1): h(1) = 0 and h' = 1 - 1/z < 0 there
    h_prime = sp.diff(h, z)
    outcome = checks.symbolic_zero(
        {
            "z' - z e^{-eta(z-1)}": z_next - z_of_a * sp.exp(-eta * (z_of_a - 1)),
            "h(1)": h.subs(z, 1),
            "h'(z) - (1 - 1/z)": h_prime - (1 - 1 / z),
        },
        settings,
        note="so for 0 < eta < 1 and 0 < z < 1: z < z' < 1 (monotone to 1); from z > 1, z' < z until one crossing",
    )
    return outcome


def _trajectory(a0, a_star, t, sigma, eta, update, steps, stop=0):
    """Losses and sides (a_k > a*) of `steps` updates, stopped once Loss(a_k) <= stop Loss(a_0)."""
    a, losses, sides = a0, [loss(a0, a_star, t, sigma)], [a0 > a_star]
    for _ in range(steps):
        if losses[-1] <= stop * losses[0]:
            break
        a = update(a, a_star, t, eta)
        losses.append(loss(a, a_star, t, sigma))
        sides.append(a > a_star)
    return losses, sides


def global_numeric(settings: Settings) -> Outcome:
    """Runs from a0 below and above a*: at most one crossing, then strictly decreasing loss; converged."""
    from analysis.symbols import eta as eta_symbol

    upper = sp.lambdify(eta_symbol, _derived().vc_ratio_upper_bound, "mpmath")
    region = {**{k: REGION[k] for k in ("a_star", "t", "sigma")},
              "eta": checks.uniform(*GLOBAL_ETA), "delta": checks.uniform(-GLOBAL_DELTA, GLOBAL_DELTA)}
    worst_final, most_crossings = 0.0, 0
    with mpmath.workdps(settings.dps):
        for point in checks.points(checks.draw(region, settings, min(settings.samples, TRAJECTORIES))):
            p = _mp(point)
            a0 = p["a_star"] + p["delta"] / p["t"]
            losses, sides = _trajectory(
                a0, p["a_star"], p["t"], p["sigma"], p["eta"], vc_update, GLOBAL_STEPS, stop=CONVERGED
            )
            crossings = sum(1 for x, y in zip(sides, sides[1:]) if x != y)
            first_above = sides.index(True) if True in sides else len(sides)
            after = losses[first_above:]
            bound = upper(p["eta"])
            monotone = all(y < bound * x for x, y in zip(after, after[1:]) if x > 0)
            final = float(losses[-1] / losses[0]) if losses[0] else 0.0
            worst_final = max(worst_final, final)
            most_crossings = max(most_crossings, crossings)
            if crossings > 1 or (crossings == 1 and sides[0]) or not monotone or not final <= CONVERGED:
                return Outcome(
                    "numeric", "refuted", "a run crossed a* more than once, rose above a*, or did not converge",
                    worst_error=final,
                    counterexample={**point, "crossings": crossings, "Loss(a_K)/Loss(a_0)": final},
                )
    return Outcome(
        "numeric", "confirmed",
        f"{min(settings.samples, TRAJECTORIES)} runs of {GLOBAL_STEPS} steps, eta in {GLOBAL_ETA}, |a0-a*|t <= "
        f"{GLOBAL_DELTA}: at most {most_crossings} crossing, loss falls by < e^(-2 eta) a step above a*,"
        f" worst Loss(a_K)/Loss(a_0) {worst_final:.2g}",
        worst_error=worst_final,
    )


# --- vc-exact-log ------------------------------------------------------------------------


def exact_log_symbolic(settings: Settings) -> Outcome:
    """vc_log_step = log1p(t vc_step)/t = log(1 - eta gradient/(t sigma_k^2))/t; its ratio is (1 - eta)^2."""
    from analysis.symbols import eta, t

    d = _derived()
    step = d.vc_log_step
    outcome = checks.symbolic_zero(
        {
            "e^{t vc_log_step} - (1 + t vc_step)": sp.exp(t * step) - (1 + t * d.vc_step),
            "e^{t vc_log_step} - (1 - eta gradient/(t sigma_k^2))": sp.exp(t * step)
            - (1 - eta * d.gradient / (t * d.terminal_variance)),
            "vc_log_ratio - (1 - eta)^2": d.vc_log_ratio - (1 - eta) ** 2,
        },
        settings,
    )
    if outcome.status == "confirmed" and d.vc_log_ratio.free_symbols != {eta}:
        return Outcome("symbolic", "inconclusive", f"vc_log_ratio {d.vc_log_ratio} is not a function of eta alone")
    return outcome


def exact_log_numeric(settings: Settings) -> Outcome:
    """Run the log update LOG_STEPS steps: Loss(a_k) = (1 - eta)^{2k} Loss(a_0) to the working precision."""
    from analysis.symbols import eta as eta_symbol

    c = sp.lambdify(eta_symbol, _derived().vc_log_ratio, "mpmath")
    region = {**REGION, "eta": checks.uniform(0.01, 0.9)}
    tol = checks.mp_rtol(settings.dps)
    worst = 0.0
    with mpmath.workdps(settings.dps + EXTRA_DIGITS):
        for point in checks.points(checks.draw(region, settings, min(settings.samples, TRAJECTORIES * 2))):
            p = _mp(point)
            losses, _ = _trajectory(p["a"], p["a_star"], p["t"], p["sigma"], p["eta"], log_update, LOG_STEPS)
            for k, value in enumerate(losses):
                error = checks.relative_error(value, c(p["eta"]) ** k * losses[0])
                worst = max(worst, error)
                if not error <= tol:
                    return Outcome(
                        "numeric", "refuted", f"Loss(a_{k}) != c^{k} Loss(a_0)", worst_error=error,
                        counterexample={**point, "k": k, "Loss(a_k)": mpmath.nstr(value, 15)},
                    )
    return Outcome(
        "numeric", "confirmed",
        f"{LOG_STEPS} steps from random a0: worst relative error of Loss(a_k) vs (1-eta)^(2k) Loss(a_0) {worst:.2g}"
        f" (tol {tol:.0e})",
        worst_error=worst,
    )


CLAIMS = (
    Claim(
        id="theorem1-first-order",
        statement="The variance-corrected one-step loss ratio is 1 - 2 eta + (2 - z) eta^2 + O(eta^3).",
        latex=r"\frac{L(a_{k+1})}{L(a_k)} = 1 - 2\eta + (2 - z)\eta^2 + O(\eta^3),\ z = e^{(a^*-a_k)t}",
        assumptions="any a, a*, t > 0, sigma > 0; eta -> 0",
        expected="holds",
        symbolic=first_order_symbolic,
        numeric=first_order_numeric,
        source="paper",
    ),
    Claim(
        id="theorem1-as-stated",
        statement="Loss(a_k) = (1 - 2 eta)^k Loss(a_0) exactly, for every a_0 and eta.",
        latex=r"L(a_k) = (1 - 2\eta)^k L(a_0)\ \forall a_0, \eta",
        assumptions="any a_0, a*, t > 0, sigma > 0, eta > 0",
        expected="refuted",
        symbolic=as_stated_symbolic,
        numeric=as_stated_numeric,
        source="paper",
    ),
    Claim(
        id="vc-exact-ratio",
        statement="The exact one-step ratio is (z e^eta - e^(eta z))^2 e^(-2 eta)/(z - 1)^2, (1 - eta)^2 at z = 1.",
        latex=r"\frac{L(a_{k+1})}{L(a_k)} = \left(\frac{z e^{\eta} - e^{\eta z}}{e^{\eta}(z-1)}\right)^2"
        r" \xrightarrow[z\to1]{} (1-\eta)^2",
        assumptions="any a != a*, t > 0, sigma > 0, eta > 0",
        expected="holds",
        symbolic=exact_ratio_symbolic,
        numeric=exact_ratio_numeric,
    ),
    Claim(
        id="vc-above",
        statement="For a > a* and 0 < eta < 1 the ratio lies strictly between (1 - eta)^2 and e^(-2 eta).",
        latex=r"a_k > a^*,\ 0<\eta<1 \implies (1-\eta)^2 < \frac{L(a_{k+1})}{L(a_k)} < e^{-2\eta}",
        assumptions="0 < z < 1 (a > a*), 0 < eta < 1; interval box eta in [0.01, 0.99], u = 1 - z in [0, 1]",
        expected="holds",
        symbolic=above_symbolic,
        numeric=above_numeric,
        interval=above_interval,
        inequality=True,
    ),
    Claim(
        id="vc-below",
        statement="For a < a* the loss decreases iff z < z_c(eta) = (1 - (2/eta) W_{-1}(-(eta/2) e^(-eta/2)))/2;"
        " the ratio tends to 1 at z_c and exceeds 1 beyond.",
        latex=r"z > 1:\ L(a_{k+1}) < L(a_k) \iff z < z_c = \tfrac12\left(1 - \tfrac{2}{\eta}"
        r"W_{-1}\!\left(-\tfrac{\eta}{2}e^{-\eta/2}\right)\right)",
        assumptions="z > 1 (a < a*), 0 < eta < 1",
        expected="holds",
        symbolic=below_symbolic,
        numeric=below_numeric,
    ),
    Claim(
        id="vc-global",
        statement="For 0 < eta < 1 every a_0 converges to a*: after at most one overshoot the iterates stay above a*.",
        latex=r"0<\eta<1:\ a_k \to a^*,\ \#\{k: \operatorname{sign}(a_{k+1}-a^*) \ne \operatorname{sign}(a_k-a^*)\}"
        r" \le 1",
        assumptions="any a_0, a*, t > 0, sigma > 0, 0 < eta < 1",
        expected="holds",
        symbolic=global_symbolic,
        numeric=global_numeric,
    ),
    Claim(
        id="vc-exact-log",
        statement="The update a' = a + log(1 - eta gradient/(t sigma_k^2))/t gives Loss(a_k) = (1 - eta)^(2k) Loss(a_0)"
        " exactly for every a_0.",
        latex=r"a_{k+1} = a_k + \tfrac1t\log\!\left(1 - \frac{\eta\,L'(a_k)}{t\,\sigma_k^2(t)}\right) \implies"
        r" L(a_k) = (1-\eta)^{2k} L(a_0)",
        assumptions="any a_0, a*, t > 0, sigma > 0, 0 < eta < 1",
        expected="holds",
        symbolic=exact_log_symbolic,
        numeric=exact_log_numeric,
    ),
)
"""The claims of the exact discrete theory of the variance-corrected update."""
