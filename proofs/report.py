"""The report: every derivation, the verification table, the experiments and a LaTeX article.

`build(out, options)` runs the stages derive -> verify -> experiments -> figures -> LaTeX -> PDF
in a temporary directory next to `out` and only then moves the files into `out`, so a failing
stage leaves an existing report as it was. Installing removes the report-owned files of an earlier
run that this build did not produce (`OWNED_FILES`, `OWNED_PATTERNS`; see `_install` for the
guarantee), so the PDF and figures in `out` always belong to its .tex. A stage whose module has not landed (the proofs
registry, the experiments) is skipped and the document says so: nothing is filled in for it.

Every formula in the article is emitted from `analysis.derive()` through `proofs.formulas`,
every claim's statement and verdict from the proofs registry and `proofs.verify`; the prose
around them states no mathematical result of its own. The article itself is assembled by
`proofs.document` (a pure function of the stages' products); this module runs the stages,
compiles the PDF and installs the files.
"""

from __future__ import annotations

import functools
import importlib
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from proofs.claim import Settings
from proofs.cli import UsageError
from proofs.document import Contents, document
from proofs.files import atomic_write, check_out, file_mode

__all__ = [
    "TEX_NAME",
    "PDF_NAME",
    "LOG_NAME",
    "TEX_PACKAGES_HINT",
    "ReportOptions",
    "ReportError",
    "StageSkipped",
    "PdfBuild",
    "Summary",
    "check_out",
    "find_engine",
    "compile_pdf",
    "build",
]

TEX_NAME = "simplest-node.tex"
PDF_NAME = "simplest-node.pdf"
LOG_NAME = "simplest-node.log"
TEX_PACKAGES_HINT = "texlive-latex-base, latexmk"
"""Debian packages that provide pdflatex and latexmk."""
LATEX_TIMEOUT_SECONDS = 180
"""A pdflatex pass over this article takes about a second; anything near this limit is hung."""
LATEX_PASSES = 3
"""pdflatex passes without latexmk: labels settle on the second, the third is a margin."""


class ReportError(Exception):
    """A stage failed (exit code 1); the message is one line."""


class StageSkipped(Exception):
    """A stage's module is not available; the message says which."""


@dataclass(frozen=True)
class ReportOptions:
    """What to build: the model (`with_mean`), the seed of every random choice, and the PDF.

    `pdf` None means "when a TeX engine is found". `settings` and `experiment` override the
    verification settings and the experiment configuration (None: defaults with `seed`).
    """

    with_mean: bool = False
    seed: int = 0
    pdf: bool | None = None
    settings: Settings | None = None
    experiment: object | None = None

    def __post_init__(self):
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise ValueError("seed must be a non-negative integer")
        if self.pdf not in (None, True, False):
            raise ValueError("pdf must be None, True or False")
        if self.settings is not None and not isinstance(self.settings, Settings):
            raise ValueError("settings must be a proofs.claim.Settings")

    def verify_settings(self) -> Settings:
        return self.settings if self.settings is not None else Settings(seed=self.seed)


# --- optional stages -------------------------------------------------------------------


def _module(name: str, optional_dependencies: tuple[str, ...] = ()):
    """The module `name`, or StageSkipped when it (or an optional dependency it imports) is absent."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if missing == name or name.startswith(missing + "."):
            raise StageSkipped(f"{name} not available") from None
        if missing.split(".")[0] in optional_dependencies:
            extra = " (install the optional extra 'plot')" if missing.startswith("matplotlib") else ""
            raise StageSkipped(f"{missing.split('.')[0]} not available{extra}") from None
        raise


# --- files -------------------------------------------------------------------------------


def _write(path: Path, data: str | bytes) -> Path:
    """Write `data` to a temporary name beside `path`, then rename it into place (`proofs.files`)."""
    return atomic_write(path, data)


def _verification_json(verify, results) -> str:
    """`verify --json` without the per-claim seconds, which differ run to run."""

    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k != "seconds"}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return json.dumps(strip(json.loads(verify.as_json(results))), indent=2, sort_keys=True) + "\n"


OWNED_FILES = ("formulas.json", "formulas.md", "verification.json", TEX_NAME, PDF_NAME, LOG_NAME,
               "experiments/runs.csv")
OWNED_PATTERNS = ("figures/*.png",)
"""The files a report owns in its directory: an earlier report's copy is removed when a build does not
produce it again (a PDF after --no-pdf, a figure no longer drawn); any other file is the user's."""


def _owned(out: Path) -> set[str]:
    """The report-owned files present in `out`, as posix paths relative to it."""
    found = {name for name in OWNED_FILES if (out / name).is_file()}
    for pattern in OWNED_PATTERNS:
        found |= {p.relative_to(out).as_posix() for p in out.glob(pattern) if p.is_file()}
    return found


def _install(build_dir: Path, out: Path) -> None:
    """Move every file of `build_dir` into `out`, then remove the owned files of an earlier report
    that this build did not produce.

    Guarantee: each file is replaced by one rename (same file system), so none is ever partly
    written; all renames and removals run in one short pass after every stage succeeded, with
    SIGINT and SIGTERM held back (POSIX) so that an interrupt arrives before the pass or after it,
    not in the middle. Only a crash of the process or the machine during the pass can leave old
    and new files mixed. Files the report does not own are never touched.
    """
    import signal

    new = sorted(p for p in build_dir.rglob("*") if p.is_file())
    produced = {p.relative_to(build_dir).as_posix() for p in new}
    mode = file_mode()
    for source in new:
        source.chmod(mode)  # temporary files (mkstemp) are private; a report is not
        (out / source.relative_to(build_dir)).parent.mkdir(parents=True, exist_ok=True)
    held = (signal.SIGINT, signal.SIGTERM)
    can_hold = hasattr(signal, "pthread_sigmask")
    if can_hold:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        for source in new:
            os.replace(source, out / source.relative_to(build_dir))
        for stale in sorted(_owned(out) - produced):
            (out / stale).unlink(missing_ok=True)
    finally:
        if can_hold:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


# --- PDF --------------------------------------------------------------------------------


def find_engine() -> tuple[str, ...] | None:
    """The command that compiles the article: latexmk driving pdflatex, else pdflatex alone, else None."""
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        return None
    latexmk = shutil.which("latexmk")
    if latexmk:
        return (latexmk, "-pdf", "-norc", "-interaction=nonstopmode", "-halt-on-error", "-quiet")
    return (pdflatex, "-interaction=nonstopmode", "-halt-on-error")


@dataclass(frozen=True)
class PdfBuild:
    """The compiled PDF's bytes, its page count and the TeX log."""

    pdf: bytes
    pages: int
    log: str


def _first_error(log: str) -> str:
    return next((line for line in log.splitlines() if line.startswith("!")), "no error line in the log")


def compile_pdf(source_dir: Path, engine: tuple[str, ...]) -> PdfBuild:
    """Compile `source_dir`/simplest-node.tex in a temporary copy; ReportError(log) on failure."""
    env = dict(os.environ, max_print_line="10000", SOURCE_DATE_EPOCH="0", FORCE_SOURCE_DATE="1")
    with tempfile.TemporaryDirectory(prefix="simplest-node-tex-") as work:
        work_dir = Path(work)
        shutil.copy2(source_dir / TEX_NAME, work_dir / TEX_NAME)
        if (source_dir / "figures").is_dir():
            shutil.copytree(source_dir / "figures", work_dir / "figures")
        passes = 1 if Path(engine[0]).name == "latexmk" else LATEX_PASSES
        code = 0
        for _ in range(passes):
            process = subprocess.run(
                [*engine, TEX_NAME], cwd=work_dir, env=env, capture_output=True, timeout=LATEX_TIMEOUT_SECONDS
            )
            code = process.returncode
            log_path = work_dir / LOG_NAME
            log = log_path.read_text(errors="replace") if log_path.exists() else process.stdout.decode(errors="replace")
            if code != 0 or "Rerun to get" not in log:
                break
        pdf_path = work_dir / PDF_NAME
        if code != 0 or not pdf_path.exists():
            raise ReportError(log)
        match = re.search(r"Output written on .*?\((\d+) pages?", log)
        return PdfBuild(pdf_path.read_bytes(), int(match.group(1)) if match else 0, log)


# --- the build ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """What `build` did: the files written (relative to out), skipped stages, the PDF build."""

    out: Path
    files: tuple[str, ...]
    skipped: dict
    pdf: PdfBuild | None


Progress = Callable[[str, float, str], None]


def _stderr_progress(stage: str, seconds: float, note: str) -> None:
    print(f"report: {stage:<11} {seconds:6.2f} s{('  ' + note) if note else ''}", file=sys.stderr, flush=True)


def stage_derive(options: ReportOptions, build_dir: Path):
    """derive(): formulas.json and formulas.md."""
    from analysis import Model, derive
    from proofs import formulas

    derivation = derive(Model.with_mean() if options.with_mean else Model.paper())
    _write(build_dir / "formulas.json", formulas.as_json(derivation))
    _write(build_dir / "formulas.md", formulas.as_markdown(derivation))
    return derivation


def stage_verify(options: ReportOptions, build_dir: Path):
    """Every claim of the registry checked: (results, settings); verification.json."""
    verify = _module("proofs.verify")
    _module("proofs.registry")
    settings = options.verify_settings()
    results = tuple(verify.verify(None, settings))
    _write(build_dir / "verification.json", _verification_json(verify, results))
    return results, settings


def stage_experiments(options: ReportOptions, build_dir: Path):
    """The experiment runs: (config, result); experiments/runs.csv."""
    experiment = _module("proofs.experiment", ("matplotlib", "scipy"))
    config = options.experiment if options.experiment is not None else experiment.ExperimentConfig(seed=options.seed)
    result = experiment.run(config)
    target = build_dir / "experiments" / "runs.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    experiment.write_runs_csv(result, target)  # atomic (proofs.files.atomic_write)
    return config, result, runs_summary(target.read_text())


SUMMARY_COLUMNS = ("optimizer", "a0", "status", "steps_to_tol")
"""runs.csv columns from which the document tabulates steps to tolerance per optimiser and a_0."""
MAX_SUMMARY_A0 = 8
"""More initialisations than this do not fit across the page; the table is then left out."""


def runs_summary(csv_text: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]] | None:
    """(a_0 values, rows of optimiser then steps-to-tolerance or status per a_0) from runs.csv, or None.

    >>> runs_summary("optimizer,a0,step,status,steps_to_tol\\ngd,0.5,0,converged,12\\ngd,0.5,1,converged,12\\n")
    (('0.5',), (('gd', '12'),))
    """
    import csv
    import io

    reader = csv.DictReader(io.StringIO(csv_text))
    if not set(SUMMARY_COLUMNS) <= set(reader.fieldnames or ()):
        return None
    cells: dict[tuple[str, str], str] = {}
    optimizers: dict[str, None] = {}
    a0s: dict[str, None] = {}
    for row in reader:
        optimizers.setdefault(row["optimizer"])
        a0s.setdefault(row["a0"])
        cells[row["optimizer"], row["a0"]] = row["steps_to_tol"] or row["status"]
    if not a0s or len(a0s) > MAX_SUMMARY_A0:
        return None
    rows = tuple((name, *(cells.get((name, a0), "") for a0 in a0s)) for name in optimizers)
    return tuple(a0s), rows


FIGURE_CAPTIONS = {
    "landscape": "The loss against $a$ for several $t$, the concave region shaded and its threshold marked.",
    "gradient_hessian": "Gradient and Hessian of the loss against $a$.",
    "loss_curves": "Loss relative to its initial value against the iteration, per initialisation and optimiser.",
    "vc_ratio": "Measured per-step loss ratios of the variance-corrected rule against the exact ratio in $z$ "
    "and its bounds.",
    "steps_heatmap": "Steps to the tolerance over $(a_0, \\eta)$, one panel per optimiser.",
}
"""Captions (prose) for the figures `proofs.figures` documents; a figure not listed gets its file name."""


def stage_figures(experiment_result, build_dir: Path):
    """figures/*.png: (relative paths, captions)."""
    figures = _module("proofs.figures", ("matplotlib",))
    try:
        paths = figures.render_all(experiment_result, build_dir / "figures")
    except ModuleNotFoundError as error:  # matplotlib is imported only when drawing
        if (error.name or "").split(".")[0] != "matplotlib":
            raise
        raise StageSkipped("matplotlib not available (install the optional extra 'plot')") from None
    relative = tuple(Path(p).relative_to(build_dir).as_posix() for p in paths if Path(p).suffix == ".png")
    captions = {**FIGURE_CAPTIONS, **dict(getattr(figures, "CAPTIONS", {}) or {})}
    return relative, captions


def _forked(call: Callable[[], object]) -> Callable[[], object]:
    """Start `call()` in a forked process (the other core); the returned `wait()` gives its value or raises.

    Without fork (not POSIX) `call` runs at once. An exception in the child comes back as
    StageSkipped, or as _ChildFailed naming the original type.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        try:
            value = call()
        except Exception as error:
            return functools.partial(_reraise, error)
        return lambda: value
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def child():
        try:
            outcome = ("value", call())
        except BaseException as error:  # everything goes back to the parent
            outcome = ("skipped" if isinstance(error, StageSkipped) else "error", f"{type(error).__name__}: {error}")
        try:
            send.send(outcome)
        except Exception as error:  # an unpicklable value
            send.send(("error", f"{type(error).__name__}: {error}"))

    process = context.Process(target=child, daemon=True)
    process.start()
    send.close()

    def wait():
        try:
            kind, payload = receive.recv()
        except EOFError:
            process.join()
            kind, payload = "error", f"the stage's process ended with exit code {process.exitcode}"
        finally:
            receive.close()
            process.join()
        if kind == "skipped":
            raise StageSkipped(payload.split(": ", 1)[1])
        if kind == "error":
            raise _ChildFailed(payload)
        return payload

    wait.process = process
    return wait


class _ChildFailed(Exception):
    """An exception raised in a forked stage, as "Type: message"."""


def _reraise(error: Exception):
    raise error


def _timed(progress: Progress, stage: str, call, started: float | None = None):
    start = time.perf_counter() if started is None else started
    try:
        value = call()
    except StageSkipped as skip:
        progress(stage, time.perf_counter() - start, f"skipped: {skip}; section not generated")
        return None, str(skip)
    except (ReportError, UsageError):
        raise
    except _ChildFailed as error:
        raise ReportError(f"{stage} stage failed: {error}") from None
    except Exception as error:
        raise ReportError(f"{stage} stage failed: {type(error).__name__}: {error}") from error
    progress(stage, time.perf_counter() - start, "")
    return value, None


def build(out: Path | str, options: ReportOptions = ReportOptions(), progress: Progress = _stderr_progress) -> Summary:
    """Build the whole report in a temporary directory beside `out`, then move it into `out`.

    UsageError for an unusable `out`; ReportError when a stage fails, or when a PDF is
    demanded and no TeX engine exists (then nothing runs). `out` is untouched on failure,
    except that a failed LaTeX compile leaves its log as `out`/simplest-node.log.
    """
    out = Path(out)
    check_out(out)
    engine = find_engine() if options.pdf is not False else None
    if options.pdf is True and engine is None:
        raise ReportError(f"no TeX engine (pdflatex) found; install the Debian packages {TEX_PACKAGES_HINT}")
    try:
        out_parent = out.absolute().parent
        out_parent.mkdir(parents=True, exist_ok=True)
        root = out_parent if os.access(out_parent, os.W_OK | os.X_OK) else out
        root.mkdir(parents=True, exist_ok=True)
        build_dir = Path(tempfile.mkdtemp(prefix=".simplest-node-report-", dir=root))
    except OSError as error:  # check_out probes this, but the file system may change in between
        raise UsageError(f"--out {out} is not writable ({error.strerror or error})") from None
    verification = None
    try:
        skipped: dict[str, str] = {}
        derivation, _ = _timed(progress, "derive", lambda: stage_derive(options, build_dir))
        verify_started = time.perf_counter()
        verification = _forked(lambda: stage_verify(options, build_dir))  # runs beside the experiments
        experimented, skipped_experiments = _timed(
            progress, "experiments", lambda: stage_experiments(options, build_dir)
        )
        if skipped_experiments:
            skipped["experiments"] = skipped_experiments
            skipped["figures"] = "no experiment result to plot"
            progress("figures", 0.0, "skipped: no experiment result; section not generated")
            drawn = None
        else:
            drawn, skipped_figures = _timed(progress, "figures", lambda: stage_figures(experimented[1], build_dir))
            if skipped_figures:
                skipped["figures"] = skipped_figures
        verified, skipped_verify = _timed(progress, "verify", verification, verify_started)
        if skipped_verify:
            skipped["verify"] = skipped_verify
        claims = _registry_claims()
        results, settings = verified if verified else (None, None)
        contents = Contents(
            derivation=derivation,
            claims=claims,
            results=results,
            settings=settings,
            experiment_config=experimented[0] if experimented else None,
            runs_summary=experimented[2] if experimented else None,
            figures=drawn[0] if drawn else None,
            captions=drawn[1] if drawn else {},
            skipped=skipped,
        )
        _timed(progress, "LaTeX", lambda: _write(build_dir / TEX_NAME, document(contents)))
        pdf = None
        if engine is None:
            reason = "disabled by --no-pdf" if options.pdf is False else f"no TeX engine found ({TEX_PACKAGES_HINT})"
            progress("PDF", 0.0, f"skipped: {reason}")
        else:
            start = time.perf_counter()
            try:
                pdf = compile_pdf(build_dir, engine)
            except ReportError as failure:
                out.mkdir(parents=True, exist_ok=True)
                _write(out / LOG_NAME, str(failure))
                raise ReportError(
                    f"LaTeX failed: {_first_error(str(failure))} (log kept in {out / LOG_NAME})"
                ) from None
            except (OSError, subprocess.SubprocessError) as error:
                raise ReportError(f"PDF stage failed: {type(error).__name__}: {error}") from error
            _write(build_dir / PDF_NAME, pdf.pdf)
            progress("PDF", time.perf_counter() - start, f"{pdf.pages} pages")
        files = tuple(sorted(p.relative_to(build_dir).as_posix() for p in build_dir.rglob("*") if p.is_file()))
        out.mkdir(parents=True, exist_ok=True)
        _install(build_dir, out)  # also removes an earlier report's PDF, log or figures not produced now
        return Summary(out, files, skipped, pdf)
    finally:
        process = getattr(verification, "process", None)
        if process is not None and process.is_alive():  # a stage failed while verify was running
            process.terminate()
            process.join()
        shutil.rmtree(build_dir, ignore_errors=True)


def _registry_claims():
    """The registry's claims (statements without verdicts), or None when it is absent."""
    try:
        return tuple(_module("proofs.registry").CLAIMS)
    except StageSkipped:
        return None
