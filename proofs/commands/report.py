"""`simplest-node report [--out DIR] [--pdf/--no-pdf] [--with-mean] [--seed S]`."""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser) -> None:
    parser.add_argument("--out", default="report", metavar="DIR", help="directory to write the report into")
    parser.add_argument(
        "--pdf",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="compile simplest-node.pdf (default: when a TeX engine is found)",
    )
    parser.add_argument("--with-mean", action="store_true", help="x0 ~ N(mu, sigma^2) instead of N(0, sigma^2)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="seed of every random choice (default 0)")


def run(args) -> int:
    from pathlib import Path

    from proofs.cli import UsageError
    from proofs.report import ReportError, ReportOptions, build

    if args.seed < 0:
        raise UsageError("--seed must be a non-negative integer")
    options = ReportOptions(with_mean=args.with_mean, seed=args.seed, pdf=args.pdf)
    try:
        summary = build(Path(args.out), options)
    except ReportError as error:
        print(f"simplest-node: error: {error}", file=sys.stderr)
        return 1
    print(f"report: {len(summary.files)} files written to {summary.out}", file=sys.stderr)
    return 0
