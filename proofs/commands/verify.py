"""`simplest-node verify [--claim ID ...] [--samples N] [--seed S] [--dps D] [--json]`."""

from __future__ import annotations

import sys


def add_arguments(parser) -> None:
    parser.add_argument(
        "--claim", action="extend", nargs="+", metavar="ID", help="check only these claims (repeatable)"
    )
    parser.add_argument("--samples", type=int, default=200, help="random points per numeric check (default 200)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random points (default 0)")
    parser.add_argument("--dps", type=int, default=50, help="mpmath digits of the numeric checks (default 50)")
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of the table")


def run(args) -> int:
    from proofs import registry
    from proofs.claim import Settings
    from proofs.cli import UsageError
    from proofs.verify import as_json, as_table, verify

    try:
        settings = Settings(samples=args.samples, seed=args.seed, dps=args.dps)
    except ValueError as error:  # Settings names the field first ("samples must ..."): name the option
        name, _, rest = str(error).partition(" ")
        option = "--" + name if name in ("samples", "seed", "dps") else name
        raise UsageError(f"{option} {rest}".rstrip()) from None
    for claim_id in args.claim or ():
        if claim_id not in registry.ids():
            raise UsageError(f"unknown claim id {claim_id!r}; known: {', '.join(registry.ids())}")
    results = verify(args.claim, settings)
    sys.stdout.write(as_json(results) if args.json else as_table(results))
    return 0 if all(r.ok for r in results) else 1
