"""Interval-arithmetic enclosures (mpmath.iv): certify f > lower (and/or f < upper) on a box.

`enclose(f, box, lower=..., upper=...)` evaluates `f` on interval arguments, and bisects the
widest side of every piece whose enclosure does not decide the predicate, until every piece is
decided, a point of a piece violates the predicate (a counterexample), or `max_pieces` pieces
have been examined (undecided: the piece is reported as a counterexample candidate).
Outward rounding of mpmath.iv at its default 53-bit precision makes every decided piece a proof.

A removable singularity inside the box must not be evaluated as 0/0 (an interval division by an
interval containing 0 is [-inf, inf] and never decides): write `f` with `exp_moment`, which
encloses E_n(y) = int_0^1 s^n e^{s y} ds (E_0 = exprel, E_1 = exprel') at y = 0 by its Taylor
series with a proven remainder bound. `interval_function` turns a SymPy expression (with `exprel`)
into such an `f`: exprel becomes `ExpMoment(0, .)`, whose derivative is `ExpMoment(n + 1, .)`, so
derivatives of derived expressions stay regular; `centered_form` encloses f(c) + grad f(X) (X - c),
which keeps differences of nearly equal terms (a gap that vanishes on an edge) tight.

>>> from mpmath import iv
>>> result = enclose(lambda x: x * x - x + 1, {"x": (-2, 2)}, lower=0)
>>> result.status, result.pieces > 1
('certified', True)
>>> enclose(lambda x: x * x - 1, {"x": (-2, 2)}, lower=0).status
'refuted'
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import mpmath
import sympy as sp
from mpmath import iv

__all__ = [
    "Enclosure",
    "ExpMoment",
    "enclose",
    "exp_moment",
    "interval_function",
    "to_exp_moments",
    "centered_form",
    "MAX_PIECES",
    "TAYLOR_RADIUS",
    "TAYLOR_TERMS",
]

MAX_PIECES = 20_000
"""Default bound on the pieces examined before an enclosure gives up (undecided)."""

TAYLOR_RADIUS = 0.125
"""|y| <= this: E_n(y) by Taylor series with remainder; beyond it the closed form loses only a few bits."""

TAYLOR_TERMS = 12
"""Taylor terms for E_n: the remainder |y|^N e^|y| / (N! (N+n+1)) at |y| <= 1/8 is below 3e-21, under 53-bit ulps."""

_INVERSE_FACTORIALS = tuple(1 / iv.mpf(math.factorial(k)) for k in range(TAYLOR_TERMS + 1))

Status = Literal["certified", "refuted", "undecided"]


@dataclass(frozen=True)
class Enclosure:
    """The outcome of `enclose`.

    `pieces`: pieces decided (certified) or examined; `piece`: the box of the undecided or
    refuting piece; `point`: where f was evaluated outside the bounds, with `value` its enclosure.
    """

    status: Status
    pieces: int
    piece: Mapping[str, tuple[float, float]] | None = None
    point: Mapping[str, float] | None = None
    value: tuple[float, float] | None = None

    def __post_init__(self):
        if self.status not in ("certified", "refuted", "undecided"):
            raise ValueError("status must be certified, refuted or undecided")
        if self.pieces < 1:
            raise ValueError("pieces must be positive")
        if self.status == "refuted" and self.point is None:
            raise ValueError("a refuted enclosure carries the violating point")
        if self.status != "certified" and self.piece is None:
            raise ValueError("an enclosure that is not certified names its piece")

    @property
    def certified(self) -> bool:
        return self.status == "certified"


def _exp_moment_point(y, n: int):
    """Enclosure of E_n at one point (a degenerate interval)."""
    if abs(mpmath.mpf(y.a)) <= TAYLOR_RADIUS:
        # e^{s y} = sum_{k<N} (s y)^k / k! + R, |R| <= |s y|^N e^{|s y|} / N!; integrate s^n ds on [0, 1].
        total = iv.mpf(0)
        power = iv.mpf(1)
        for k in range(TAYLOR_TERMS):
            total += power * _INVERSE_FACTORIALS[k] / (k + n + 1)
            power *= y
        bound = abs(power) * iv.exp(abs(y)) * _INVERSE_FACTORIALS[TAYLOR_TERMS] / (TAYLOR_TERMS + n + 1)
        return total + iv.mpf([-1, 1]) * bound
    # Closed form: E_0 = (e^y - 1)/y, E_n = (e^y - n E_{n-1})/y.
    moment = iv.expm1(y) / y
    for k in range(1, n + 1):
        moment = (iv.exp(y) - k * moment) / y
    return moment


def exp_moment(y, n: int = 0):
    """Enclosure of E_n(y) = int_0^1 s^n e^{s y} ds over the interval y (E_0 = exprel, E_1 = exprel').

    E_n is increasing in y (E_n' = E_{n+1} > 0), so its range is [E_n(y.a), E_n(y.b)].

    >>> x = exp_moment(iv.mpf([-1e-30, 1e-30]))
    >>> x.a <= 1 <= x.b and x.delta < 1e-13
    True
    """
    if not isinstance(n, int) or n < 0:
        raise ValueError("n must be a non-negative integer")
    y = iv.mpf(y)
    low = _exp_moment_point(iv.mpf(y.a), n)
    high = _exp_moment_point(iv.mpf(y.b), n)
    return iv.mpf([low.a, high.b])


class ExpMoment(sp.Function):
    """ExpMoment(n, y) = E_n(y) = int_0^1 s^n e^{s y} ds; d/dy E_n = E_{n+1} (regular at y = 0)."""

    nargs = 2

    def fdiff(self, argindex=2):
        if argindex != 2:
            raise sp.ArgumentIndexError(self, argindex)
        n, y = self.args
        return ExpMoment(n + 1, y)


def _exp_moment_sympy(n, y):
    return exp_moment(y, int(n))


_INTERVAL_NAMESPACE = {
    "ExpMoment": _exp_moment_sympy,
    "exp": iv.exp,
    "expm1": iv.expm1,
    "log": iv.log,
    "sqrt": iv.sqrt,
    "mpf": iv.mpf,
}
"""What the generated interval functions call: mpmath.iv only (outward rounded) and exp_moment."""


def to_exp_moments(expr: sp.Expr) -> sp.Expr:
    """exprel(x) -> ExpMoment(0, x): the same function, with regular derivatives E_{n+1}."""
    from numerics.special import exprel

    return expr.replace(exprel, lambda y: ExpMoment(0, y))


def interval_function(expr: sp.Expr, arguments: tuple[sp.Symbol, ...]) -> Callable[..., object]:
    """`expr` as a function of keyword intervals named like `arguments`, evaluated in mpmath.iv.

    exprel(x) is evaluated as the enclosure E_0(x) (regular at x = 0); any function other than
    exp, expm1, log, sqrt and E_n is rejected (a non-interval evaluation would not be a proof).

    >>> from numerics.special import exprel
    >>> x = sp.Symbol("x")
    >>> f = interval_function(sp.diff(1 - exprel(-x), x), (x,))
    >>> value = f(x=iv.mpf([0, 0]))
    >>> value.a <= 0.5 <= value.b
    True
    """
    expr = to_exp_moments(expr)
    names = {type(f).__name__ for f in expr.atoms(sp.Function)}
    unknown = names - set(_INTERVAL_NAMESPACE)
    if unknown:
        raise ValueError(f"expr has functions without an interval evaluation: {sorted(unknown)}")
    compiled = sp.lambdify(arguments, expr, modules=[_INTERVAL_NAMESPACE, "mpmath"], cse=True)
    keys = tuple(str(s) for s in arguments)

    def f(**intervals):
        return compiled(*(intervals[k] for k in keys))

    return f


def centered_form(expr: sp.Expr, arguments: tuple[sp.Symbol, ...]) -> Callable[..., object]:
    """Mean-value enclosure f(c) + sum_i df/dx_i(X) (X_i - c_i), c the centre of the box X.

    Sound by the mean value theorem (f is C^1 on the box: it must be regular there, e.g. with
    exprel for a removable singularity); its width shrinks like the square of the box's, so a
    gap that vanishes on an edge is decided with far fewer pieces than by natural evaluation.
    """
    expr = to_exp_moments(expr)
    value = interval_function(expr, arguments)
    gradient = [interval_function(sp.diff(expr, x), arguments) for x in arguments]
    keys = tuple(str(s) for s in arguments)

    def f(**box):
        centre = {k: iv.mpf(box[k].mid) for k in keys}
        total = iv.mpf(value(**centre))
        for k, partial in zip(keys, gradient):
            total += partial(**box) * (box[k] - centre[k])
        return total

    return f


def _side(low, high) -> tuple:
    """A box side as exact binary ends: numbers as they are, decimal strings rounded outward ("0.01" -> the largest
    double-precision number below 0.01), so the certified box contains the stated one."""
    low = iv.mpf(low).a if isinstance(low, str) else mpmath.mpf(low)
    high = iv.mpf(high).b if isinstance(high, str) else mpmath.mpf(high)
    return mpmath.mpf(low), mpmath.mpf(high)


def _check_box(box: Mapping[str, tuple[float | str, float | str]]) -> dict[str, tuple]:
    if not box:
        raise ValueError("box must name at least one variable")
    checked = {}
    for name, side in box.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"box variable {name!r} must be an identifier")
        low, high = _side(*side)
        if not (mpmath.isfinite(low) and mpmath.isfinite(high)) or low > high:
            raise ValueError(f"box side {name} must be finite with lo <= hi")
        checked[name] = (low, high)
    return checked


def _decides(value, lower, upper) -> bool:
    return (lower is None or value.a > lower) and (upper is None or value.b < upper)


def _violates(value, lower, upper) -> bool:
    return (lower is not None and value.b <= lower) or (upper is not None and value.a >= upper)


def _evaluate(f, arguments):
    """f's enclosure on the intervals; a non-interval result (e.g. a constant) is promoted."""
    return iv.mpf(f(**arguments))


def _as_floats(piece) -> dict[str, tuple[float, float]]:
    return {name: (float(lo), float(hi)) for name, (lo, hi) in piece.items()}


def enclose(
    f: Callable[..., object],
    box: Mapping[str, tuple[float, float]],
    *,
    lower: float | None = None,
    upper: float | None = None,
    max_pieces: int = MAX_PIECES,
) -> Enclosure:
    """Certify lower < f < upper on `box` (name -> (lo, hi)), f called with keyword iv intervals.

    A side given as decimal strings ("0.01", "0.99") is rounded outward to binary, so every point of the decimal
    box is covered; numbers are taken exactly.

    Either bound may be None (one-sided). Pieces are taken breadth first; an undecided piece is
    probed at its midpoint, and a piece or midpoint whose enclosure lies wholly outside the
    bounds refutes the statement (the midpoint is reported as the counterexample).
    """
    if lower is None and upper is None:
        raise ValueError("lower or upper must be given")
    if not isinstance(max_pieces, int) or max_pieces < 1:
        raise ValueError("max_pieces must be a positive integer")
    queue = deque([_check_box(box)])  # breadth first: coarse violations are found before fine ones
    decided = 0
    examined = 0
    while queue:
        piece = queue.popleft()
        examined += 1
        value = _evaluate(f, {name: iv.mpf([lo, hi]) for name, (lo, hi) in piece.items()})
        if _decides(value, lower, upper):
            decided += 1
            continue
        midpoint = {name: (lo + hi) / 2 for name, (lo, hi) in piece.items()}
        at_mid = value
        if not _violates(value, lower, upper):
            at_mid = _evaluate(f, {name: iv.mpf(m) for name, m in midpoint.items()})
        if _violates(value, lower, upper) or _violates(at_mid, lower, upper):
            return Enclosure(
                "refuted",
                examined,
                _as_floats(piece),
                {name: float(m) for name, m in midpoint.items()},
                (float(at_mid.a), float(at_mid.b)),
            )
        if examined >= max_pieces:
            return Enclosure("undecided", examined, _as_floats(piece), None, (float(value.a), float(value.b)))
        name = max(piece, key=lambda k: piece[k][1] - piece[k][0])
        lo, hi = piece[name]
        middle = (lo + hi) / 2
        queue.append({**piece, name: (lo, middle)})
        queue.append({**piece, name: (middle, hi)})
    return Enclosure("certified", decided)
