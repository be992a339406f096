"""Check helpers shared by every claim: symbolic-zero certificates and random-point numeric checks.

A region is a mapping parameter name -> sampler; a sampler draws n float64 values from a
`numpy.random.Generator`. Numeric checks evaluate both sides of an identity at the same points
in float64 and in mpmath at `settings.dps` digits (inside `mpmath.workdps`), and report the
worst relative error against tolerances tied to those precisions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import mpmath
import numpy as np
import sympy as sp

from proofs.claim import Outcome, Settings

__all__ = [
    "F64_RTOL",
    "MP_MARGIN_DIGITS",
    "ZERO_PROBE_DIGITS",
    "mp_rtol",
    "Region",
    "uniform",
    "log_uniform",
    "draw",
    "points",
    "Domain",
    "zero_certificate",
    "symbolic_zero",
    "relative_error",
    "float64_error",
    "float64_agreement",
    "condition_number",
    "numeric_identity",
    "compiled",
    "compiled_expr",
    "short",
    "stated_latex",
    "interval_outcome",
]

F64_RTOL = 512 * 2.0**-52
"""float64 relative tolerance, ~1e-13: a few hundred ulps, room for a few dozen rounded operations
and for the condition number |a t| (<= ~50 over the regions) of exp(a t)."""

MP_MARGIN_DIGITS = 10
"""Digits of the mpmath working precision given up to rounding in the sampled expressions."""

ZERO_PROBE_DIGITS = 30
"""Digits at which a candidate that does not simplify to zero is probed for a nonzero value."""

Sampler = Callable[[np.random.Generator, int], np.ndarray]
Region = Mapping[str, Sampler]


def mp_rtol(dps: int) -> float:
    """mpmath relative tolerance at `dps` digits: 10**(-dps + MP_MARGIN_DIGITS).

    >>> mp_rtol(50)
    1e-40
    """
    return 10.0 ** (-dps + MP_MARGIN_DIGITS)


def uniform(low: float, high: float) -> Sampler:
    """Uniform on [low, high]."""
    if not low < high:
        raise ValueError("low must be below high")
    return lambda rng, n: rng.uniform(low, high, n)


def log_uniform(low: float, high: float) -> Sampler:
    """Log-uniform on [low, high], 0 < low < high (for scales such as t, sigma, eta)."""
    if not 0 < low < high:
        raise ValueError("log_uniform needs 0 < low < high")
    return lambda rng, n: np.exp(rng.uniform(math.log(low), math.log(high), n))


def draw(region: Region, settings: Settings, n: int | None = None) -> dict[str, np.ndarray]:
    """`n` (default `settings.samples`) random points of `region`, seeded by `settings.seed`."""
    rng = np.random.default_rng(settings.seed)
    n = settings.samples if n is None else n
    return {name: np.asarray(sampler(rng, n), dtype=float) for name, sampler in region.items()}


def points(sample: Mapping[str, np.ndarray]) -> list[dict[str, float]]:
    """The drawn arrays as a list of points (parameter -> float)."""
    names = list(sample)
    return [dict(zip(names, map(float, values))) for values in zip(*(sample[n] for n in names))]


# --- symbolic certificates -------------------------------------------------------------

_REDUCERS: tuple[tuple[str, Callable[[sp.Expr], sp.Expr]], ...] = (
    ("expand", sp.expand),
    ("expand(powers)", lambda e: sp.expand(sp.powsimp(sp.expand_power_exp(sp.expand(e)), combine="exp"))),
    ("cancel", lambda e: sp.cancel(sp.expand(e))),
    ("simplify", sp.simplify),
)


def zero_certificate(expr: sp.Expr) -> str | None:
    """The name of the first reduction that takes `expr` to exactly 0 (cheapest first), or None.

    >>> from analysis.symbols import a
    >>> zero_certificate((a + 1)**2 - a**2 - 2*a - 1)
    'expand'
    """
    expr = sp.sympify(expr, strict=True)
    if expr == 0:
        return "identically"
    for name, reduce in _REDUCERS:
        if reduce(expr) == 0:
            return name
    return None


PROBE_BOX = (1, 40)
"""Numerators of the rational probe values (denominators 1..19), sign drawn for real symbols."""

PROBE_ATTEMPTS = 8
"""Random points tried before a candidate that does not reduce is called undecided."""

PROBE_STABLE_DIGITS = ZERO_PROBE_DIGITS // 2
"""A probe value counts only if its evaluations at ZERO_PROBE_DIGITS and twice that agree to this many digits
and it exceeds 10^-this times the size of its terms: then its leading digits are significant, not rounding."""

Domain = Mapping[str, tuple[object, object]]
"""Probe domain: symbol name -> (low, high), open bounds, rationals or numbers; None for an unbounded side."""


def _probe_value(rng: np.random.Generator, sym: sp.Symbol, bounds) -> sp.Rational:
    """A rational probe value for `sym`, inside the open interval `bounds` when given."""
    value = sp.Rational(int(rng.integers(*PROBE_BOX)), int(rng.integers(1, 20)))
    if not (sym.is_positive or sym.is_nonnegative):
        value *= int(rng.choice((-1, 1)))
    if bounds is None:
        return value
    low, high = (None if b is None else sp.Rational(str(b)) for b in bounds)
    if low is not None and high is not None:
        fraction = sp.Rational(int(rng.integers(1, 1000)), 1000)  # strictly inside (low, high)
        return low + fraction * (high - low)
    if low is not None:
        return low + abs(value)
    if high is not None:
        return high - abs(value)
    return value


def _significant(expr: sp.Expr, values: Mapping[sp.Symbol, sp.Rational]):
    """The value of `expr` at `values` if it is clearly nonzero with significant digits, else None.

    Evaluated in mpmath at ZERO_PROBE_DIGITS and at twice that: the two must agree to PROBE_STABLE_DIGITS
    and the value must exceed 10^-PROBE_STABLE_DIGITS times the sum of its terms' sizes (a value that is
    pure rounding of cancelling terms, such as -0.e+611, is rejected).
    """
    symbols = sorted(values, key=lambda sym: sym.name)
    terms = sp.Add.make_args(expr)
    evaluate = sp.lambdify(symbols, [expr, *terms], "mpmath")
    found = []
    for digits in (ZERO_PROBE_DIGITS, 2 * ZERO_PROBE_DIGITS):
        with mpmath.workdps(digits):
            args = [mpmath.mpf(values[sym].p) / values[sym].q for sym in symbols]
            try:
                value, *parts = (mpmath.mpmathify(v) for v in evaluate(*args))
            except (ZeroDivisionError, ValueError, TypeError, OverflowError):
                return None
            if not all(mpmath.isfinite(v) for v in (value, *parts)) or any(mpmath.im(v) for v in (value, *parts)):
                return None
            found.append((value, mpmath.fsum(abs(v) for v in parts)))
    (low, _), (high, size) = found
    with mpmath.workdps(2 * ZERO_PROBE_DIGITS):
        tolerance = mpmath.mpf(10) ** -PROBE_STABLE_DIGITS
        if high == 0 or abs(low - high) > tolerance * abs(high) or abs(high) <= tolerance * size:
            return None
        return high


def _probe(expr: sp.Expr, seed: int, domain: Domain | None = None) -> dict[str, object] | None:
    """A point of `domain` (default: positive values for positive symbols) where `expr` is clearly nonzero.

    Clearly: with significant digits (`_significant`), not an evalf result that is all rounding.
    """
    rng = np.random.default_rng(seed)
    domain = dict(domain or {})
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    for _ in range(PROBE_ATTEMPTS):
        values = {sym: _probe_value(rng, sym, domain.get(sym.name)) for sym in symbols}
        number = _significant(expr, values)
        if number is not None:
            point = {sym.name: str(v) for sym, v in values.items()}
            return {**point, "value": mpmath.nstr(number, 10)}
    return None


def symbolic_zero(
    differences: Mapping[str, sp.Expr],
    settings: Settings | None = None,
    note: str = "",
    domain: Domain | None = None,
) -> Outcome:
    """Confirm that each labelled expression reduces to exactly 0; say how for each.

    One that does not reduce is probed at rational points of the claim's `domain` (symbol name ->
    open interval; default: positive symbols positive): a value that is nonzero with significant
    digits refutes the claim (with that point); otherwise the outcome is inconclusive.
    """
    seed = 0 if settings is None else settings.seed
    how = []
    for label, expr in differences.items():
        name = zero_certificate(expr)
        if name is None:
            found = _probe(sp.sympify(expr, strict=True), seed, domain)
            if found is not None:
                return Outcome("symbolic", "refuted", f"{label} != 0", counterexample={"difference": label, **found})
            return Outcome("symbolic", "inconclusive", f"{label}: no reduction to 0 and no nonzero point found")
        how.append(f"{label}: {name} -> 0")
    detail = "; ".join(how) + (f"; {note}" if note else "")
    return Outcome("symbolic", "confirmed", detail)


# --- numeric checks --------------------------------------------------------------------


def relative_error(value, reference) -> float:
    """|value - reference| / |reference| (absolute when reference is 0); inf for a nan or inf value."""
    value, reference = mpmath.mpmathify(value), mpmath.mpmathify(reference)
    if not mpmath.isfinite(value) or not mpmath.isfinite(reference):
        return math.inf if value != reference else 0.0
    diff = abs(value - reference)
    return float(diff / abs(reference)) if reference != 0 else float(diff)


def float64_error(value: float, truth) -> float:
    """relative_error of a float64 `value` against a high-precision `truth`; where the truth lies beyond float64's
    range the right answer is the infinity of its sign (0 error for exactly that, inf otherwise).

    >>> float64_error(float("inf"), mpmath.mpf("1e400")), float64_error(1e308, mpmath.mpf("1e400"))
    (0.0, inf)
    """
    rounded = float(mpmath.mpmathify(truth))
    if math.isinf(rounded):
        return 0.0 if value == rounded else math.inf
    return relative_error(value, truth)


def float64_agreement(values, truths, what: str, point_at: Callable[[int], Mapping[str, float]], conditions=None):
    """(worst float64_error of `values` against `truths`, None) or (that error, an inconclusive Outcome naming the
    first point, `point_at(index)`, where it exceeds F64_RTOL: the mathematics may hold while float64 is off).

    `conditions`, if given, are the relative condition numbers of the evaluated function at the points: the
    tolerance there is F64_RTOL * max(1, condition), since rounding the intermediate values by one ulp already
    moves an ill-conditioned result (e.g. near one of its zeros) by that factor; the reported error is then
    divided by the same factor."""
    worst = 0.0
    for index, (value, truth) in enumerate(zip(values, truths)):
        scale = 1.0 if conditions is None else max(1.0, float(conditions[index]))
        error = float64_error(float(value), truth) / scale
        if not error <= F64_RTOL:
            detail = f"{what}: float64 off by {error:.3g} (> {F64_RTOL:.2g}) at {dict(point_at(index))}"
            if scale > 1:
                detail += f" (relative to condition number {scale:.3g})"
            return error, Outcome("numeric", "inconclusive", detail, worst_error=error)
        worst = max(worst, error)
    return worst, None


def condition_number(expr: sp.Expr, arguments: tuple[sp.Symbol, ...]):
    """The relative condition number sum_i |x_i df/dx_i| / |f| of `expr` in `arguments` (every free symbol of it),
    as an mpmath function of keyword arguments named after them (extra keywords ignored), derived by
    differentiation; it scales float64 tolerances.

    >>> from analysis.symbols import a, sigma, t
    >>> float(condition_number(sp.exp(a * t), (a, t))(a=mpmath.mpf(2), t=mpmath.mpf(3), sigma=mpmath.mpf(1)))
    12.0
    """
    f = sp.lambdify(arguments, sp.Add(*(sp.Abs(x * sp.diff(expr, x)) for x in arguments)) / sp.Abs(expr), "mpmath")
    return lambda **values: f(*(values[x.name] for x in arguments))


def numeric_identity(
    region: Region,
    settings: Settings,
    *,
    lhs: Callable[..., object],
    rhs: Callable[..., object],
    lhs64: Callable[..., np.ndarray] | None = None,
    condition: Callable[..., object] | None = None,
    what: str = "lhs = rhs",
) -> Outcome:
    """Check lhs == rhs at `settings.samples` points of `region`.

    `lhs` and `rhs` take keyword mpf arguments and are evaluated inside `mpmath.workdps(settings.dps)`;
    they must agree to `mp_rtol(dps)` (else refuted, with the point). `lhs64`, if given, takes keyword
    float64 arrays; it must agree with the high-precision `rhs` to `F64_RTOL` (else inconclusive:
    the mathematics may hold while the float64 evaluation is inaccurate), times `condition` (keyword mpf
    arguments, e.g. from `condition_number`) where that is given and above 1.
    """
    sample = draw(region, settings)
    tol_mp = mp_rtol(settings.dps)
    worst_mp, worst_64 = 0.0, 0.0
    truths = []
    with mpmath.workdps(settings.dps):
        for point in points(sample):
            args = {k: mpmath.mpf(v) for k, v in point.items()}
            left, right = lhs(**args), rhs(**args)
            error = relative_error(left, right)
            truths.append(right)
            if not error <= tol_mp:
                return Outcome(
                    "numeric",
                    "refuted",
                    f"{what} fails at {settings.dps} digits: relative error {error:.3g}",
                    worst_error=error,
                    counterexample={**point, "lhs": mpmath.nstr(left, 20), "rhs": mpmath.nstr(right, 20)},
                )
            worst_mp = max(worst_mp, error)
        if lhs64 is not None:
            values = np.broadcast_to(np.asarray(lhs64(**sample), dtype=float), (settings.samples,))
            conditions = None
            if condition is not None:
                conditions = [condition(**{k: mpmath.mpf(v) for k, v in p.items()}) for p in points(sample)]
            worst_64, failed = float64_agreement(
                values, truths, what, lambda index: points({k: v[index : index + 1] for k, v in sample.items()})[0],
                conditions,
            )
            if failed is not None:
                return failed
    detail = (
        f"{what} at {settings.samples} points: worst relative error {worst_mp:.2g} at {settings.dps} digits"
        f" (tol {tol_mp:.0e})"
    )
    if lhs64 is not None:
        detail += f", {worst_64:.2g} in float64 (tol {F64_RTOL:.1e})"
    return Outcome("numeric", "confirmed", detail, worst_error=max(worst_mp, worst_64))


def compiled(backend: str = "numpy"):
    """`numerics.compile(derive(), backend)` for the paper's model."""
    import numerics
    from analysis import derive

    return numerics.compile(derive(), backend)


def compiled_expr(name: str, expr: sp.Expr, backend: str = "numpy"):
    """One expression compiled like a derived result (same accuracy rewrites), by `numerics.compile`."""
    import numerics
    from analysis.derivation import Derivation, Result
    from analysis.model import Model

    derivation = Derivation(Model.paper(), (Result(name, expr, f"claim expression {name}"),))
    return numerics.compile(derivation, backend)[name]


def stated_latex(expr: sp.Expr, names: Mapping[sp.Symbol, str] | None = None) -> str:
    r"""LaTeX of a claim's stated formula (a SymPy expression, the one its checks compare), in the project's
    symbol names; `names` typesets placeholder symbols (e.g. one standing for Loss''(a*)).

    >>> from analysis.symbols import sigma, t
    >>> print(stated_latex(sigma**2 * t**2))
    \sigma^{2} t^{2}
    """
    from proofs.formulas import latex

    return latex(expr, names)


def short(text: str, width: int = 60) -> str:
    """`text` cut to `width` characters with an ellipsis.

    >>> short("abcdef", 4)
    'abc…'
    """
    return text if len(text) <= width else text[: width - 1] + "…"


def interval_outcome(enclosure, what: str) -> Outcome:
    """The Outcome of a `proofs.interval.enclose` result: certified, refuted (with the point) or undecided."""
    if enclosure.status == "certified":
        return Outcome(
            "interval", "confirmed", f"{what}: certified on {enclosure.pieces} pieces", pieces=enclosure.pieces
        )
    if enclosure.status == "refuted":
        return Outcome(
            "interval",
            "refuted",
            f"{what}: violated, enclosure {enclosure.value}",
            pieces=enclosure.pieces,
            counterexample={**enclosure.point, "enclosure": list(enclosure.value)},
        )
    return Outcome(
        "interval",
        "inconclusive",
        f"{what}: undecided piece {enclosure.piece} after {enclosure.pieces}",
        pieces=enclosure.pieces,
    )
