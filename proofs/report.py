"""The report: every derivation, the verification table, the experiments and a LaTeX article.

`build(out, options)` runs the stages derive -> verify -> experiments -> figures -> LaTeX -> PDF
in a temporary directory next to `out` and only then moves the files into `out`, so a failing
stage leaves an existing report as it was. Installing removes the report-owned files of an earlier
run that this build did not produce (`OWNED_FILES`, `OWNED_PATTERNS`; see `_install` for the
guarantee), so the PDF and figures in `out` always belong to its .tex. A stage whose module has not landed (the proofs
registry, the experiments) is skipped and the document says so: nothing is filled in for it.

Every formula in the article is emitted from `analysis.derive()` through `proofs.formulas`,
every claim's statement and verdict from the proofs registry and `proofs.verify`; the prose
around them states no mathematical result of its own.
"""

from __future__ import annotations

import dataclasses
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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from proofs import latex as tex
from proofs.claim import Settings
from proofs.cli import UsageError
from proofs.files import atomic_write, check_out, file_mode

__all__ = [
    "TEX_NAME",
    "PDF_NAME",
    "LOG_NAME",
    "TEX_PACKAGES_HINT",
    "ReportOptions",
    "ReportError",
    "StageSkipped",
    "Contents",
    "PdfBuild",
    "Summary",
    "SECTIONS",
    "Section",
    "allocate",
    "check_out",
    "find_engine",
    "document",
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
EXPERIMENT_PREFIX = "experiment"
"""Figures of the experiments stage are referenced as fig:<stem>."""


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


@dataclass(frozen=True)
class Contents:
    """Everything the article shows: each stage's product, or the reason it was skipped."""

    derivation: object
    claims: tuple | None = None
    results: tuple | None = None
    settings: Settings | None = None
    experiment_config: object | None = None
    runs_summary: tuple | None = None
    figures: tuple[str, ...] | None = None
    captions: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)
    """stage -> reason it did not run."""

    def __post_init__(self):
        if self.results is not None and self.claims is None:
            raise ValueError("verdicts need the claims they belong to")


# --- the document ----------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """A section of the article: its prose, and which results and claims it shows.

    A result or claim belongs to the first section that lists it or one of its prefixes
    (a prefix ends with "*"); whatever no section takes goes to "Further results".
    """

    key: str
    title: str
    prose: str
    results: tuple[str, ...] = ()
    claims: tuple[str, ...] = ()


SECTIONS = (
    Section(
        "loss",
        "The loss, derived from the ODE and the expectation",
        "SymPy solves the initial value problem of Section~\\ref{sec:model} with \\texttt{dsolve}, "
        "which gives the flow map. The loss is the expectation over $x_0$ of half the squared difference "
        "between the flow maps of $a$ and $a^{*}$, taken with \\texttt{sympy.stats}; it depends on the "
        "distribution of $x_0$ only through the moments shown.",
        ("flow", "loss", "loss_*"),
        ("loss-closed-form",),
    ),
    Section(
        "gradient",
        "Gradient and Hessian",
        "The first and second derivatives of the loss in $a$, by symbolic differentiation of \\eqref{eq:loss}.",
        ("gradient", "hessian", "gradient_*", "hessian_*"),
    ),
    Section(
        "landscape",
        "The landscape: non-convexity and asymmetry",
        "The sign of the Hessian decides where the loss is convex; the point where it changes sign is "
        "solved for below. The behaviour of loss and gradient far below and far above $a^{*}$ is the "
        "asymmetry the paper describes; the claims state it and the checks decide it.",
        ("concavity_threshold", "landscape_*", "asymmetry_*", "concavity_*"),
        ("loss-nonconvex", "loss-asymmetry", "loss-*"),
    ),
    Section(
        "lemma1",
        "Lemma 1: plain gradient descent",
        "One step of plain gradient descent, $a \\mapsto a - \\eta\\,\\mathcal{L}'(a)$, multiplies the loss by "
        "a factor that SymPy expands in the learning rate; the terminal second moment of the predicted state "
        "appears in it.",
        ("terminal_variance", "gd_*", "lemma1_*"),
        ("lemma1", "gd-*", "lemma1-*"),
    ),
    Section(
        "theorem1",
        "Theorem 1 and the exact discrete-time analysis",
        "The paper's variance-corrected update divides the gradient by $t^2\\sigma_k^2(t)$. Below are its "
        "step, the exact one-step loss ratio, the same ratio in $z = e^{(a^{*}-a)t}$ (in which $a$ cancels), "
        "its limit at the optimum and its first-order expansion in $\\eta$. The claims then separate what "
        "holds exactly, what holds to first order, and what is false as stated.",
        ("vc_*", "theorem1_*"),
        ("theorem1-*", "vc-exact-ratio", "vc-above", "vc-below", "vc-global", "vc-exact-log"),
    ),
    Section(
        "gauss_newton",
        "The Gauss-Newton view",
        "The Gauss-Newton curvature of the least-squares loss is the expected square of the sensitivity of "
        "the flow map to $a$; comparing it with the preconditioner of the variance-corrected update shows "
        "which classical method that update is.",
        ("gauss_newton", "gauss_newton_*", "fisher_*"),
        ("vc-gauss-newton", "gauss-newton-*"),
    ),
    Section(
        "minibatch",
        "Finite minibatches",
        "Stochastic optimisers see one initial state $x_0$ at a time. These are the per-sample quantities a "
        "minibatch averages, from which the minibatch estimates of the gradient and of the terminal variance "
        "are formed.",
        ("sample_*", "minibatch_*"),
        ("vc-minibatch", "minibatch-*"),
    ),
)


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(name == p or (p.endswith("*") and name.startswith(p[:-1])) for p in patterns)


def allocate(names: Iterable[str], patterns_by_key: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """Each name under the first key whose patterns match it, else under "further"; order kept.

    >>> allocate(["loss", "vc_ratio", "new"], {"a": ("loss",), "b": ("vc_*",)})
    {'a': ['loss'], 'b': ['vc_ratio'], 'further': ['new']}
    """
    placed: dict[str, list[str]] = {key: [] for key in patterns_by_key}
    placed["further"] = []
    for name in names:
        key = next((k for k, patterns in patterns_by_key.items() if _matches(name, patterns)), "further")
        placed[key].append(name)
    return placed


def _equation(derivation, name: str) -> str:
    """Result `name` as a numbered display labelled eq:<name>, preceded by its description."""
    from analysis.derivation import Derivation
    from proofs import formulas

    result = derivation.result(name)
    # the relation (= or \approx) and both sides exactly as `derive --format latex` prints them
    block = formulas.as_latex(Derivation(derivation.model, (result,)))
    match = re.search(r"\\label\{eq:[^}]*\}\n  (.*)\n\\end\{equation\}", block, re.S)
    line = match.group(1)
    lhs = formulas.latex_name(name)
    relation, rhs = line[len(lhs) :].strip().split(" ", 1)
    return tex.escape(result.description) + "\n" + tex.display(lhs, relation, rhs, f"eq:{name}")


def _distribution(initial) -> str:
    """The law of x0 in LaTeX, from the model's distribution object."""
    from proofs.formulas import latex

    kind = type(initial).__name__
    if kind == "Normal":
        return rf"x_0 \sim \mathcal{{N}}\bigl({latex(initial.mean)},\ {latex(initial.std**2)}\bigr)"
    if kind == "Uniform":
        return rf"x_0 \sim \mathcal{{U}}\bigl({latex(initial.low)},\ {latex(initial.high)}\bigr)"
    if kind == "TwoPoint":
        return rf"x_0 \in \{{{latex(initial.low)},\ {latex(initial.high)}\}}\text{{, each with probability }}1/2"
    return r"x_0 \sim \text{" + tex.escape(kind) + "}"


def _model_section(derivation) -> str:
    from analysis.model import x
    from proofs.formulas import latex

    model = derivation.model
    ode = rf"\dot{{x}}(s) = {latex(model.dynamics.subs(x, x))},\qquad x(0) = x_0,\qquad {_distribution(model.initial)}"
    lines = [
        "The toolkit studies the simplest neural ODE: one-dimensional linear dynamics with a single trained "
        "parameter $a$,",
        "\\[\n" + ode + "\n\\]",
        f"observed at the terminal time ${latex(model.time)}$. The data come from the true parameter "
        f"${latex(model.true_parameter)}$, and $a$ is fitted by minimising the expected squared terminal error",
        "\\[\n"
        + r"\mathcal{L}(a) = \tfrac{1}{2}\,\mathbb{E}\bigl[(\varphi_t(x_0; a) - \varphi_t(x_0; a^{*}))^2\bigr]"
        + "\n\\]",
        "where $\\varphi_t$ is the flow map (Y.~Okamoto, T.~Takeuchi, Y.~Sakemi, \\emph{Learning the Simplest "
        "Neural ODE}, arXiv:2505.02019). Every numbered equation below is a result of "
        "\\texttt{analysis.derive()}, typeset by \\texttt{proofs.formulas}, and labelled with the result's name; "
        "every claim is an entry of the proofs registry with the verdict its checks computed.",
        "",
        f"The flow map is obtained by {_solver(model.solver)}.",
    ]
    from analysis import Model

    if model != Model.paper():
        lines.append(
            "This is not the paper's model: the numbered equations are derived for it, while the claims and the "
            "experiments are checked as the proofs registry and the experiment configuration state them."
        )
    return tex.section("The model", "sec:model", "\n".join(lines))


def _solver(solver) -> str:
    """How the model obtains its flow map, in words."""
    if type(solver).__name__ == "Euler":
        return f"the explicit Euler method with {solver.steps} equal steps"
    return "solving the initial value problem exactly (\\texttt{sympy.dsolve})"


def _value(value) -> str:
    """A counterexample value, short: numbers to 10 significant digits."""
    if isinstance(value, bool | int | str):
        return str(value)
    try:
        return f"{float(value):.10g}"
    except (TypeError, ValueError):
        return str(value)


def _verdict_paragraph(result) -> str:
    if result is None:
        return "\\emph{Verdict not computed: the verification stage did not run.}"
    agree = "as expected" if result.ok else "\\textbf{differs from the expected verdict}"
    lines = [
        f"\\emph{{Verdict:}} \\textbf{{{result.verdict}}} (expected: {result.expected}; {agree}).",
        "\\begin{description}",  # not itemize: its bullet needs the TS1 fonts a basic installation lacks
    ]
    for outcome in result.outcomes:
        extra = []
        if outcome.worst_error is not None:
            extra.append(f"worst error {outcome.worst_error:.2e}")
        if outcome.pieces is not None:
            extra.append(f"{outcome.pieces} interval pieces")
        tail = f" ({', '.join(extra)})" if extra else ""
        lines.append(f"\\item[{outcome.kind}] {outcome.status}{tail}: {tex.breakable(outcome.detail)}")
    lines.append("\\end{description}")
    if result.counterexample:
        pairs = "; ".join(f"{k} = {_value(v)}" for k, v in sorted(result.counterexample.items(), key=str))
        lines.append("\\emph{Counterexample:} " + tex.breakable(pairs) + ".")
    return "\n".join(lines)


def _statement(latex: str) -> str:
    """A claim's LaTeX statement: math-mode LaTeX is displayed, text with its own `$...$` kept as is."""
    if "$" in latex or "\\(" in latex:
        return latex
    return tex.unnumbered(latex)


def _claim(claim, result) -> str:
    title = tex.identifier(claim.id) + (" (the paper's statement)" if claim.source == "paper" else "")
    lines = [tex.prose(claim.statement)] if claim.statement else []
    if claim.latex:
        lines.append(_statement(claim.latex))
    if claim.assumptions:
        lines.append("\\emph{Assumptions:} " + tex.prose(claim.assumptions))
    body = "\n".join(lines)
    return tex.environment("claim", body, title, f"claim:{claim.id}") + "\n" + _verdict_paragraph(result)


def _not_generated(what: str, reason: str) -> str:
    return f"\\paragraph{{Not generated.}} {what} \\emph{{({tex.escape(reason)}.)}}"


def _section_body(section: Section, contents: Contents, result_names, claim_ids) -> str:
    parts = [section.prose] if section.prose else []
    parts.extend(_equation(contents.derivation, name) for name in result_names)
    if contents.claims is None:
        if section.claims:
            parts.append(
                _not_generated(
                    "The claims of this section come from the proofs registry, which did not load in this build.",
                    contents.skipped.get("verify", "proofs.registry not available"),
                )
            )
    else:
        claims = {c.id: c for c in contents.claims}
        results = {r.id: r for r in contents.results} if contents.results is not None else {}
        parts.extend(_claim(claims[i], results.get(i)) for i in claim_ids)
    return "\n\n".join(parts)


def _experiments_section(contents: Contents) -> str:
    parts = [
        "The optimisers of \\texttt{proofs.experiment} run on the model from several initialisations; "
        "every run's history is in \\texttt{experiments/runs.csv} next to this document."
    ]
    if contents.experiment_config is None:
        parts = [_not_generated("The experiments did not run.", contents.skipped.get("experiments", "skipped"))]
    else:
        config = contents.experiment_config
        if dataclasses.is_dataclass(config):
            rows = [
                (tex.identifier(f.name), tex.breakable(_config_value(getattr(config, f.name))))
                for f in dataclasses.fields(config)
            ]
            parts.append(
                "The configuration of the runs:\n" + tex.tabular("lp{0.6\\linewidth}", ("field", "value"), rows)
            )
    if contents.runs_summary is not None:
        a0s, rows = contents.runs_summary
        words = sorted({cell for row in rows for cell in row[1:] if cell and not cell.isdigit()})
        short = {word: word[:3] + "." for word in words}  # status words abbreviated so eight columns fit
        legend = "; ".join(f"{short[word]} {tex.escape(word)}" for word in words)
        parts.append(
            "Steps each optimiser took to reach the tolerance from each initialisation $a_0$, or how the run "
            "ended"
            + (f" ({legend})" if legend else "")
            + "; from \\texttt{runs.csv}:\n"
            + tex.tabular(
                "l" + "r" * len(a0s),
                ("optimiser \\quad $a_0$:", *(f"${a0}$" for a0 in a0s)),
                [(tex.escape(row[0]), *(tex.escape(short.get(cell, cell)) for cell in row[1:])) for row in rows],
            )
        )
    if contents.figures is None:
        parts.append(_not_generated("No figure was rendered.", contents.skipped.get("figures", "skipped")))
    elif contents.figures:
        refs = ", ".join(f"\\ref{{fig:{Path(p).stem}}}" for p in contents.figures)
        parts.append(f"Figures {refs} are rendered by \\texttt{{proofs.figures.render\\_all}} from these runs.")
        for path in contents.figures:
            stem = Path(path).stem
            caption = contents.captions.get(stem) or f"\\texttt{{{tex.escape(stem)}}}, from the experiment runs."
            parts.append(tex.figure(path, caption, f"fig:{stem}"))
    return tex.section("Experiments", "sec:experiments", "\n\n".join(parts))


def _config_value(value) -> str:
    if isinstance(value, tuple | list):
        return ", ".join(_config_value(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _verification_section(contents: Contents) -> str:
    if contents.results is None:
        body = _not_generated(
            "The verification table is empty because the checks did not run.", contents.skipped.get("verify", "")
        )
        return tex.section("Verification", "sec:verification", body)
    results = contents.results
    agree = sum(r.ok for r in results)
    settings = contents.settings
    rows = [
        (
            f"\\hyperref[claim:{r.id}]{{{tex.identifier(r.id)}}}",
            r.verdict,
            r.expected,
            "--" if r.worst_error is None else f"{r.worst_error:.1e}",
            "--" if r.interval_pieces is None else str(r.interval_pieces),
            "yes" if r.ok else "\\textbf{no}",
        )
        for r in results
    ]
    intro = (
        f"{len(results)} claims checked; {agree} of {len(results)} verdicts equal the expected verdict. "
        f"Numeric checks used {settings.samples} random points per claim (seed {settings.seed}) in float64 "
        f"and in mpmath at {settings.dps} digits; a verdict is computed from the outcomes of the checks: "
        "refuted when one finds a counterexample, holds when all confirm."
    )
    table = tex.tabular(
        "p{0.3\\linewidth}lllrl", ("claim", "verdict", "expected", "worst error", "pieces", "agrees"), rows
    )
    return tex.section("Verification", "sec:verification", intro + "\n\n" + table)


def document(contents: Contents) -> str:
    """The article's LaTeX source: pure function of the contents (byte-identical for equal contents)."""
    derivation = contents.derivation
    result_place = allocate(derivation.names(), {s.key: s.results for s in SECTIONS})
    claim_ids = [c.id for c in contents.claims] if contents.claims is not None else []
    claim_place = allocate(claim_ids, {s.key: s.claims for s in SECTIONS})
    body = [_model_section(derivation)]
    for section in SECTIONS:
        text = _section_body(section, contents, result_place[section.key], claim_place[section.key])
        body.append(tex.section(section.title, f"sec:{section.key}", text))
    if result_place["further"] or claim_place["further"]:
        further = Section("further", "Further results", "Results and claims no section above presents.")
        text = _section_body(further, contents, result_place["further"], claim_place["further"])
        body.append(tex.section(further.title, "sec:further", text))
    body.append(_experiments_section(contents))
    body.append(_verification_section(contents))
    abstract = (
        f"Generated by \\texttt{{simplest-node report}}: {len(derivation)} results derived by SymPy from the "
        "ODE and the distribution of the initial state"
        + (
            f", {len(contents.results)} claims checked symbolically, numerically and by interval arithmetic"
            if contents.results is not None
            else ", claims not checked in this build"
        )
        + (", experiments with figures." if contents.figures else ", no experiment figures in this build.")
    )
    return tex.article(
        "The simplest neural ODE: derivations and verified claims", abstract, "\n".join(body), (("claim", "Claim"),)
    )


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
