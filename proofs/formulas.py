"""Every derived result as text, LaTeX, Markdown or JSON, emitted from the derivation objects."""

from __future__ import annotations

import json

import sympy as sp

from analysis.derivation import Derivation
from analysis.symbols import SYMBOLS

__all__ = ["as_records", "as_json", "as_text", "as_latex", "as_markdown", "latex_name", "FORMATS"]

FORMATS = ("text", "latex", "json")

_SYMBOL_NAMES = {sym: name for sym, name in zip(SYMBOLS, ("a", "a^{*}", "t", r"\sigma", r"\mu", r"\eta", "z", "x_0"))}
_LATEX_NAMES = {
    "flow": r"\varphi_t(x_0; a)",
    "loss": r"\mathcal{L}(a)",
    "gradient": r"\mathcal{L}'(a)",
    "hessian": r"\mathcal{L}''(a)",
    "terminal_variance": r"\sigma_k^2(t)",
    "gauss_newton": r"\mathbb{E}\bigl[(\partial_a \varphi_t)^2\bigr]",
    "concavity_threshold": r"a_{\mathrm{c}}",
    "gd_ratio_first_order": r"\frac{\mathcal{L}(a - \eta \mathcal{L}'(a))}{\mathcal{L}(a)}",
    "vc_step": r"\Delta a_{\mathrm{vc}}",
    "vc_ratio": r"\rho_{\mathrm{vc}}(a)",
    "vc_ratio_z": r"\rho_{\mathrm{vc}}(z)",
    "vc_ratio_local": r"\lim_{z \to 1} \rho_{\mathrm{vc}}(z)",
    "vc_ratio_first_order": r"\rho_{\mathrm{vc}}",
    "gd_ratio_second_order": r"[\eta^2]\,\frac{\mathcal{L}(a - \eta \mathcal{L}'(a))}{\mathcal{L}(a)}",
    "gd_curvature_optimum": r"\mathcal{L}''(a^{*})",
    "gd_learning_rate_max": r"\eta_{\max}",
    "gd_steps_growth": r"\lim_{a_0 \to -\infty} N(a_0)\, e^{-(a^{*} - a_0) t}",
    "vc_ratio_second_order": r"\rho_{\mathrm{vc}}",
    "vc_ratio_lower_bound": r"\inf_{a > a^{*}} \rho_{\mathrm{vc}}",
    "vc_ratio_upper_bound": r"\sup_{a > a^{*}} \rho_{\mathrm{vc}}",
    "vc_z_critical": r"z_{\mathrm{c}}(\eta)",
    "vc_log_step": r"\Delta a_{\log}",
    "vc_log_ratio": r"\frac{\mathcal{L}(a + \Delta a_{\log})}{\mathcal{L}(a)}",
    "sample_loss": r"\ell(a; x_0)",
    "sample_gradient": r"\partial_a \ell(a; x_0)",
    "sample_sensitivity": r"\partial_a \varphi_t(x_0; a)",
    "sample_terminal_variance": r"\varphi_t(x_0; a)^2",
}
_APPROXIMATE = {"gd_ratio_first_order", "vc_ratio_first_order", "vc_ratio_second_order"}
"""Results that are truncated expansions in eta: typeset with \approx, not =."""


def latex(expr: sp.Basic, names=None) -> str:
    """LaTeX of a derived expression, in the project's symbol names (`names`: extra symbols' LaTeX)."""
    return sp.latex(expr, symbol_names={**_SYMBOL_NAMES, **(names or {})})


def latex_name(name: str) -> str:
    """The left-hand side under which result `name` is typeset."""
    return _LATEX_NAMES.get(name, r"\mathrm{" + name.replace("_", r"\_") + "}")


def as_records(derivation: Derivation) -> list[dict[str, str]]:
    """One record per result: name, sympy (str, readable by parse_expr), latex, description."""
    return [
        {"name": r.name, "sympy": str(r.expr), "latex": latex(r.expr), "description": r.description} for r in derivation
    ]


def as_json(derivation: Derivation) -> str:
    """`{"model", "symbols", "results"}` as stable JSON (sorted keys, no timestamps)."""
    document = {
        "model": derivation.model.describe(),
        "symbols": [sym.name for sym in SYMBOLS],
        "results": as_records(derivation),
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def as_text(derivation: Derivation) -> str:
    lines = []
    for r in derivation:
        lines.append(f"{r.name}: {r.description}")
        lines.append(f"    {r.expr}")
    return "\n".join(lines) + "\n"


def _relation(name: str) -> str:
    return r"\approx" if name in _APPROXIMATE else "="


def as_latex(derivation: Derivation) -> str:
    """One numbered, labelled equation per result (`\\label{eq:NAME}`)."""
    blocks = []
    for r in derivation:
        blocks.append(
            f"% {r.description}\n\\begin{{equation}}\\label{{eq:{r.name}}}\n"
            f"  {latex_name(r.name)} {_relation(r.name)} {latex(r.expr)}\n\\end{{equation}}"
        )
    return "\n".join(blocks) + "\n"


def as_markdown(derivation: Derivation) -> str:
    """Each result as a heading, its description and a `$$...$$` display."""
    blocks = []
    for r in derivation:
        blocks.append(
            f"### `{r.name}`\n\n{r.description}\n\n$$\n{latex_name(r.name)} {_relation(r.name)} {latex(r.expr)}\n$$\n"
        )
    return "\n".join(blocks)
