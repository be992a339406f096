"""The `simplest-node` command line: derive, verify, experiment, report.

Exit codes: 0 success, 1 a check or stage failed, 2 bad arguments (one line on stderr).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import re
import sys

__all__ = ["main", "UsageError", "SUBCOMMANDS"]

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "derive": ("proofs.commands.derive", "Print every derived result (text, LaTeX or JSON)."),
    "verify": ("proofs.commands.verify", "Check every claim symbolically, numerically and by intervals."),
    "experiment": ("proofs.commands.experiment", "Run the optimisers across initialisations; write CSV and figures."),
    "report": ("proofs.commands.report", "Regenerate derivations, verification, figures and the LaTeX report."),
}
"""name -> (module implementing it, one-line help). Modules are imported only when used."""


class UsageError(Exception):
    """Bad arguments discovered after parsing: reported in one line with exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, no usage dump
        raise UsageError(message)


def _available() -> dict[str, tuple[str, str]]:
    found = {}
    for name, (module, help_text) in SUBCOMMANDS.items():
        if importlib.util.find_spec(module) is not None:
            found[name] = (module, help_text)
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="simplest-node", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (module, help_text) in _available().items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(_module=module)
        importlib.import_module(module).add_arguments(command)
    return parser


_NEGATIVE_VALUE = re.compile(r"^-(\d|\.\d)")


def _attach_negative_values(argv: list[str]) -> list[str]:
    """`--a0 -1,0,2` -> `--a0=-1,0,2`: argparse takes a value starting with '-' for an option
    unless it is a plain number; lists and ranges of numbers (and no option) start that way."""
    out: list[str] = []
    for token in argv:
        if out and out[-1].startswith("--") and "=" not in out[-1] and _NEGATIVE_VALUE.match(token):
            out[-1] = f"{out[-1]}={token}"
        else:
            out.append(token)
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    argv = _attach_negative_values(list(sys.argv[1:] if argv is None else argv))
    try:
        args = build_parser().parse_args(argv)
        return int(importlib.import_module(args._module).run(args) or 0)
    except UsageError as error:
        print(f"simplest-node: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("simplest-node: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
