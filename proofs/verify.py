"""Run claims and render the results: the table and JSON of `simplest-node verify`."""

from __future__ import annotations

import json
from collections.abc import Iterable

from proofs.claim import ClaimResult, Settings, run_claim

__all__ = ["verify", "as_table", "as_json", "COLUMNS", "CERTIFICATE_WIDTH"]

COLUMNS = ("id", "verdict", "expected", "symbolic certificate", "worst numeric error", "interval pieces", "seconds")
"""The table's columns, in order."""

CERTIFICATE_WIDTH = 48
"""Characters of the symbolic certificate shown in the table (the JSON has it whole)."""


def verify(ids: Iterable[str] | None = None, settings: Settings = Settings()) -> tuple[ClaimResult, ...]:
    """Run the claims `ids` (None: all, in registry order); ValueError naming an unknown id."""
    from proofs import registry

    if not isinstance(settings, Settings):
        raise ValueError("settings must be a proofs.claim.Settings")
    if ids is None:
        chosen = registry.CLAIMS
    else:
        if isinstance(ids, str):
            raise ValueError("ids must be a collection of claim ids, not one string")
        wanted = list(dict.fromkeys(ids))
        unknown = [i for i in wanted if i not in registry.ids()]
        if unknown:
            raise ValueError(f"unknown claim id {unknown[0]!r}; known: {', '.join(registry.ids())}")
        chosen = tuple(registry.get(i) for i in wanted)
    return tuple(run_claim(claim, settings) for claim in chosen)


def _error(value: float | None) -> str:
    return "-" if value is None else f"{value:.2g}"


def as_table(results: Iterable[ClaimResult]) -> str:
    """A fixed-width text table, one row per claim, with a summary line."""
    from proofs.checks import short

    results = tuple(results)
    rows = [COLUMNS]
    for r in results:
        rows.append(
            (
                r.id,
                r.verdict,
                r.expected,
                short(r.symbolic or "-", CERTIFICATE_WIDTH),
                _error(r.worst_error),
                "-" if r.interval_pieces is None else str(r.interval_pieces),
                f"{r.seconds:.2f}",
            )
        )
    widths = [max(len(row[k]) for row in rows) for k in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    mismatched = [r.id for r in results if not r.ok]
    lines.append("")
    lines.append(
        f"{len(results) - len(mismatched)}/{len(results)} claims as expected"
        + (f"; not as expected: {', '.join(mismatched)}" if mismatched else "")
    )
    return "\n".join(lines) + "\n"


def as_json(results: Iterable[ClaimResult]) -> str:
    """A JSON list of `ClaimResult.as_record()` objects, keys sorted."""
    return json.dumps([r.as_record() for r in results], indent=2, sort_keys=True, default=str) + "\n"
