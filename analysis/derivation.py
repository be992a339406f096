"""Frozen containers for derived results."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from analysis.symbols import SYMBOLS

__all__ = ["Result", "Derivation"]

_ALLOWED = frozenset(SYMBOLS)


@dataclass(frozen=True)
class Result:
    """One derived expression with its name and a one-line description."""

    name: str
    expr: sp.Basic
    description: str

    def __post_init__(self):
        if not self.name.isidentifier():
            raise ValueError(f"result name {self.name!r} is not an identifier")
        if not isinstance(self.expr, sp.Basic):
            raise TypeError(f"result {self.name} is not a SymPy object")
        stray = self.expr.free_symbols - _ALLOWED
        if stray:
            raise ValueError(f"result {self.name} has unknown symbols {sorted(map(str, stray))}")
        if "\n" in self.description or not self.description:
            raise ValueError(f"result {self.name} needs a one-line description")


@dataclass(frozen=True)
class Derivation:
    """The derived results of one model, in a fixed order, reachable as `d.loss` or `d["loss"]`."""

    model: object
    results: tuple[Result, ...]

    def __post_init__(self):
        names = [r.name for r in self.results]
        if len(set(names)) != len(names):
            raise ValueError("result names must be unique")

    def __repr__(self) -> str:
        return f"Derivation(model={self.model!r}, names={self.names()!r})"

    def names(self) -> tuple[str, ...]:
        """The result names in derivation order."""
        return tuple(r.name for r in self.results)

    def result(self, name: str) -> Result:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(name)

    def __getitem__(self, name: str) -> sp.Basic:
        return self.result(name).expr

    def __getattr__(self, name: str) -> sp.Basic:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self.result(name).expr
        except KeyError:
            raise AttributeError(f"no derived result named {name!r}") from None

    def __iter__(self):
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)
