"""The report's article: its LaTeX source as a pure function of what the stages produced.

`document(contents)` assembles the sections (`SECTIONS`) from the derivation, the proofs registry's
claims with their computed verdicts, the experiment configuration, runs summary and figures: every
formula comes from `analysis.derive()` through `proofs.formulas`, every claim's statement and verdict
from the registry and `proofs.verify`. Equal contents give byte-identical source.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from proofs import latex as tex
from proofs.claim import Settings

__all__ = ["Contents", "Section", "SECTIONS", "allocate", "document"]


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
    (a prefix ends with "*"); whatever no section takes goes to "Further results". A rendered figure
    whose stem a section lists floats there; the other figures stay with the experiments.
    """

    key: str
    title: str
    prose: str
    results: tuple[str, ...] = ()
    claims: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()
    """Stems of the figures (`proofs.figures`) drawn next to this section rather than under Experiments."""


SECTIONS = (
    Section(
        "loss",
        "The loss, derived from the ODE and the expectation",
        "The flow map is the solution of the initial value problem of Section~\\ref{sec:model}, obtained as "
        "that section says. The loss is the expectation over $x_0$ of half the squared difference "
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
        figures=("gradient_hessian",),
    ),
    Section(
        "landscape",
        "The landscape: non-convexity and asymmetry",
        "The sign of the Hessian decides where the loss is convex; the point where it changes sign is "
        "solved for below. The behaviour of loss and gradient far below and far above $a^{*}$ is the "
        "asymmetry the paper describes; the claims state it and the checks decide it.",
        ("concavity_threshold", "landscape_*", "asymmetry_*", "concavity_*"),
        ("loss-nonconvex", "loss-asymmetry", "loss-*"),
        figures=("landscape",),
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
        "its limit at the optimum, its expansions in $\\eta$, its bounds above $a^{*}$, the critical $z$ "
        "below $a^{*}$, and a step taken in the output $e^{at}$ with its loss ratio. The claims then separate "
        "what holds exactly, what holds to first order, and what is false as stated.",
        ("vc_*", "theorem1_*"),
        ("theorem1-*", "vc-exact-ratio", "vc-above", "vc-below", "vc-global", "vc-exact-log"),
        figures=("vc_ratio",),
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
    rhs = latex(model.dynamics, {x: "x(s)"})
    ode = rf"\dot{{x}}(s) = {rhs},\qquad x(0) = x_0,\qquad {_distribution(model.initial)}"
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


def _outcome_summary(outcome) -> str:
    """`numeric confirmed (worst error 2.5e-15)`: a check's kind, status and figures, one phrase."""
    extra = []
    if outcome.worst_error is not None:
        extra.append(f"worst error {outcome.worst_error:.1e}")
    if outcome.pieces is not None:
        extra.append(f"{outcome.pieces} interval pieces")
    return f"{outcome.kind} {outcome.status}" + (f" ({', '.join(extra)})" if extra else "")


def _verdict_paragraph(result) -> str:
    """The computed verdict under its claim, each check's status, the counterexample if one was found."""
    if result is None:
        return "\\emph{Verdict not computed: the verification stage did not run.}"
    agree = "as expected" if result.ok else "\\textbf{differs from the expected verdict}"
    checks = "; ".join(_outcome_summary(outcome) for outcome in result.outcomes)
    lines = [
        f"\\emph{{Verdict:}} \\textbf{{{result.verdict}}} (expected: {result.expected}; {agree}). "
        f"Checks: {checks}; what each evaluated is in Appendix~\\ref{{check:{result.id}}}."
    ]
    if result.counterexample:
        pairs = "; ".join(f"{k} = {_value(v)}" for k, v in sorted(result.counterexample.items(), key=str))
        lines.append("\\emph{Counterexample:} " + tex.breakable(pairs) + ".")
    return "\n\n".join(lines)


def _check_details(result) -> str:
    """What each check of a claim evaluated, as the check reported it."""
    lines = ["\\begin{description}"]  # not itemize: its bullet needs the TS1 fonts a basic installation lacks
    for outcome in result.outcomes:
        lines.append(f"\\item[{outcome.kind}] {outcome.status}: {tex.breakable(outcome.detail)}")
    lines.append("\\end{description}")
    title = f"\\texorpdfstring{{{tex.identifier(result.id)}}}{{{result.id}}}"
    return f"\\subsection{{{title}}}\\label{{check:{result.id}}}\n" + "\n".join(lines)


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


def _figure_paths(section: Section, contents: Contents) -> list[str]:
    """The rendered figures that float in `section`, in the section's order."""
    by_stem = {Path(path).stem: path for path in contents.figures or ()}
    return [by_stem[stem] for stem in section.figures if stem in by_stem]


def _figures(paths, contents: Contents) -> list[str]:
    floats = []
    for path in paths:
        stem = Path(path).stem
        caption = contents.captions.get(stem) or f"\\texttt{{{tex.escape(stem)}}}, from the experiment runs."
        floats.append(tex.figure(path, caption, f"fig:{stem}"))
    return floats


def _section_body(section: Section, contents: Contents, result_names, claim_ids) -> str:
    parts = [section.prose] if section.prose else []
    figures = _figure_paths(section, contents)
    if figures:
        refs = ", ".join(f"\\ref{{fig:{Path(p).stem}}}" for p in figures)
        many = len(figures) > 1
        parts.append(f"Figure{'s' if many else ''}~{refs} show{'' if many else 's'} the results of this section.")
        parts.extend(_figures(figures, contents))
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
    intro = [
        "The optimisers of \\texttt{proofs.experiment} run on the model from several initialisations; "
        "every run's history is in \\texttt{experiments/runs.csv} next to this document."
    ]
    floats, notes = [], []
    if contents.experiment_config is None:
        intro = []
        notes.append(_not_generated("The experiments did not run.", contents.skipped.get("experiments", "skipped")))
    elif dataclasses.is_dataclass(contents.experiment_config):
        config = contents.experiment_config
        rows = [
            (tex.identifier(f.name), tex.breakable(_config_value(getattr(config, f.name))))
            for f in dataclasses.fields(config)
        ]
        intro.append("Table~\\ref{tab:config} lists their configuration.")
        caption = f"The experiment configuration (\\texttt{{{tex.escape(type(config).__name__)}}})."
        floats.append(tex.tabular("lp{0.6\\linewidth}", ("field", "value"), rows, caption, "tab:config"))
    if contents.runs_summary is not None:
        a0s, rows = contents.runs_summary
        words = sorted({cell for row in rows for cell in row[1:] if cell and not cell.isdigit()})
        short = {word: word[:3] + "." for word in words}  # status words abbreviated so eight columns fit
        legend = "; ".join(f"{short[word]} {tex.escape(word)}" for word in words)
        intro.append("Table~\\ref{tab:steps} summarises \\texttt{runs.csv}.")
        caption = (
            "Steps each optimiser took to reach the tolerance from each initialisation $a_0$, or how the run ended"
            + (f" ({legend})" if legend else "")
            + "."
        )
        floats.append(
            tex.tabular(
                "l" + "r" * len(a0s),
                ("optimiser \\quad $a_0$:", *(f"${a0}$" for a0 in a0s)),
                [(tex.escape(row[0]), *(tex.escape(short.get(cell, cell)) for cell in row[1:])) for row in rows],
                caption,
                "tab:steps",
            )
        )
    if contents.figures is None:
        notes.append(_not_generated("No figure was rendered.", contents.skipped.get("figures", "skipped")))
    elif contents.figures:
        placed = [path for section in SECTIONS for path in _figure_paths(section, contents)]
        remaining = [path for path in contents.figures if path not in placed]
        refs = ", ".join(f"\\ref{{fig:{Path(p).stem}}}" for p in placed + remaining)  # in the order they appear
        intro.append(f"Figures {refs} are rendered by \\texttt{{proofs.figures.render\\_all}}.")
        floats.extend(_figures(remaining, contents))
    parts = ([" ".join(intro)] if intro else []) + notes + floats
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
        f"{len(results)} claims checked (Table~\\ref{{tab:verification}}); {agree} of {len(results)} verdicts "
        "equal the expected verdict. "
        f"The numeric checks ran with {settings.samples} random points per sampled check (seed {settings.seed}), "
        f"in float64 and in mpmath at {settings.dps} digits; Appendix~\\ref{{sec:checks}} says what each check "
        "evaluated. A verdict is computed from the outcomes of the checks: refuted when one finds a "
        "counterexample, holds when all confirm, inconclusive otherwise."
    )
    table = tex.tabular(
        "p{0.3\\linewidth}lllrl",
        ("claim", "verdict", "expected", "worst error", "pieces", "agrees"),
        rows,
        "Every claim's computed verdict against the expected one, with the worst numeric error and the number "
        "of interval pieces that certified it.",
        "tab:verification",
    )
    # \clearpage: the figures above float out first, so the table stays with its section
    return "\\clearpage\n" + tex.section("Verification", "sec:verification", intro + "\n\n" + table)


def _checks_appendix(contents: Contents) -> str:
    """Appendix: every claim's checks with what they evaluated, as the checks reported it."""
    if contents.results is None:
        return ""
    body = "\n\n".join(_check_details(result) for result in contents.results)
    return "\\appendix\n" + tex.section("The checks in detail", "sec:checks", body)


def _count(n: int, singular: str, plural: str) -> str:
    """`1 claim is`, `2 claims are`.

    >>> _count(1, "claim", "claims"), _count(2, "claim", "claims")
    ('1 claim', '2 claims')
    """
    return f"{n} {singular if n == 1 else plural}"


def _abstract(contents: Contents) -> str:
    """What was derived and checked, and the verdicts on the paper's own statements, counted from the results."""
    derivation = contents.derivation
    parts = [
        f"This article is generated by \\texttt{{simplest-node report}}: {len(derivation)} results derived by "
        "SymPy from the ODE and the distribution of the initial state"
        + (", claims not checked in this build" if contents.results is None else "")
        + (", experiments with figures." if contents.figures else ", no experiment figures in this build.")
    ]
    if contents.results is not None:
        source = {c.id: c.source for c in contents.claims}
        paper = [r for r in contents.results if source.get(r.id) == "paper"]
        parts.append(
            f"{_count(len(contents.results), 'claim is', 'claims are')} checked symbolically, numerically and, "
            "where they are inequalities, by interval arithmetic."
        )
        if paper:
            by_verdict = {v: [r.id for r in paper if r.verdict == v] for v in ("holds", "refuted", "inconclusive")}
            words = {
                "holds": ("holds", "hold"),
                "refuted": ("is refuted as stated", "are refuted as stated"),
                "inconclusive": ("is inconclusive", "are inconclusive"),
            }
            counts = ", ".join(
                _count(len(ids), *words[verdict])
                + (f" ({', '.join(tex.identifier(i) for i in ids)})" if verdict != "holds" else "")
                for verdict, ids in by_verdict.items()
                if ids
            )
            others = len(contents.results) - len(paper)
            parts.append(
                f"Of the {_count(len(paper), 'statement', 'statements')} taken from the paper, {counts}"
                + (f"; the other {_count(others, 'claim is', 'claims are')} the toolkit's own." if others else ".")
            )
        differ = [r.id for r in contents.results if not r.ok]
        if differ:
            parts.append(
                "\\textbf{Verdicts that differ from the expected ones:} "
                + ", ".join(tex.identifier(i) for i in differ)
                + "."
            )
    return " ".join(parts)


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
    body.append(_checks_appendix(contents))
    return tex.article(
        "The simplest neural ODE: derivations and verified claims",
        _abstract(contents),
        "\n".join(part for part in body if part),
        (("claim", "Claim"),),
    )
