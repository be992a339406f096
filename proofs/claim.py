"""A claim as data: statement, assumptions, expected verdict, and the checks that decide it.

A claim's verdict is computed from the outcomes of its checks, never written down:
any check that finds a counterexample refutes it; it holds when every check confirms it;
otherwise it is inconclusive.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Status",
    "Verdict",
    "Settings",
    "Outcome",
    "Claim",
    "ClaimResult",
    "decide",
    "run_claim",
]

Status = Literal["confirmed", "refuted", "inconclusive"]
Verdict = Literal["holds", "refuted", "inconclusive"]
CHECK_KINDS = ("symbolic", "numeric", "interval")


def _is_int(value) -> bool:
    """An int that is not a bool (True is not a sample count)."""
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Settings:
    """How hard the checks look: random points per numeric check, their seed, mpmath digits."""

    samples: int = 200
    seed: int = 0
    dps: int = 50

    def __post_init__(self):
        if not _is_int(self.samples) or self.samples < 1:
            raise ValueError("samples must be a positive integer")
        if not _is_int(self.seed) or self.seed < 0:
            raise ValueError("seed must be a non-negative integer")
        if not _is_int(self.dps) or not 20 <= self.dps <= 1000:
            raise ValueError("dps must be an integer from 20 to 1000")


@dataclass(frozen=True)
class Outcome:
    """What one check found.

    `detail` is a one-line certificate or finding (e.g. "simplify(lhs - rhs) = 0",
    "worst relative error 3e-49 over 200 points"); `worst_error` is set by numeric checks,
    `pieces` by interval checks, `counterexample` (parameter name -> value, plus any
    reported quantities) by a check that refutes.
    """

    kind: str
    status: Status
    detail: str
    worst_error: float | None = None
    pieces: int | None = None
    counterexample: Mapping[str, object] | None = None

    def __post_init__(self):
        if self.kind not in CHECK_KINDS:
            raise ValueError(f"kind must be one of {CHECK_KINDS}")
        if self.status not in ("confirmed", "refuted", "inconclusive"):
            raise ValueError("status must be confirmed, refuted or inconclusive")
        if self.status == "refuted" and not self.counterexample:
            raise ValueError("a refuting outcome must carry its counterexample")
        if self.kind == "interval" and self.status == "confirmed" and not self.pieces:
            raise ValueError("a confirmed interval enclosure reports its number of pieces")
        if self.kind == "numeric" and self.worst_error is None and self.status == "confirmed":
            raise ValueError("a numeric check reports its worst error")


Check = Callable[[Settings], Outcome]


@dataclass(frozen=True)
class Claim:
    """One claim of (or about) the paper, with its checks.

    `assumptions` is the parameter region in words; `expected` what the toolkit expects
    (`refuted` for a statement that is false as stated). Checks are pure functions of the
    settings. An inequality over a region must have an `interval` check.
    """

    id: str
    statement: str
    latex: str
    assumptions: str
    expected: Verdict
    symbolic: Check
    numeric: Check | None = None
    interval: Check | None = None
    inequality: bool = False
    source: str = ""  # "paper" for the paper's own statements, "" for what holds in their place

    def __post_init__(self):
        if not self.id or self.id != self.id.lower() or " " in self.id:
            raise ValueError("claim id must be lower-case words joined by hyphens")
        for name in ("statement", "latex", "assumptions"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"claim {self.id}: {name} must be a non-empty string")
        if self.expected not in ("holds", "refuted"):
            raise ValueError("expected must be holds or refuted")
        if self.inequality and self.interval is None:
            raise ValueError(f"claim {self.id} is an inequality over a region: it needs an interval check")

    def checks(self) -> tuple[tuple[str, Check], ...]:
        return tuple((kind, fn) for kind, fn in zip(CHECK_KINDS, (self.symbolic, self.numeric, self.interval)) if fn)


def decide(outcomes: tuple[Outcome, ...]) -> Verdict:
    """refuted if any check refutes; holds if every check confirms; inconclusive otherwise."""
    if any(o.status == "refuted" for o in outcomes):
        return "refuted"
    if outcomes and all(o.status == "confirmed" for o in outcomes):
        return "holds"
    return "inconclusive"


@dataclass(frozen=True)
class ClaimResult:
    """The checked claim: the row of `simplest-node verify`."""

    id: str
    verdict: Verdict
    expected: Verdict
    outcomes: tuple[Outcome, ...]
    seconds: float
    statement: str = field(default="", repr=False)

    def __post_init__(self):
        if self.verdict != decide(self.outcomes):
            raise ValueError("verdict must be the one the outcomes decide")

    @property
    def ok(self) -> bool:
        return self.verdict == self.expected

    def outcome(self, kind: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.kind == kind), None)

    @property
    def symbolic(self) -> str:
        o = self.outcome("symbolic")
        return o.detail if o else ""

    @property
    def worst_error(self) -> float | None:
        o = self.outcome("numeric")
        return o.worst_error if o else None

    @property
    def interval_pieces(self) -> int | None:
        o = self.outcome("interval")
        return o.pieces if o else None

    @property
    def counterexample(self) -> Mapping[str, object] | None:
        """A numeric check's counterexample (evaluated at a sampled point) before a symbolic probe's."""
        found = sorted((o for o in self.outcomes if o.counterexample), key=lambda o: o.kind != "numeric")
        return found[0].counterexample if found else None

    def as_record(self) -> dict[str, object]:
        """The JSON object of `verify --json`."""
        return {
            "id": self.id,
            "verdict": self.verdict,
            "expected": self.expected,
            "symbolic": self.symbolic,
            "worst_error": self.worst_error,
            "interval_pieces": self.interval_pieces,
            "seconds": round(self.seconds, 3),
            "counterexample": dict(self.counterexample) if self.counterexample else None,
            "checks": [{"kind": o.kind, "status": o.status, "detail": o.detail} for o in self.outcomes],
        }


def run_claim(claim: Claim, settings: Settings) -> ClaimResult:
    """Run every check of `claim`; an exception inside a check is an inconclusive outcome."""
    start = time.perf_counter()
    outcomes = []
    for kind, check in claim.checks():
        try:
            outcome = check(settings)
        except Exception as error:  # a crashing check decides nothing; it is reported
            outcome = Outcome(kind, "inconclusive", f"check raised {type(error).__name__}: {error}")
        if outcome.kind != kind:
            raise ValueError(f"claim {claim.id}: the {kind} check returned a {outcome.kind} outcome")
        outcomes.append(outcome)
    outcomes = tuple(outcomes)
    seconds = time.perf_counter() - start
    return ClaimResult(claim.id, decide(outcomes), claim.expected, outcomes, seconds, claim.statement)
