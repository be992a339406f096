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
import numpy as np
import sympy as sp

from analysis.symbols import eta as _eta
from analysis.symbols import z as _z
from proofs import checks
from proofs.claim import Claim, Outcome, Settings

__all__ = [
    "CLAIMS",
    "STATED",
    "ABOVE_BOX",
    "AS_STATED_GRID",
    "AS_STATED_ETAS",
    "CLEAR_GAP",
    "GLOBAL_STEPS",
    "vc_update",
    "log_update",
    "loss",
    "ratio_z",
    "z_critical",
    "first_step_factor",
    "FACTOR_ETAS",
]

STATED = {
    "vc_ratio_first_order": 1 - 2 * _eta,
    "second_order_coefficient": 2 - _z,
    "vc_ratio_lower_bound": (1 - _eta) ** 2,
    "vc_ratio_upper_bound": sp.exp(-2 * _eta),
    "vc_z_critical": sp.Rational(1, 2) * (1 - 2 / _eta * sp.LambertW(-_eta / 2 * sp.exp(-_eta / 2), -1)),
    "vc_ratio_z": ((_z * sp.exp(_eta) - sp.exp(_eta * _z)) / (sp.exp(_eta) * (_z - 1))) ** 2,
    "vc_ratio_local": (1 - _eta) ** 2,
    "vc_log_ratio": (1 - _eta) ** 2,
}
"""The formulas the claims state, as SymPy expressions: the statements are rendered from them and the
checks compare them with the derived results (they are the statements under test, not answers)."""


def _latex(expr) -> str:
    return checks.stated_latex(expr)


def _text(expr) -> str:
    """A formula in the plain-text style of the statements: (1 - eta)^2, exp(-2 eta)."""
    return sp.sstr(expr).replace("**", "^").replace("*", " ")


ETA_BOX = ("0.01", "0.99")
"""The learning rates of every interval certificate (the issue's box for vc-above), as decimals: the enclosures
round them outward, so the certified box contains [0.01, 0.99] itself."""

ETA_SPAN = f"[{ETA_BOX[0]}, {ETA_BOX[1]}]"

ABOVE_BOX = {"eta": ETA_BOX, "u": (0.0, 1.0)}
"""vc-above's certified box: eta and u = 1 - z, closed (u = 0, the optimum, is the removable singularity)."""

ABOVE_EDGE = 1 / 4
"""The gaps r - (1-eta)^2 (zero at u = 0) and e^{-2 eta} - r (zero at u = 1) are enclosed directly on the box
minus this edge; on the edge they follow from dr/du > 0, enclosed on the whole closed box."""

GAP_ETA = ("0.1", "0.99")
"""Learning rates of the direct gap enclosures (a cross-check): below 0.1 the gradient's O(1) terms, which cancel
to O(eta u), cost ~1/eta^2 pieces; dr/du > 0 on all of ETA_BOX is the certificate there."""

GAP_SPAN = f"[{GAP_ETA[0]}, {GAP_ETA[1]}]"

Z_MAX = 1000.0
"""vc-below's box is 1 <= z <= Z_MAX: above z_c(0.01) ~ 729.5 (s(Z_MAX) < -1 is itself enclosed)."""

GLOBAL_EDGE = 1 / 16
"""vc-global encloses 0 < z' < 1 directly on [GLOBAL_EDGE, 1 - GLOBAL_EDGE]; dz'/dz > 0 covers all of [0, 1]."""

AS_STATED_ETAS = (0.01, 0.05, 0.1, 0.25, 0.5)
"""Learning rates searched for theorem1-as-stated, smallest (where the statement is nearest to true) first."""

AS_STATED_SPACING = 0.25
"""Spacing of the distances w = (a0 - a*) t searched at each eta: |w| = 0.25, 0.5, ..., AS_STATED_REACH."""

AS_STATED_REACH = 4.0
"""Largest |w| searched (z = e^{-w} in [e^-4, e^4])."""

AS_STATED_GRID = {
    "eta": AS_STATED_ETAS,
    "w": tuple(
        sign * AS_STATED_SPACING * k for k in range(1, int(AS_STATED_REACH / AS_STATED_SPACING) + 1) for sign in (1, -1)
    ),
}
"""Grid searched in this order (smallest eta, then smallest |w|, above a* first) at a* = 0, t = 1, sigma = 1: the
ratio depends on eta and z = e^{-w} alone (vc-exact-ratio), so the first clear gap is the smallest on the grid."""

CLEAR_GAP = 1e-3
"""A counterexample is clear when the two sides differ relatively by more than this (far above 50-digit noise)."""

GLOBAL_STEPS = 400
"""Steps run per trajectory in vc-global: at eta >= 0.05 the loss above a* falls by >= e^{-0.1} a step."""

GLOBAL_ETA = (0.05, 0.95)
"""Learning rates of vc-global's numeric runs (the symbolic argument covers all of 0 < eta < 1)."""

GLOBAL_DELTA = 3.0
"""|a0 - a*| t <= this in the converging runs, so z0 <= e^3 and the iterates converge within GLOBAL_STEPS."""

GLOBAL_DELTA_FAR = 20.0
"""Far runs start at a* - d/t, GLOBAL_DELTA < d <= this (z0 <= e^20): they overshoot to z ~ e^{-eta z0}, from where
recovery takes ~z0 steps, so only their structure (one crossing, monotone, per-step bounds) is checked."""

FAR_STEPS = 40
"""Steps run per far trajectory (the overshoot happens within the first few)."""

FAR_TRAJECTORIES = 8
"""Far trajectories per numeric run check."""

CONVERGED = 1e-12
"""A run has converged (and stops) when Loss(a_K)/Loss(a_0) is at or below this; far above the 50-digit floor."""

TRAJECTORIES = 24
"""Trajectories per numeric run check (each is GLOBAL_STEPS mpmath steps; keeps verify within budget)."""

EXTRA_DIGITS = 30
"""Digits added for the log-update runs: Loss(a_k)/Loss(a_0) = c^k >= 1e-40, so e^{a_k t} - e^{a* t} shrinks by
up to 1e-20 relative and loses ~20 digits to cancellation; 10 more cover the k roundings."""

LOG_STEPS = 20
"""Steps of the exact log update compared with c^k Loss(a0): c = (1 - eta)^2 >= 0.01 at eta <= 0.9, c^20 >= 1e-40."""

ROOT_BRACKET_LOW = 0.25
"""The independent root search starts at z = 1 + this: f(z) = e^{eta(z-1)} - (2z - 1) < 0 there when z_c - 1 > 1/4
(true for eta < 1, where z_c > 2.28); otherwise the offset is halved until f < 0 (f'(1) = eta - 2 < 0)."""

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


@lru_cache(maxsize=1)
def _float64():
    """The derived results as generated float64 (NumPy) functions: the numeric checks evaluate each statement
    in float64 too, against the same high-precision values."""
    return checks.compiled("numpy")


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
    """The derived first-order ratio and eta^2 coefficient against the stated ones; sp.series agrees."""
    from analysis.symbols import eta

    d = _derived()
    independent = sp.series(d.vc_ratio_z, eta, 0, 3).removeO()
    coefficient = sp.factor(d.vc_ratio_second_order.coeff(eta, 2))
    return checks.symbolic_zero(
        {
            f"vc_ratio_first_order - ({STATED['vc_ratio_first_order']})": d.vc_ratio_first_order
            - STATED["vc_ratio_first_order"],
            f"eta^2 coefficient - ({STATED['second_order_coefficient']})": coefficient
            - STATED["second_order_coefficient"],
            "series(vc_ratio_z, eta, 3) - vc_ratio_second_order": independent - d.vc_ratio_second_order,
        },
        settings,
        note=f"derived eta^2 coefficient {coefficient}",
    )


THIRD_ORDER_GRID = 64
"""Intervals of the grid on which max |c3(z)| is measured: c3 is a quadratic in z (|c3''| = 2/3), so the grid
maximum is within (3.75/64)^2/12 < 3e-4 of the true one, far inside REMAINDER_FACTOR's factor 2."""


def _third_order_constant(z_range):
    """max |c3(z)| over z_range, with vc_ratio_z = 1 - 2 eta + c2 eta^2 + c3 eta^3 + O(eta^4)."""
    from analysis.symbols import eta, z

    c3 = sp.lambdify(z, sp.diff(_derived().vc_ratio_z, eta, 3).subs(eta, 0) / 6, "mpmath")
    grid = [z_range[0] + (z_range[1] - z_range[0]) * k / THIRD_ORDER_GRID for k in range(THIRD_ORDER_GRID + 1)]
    return max(abs(c3(mpmath.mpf(v))) for v in grid if v != 1)


FIRST_ORDER_Z = (0.25, 4.0)
"""z range of the first-order numeric check (|a - a*| t <= log 4)."""

FIRST_ORDER_ETA = (1e-6, 1e-3)
"""eta range of the first-order numeric check: the eta^3 remainder is then below 1e-9 relative."""

REMAINDER_FACTOR = 2
"""|r - second-order| <= REMAINDER_FACTOR max|c3| eta^3 at eta <= 1e-3: the eta^4 term is 1e-3 times smaller."""


def first_order_numeric(settings: Settings) -> Outcome:
    """At random (z, eta small), r - (stated 1 - 2 eta + c2 eta^2) is O(eta^3), with the measured constant."""
    from analysis.symbols import eta, z

    stated = STATED["vc_ratio_first_order"] + STATED["second_order_coefficient"] * eta**2
    second = sp.lambdify((z, eta), stated, "mpmath")
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
        f"|r - ({_text(stated)})| <= {float(bound):.3g} eta^3 at {settings.samples} points"
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
    a_star, sigma, t = mpmath.mpf(0), mpmath.mpf(1), mpmath.mpf(1)
    worst = 0.0
    with mpmath.workdps(settings.dps):
        for eta, w in itertools.product(*AS_STATED_GRID.values()):
            eta_, a0 = mpmath.mpf(eta), a_star + mpmath.mpf(w) / t
            lhs = loss(vc_update(a0, a_star, t, eta_), a_star, t, sigma)
            rhs = (1 - 2 * eta_) * loss(a0, a_star, t, sigma)
            gap = float(abs(lhs - rhs) / abs(lhs)) if lhs != 0 else (0.0 if rhs == 0 else float("inf"))
            worst = max(worst, gap)
            if gap > CLEAR_GAP:
                example = {
                    "k": 1, "eta": eta, "a0 - a_star": w, "t": 1.0, "a_star": 0.0, "sigma": 1.0,
                    "z": mpmath.nstr(mpmath.exp(-mpmath.mpf(w)), 15),
                    "Loss(a_1)": mpmath.nstr(lhs, 15), "(1 - 2 eta) Loss(a_0)": mpmath.nstr(rhs, 15),
                }
                return Outcome(
                    "numeric", "refuted",
                    f"k=1, eta={eta}, a0-a*={w}, t=1 (z = e^{-w:g}): Loss(a_1) = {mpmath.nstr(lhs, 8)}"
                    f" vs (1-2eta) Loss(a_0) = {mpmath.nstr(rhs, 8)} (relative gap {gap:.3g})",
                    worst_error=gap, counterexample=example,
                )
    points = len(AS_STATED_ETAS) * len(AS_STATED_GRID["w"])
    if worst <= checks.mp_rtol(settings.dps):  # the identity holds at every grid point to working precision
        return Outcome(
            "numeric", "confirmed",
            f"Loss(a_1) = (1-2eta) Loss(a_0) at {points} grid points: worst relative gap {worst:.2g}"
            f" at {settings.dps} digits (tol {checks.mp_rtol(settings.dps):.0e})",
            worst_error=worst,
        )
    # Gaps above working precision but none clear: neither a counterexample nor agreement.
    return Outcome(
        "numeric", "inconclusive",
        f"no clear counterexample on the grid (worst relative gap {worst:.2g} <= {CLEAR_GAP})", worst_error=worst,
    )


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
            "vc_ratio_z - stated closed form": sp.factor(sp.expand(d.vc_ratio_z - STATED["vc_ratio_z"])),
            "vc_ratio_local - stated limit": d.vc_ratio_local - STATED["vc_ratio_local"],
            "(1 - eta exprel(0))^2 - vc_ratio_local": at_optimum**2 - d.vc_ratio_local,
        },
        settings,
    )


def exact_ratio_numeric(settings: Settings) -> Outcome:
    """Loss(a + vc_step)/Loss(a) from the derived loss and step at 50 digits against the stated closed form in z and
    eta (a != a* at random points; both sides lose the same digits to cancellation as z -> 1)."""
    from analysis import symbols

    stated = sp.lambdify((symbols.z, symbols.eta), STATED["vc_ratio_z"], "mpmath")
    # r vanishes where the step lands on a* (below a*): its float64 error there grows with its condition number.
    condition = checks.condition_number(_derived().vc_ratio, (symbols.a, symbols.a_star, symbols.t, symbols.eta))

    def direct(a, a_star, t, sigma, eta):
        return loss(vc_update(a, a_star, t, eta), a_star, t, sigma) / loss(a, a_star, t, sigma)

    def closed(a, a_star, t, sigma, eta):
        return stated(mpmath.exp((a_star - a) * t), eta)

    def generated64(a, a_star, t, sigma, eta):  # the derived ratio in a, as generated float64 code
        return _float64().vc_ratio(a=a, a_star=a_star, t=t, eta=eta)

    return checks.numeric_identity(
        REGION, settings, lhs=direct, rhs=closed, lhs64=generated64, condition=condition,
        what="Loss(a')/Loss(a) = r(z, eta); generated float64 vc_ratio within its condition number",
    )


# --- vc-above ----------------------------------------------------------------------------


def _ds_du_certificate():
    """Expressions certifying ds/du = eta^2 E_1(-eta u), u = 1 - z real (either side of the optimum).

    E_1(-eta u) = int_0^1 w e^{-w eta u} dw; SymPy returns it piecewise (u = 0 apart), and s itself is
    continued at u = 0, so the identity is certified on the generic branch and by the limit at u = 0.
    """
    from analysis.symbols import eta, z
    from analysis.vc_discrete import signed_root

    u = sp.Symbol("u", real=True)
    w = sp.Symbol("w", positive=True)
    s = signed_root(_derived().vc_ratio_z).subs(z, 1 - u)
    integrand = w * sp.exp(-w * eta * u)
    moment = sp.integrate(integrand, (w, 0, 1))
    generic = moment.args[0][0] if isinstance(moment, sp.Piecewise) else moment
    at_zero = sp.integrate(integrand.subs(u, 0), (w, 0, 1))
    expressions = {
        "ds/du - eta^2 int_0^1 w e^{-w eta u} dw (u != 0)": sp.diff(s, u) - eta**2 * generic,
        "lim_{u->0} ds/du - eta^2 E_1(0)": sp.limit(sp.diff(s, u), u, 0) - eta**2 * at_zero,
    }
    return s, u, expressions, bool(integrand.is_positive)


def above_symbolic(settings: Settings) -> Outcome:
    """ds/du = eta^2 E_1(-eta u) > 0; the derived bounds are s^2's end values and equal the stated ones."""
    from analysis.symbols import eta

    d = _derived()
    s, u, expressions, positive = _ds_du_certificate()
    lower, upper = d.vc_ratio_lower_bound, d.vc_ratio_upper_bound
    outcome = checks.symbolic_zero(
        {
            **expressions,
            "s(u -> 0)^2 - vc_ratio_lower_bound": sp.limit(s, u, 0) ** 2 - lower,
            "s(u = 1)^2 - vc_ratio_upper_bound": s.subs(u, 1) ** 2 - upper,
            f"vc_ratio_lower_bound - ({STATED['vc_ratio_lower_bound']})": lower - STATED["vc_ratio_lower_bound"],
            f"vc_ratio_upper_bound - ({STATED['vc_ratio_upper_bound']})": upper - STATED["vc_ratio_upper_bound"],
        },
        settings,
        note=f"s increases in u on [0, 1] from 1 - eta > 0 to e^-eta: {_text(lower)} < r < {_text(upper)} on 0 < z < 1",
    )
    if outcome.status != "confirmed":
        return outcome
    if not positive:
        return Outcome("symbolic", "inconclusive", "the integrand of E_1 is not known to be positive")
    if lower.free_symbols != {eta} or upper.free_symbols != {eta}:
        return Outcome("symbolic", "inconclusive", f"bounds {lower}, {upper} are not functions of eta alone")
    return Outcome("symbolic", "confirmed", f"{_text(lower)} < r < {_text(upper)}; " + outcome.detail)


@lru_cache(maxsize=1)
def _above_ratio():
    """The derived ratio in (eta, u), u = 1 - z, in its exprel form (regular at u = 0)."""
    from analysis.symbols import z
    from numerics.rewrites import apply_rules

    u = sp.Symbol("u", real=True)
    return apply_rules(_derived().vc_ratio_z).subs(z, 1 - u), u


@lru_cache(maxsize=1)
def _above_functions():
    """Interval functions of the derived ratio r(eta, u) and its gaps to the stated bounds."""
    from analysis.symbols import eta
    from proofs.interval import centered_form, interval_function, to_exp_moments

    ratio, u = _above_ratio()
    ratio = to_exp_moments(ratio)
    arguments = (eta, u)
    return {
        "dr/du": interval_function(sp.diff(ratio, u), arguments),
        "r - lower": centered_form(ratio - STATED["vc_ratio_lower_bound"], arguments),
        "upper - r": centered_form(STATED["vc_ratio_upper_bound"] - ratio, arguments),
    }


def _above_ends():
    """r(u = 0) - stated lower bound and r(u = 1) - stated upper bound, reduced exactly (exprel written out)."""
    ratio, u = _above_ratio()
    return tuple(
        sp.simplify(ratio.subs(u, end).rewrite(sp.exp) - STATED[name])
        for end, name in ((0, "vc_ratio_lower_bound"), (1, "vc_ratio_upper_bound"))
    )


def _interval_outcome(results: dict, note: str = "") -> Outcome:
    """One Outcome for several enclosures: refuted or undecided by the first that is, else confirmed."""
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
    return Outcome("interval", "confirmed", detail + (f"; {note}" if note else ""), pieces=pieces)


def above_interval(settings: Settings) -> Outcome:
    """On the derived ratio r(eta, u): dr/du > 0 on the closed box (u = 0 by E_n's Taylor bound), so with
    r(0) = stated lower, r(1) = stated upper (exact, checked here) the bounds are strict; the gaps to the stated
    bounds are also enclosed directly."""
    from proofs.interval import enclose

    ends = _above_ends()
    if ends != (0, 0):
        return Outcome(
            "interval", "refuted", f"r(u=0) - lower, r(u=1) - upper = {ends}, not 0: the bounds are not r's ends",
            counterexample={"r(u=0) - lower": str(ends[0]), "r(u=1) - upper": str(ends[1])},
        )
    f = _above_functions()
    inner_low = {"eta": GAP_ETA, "u": (ABOVE_EDGE, 1.0)}
    inner_high = {"eta": GAP_ETA, "u": (0.0, 1.0 - ABOVE_EDGE)}
    results = {
        f"dr/du > 0 on eta in {ETA_SPAN}, u in [0, 1]": enclose(f["dr/du"], ABOVE_BOX, lower=0),
        f"r - lower > 0 on eta in {GAP_SPAN}, u in [{ABOVE_EDGE}, 1]": enclose(f["r - lower"], inner_low, lower=0),
        f"upper - r > 0 on eta in {GAP_SPAN}, u in [0, {1 - ABOVE_EDGE}]": enclose(
            f["upper - r"], inner_high, lower=0
        ),
    }
    return _interval_outcome(results, "r increasing from r(u=0) = lower to r(u=1) = upper (exact): strict bounds")


def above_numeric(settings: Settings) -> Outcome:
    """At random a > a*, the loss ratio of one step (from the loss, 50 digits) lies strictly between the stated
    bounds."""
    from analysis.symbols import eta

    lower = sp.lambdify(eta, STATED["vc_ratio_lower_bound"], "mpmath")
    upper = sp.lambdify(eta, STATED["vc_ratio_upper_bound"], "mpmath")
    region = {**REGION, "u": checks.uniform(0.0, 1.0)}
    worst = 0.0
    inside = [point for point in checks.points(checks.draw(region, settings)) if 0 < point["u"] < 1]
    ratios = []
    with mpmath.workdps(settings.dps):
        for point in inside:
            p = _mp(point)
            a = p["a_star"] - mpmath.log(1 - p["u"]) / p["t"]  # z = 1 - u
            ratio = loss(vc_update(a, p["a_star"], p["t"], p["eta"]), p["a_star"], p["t"], p["sigma"])
            ratio /= loss(a, p["a_star"], p["t"], p["sigma"])
            ratios.append(ratio)
            worst = max(worst, checks.relative_error(ratio, ratio_z(1 - p["u"], p["eta"])))
            if not lower(p["eta"]) < ratio < upper(p["eta"]):
                return Outcome(
                    "numeric", "refuted", "ratio outside the bounds", worst_error=worst,
                    counterexample={**point, "ratio": mpmath.nstr(ratio, 15)},
                )
        eta64 = np.array([point["eta"] for point in inside])
        z64 = 1 - np.array([point["u"] for point in inside])
        worst64, failed = checks.float64_agreement(
            _float64().vc_ratio_z(z=z64, eta=eta64), ratios, "r(z, eta) above a*", lambda i: inside[i]
        )
    if failed is not None:
        return failed
    return Outcome(
        "numeric", "confirmed",
        f"{_text(STATED['vc_ratio_lower_bound'])} < Loss(a')/Loss(a) < {_text(STATED['vc_ratio_upper_bound'])}"
        f" at {len(inside)} points above a*;"
        f" worst relative error against r(z, eta) {worst:.2g} ({settings.dps} digits), {worst64:.2g} (float64)",
        worst_error=max(worst, worst64),
    )


# --- vc-below ----------------------------------------------------------------------------


def _lambert_identity(expr):
    """e^{-W(x)} = W(x)/x, the defining identity W e^W = x, applied to every such factor."""

    def is_target(e):
        return isinstance(e, sp.exp) and isinstance(-e.args[0], sp.LambertW)

    return expr.replace(is_target, lambda e: (-e.args[0]) / (-e.args[0]).args[0])


def below_symbolic(settings: Settings) -> Outcome:
    """ds/du = eta^2 E_1(-eta u) > 0 for all real u, so s decreases in z from s(1+) = 1 - eta > -1 (eta < 2) to
    -oo, crossing -1 once, at z_c > 1: there z_c solves e^{eta(z-1)} = 2z - 1; the derived z_c is the stated one."""
    from analysis.symbols import eta, z
    from analysis.vc_discrete import signed_root

    d = _derived()
    zc = d.vc_z_critical
    s = signed_root(d.vc_ratio_z)
    _, _, monotone, positive = _ds_du_certificate()
    residual = _lambert_identity(sp.expand(sp.exp(eta * (zc - 1)) - (2 * zc - 1)))
    on_curve = s.subs(sp.exp(eta * z), sp.exp(eta) * (2 * z - 1))  # e^{eta z} = e^eta (2z - 1) at z_c
    at_one = sp.limit(s, z, 1, "+")
    outcome = checks.symbolic_zero(
        {
            **monotone,
            "e^{eta(z_c - 1)} - (2 z_c - 1)": residual,
            "s + 1 on e^{eta(z-1)} = 2z - 1": on_curve + 1,
            f"vc_z_critical - ({STATED['vc_z_critical']})": zc - STATED["vc_z_critical"],
        },
        settings,
    )
    if outcome.status != "confirmed":
        return outcome
    limit_far = sp.limit(s, z, sp.oo)
    x_ = sp.Symbol("x", positive=True)  # 0 < eta < 2 written eta = 2 - x (x in (0, 2)); s(1+) + 1 = 2 - eta
    margin = sp.simplify((at_one + 1).subs(eta, 2 - x_))
    if not positive or limit_far != -sp.oo or not margin.is_positive:
        return Outcome("symbolic", "inconclusive", f"monotone {positive}, s(oo) = {limit_far}, s(1+) + 1 = {margin}")
    (argument,) = {w.args[0] for w in zc.atoms(sp.LambertW)}
    branches = {w.args[1] for w in zc.atoms(sp.LambertW)}
    x = sp.Symbol("x", positive=True)  # -argument = (eta/2) e^{-eta/2} = x e^{-x}, maximal 1/e at x = 1
    profile = (-argument).subs(eta, 2 * x)
    top = sp.solve(sp.diff(profile, x), x)
    if branches != {-1} or top != [1] or profile.subs(x, 1) != sp.exp(-1):
        return Outcome("symbolic", "inconclusive", f"branch {branches}, maximum at {top}")
    return Outcome(
        "symbolic", "confirmed",
        f"s decreasing in z (E_1 integrand > 0), s(1+) = {_text(sp.simplify(at_one))} > -1, s -> -oo:"
        " one crossing z_c > 1;"
        f" z_c = {_text(zc)}; -W argument = x e^(-x), x = eta/2, max 1/e at x = 1: W_-1 real for 0 < eta < 2; "
        + outcome.detail,
    )


@lru_cache(maxsize=1)
def _below_functions():
    """Interval functions generated from the derived signed root s (exprel form, regular at z = 1)."""
    from analysis.symbols import eta, z
    from analysis.vc_discrete import signed_root
    from numerics.rewrites import apply_rules
    from proofs.interval import interval_function, to_exp_moments

    s = to_exp_moments(apply_rules(signed_root(_derived().vc_ratio_z)))
    return {
        "ds/dz": interval_function(sp.diff(s, z), (eta, z)),
        "s + 1": interval_function(s + 1, (eta, z)),
    }


def below_interval(settings: Settings) -> Outcome:
    """ds/dz < 0 on eta in ETA_BOX, 1 <= z <= Z_MAX (z = 1 by E_n's Taylor bound) and s(Z_MAX) < -1: with
    s(1) = 1 - eta > -1 the crossing of -1 is unique and lies in (1, Z_MAX)."""
    from proofs.interval import enclose

    f = _below_functions()
    results = {
        f"ds/dz < 0 on eta in {ETA_SPAN}, z in [1, {Z_MAX:g}]": enclose(
            f["ds/dz"], {"eta": ETA_BOX, "z": (1.0, Z_MAX)}, upper=0
        ),
        f"s(z = {Z_MAX:g}) + 1 < 0 on eta in {ETA_SPAN}": enclose(
            f["s + 1"], {"eta": ETA_BOX, "z": (Z_MAX, Z_MAX)}, upper=0
        ),
        f"s(z = 1) + 1 > 0 on eta in {ETA_SPAN}": enclose(f["s + 1"], {"eta": ETA_BOX, "z": (1.0, 1.0)}, lower=0),
    }
    return _interval_outcome(results, "so ratio < 1 iff z < z_c on the box")


def _numeric_root(eta):
    """The root z > 1 of e^{eta(z-1)} - (2z - 1), by bracketing then findroot (no closed form used)."""

    def f(z):
        return mpmath.exp(eta * (z - 1)) - (2 * z - 1)

    offset = mpmath.mpf(ROOT_BRACKET_LOW)
    while f(1 + offset) >= 0:
        offset /= 2
    low = 1 + offset
    high = 2 * low
    while f(high) <= 0:
        low, high = high, 2 * high
    return mpmath.findroot(f, (low, high), solver="anderson")


FACTOR_ETAS = ("0.1", "0.5", "0.9")
"""Learning rates at which the loss increase of a first step from beyond z_c is reported."""

FACTOR_DISTANCE = 2
"""The increase is reported for the first step from z = FACTOR_DISTANCE * z_c (a0 = a* - log(2 z_c)/t)."""


def first_step_factor(eta, critical=z_critical):
    """(z_c, r(FACTOR_DISTANCE z_c)): the factor by which the first step from FACTOR_DISTANCE z_c raises the loss."""
    zc = critical(eta)
    return zc, ratio_z(FACTOR_DISTANCE * zc, eta)


def below_numeric(settings: Settings) -> Outcome:
    """The stated z_c against a findroot root; ratio < 1 just below z_c, > 1 just above and iff z > z_c at random z;
    the factor r(FACTOR_DISTANCE z_c) > 1 by which a first step from there raises the loss."""
    from analysis.symbols import eta as eta_symbol

    stated = sp.lambdify(eta_symbol, STATED["vc_z_critical"], "mpmath")
    region = {"eta": checks.uniform(0.01, 0.99), "zeta": checks.uniform(0.0, 1.0)}
    worst = 0.0
    samples = min(settings.samples, TRAJECTORIES * 2)
    drawn = checks.points(checks.draw(region, settings, samples))
    roots = []
    with mpmath.workdps(settings.dps):
        for point in drawn:
            eta = mpmath.mpf(point["eta"])
            closed, numeric = stated(eta), _numeric_root(eta)
            roots.append(numeric)
            # the stated and the derived closed form (its Lambert W branch chosen by the derivation) vs the root
            worst = max(worst, checks.relative_error(closed, numeric), checks.relative_error(z_critical(eta), numeric))
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
        factors = {text: first_step_factor(mpmath.mpf(text), stated) for text in FACTOR_ETAS}
        worst64, failed = checks.float64_agreement(
            _float64().vc_z_critical(eta=np.array([point["eta"] for point in drawn])), roots, "z_c",
            lambda i: {"eta": drawn[i]["eta"]},
        )
    if failed is not None:
        return failed
    if not all(factor > 1 for _, factor in factors.values()):
        return Outcome(
            "numeric", "refuted", f"a first step from {FACTOR_DISTANCE} z_c does not raise the loss",
            worst_error=worst, counterexample={e: mpmath.nstr(f, 15) for e, (_, f) in factors.items()},
        )
    reported = ", ".join(
        f"eta = {e}: z_c = {mpmath.nstr(zc, 6)}, factor {mpmath.nstr(f, 6)}" for e, (zc, f) in factors.items()
    )
    return Outcome(
        "numeric", "confirmed",
        f"stated and derived z_c vs findroot at {samples} eta: worst relative error {worst:.2g} ({settings.dps}"
        f" digits), {worst64:.2g} (generated float64 z_c); ratio crosses 1 at z_c;"
        f" a first step from z = {FACTOR_DISTANCE} z_c multiplies the loss by: {reported}",
        worst_error=max(worst, worst64),
    )


# --- vc-global ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _z_map():
    """The derived map z -> z' of one vc_step, as an expression in z and eta (a* = a + log(z)/t substituted)."""
    from analysis.symbols import a, a_star, t, z

    z_next = sp.exp((a_star - (a + _derived().vc_step)) * t).subs(a_star, a + sp.log(z) / t)
    return sp.simplify(z_next)


def global_symbolic(settings: Settings) -> Outcome:
    """The map z' = g(z) of vc_step: log(z'/z) = eta (1 - z). z > 1: z' < z, and g's only fixed point in z > 0 is 1,
    so iterates staying above 1 decrease to 1. 0 < z < 1, 0 < eta < 1: z < z' and log z' < log z + 1 - z = -h(z) < 0
    (h(1) = 0, h' < 0 on (0, 1)), so they stay in (0, 1) and increase to 1: at most one crossing of z = 1 (a = a*)."""
    from analysis.symbols import eta, z

    g = _z_map()
    p, q, c = (sp.Symbol(name, positive=True) for name in ("p", "q", "c"))  # z = 1 + p, z = 1 - q, eta = 1 - c
    log_step = sp.expand_log(sp.log(g / z), force=True)
    h = -sp.log(z) - (1 - z)
    h_prime = sp.diff(h, z)
    outcome = checks.symbolic_zero(
        {
            "log(z'/z) - eta (1 - z)": log_step - eta * (1 - z),
            "h(1)": h.subs(z, 1),
            "h'(z) - (z - 1)/z": h_prime - (z - 1) / z,
            "log z' - (log z + 1 - z) - (eta - 1)(1 - z)": sp.expand_log(sp.log(g), force=True)
            - (sp.log(z) + 1 - z) - (eta - 1) * (1 - z),
        },
        settings,
    )
    if outcome.status != "confirmed":
        return outcome
    signs = {
        "z > 1: log(z'/z) < 0": (eta * (1 - z)).subs(z, 1 + p).is_negative,
        "0 < z < 1: log(z'/z) > 0": (eta * (1 - z)).subs(z, 1 - q).is_positive,
        "0 < z < 1: h' < 0": sp.simplify(h_prime.subs(z, 1 / (1 + q))).is_negative,
        "0 < z < 1, eta < 1: (eta - 1)(1 - z) < 0": ((eta - 1) * (1 - z)).subs({eta: 1 - c, z: 1 - q}).is_negative,
    }
    fixed = sp.solve(g.subs(z, p) - p, p)
    if not all(signs.values()) or fixed != [1] or g.free_symbols != {z, eta}:
        return Outcome("symbolic", "inconclusive", f"signs {signs}, fixed points {fixed}, z' = {g}")
    return Outcome(
        "symbolic", "confirmed",
        f"z' = {_text(g)}; " + "; ".join(signs) + f"; fixed points of z' in z > 0: {fixed}; " + outcome.detail,
    )


@lru_cache(maxsize=1)
def _global_functions():
    """Interval functions generated from the derived map z' (and (z'/z - 1)/(z - 1), regularised by exprel)."""
    from analysis.symbols import eta, z
    from numerics.rewrites import apply_rules
    from proofs.interval import centered_form, interval_function

    g = _z_map()
    return {
        "dz'/dz": interval_function(sp.diff(g, z), (eta, z)),
        "z'": centered_form(g, (eta, z)),
        "(z'/z - 1)/(z - 1)": interval_function(apply_rules((g - z) / (z * (z - 1))), (eta, z)),
    }


def global_interval(settings: Settings) -> Outcome:
    """dz'/dz > 0 on [0, 1] with z'(0) = 0, z'(1) = 1 (exact): 0 < z' < 1 on (0, 1); also enclosed directly inside;
    (z'/z - 1)/(z - 1) < 0 on [1, Z_MAX]: z' < z above 1."""
    from analysis.symbols import eta, z
    from proofs.interval import enclose

    g = _z_map()
    ends = (g.subs(z, 0), g.subs(z, 1))
    if ends != (0, 1):
        return Outcome("interval", "inconclusive", f"z'(0), z'(1) = {ends}, not 0, 1 for every eta ({eta})")
    f = _global_functions()
    results = {
        f"dz'/dz > 0 on eta in {ETA_SPAN}, z in [0, 1]": enclose(
            f["dz'/dz"], {"eta": ETA_BOX, "z": (0.0, 1.0)}, lower=0
        ),
        f"0 < z' < 1 on z in [{GLOBAL_EDGE}, {1 - GLOBAL_EDGE}]": enclose(
            f["z'"], {"eta": ETA_BOX, "z": (GLOBAL_EDGE, 1 - GLOBAL_EDGE)}, lower=0, upper=1
        ),
        f"(z'/z - 1)/(z - 1) < 0 on z in [1, {Z_MAX:g}]": enclose(
            f["(z'/z - 1)/(z - 1)"], {"eta": ETA_BOX, "z": (1.0, Z_MAX)}, upper=0
        ),
    }
    return _interval_outcome(results, "z'(0) = 0, z'(1) = 1 exactly")


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


def _run_violation(losses, sides, lower, upper, tol):
    """Why a run breaks vc-global's structure (None if it does not): more than one crossing, a crossing from above,
    a step above a* whose loss ratio leaves [lower, upper] beyond the rounding `tol`."""
    crossings = sum(1 for x, y in zip(sides, sides[1:]) if x != y)
    if crossings > 1 or (crossings == 1 and sides[0]):
        return f"{crossings} crossings of a*, starting {'above' if sides[0] else 'below'}"
    first_above = sides.index(True) if True in sides else len(sides)
    after = losses[first_above:]
    for k, (x, y) in enumerate(zip(after, after[1:])):
        if x > 0 and not lower * (1 - tol) <= y / x <= upper * (1 + tol):
            return f"loss ratio {mpmath.nstr(y / x, 8)} above a* (step {first_above + k}) outside the vc-above bounds"
    return None


def global_numeric(settings: Settings) -> Outcome:
    """Runs from a0 with |a0 - a*| t <= GLOBAL_DELTA converge; far runs from below (up to GLOBAL_DELTA_FAR) overshoot
    at most once; in both, above a* every step's loss ratio lies within the vc-above bounds."""
    from analysis.symbols import eta as eta_symbol

    d = _derived()
    lower = sp.lambdify(eta_symbol, d.vc_ratio_lower_bound, "mpmath")
    upper = sp.lambdify(eta_symbol, d.vc_ratio_upper_bound, "mpmath")
    common = {**{k: REGION[k] for k in ("a_star", "t", "sigma")}, "eta": checks.uniform(*GLOBAL_ETA)}
    near = {**common, "delta": checks.uniform(-GLOBAL_DELTA, GLOBAL_DELTA)}
    far = {**common, "delta": checks.uniform(-GLOBAL_DELTA_FAR, -GLOBAL_DELTA)}
    tol = mpmath.mpf(checks.mp_rtol(settings.dps))  # an mpf: 1 + tol must not round to 1 in float64
    near_points = checks.points(checks.draw(near, settings, min(settings.samples, TRAJECTORIES)))
    far_points = checks.points(checks.draw(far, settings, min(settings.samples, FAR_TRAJECTORIES)))
    runs = [(point, GLOBAL_STEPS, True) for point in near_points] + [(point, FAR_STEPS, False) for point in far_points]
    worst_final, most_crossings, overshoot = 0.0, 0, None
    with mpmath.workdps(settings.dps):
        for point, steps, must_converge in runs:
            p = _mp(point)
            a0 = p["a_star"] + p["delta"] / p["t"]
            losses, sides = _trajectory(
                a0, p["a_star"], p["t"], p["sigma"], p["eta"], vc_update, steps, stop=CONVERGED if must_converge else 0
            )
            violation = _run_violation(losses, sides, lower(p["eta"]), upper(p["eta"]), tol)
            final = float(losses[-1] / losses[0]) if losses[0] and must_converge else 0.0  # far runs: overflows float
            if must_converge:
                worst_final = max(worst_final, final)
                if violation is None and not final <= CONVERGED:
                    violation = f"Loss(a_K)/Loss(a_0) = {final:.3g} after {steps} steps"
            elif True in sides and (overshoot is None or p["delta"] < overshoot[0]):
                overshoot = (point["delta"], point["eta"], mpmath.nstr(losses[-1] / losses[0], 3))
            most_crossings = max(most_crossings, sum(1 for x, y in zip(sides, sides[1:]) if x != y))
            if violation is not None:
                return Outcome(
                    "numeric", "refuted", violation, worst_error=final,
                    counterexample={**point, "Loss(a_K)/Loss(a_0)": final, "why": violation},
                )
    far_note = ""
    if overshoot is not None:
        far_note = (
            f"; from a0 - a* = {overshoot[0]:.3g}/t (eta {overshoot[1]:.3g}) the overshoot leaves Loss/Loss(a_0) ="
            f" {overshoot[2]} after {FAR_STEPS} steps (recovery takes ~e^|delta| steps)"
        )
    return Outcome(
        "numeric", "confirmed",
        f"{min(settings.samples, TRAJECTORIES)} runs of <= {GLOBAL_STEPS} steps, |a0-a*|t <= {GLOBAL_DELTA}, converged"
        f" (worst Loss(a_K)/Loss(a_0) {worst_final:.2g}); {min(settings.samples, FAR_TRAJECTORIES)} runs of {FAR_STEPS}"
        f" steps from {GLOBAL_DELTA} < (a*-a0)t <= {GLOBAL_DELTA_FAR}; eta in {GLOBAL_ETA}: at most {most_crossings}"
        f" crossing, every step above a* within the vc-above bounds" + far_note,
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
            f"vc_log_ratio - ({STATED['vc_log_ratio']})": d.vc_log_ratio - STATED["vc_log_ratio"],
        },
        settings,
    )
    rates = (d.vc_log_ratio, STATED["vc_log_ratio"])
    if outcome.status == "confirmed" and any(rate.free_symbols != {eta} for rate in rates):
        return Outcome("symbolic", "inconclusive", f"vc_log_ratio {d.vc_log_ratio} is not a function of eta alone")
    return outcome


def exact_log_numeric(settings: Settings) -> Outcome:
    """Run the derived log update LOG_STEPS steps: Loss(a_k) = c^k Loss(a_0), c the stated rate, to the working
    precision."""
    from analysis.symbols import eta as eta_symbol

    c = sp.lambdify(eta_symbol, STATED["vc_log_ratio"], "mpmath")
    region = {**REGION, "eta": checks.uniform(0.01, 0.9)}
    tol = checks.mp_rtol(settings.dps)
    worst = 0.0
    drawn = checks.points(checks.draw(region, settings, min(settings.samples, TRAJECTORIES * 2)))
    with mpmath.workdps(settings.dps + EXTRA_DIGITS):
        steps = [_kernels()["vc_log_step"](*(mpmath.mpf(p[n]) for n in ("a", "a_star", "t", "eta"))) for p in drawn]
        columns = {n: np.array([p[n] for p in drawn]) for n in ("a", "a_star", "t", "eta")}
        worst64, failed = checks.float64_agreement(
            _float64().vc_log_step(**columns), steps, "vc_log_step", lambda i: drawn[i]
        )
        if failed is not None:
            return failed
        for point in drawn:
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
        f"{LOG_STEPS} steps from random a0: worst relative error of Loss(a_k) vs ({_text(STATED['vc_log_ratio'])})^k"
        f" Loss(a_0) {worst:.2g}"
        f" (tol {tol:.0e}); generated float64 step vs high precision {worst64:.2g}",
        worst_error=max(worst, worst64),
    )


CLAIMS = (
    Claim(
        id="theorem1-first-order",
        statement=f"The variance-corrected one-step loss ratio is {_text(STATED['vc_ratio_first_order'])}"
        f" + ({_text(STATED['second_order_coefficient'])}) eta^2 + O(eta^3).",
        latex=rf"\frac{{L(a_{{k+1}})}}{{L(a_k)}} = {_latex(STATED['vc_ratio_first_order'])}"
        rf" + \left({_latex(STATED['second_order_coefficient'])}\right)\eta^2 + O(\eta^3),\ z = e^{{(a^*-a_k)t}}",
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
        statement=f"The exact one-step ratio is {_text(STATED['vc_ratio_z'])} in z = exp((a* - a) t),"
        f" with limit {_text(STATED['vc_ratio_local'])} at z = 1.",
        latex=rf"\frac{{L(a_{{k+1}})}}{{L(a_k)}} = {_latex(STATED['vc_ratio_z'])}"
        rf" \xrightarrow[z\to1]{{}} {_latex(STATED['vc_ratio_local'])}",
        assumptions="any a != a*, t > 0, sigma > 0, eta > 0",
        expected="holds",
        symbolic=exact_ratio_symbolic,
        numeric=exact_ratio_numeric,
    ),
    Claim(
        id="vc-above",
        statement=f"For a > a* and 0 < eta < 1 the ratio lies strictly between {_text(STATED['vc_ratio_lower_bound'])}"
        f" (its limit as a -> a*) and {_text(STATED['vc_ratio_upper_bound'])} (its limit as a -> oo).",
        latex=rf"a_k > a^*,\ 0<\eta<1 \implies {_latex(STATED['vc_ratio_lower_bound'])}"
        rf" < \frac{{L(a_{{k+1}})}}{{L(a_k)}} < {_latex(STATED['vc_ratio_upper_bound'])}",
        assumptions="0 < z < 1 (a > a*), 0 < eta < 1; interval box eta in [0.01, 0.99], u = 1 - z in [0, 1]",
        expected="holds",
        symbolic=above_symbolic,
        numeric=above_numeric,
        interval=above_interval,
        inequality=True,
    ),
    Claim(
        id="vc-below",
        statement=f"For a < a* the loss decreases iff z < z_c(eta) = {_text(STATED['vc_z_critical'])}"
        " (W_{-1}: LambertW branch -1); the ratio tends to 1 at z_c and exceeds 1 beyond.",
        latex=rf"z > 1:\ L(a_{{k+1}}) < L(a_k) \iff z < z_c = {_latex(STATED['vc_z_critical'])}",
        assumptions="z > 1 (a < a*), 0 < eta < 1; interval box eta in [0.01, 0.99], 1 <= z <= 1000",
        expected="holds",
        symbolic=below_symbolic,
        numeric=below_numeric,
        interval=below_interval,
        inequality=True,
    ),
    Claim(
        id="vc-global",
        statement="For 0 < eta < 1 every a_0 converges to a*: after at most one overshoot the iterates stay above a*.",
        latex=r"0<\eta<1:\ a_k \to a^*,\ \#\{k: \operatorname{sign}(a_{k+1}-a^*) \ne \operatorname{sign}(a_k-a^*)\}"
        r" \le 1",
        assumptions="any a_0, a*, t > 0, sigma > 0, 0 < eta < 1; interval box eta in [0.01, 0.99], 0 <= z <= 1000",
        expected="holds",
        symbolic=global_symbolic,
        numeric=global_numeric,
        interval=global_interval,
        inequality=True,
    ),
    Claim(
        id="vc-exact-log",
        statement="The update a' = a + log(1 - eta gradient/(t sigma_k^2))/t gives Loss(a_k) ="
        f" ({_text(STATED['vc_log_ratio'])})^k Loss(a_0) exactly for every a_0.",
        latex=r"a_{k+1} = a_k + \tfrac1t\log\!\left(1 - \frac{\eta\,L'(a_k)}{t\,\sigma_k^2(t)}\right) \implies"
        rf" L(a_k) = \left({_latex(STATED['vc_log_ratio'])}\right)^{{k}} L(a_0)",
        assumptions="any a_0, a*, t > 0, sigma > 0, 0 < eta < 1",
        expected="holds",
        symbolic=exact_log_symbolic,
        numeric=exact_log_numeric,
    ),
)
"""The claims of the exact discrete theory of the variance-corrected update."""
