"""Named numerical-accuracy rewrites, applied to a derived expression before it is printed.

Each rule maps an expression to one that is equal as mathematics but evaluates
accurately in floating point at the hard points: cancellation near the optimum
a = a*, removable singularities, and intermediate overflow of e^{2at}.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p
from sympy.codegen.rewriting import expm1_opt, optimize

from analysis.symbols import a, a_star, t, z
from numerics.special import exprel, exprel_2

__all__ = ["Rule", "through_z", "exp_difference", "expm1_rule", "log1p_rule", "exprel_split",
    "removable_singularity", "RULES", "FLOAT_RULES", "apply_rules"]


@dataclass(frozen=True)
class Rule:
    """A named rewrite: `apply(expr)` returns an equal expression that evaluates accurately."""

    name: str
    description: str
    apply: Callable[[sp.Expr], sp.Expr]


def _is_exp(term) -> bool:
    return isinstance(term, sp.exp)


def _exp_difference(expr: sp.Expr) -> sp.Expr:
    """c (e^p - e^q) -> c sign(p - q) e^{max(p, q)} (-expm1(-|p - q|))."""

    def match(node):
        if not isinstance(node, sp.Add) or len(node.args) != 2:
            return False
        (c1, e1), (c2, e2) = (arg.as_coeff_Mul() for arg in node.args)
        return _is_exp(e1) and _is_exp(e2) and c1 == -c2

    def replace(node):
        (c1, e1), (_, e2) = (arg.as_coeff_Mul() for arg in node.args)
        p, q = e1.args[0], e2.args[0]
        gap = sp.factor(p - q)  # t (a - a*): the difference is formed before any rounding
        return c1 * sp.sign(gap) * sp.exp(sp.Max(p, q)) * -expm1(-sp.Abs(gap))

    rewritten = expr.replace(match, replace)
    # sign(g)^2 multiplies an expm1(-|g|)^2 that already vanishes where sign(g) = 0: drop it.
    rewritten = rewritten.replace(lambda n: n.is_Pow and isinstance(n.base, sp.sign) and n.exp.is_even, lambda n: 1)
    # e^x e^y -> e^{x+y}: one exponential evaluated instead of two (both are <= e^{2 max}).
    return sp.powsimp(rewritten, combine="exp")


def _expm1(expr: sp.Expr) -> sp.Expr:
    """e^x - 1 -> expm1(x), after bringing sums over a common denominator."""
    rewritten = optimize(sp.together(expr), [expm1_opt])
    # expm1(a* t - a t) -> expm1(t (a* - a)): the difference is formed before any rounding
    return rewritten.replace(lambda n: isinstance(n, expm1), lambda n: expm1(sp.factor(n.args[0])))


def _expand_exponents(expr: sp.Expr) -> sp.Expr:
    """e^{p + q} -> e^p e^q, after expanding every exponent."""
    expr = expr.replace(lambda n: isinstance(n, sp.exp), lambda n: sp.exp(sp.expand(n.args[0])))
    return sp.expand_power_exp(expr)


def _regularise_at(expr: sp.Expr, var: sp.Symbol, point: sp.Expr) -> sp.Expr:
    """Write var = point + w, expand each e^{u(w)} with u(0) = 0 as 1 + u exprel(u) (nested
    exponentials included), cancel the common power of w, and return to var."""
    w = sp.Dummy("w")
    shifted = expr.subs(var, point + w)

    def vanishes_at_zero(node):
        return _is_exp(node) and sp.simplify(node.args[0].subs(w, 0)) == 0

    for _ in range(_MAX_NESTING):
        expanded = _expand_exponents(shifted)
        regular = expanded.replace(vanishes_at_zero, lambda node: 1 + node.args[0] * exprel(node.args[0]))
        if regular == expanded:
            break
        shifted = regular
    return sp.factor(shifted).subs(w, var - point)


_MAX_NESTING = 4
"""Depth of nested exponentials the removable-singularity rule expands (the ratios nest two)."""


def _outside_domain(var: sp.Symbol, point: sp.Expr) -> bool:
    return point.is_real is False or (var.is_positive is True and point.is_nonpositive is True)


def _removable_singularity(expr: sp.Expr) -> sp.Expr:
    """0/0 at a point of the domain: regularise the expression there with exprel."""
    numer, denom = sp.fraction(sp.together(expr))
    for var in sorted(denom.free_symbols, key=str):
        for point in sp.solve(denom, var):
            if _outside_domain(var, point) or sp.simplify(numer.subs(var, point)) != 0:
                continue
            return _regularise_at(expr, var, point)
    return expr


def _through_z(expr: sp.Expr) -> sp.Expr:
    """An expression of a and a* only through z = e^{(a*-a)t}: regularise it in z, then put
    z - 1 = expm1((a*-a)t), so no information is lost forming z near 1."""
    if not {a, a_star} <= expr.free_symbols:
        return expr
    in_z = sp.factor(sp.expand(sp.expand_power_exp(expr.subs(a_star, a + sp.log(z) / t))))
    if in_z.free_symbols & {a, a_star, t}:
        return expr
    return _removable_singularity(in_z).subs(z, sp.exp(t * (a_star - a)))


exp_difference = Rule(
    "exp_difference",
    "e^p - e^q as sign(p-q) e^max(p,q) (-expm1(-|p-q|)): no cancellation at p = q, no spurious overflow.",
    _exp_difference,
)
expm1_rule = Rule("expm1", "e^x - 1 as expm1(x) (SymPy's expm1_opt): exact near x = 0.", _expm1)
removable_singularity = Rule(
    "removable_singularity",
    "0/0 at a point: expand e^u = 1 + u exprel(u) about it and cancel the common factor.",
    _removable_singularity,
)

def _log1p(expr: sp.Expr) -> sp.Expr:
    """log(1 + u) -> log1p(u), with u brought to expm1 form: exact where u is small."""

    def match(node):
        return isinstance(node, sp.log) and node.args[0].is_Add and sp.S.One in node.args[0].args

    def replace(node):
        rest = _expm1(sp.factor_terms(node.args[0] - 1))
        return _pivot(rest)

    return expr.replace(match, replace)


def _pivot(u: sp.Expr) -> sp.Expr:
    """log1p(u), u = c expm1(x): where u < -1/2 the sum 1 + u is a small difference (c ~ 1, x << 0):
    use 1 + c (e^x - 1) = e^x (1 + (1 - c) expm1(-x)), so log = x + log1p((1 - c) expm1(-x))."""
    factors = sp.Mul.make_args(u)
    m1 = [f for f in factors if isinstance(f, expm1)]
    if len(m1) != 1:
        return log1p(u)
    x = m1[0].args[0]
    c = sp.Mul(*(f for f in factors if f is not m1[0]))
    return sp.Piecewise((log1p(u), u >= -sp.S.Half), (x + log1p((1 - c) * expm1(-x)), True))


log1p_rule = Rule("log1p", "log(1 + u) as log1p(u), u in expm1 form: no loss where u is small.", _log1p)

def _factor_keeping_expm1(expr: sp.Expr) -> sp.Expr:
    """factor(expr) with each expm1(x) held as a symbol (its argument untouched), then expm1(x) + 1 -> e^x."""
    held = {f: sp.Dummy("m") for f in expr.atoms(expm1)}
    factored = sp.factor(expr.xreplace(held)).xreplace({d: f for f, d in held.items()})

    def is_exp(node):
        return node.is_Add and len(node.args) == 2 and sp.S.One in node.args and any(
            isinstance(arg, expm1) for arg in node.args
        )

    return factored.replace(is_exp, lambda node: sp.exp(next(arg for arg in node.args if arg != 1).args[0]))


def _exprel_split(expr: sp.Expr) -> sp.Expr:
    """c exprel(u) + r -> [c + r] + c u exprel_2(u)/2 (u > SPLIT_BELOW, else c e^u/u + [r - c/u]), where c and r
    are free of exprel and [...] is grouped (sympy.UnevaluatedExpr): the generated code forms it first, so a sum
    that cancels (eta - 1 at eta ~ 1) does so exactly, before the small remaining term is added."""

    def parts(node):
        if not isinstance(node, sp.Add):
            return None
        varying = [term for term in node.args if term.has(exprel)]
        if len(varying) != 1 or len(node.args) < 2:
            return None
        factors = [f for f in sp.Mul.make_args(varying[0]) if isinstance(f, exprel)]
        if len(factors) != 1:
            return None
        c = varying[0] / factors[0]
        return None if c.has(exprel) else (c, node - varying[0], factors[0].args[0])

    def replace(node):
        c, r, u = parts(node)
        split = sp.UnevaluatedExpr(sp.factor(c + r)) + c * u * exprel_2(u) / 2
        far = c * sp.exp(u) / u + sp.UnevaluatedExpr(_factor_keeping_expm1(r - c / u))  # exprel(u) = (e^u - 1)/u
        return sp.Piecewise((split, u > SPLIT_BELOW), (far, True))

    return expr.replace(lambda node: parts(node) is not None, replace)


SPLIT_BELOW = sp.Rational(-3, 2)
"""u above which exprel_split's form [c + r] + c u exprel_2(u)/2 is used: there exprel(u) > 1/2, so the split-off
variation c (exprel(u) - 1) is smaller than c and [c + r] carries the cancellation. Further below, the variation is
nearly -c and that form would cancel itself: there exprel(u) = e^u/u - 1/u gives c e^u/u + [r - c/u], the small
exponential term added to the grouped rest (for the vc ratio: (e^u - z)/(z - 1), exact where e^u << z)."""


exprel_split = Rule(
    "exprel_split",
    "c exprel(u) + r as [c + r] + c u exprel_2(u)/2 (u > -3/2; else c e^u/u + [r - c/u]), [...] formed first.",
    _exprel_split,
)

through_z = Rule(
    "through_z",
    "A function of z = e^{(a*-a)t} alone is evaluated through z, regularised at z = 1.",
    _through_z,
)

RULES: tuple[Rule, ...] = (through_z, removable_singularity, exp_difference, expm1_rule, log1p_rule)
"""The rules giving the regular form (removable singularities through exprel), in the order they are applied: the
form the interval enclosures of `proofs` take apart."""

FLOAT_RULES: tuple[Rule, ...] = (*RULES, exprel_split)
"""The rules of generated floating-point code: the regular form, then exprel's constant part split off."""


def apply_rules(expr: sp.Expr, rules: tuple[Rule, ...] = RULES) -> sp.Expr:
    """Apply each rule in turn."""
    for rule in rules:
        expr = rule.apply(expr)
    return expr
