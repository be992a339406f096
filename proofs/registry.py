"""The registry of claims, in the issue's order; ids are part of the interface.

>>> ids()[:3]
('loss-closed-form', 'loss-nonconvex', 'loss-asymmetry')
>>> get("lemma1").id
'lemma1'
"""

from __future__ import annotations

import importlib

from proofs.claim import Claim

__all__ = ["ORDER", "CLAIMS", "MODULES", "UnknownClaim", "get", "ids"]

ORDER = (
    "loss-closed-form",
    "loss-nonconvex",
    "loss-asymmetry",
    "lemma1",
    "gd-stability",
    "theorem1-flow",
    "theorem1-first-order",
    "theorem1-as-stated",
    "vc-exact-ratio",
    "vc-above",
    "vc-below",
    "vc-global",
    "vc-gauss-newton",
    "vc-minibatch",
    "vc-exact-log",
)
"""Every claim id of the issue, in its order."""

MODULES = (
    "proofs.claims.landscape",
    "proofs.claims.gradient_descent",
    "proofs.claims.theorem1",
    "proofs.claims.vc_discrete",
    "proofs.claims.gauss_newton",
)
"""The modules whose `CLAIMS` tuples are collected (each must exist; together they register every id in ORDER)."""


def _collect() -> tuple[Claim, ...]:
    found: dict[str, Claim] = {}
    for name in MODULES:
        module = importlib.import_module(name)
        for claim in module.CLAIMS:
            if claim.id in found:
                raise ValueError(f"claim id {claim.id} is registered twice")
            if claim.id not in ORDER:
                raise ValueError(f"claim id {claim.id} is not in the registry's ORDER")
            found[claim.id] = claim
    missing = [i for i in ORDER if i not in found]
    if missing:
        raise ValueError(f"claims in ORDER but in no module: {missing}")
    return tuple(found[i] for i in ORDER)


CLAIMS: tuple[Claim, ...] = _collect()
"""The registered claims, in ORDER."""


def ids() -> tuple[str, ...]:
    """The registered claim ids, in order."""
    return tuple(claim.id for claim in CLAIMS)


def get(claim_id: str) -> Claim:
    """The claim with id `claim_id`; ValueError (also a KeyError) naming an unknown id."""
    for claim in CLAIMS:
        if claim.id == claim_id:
            return claim
    raise UnknownClaim(claim_id)


class UnknownClaim(KeyError, ValueError):
    """An id that is not registered."""

    def __str__(self):
        return f"unknown claim id {self.args[0]!r} (known: {', '.join(ids())})"
