"""`simplest-node derive [--format text|latex|json] [--with-mean]`."""

from __future__ import annotations

import sys


def add_arguments(parser) -> None:
    parser.add_argument("--format", choices=("text", "latex", "json"), default="text", help="output format")
    parser.add_argument("--with-mean", action="store_true", help="x0 ~ N(mu, sigma^2) instead of N(0, sigma^2)")


def run(args) -> int:
    from analysis import Model, derive
    from proofs import formulas

    model = Model.with_mean() if args.with_mean else Model.paper()
    derivation = derive(model)
    render = {"text": formulas.as_text, "latex": formulas.as_latex, "json": formulas.as_json}[args.format]
    sys.stdout.write(render(derivation))
    return 0
