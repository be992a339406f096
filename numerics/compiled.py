"""compile(derivation, backend): one generated numeric function per derived result."""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from functools import lru_cache

import mpmath
import numpy as np
import sympy as sp

from analysis.derivation import Derivation
from analysis.symbols import SYMBOLS
from numerics.domain import check_range, value_range
from numerics.rewrites import FLOAT_RULES, apply_rules
from numerics.special import (
    exp_mpmath,
    expm1_mpmath,
    exprel_2_mpmath,
    exprel_2_numpy,
    exprel_mpmath,
    exprel_numpy,
    lambertw_mpmath,
    lambertw_numpy,
)

__all__ = ["compile", "generate", "high_precision", "Compiled", "CompiledFunction", "FALLBACK_DPS", "BACKENDS"]

BACKENDS = ("numpy", "mpmath")

_FLOAT_TINY = float(np.finfo(float).tiny)

EXTREME_PREFACTOR = 1e100
"""Arguments of magnitude below 1e-100 (any), or above 1e100 (sigma, mu, x0, t, eta), are evaluated at high
precision: their powers and products in the results (up to sigma^4 t^4) may leave float64's normal range on
their own before an exponential rescales them, and a subnormal keeps only a few digits."""
_PREFACTORS = frozenset({"sigma", "mu", "x0", "t", "eta"})


def high_precision(fallback, point, name: str, arguments: tuple[str, ...]):
    """`fallback` (an mpmath-generated function, of one output or a list of them) at the float64 `point`,
    at FALLBACK_DPS and then RETRY_DPS digits until every output is finite, rounded to float.
    ValueError where an output is not real (e.g. a log of a negative number: outside the domain) or divides by
    zero (a parameter on its domain's boundary, e.g. sigma = 0 in 2/(sigma^2 t^2 e^{2 a* t}))."""
    where = ", ".join(f"{n}={x!r}" for n, x in zip(arguments, point))
    for dps in (FALLBACK_DPS, *RETRY_DPS):
        with mpmath.workdps(dps):
            try:
                value = fallback(*map(mpmath.mpf, point))
            except ZeroDivisionError:
                raise ValueError(f"{name} is undefined at {where}: a division by zero (a parameter on the boundary"
                                 " of its domain)") from None
            outputs = value if isinstance(value, list | tuple) else [value]
            if all(mpmath.isfinite(v) for v in outputs):
                break
    floats = []
    for v in outputs:
        if isinstance(v, mpmath.mpc):
            if v.imag != 0:
                raise ValueError(f"{name} is not real at {where}: parameters outside its domain")
            v = v.real
        floats.append(float(v))
    return tuple(floats) if isinstance(value, list | tuple) else floats[0]


_SMALL = 1 / EXTREME_PREFACTOR


def _may_be_extreme(least: float, greatest: float, large: float) -> bool:
    """Whether an argument with entries in [least, greatest] may have one of magnitude > `large` or
    in (0, 1/EXTREME_PREFACTOR): decided from the ends when they have one sign (or are both 0)."""
    if least > 0 or greatest < 0:
        small, big = (least, greatest) if least > 0 else (-greatest, -least)
        return not (big <= large and small >= _SMALL)
    return not (least == greatest == 0)  # zero crossed: the least nonzero magnitude is unknown (or nan)


def _extreme(v: np.ndarray, large: float) -> np.ndarray | None:
    """Mask of |v| > `large` or 0 < |v| < 1/EXTREME_PREFACTOR; None when there is none."""
    magnitude = np.abs(v)
    if magnitude.size == 0 or (magnitude.max() <= large and magnitude.min() >= _SMALL):
        return None
    return (magnitude > large) | ((magnitude > 0) & (magnitude < _SMALL))


def _not_normal(r: np.ndarray, scratch: np.ndarray) -> np.ndarray | None:
    """Mask of the nan, infinite, zero and subnormal entries of `r` (None when there is none), with
    |r| formed in `scratch`: two reductions decide the common all-normal case (a nan fails both)."""
    magnitude = np.abs(r, out=scratch)
    if magnitude.min() >= _FLOAT_TINY and magnitude.max() < np.inf:
        return None
    return ~(np.isfinite(r) & (magnitude >= _FLOAT_TINY))


BLOCK = 1 << 15
"""Entries evaluated at once: the generated code's dozen temporaries, 256 KiB each at this size, stay in cache
and are reused, where at the full size each would be a fresh, page-faulted allocation (measured: 1 << 15 and
1 << 16 beat 1 << 13 by ~10% on 10^6 points, where the per-block Python overhead starts to show)."""


FALLBACK_DPS = 40
"""Digits for re-evaluating entries whose float64 evaluation over- or underflowed: float64's
16 digits plus margin for the cancellation of unrewritten forms at extreme arguments."""

RETRY_DPS = (160, 640)
"""Digits tried next while the high-precision value is still not finite (e.g. log1p(eta expm1(x))
at eta = 1 needs e^x resolved next to 1: about |x|/2.3 digits)."""

_MODULES = {
    "numpy": [{"exprel": exprel_numpy, "exprel_2": exprel_2_numpy, "LambertW": lambertw_numpy}, "numpy"],
    "mpmath": [
        {"exprel": exprel_mpmath, "exprel_2": exprel_2_mpmath, "LambertW": lambertw_mpmath, "exp": exp_mpmath,
         "expm1": expm1_mpmath},
        "mpmath",
    ],
}


def _ordered_arguments(expr: sp.Basic) -> tuple[sp.Symbol, ...]:
    free = expr.free_symbols
    return tuple(sym for sym in SYMBOLS if sym in free)


@dataclass(frozen=True)
class CompiledFunction:
    """A generated function of keyword arguments named after the symbols.

    `arguments` is the fixed argument order, `expr` the rewritten expression it evaluates,
    and `source` the generated code, kept for inspection.
    """

    name: str
    backend: str
    arguments: tuple[str, ...]
    expr: sp.Basic
    source: str = field(repr=False)
    _kernel: object = field(repr=False, compare=False)
    _fallback: object = field(repr=False, compare=False)

    def __call__(self, **kwargs):
        missing = [n for n in self.arguments if n not in kwargs]
        unexpected = [n for n in kwargs if n not in self.arguments]
        if missing or unexpected:
            raise TypeError(
                f"{self.name}() takes keyword arguments {', '.join(self.arguments)}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unexpected {', '.join(unexpected)}" if unexpected else "")
            )
        checked = [check_range(n, kwargs[n]) for n in self.arguments]
        if self.backend == "mpmath":
            return self._call_mpmath(kwargs)
        return self._call_numpy([c[0] for c in checked], [c[1:] for c in checked])

    def unchecked(self, *arrays):
        """Evaluate on float64 arrays given positionally in `arguments` order, skipping the domain check:
        for callers that validated their inputs once (e.g. an optimiser loop). Non-finite float64
        entries still go to the mpmath fallback, as in a checked call.

        >>> from analysis import derive
        >>> f = compile(derive()).loss
        >>> float(f.unchecked(np.array(0.0), np.array(0.0), np.array(1.0), np.array(1.0)))
        0.0
        """
        if self.backend != "numpy":
            raise ValueError("unchecked evaluation needs the numpy backend")
        if len(arrays) != len(self.arguments):
            raise TypeError(f"{self.name}.unchecked() takes {len(self.arguments)} arrays: {', '.join(self.arguments)}")
        values = [np.asarray(v, dtype=float) for v in arrays]
        return self._call_numpy(values, [value_range(v) for v in values])

    def _call_numpy(self, values, ranges):
        """The kernel over the broadcast of `values` (entries within `ranges`), block by block; entries
        whose float64 value is not a normal number, or whose arguments are extreme, are recomputed at
        high precision and rounded once, so 0 and inf appear only where exact."""
        # Arguments go in unbroadcast, so scalar sub-expressions stay scalar inside the kernel.
        shape = np.broadcast_shapes(*(v.shape for v in values))
        large = [EXTREME_PREFACTOR if n in _PREFACTORS else np.inf for n in self.arguments]
        screened = [i for i, (r, big) in enumerate(zip(ranges, large)) if _may_be_extreme(*r, big)]
        if not shape:
            return self._call_scalar([v[()] for v in values], bool(screened))
        out = np.empty(shape)
        if out.size == 0:
            return out
        values = [v.reshape((1,) * (len(shape) - v.ndim) + v.shape) for v in values]
        row = out[0].size
        rows = max(1, BLOCK // row)
        scratch = np.empty((min(rows, shape[0]), *shape[1:]))
        bad = []
        with np.errstate(all="ignore"):
            for start in range(0, shape[0], rows):
                block = slice(start, start + rows)
                args = [v if v.shape[0] == 1 else v[block] for v in values]
                result = out[block]
                result[...] = self._kernel(*args)
                mask = _not_normal(result, scratch[: len(result)])
                for i in screened:  # an extreme argument's powers and products may under/overflow on their own
                    extreme = _extreme(args[i], large[i])
                    if extreme is not None:
                        extreme = np.broadcast_to(extreme, result.shape)
                        mask = extreme if mask is None else mask | extreme
                if mask is not None:
                    bad.append(np.flatnonzero(mask) + start * row)
        if bad:
            full = [np.broadcast_to(v, shape) for v in values]
            for index in zip(*np.unravel_index(np.concatenate(bad), shape)):
                point = [float(v[index]) for v in full]
                out[index] = high_precision(self._fallback, point, self.name, self.arguments)
        return out

    def _call_scalar(self, values, screened: bool):
        """The kernel at one point (np.float64 arguments: numpy's overflow semantics, not Python's)."""
        with np.errstate(all="ignore"):
            value = float(self._kernel(*values))
        if screened or not _FLOAT_TINY <= abs(value) < math.inf:  # (a nan fails the test)
            value = high_precision(self._fallback, [float(v) for v in values], self.name, self.arguments)
        return np.float64(value)

    def _call_mpmath(self, kwargs):
        arrays = [np.asarray(kwargs[n], dtype=object) for n in self.arguments]
        scalar = all(arr.ndim == 0 for arr in arrays)
        kernel = self._kernel

        def one(*args):
            return kernel(*(mpmath.mpmathify(v) for v in args))

        if scalar:
            return one(*(arr[()] for arr in arrays))
        return np.frompyfunc(one, len(arrays), 1)(*arrays)


def _cse_grouped(exprs):
    """sympy.cse, with each grouped sub-expression (sympy.UnevaluatedExpr, from the exprel_split rule) assigned
    first as a variable of its own, so the generated code forms it before the sums it belongs to."""
    groups: dict[sp.Basic, sp.Symbol] = {}

    def name(node):
        return groups.setdefault(node, sp.Symbol(f"grouped{len(groups)}"))

    def ungroup(e):
        return e.replace(lambda n: isinstance(n, sp.UnevaluatedExpr), name)

    one = not isinstance(exprs, list | tuple)  # lambdify hands over a single expression as itself
    plain = ungroup(exprs) if one else [ungroup(e) for e in exprs]
    assignments, reduced = sp.cse(plain, list=not one)
    return [(symbol, group.args[0]) for group, symbol in groups.items()] + assignments, reduced


def _ungrouped(expr):
    """`expr` (or a list of them) with each grouped sum (sympy.UnevaluatedExpr) a plain sum again."""
    if isinstance(expr, list | tuple):
        return [_ungrouped(e) for e in expr]
    return expr.replace(lambda n: isinstance(n, sp.UnevaluatedExpr), lambda n: n.args[0])


def generate(args, expr, backend: str):
    """lambdify `expr` (or a list of expressions) with CSE and the project's special functions (exprel, exprel_2,
    Lambert W) mapped for `backend`: the one place those mappings live. For numpy the grouped sums are assigned
    first (`_cse_grouped`). mpmath gets neither grouping nor CSE: its working precision absorbs the cancellation,
    and a hoisted sub-expression (1/(z - 1)) would raise ZeroDivisionError for a Piecewise branch not taken."""
    if backend == "mpmath":
        return sp.lambdify(args, _ungrouped(expr), modules=_MODULES[backend], cse=False)
    return sp.lambdify(args, expr, modules=_MODULES[backend], cse=_cse_grouped)


@lru_cache(maxsize=256)
def _compile_one(name: str, expr: sp.Basic, backend: str) -> CompiledFunction:
    args = _ordered_arguments(expr)
    rewritten = apply_rules(expr, FLOAT_RULES)
    kernel = generate(args, rewritten, backend)
    fallback = generate(args, rewritten, "mpmath") if backend == "numpy" else None
    return CompiledFunction(
        name=name,
        backend=backend,
        arguments=tuple(sym.name for sym in args),
        expr=rewritten,
        source=inspect.getsource(kernel),
        _kernel=kernel,
        _fallback=fallback,
    )


@dataclass(frozen=True)
class Compiled:
    """The generated functions of one derivation: `f.loss(a=..., a_star=..., t=..., sigma=...)`."""

    backend: str
    functions: tuple[CompiledFunction, ...]

    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.functions)

    def __repr__(self) -> str:
        return f"Compiled(backend={self.backend!r}, names={self.names()!r})"

    def __getitem__(self, name: str) -> CompiledFunction:
        for f in self.functions:
            if f.name == name:
                return f
        raise KeyError(name)

    def __getattr__(self, name: str) -> CompiledFunction:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"no compiled function named {name!r}") from None


def compile(derivation: Derivation, backend: str = "numpy") -> Compiled:  # noqa: A001 - the issue's name
    """Generate one function per result of `derivation` with lambdify, after the accuracy rewrites.

    >>> from analysis import derive
    >>> f = compile(derive())
    >>> float(f.loss(a=0.0, a_star=0.0, t=1.0, sigma=1.0))
    0.0
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if not isinstance(derivation, Derivation):
        raise ValueError("derivation must be an analysis.Derivation")
    return Compiled(backend, tuple(_compile_one(r.name, r.expr, backend) for r in derivation))


def clear_cache() -> None:
    """Drop every cached compiled function."""
    _compile_one.cache_clear()
