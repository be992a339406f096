"""`simplest-node experiment`: run the optimisers from several a_0; write runs.csv and figures in --out.

The layout of runs.csv is documented in `proofs.experiment`. Top-level imports stay light: numpy,
SymPy and matplotlib are imported in `run`.
"""

from __future__ import annotations

import sys
import time

DEFAULT_OUT = "experiment"
PROGRESS_AFTER = 1.0
"""Seconds after which a progress bar is drawn on stderr."""


def add_arguments(parser) -> None:
    parser.add_argument(
        "--optimizers", help="comma-separated names (default: every available optimiser; vc-log only with eta < 1)"
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--a0", help="comma-separated initial values a_0 (leading minus: --a0=-1,0,2)")
    group.add_argument(
        "--a0-range", dest="a0_range", help="LO:HI:N, N evenly spaced a_0 in [LO, HI] (negative LO: --a0-range=-1:2:4)"
    )
    parser.add_argument("--a-star", dest="a_star", type=float, help="true parameter a* (default 1)")
    parser.add_argument("--t", type=float, help="terminal time t > 0 (default 1)")
    parser.add_argument("--sigma", type=float, help="std of x0, > 0 (default 1)")
    parser.add_argument("--eta", type=float, help="learning rate eta > 0 (default 0.1)")
    parser.add_argument("--steps", type=int, help="step budget per run (default 1000, at most 10^6)")
    parser.add_argument("--batch", type=int, help="minibatch size for sgd, adam, vc-minibatch (default 32)")
    parser.add_argument("--seed", type=int, help="seed of the minibatch samples (default 0)")
    parser.add_argument(
        "--tol",
        type=float,
        help="relative tolerance (default 1e-8): a run has converged at Loss <= tol Loss(a_0) and, absolute, "
        "|a - a*| t <= 1e-3 (FLOW_TOL); the heat map's a_0 and eta are centred on --a-star and --eta",
    )
    parser.add_argument(
        "--out", default=DEFAULT_OUT,
        help=f"output directory (default ./{DEFAULT_OUT}): runs.csv in long format, one row per optimiser, a0 and"
             " step (optimizer,a0,step,a,loss,ratio,status,steps_to_tol), and the figures as PNG",
    )


def _floats(text: str, option: str) -> tuple[float, ...]:
    import math

    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise _usage(f"{option} must be comma-separated numbers, got {text!r}") from None
    if not values:
        raise _usage(f"{option} must not be empty")
    if not all(math.isfinite(v) for v in values):
        raise _usage(f"{option} must be finite numbers")
    return values


def _a0_range(text: str) -> tuple[float, ...]:
    parts = text.split(":")
    if len(parts) != 3:
        raise _usage(f"--a0-range must be LO:HI:N, got {text!r}")
    lo, hi = _floats(parts[0], "--a0-range LO") + _floats(parts[1], "--a0-range HI")
    try:
        n = int(parts[2])
    except ValueError:
        raise _usage(f"--a0-range N must be an integer, got {parts[2]!r}") from None
    if n < 1 or hi < lo or (n > 1 and hi == lo):
        raise _usage("--a0-range is empty: need LO < HI and N >= 1 (or LO = HI and N = 1)")
    from proofs.experiment import MAX_A0

    if n > MAX_A0:
        raise _usage(f"--a0-range N must be <= {MAX_A0} (more runs are a sweep: numerics.sweep)")
    return tuple(lo + (hi - lo) * i / (n - 1) for i in range(n)) if n > 1 else (lo,)


def _usage(message: str):
    from proofs.cli import UsageError

    return UsageError(message)


_FIELDS = ("optimizers", "a0", "a_star", "t", "sigma", "eta", "steps", "batch", "seed", "tol")


def _config(args):
    """The ExperimentConfig of the arguments; every invalid value or combination is a UsageError."""
    from proofs.experiment import ExperimentConfig

    fields = {}
    if args.optimizers is not None:
        fields["optimizers"] = tuple(n.strip() for n in args.optimizers.split(",") if n.strip())
    if args.a0 is not None:
        fields["a0"] = _floats(args.a0, "--a0")
    if args.a0_range is not None:
        fields["a0"] = _a0_range(args.a0_range)
    for name in ("a_star", "t", "sigma", "eta", "steps", "batch", "seed", "tol"):
        if getattr(args, name) is not None:
            fields[name] = getattr(args, name)
    try:
        return ExperimentConfig(**fields)
    except ValueError as error:
        raise _usage(_option_message(str(error))) from None


def _option_message(message: str) -> str:
    """The config's message with the field names it starts with ("a0 must ...", "a0 and t: ...") as options.

    >>> _option_message("a_star and t: too large")
    '--a-star and --t: too large'
    """
    words = message.split(" ")
    for i, word in enumerate(words):
        name = word.rstrip(":")
        if name in _FIELDS:
            words[i] = "--" + name.replace("_", "-") + word[len(name) :]
        elif word != "and":
            break
        if word.endswith(":"):
            break
    return " ".join(words)


class _Progress:
    """A bar on stderr, drawn only once the work has taken longer than PROGRESS_AFTER seconds."""

    def __init__(self, stream=sys.stderr, width: int = 30):
        self.stream, self.width, self.start, self.shown = stream, width, time.monotonic(), False

    def __call__(self, done: int, total: int) -> None:
        if not self.shown and time.monotonic() - self.start < PROGRESS_AFTER:
            return
        self.shown = True
        filled = self.width * done // max(total, 1)
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total}")
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def _summary(result) -> str:
    rows = [("optimizer", "a0", "steps to tol")]
    for name, r in result.runs:
        for i, a0 in enumerate(r.a0):
            status = str(r.status[i])
            rows.append((name, f"{a0:g}", str(int(r.steps_to_tol[i])) if status == "converged" else status))
    widths = [max(len(row[j]) for row in rows) for j in range(3)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows) + "\n"


def run(args) -> int:
    from pathlib import Path

    from proofs.files import check_out

    config = _config(args)  # refuses bad arguments before any work
    out = Path(args.out)
    check_out(out)  # and an unusable output directory
    if args.optimizers is None and "vc-log" not in config.optimizers:
        from numerics.optimizers import VCLog

        if VCLog.available():
            print(f"simplest-node: vc-log left out of the default optimisers at eta = {config.eta:g} >= 1 "
                  "(name it in --optimizers to be refused explicitly)", file=sys.stderr)

    from proofs.experiment import run_experiment, write_runs_csv

    progress = _Progress()
    try:
        result = run_experiment(config, progress=progress)
    except ValueError as error:  # a value the config could not foresee: still the user's, one line
        raise _usage(_option_message(str(error))) from None
    finally:
        progress.close()
    try:
        written = [write_runs_csv(result, out / "runs.csv")]
        try:
            import matplotlib  # noqa: F401 - only probing for the optional extra
        except ImportError:
            print("simplest-node: matplotlib not installed (pip install 'simplest-node[plot]'): figures skipped",
                  file=sys.stderr)
        else:
            from proofs.figures import render_all

            written += render_all(result, out)
    except OSError as error:  # the directory was checked; it changed or filled up during the work
        raise _usage(f"--out {args.out}: cannot write ({error.strerror or error})") from None
    sys.stdout.write(_summary(result))
    sys.stdout.write("wrote " + ", ".join(str(p) for p in written) + "\n")
    return 0
