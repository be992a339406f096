"""Small pure functions that typeset LaTeX: escaping, displays, claims, tables, figures, the article.

Only the packages of a basic TeX installation are used (`PACKAGES`). Nothing here knows the
mathematics: the formulas arrive as LaTeX strings emitted by `proofs.formulas` from the
derivation objects, the statements from the proofs registry.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "PACKAGES",
    "MEASURE",
    "escape",
    "identifier",
    "breakable",
    "prose",
    "display",
    "split_list",
    "unnumbered",
    "environment",
    "section",
    "tabular",
    "figure",
    "article",
]

PACKAGES = ("amsmath", "amssymb", "amsthm", "graphicx", "hyperref")
"""Every package the article loads (all in Debian's texlive-latex-base)."""

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\^{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\~{}",
    "<": r"$<$",  # in math: \textless would need T1 fonts, which a basic installation lacks
    ">": r"$>$",
    "|": r"$|$",
}
_UNICODE = {
    "\u2212": "-",  # minus sign
    "\u2013": "--",
    "\u2014": "---",
    "\u2018": "`",
    "\u2019": "'",
    "\u201c": "``",
    "\u201d": "''",
    "\u2026": r"\dots{}",
    "\u00a0": "~",
    "\u2264": r"$\le$",
    "\u2265": r"$\ge$",
    "\u2260": r"$\ne$",
    "\u2248": r"$\approx$",
    "\u2192": r"$\to$",
    "\u221e": r"$\infty$",
    "\u00b7": r"$\cdot$",
    "\u00d7": r"$\times$",
    "\u00b1": r"$\pm$",
    "\u221a": r"$\surd$",
    "\u2208": r"$\in$",
}


def _greek(char: str) -> str | None:
    """`$\\eta$` for a Greek letter, None otherwise."""
    name = unicodedata.name(char, "")
    for case, prefix in (("small", "GREEK SMALL LETTER "), ("capital", "GREEK CAPITAL LETTER ")):
        if name.startswith(prefix):
            word = name[len(prefix) :].lower()
            if " " in word:
                return None
            return "$\\" + (word if case == "small" else word.capitalize()) + "$"
    return None


def escape(text: str) -> str:
    r"""Plain text as LaTeX text: special characters escaped, common Unicode typeset.

    >>> escape("a_k < a* & 50% of $")
    'a\\_k $<$ a* \\& 50\\% of \\$'
    >>> escape("η → ∞, z -> 1")
    '$\\eta$ $\\to$ $\\infty$, z $\\to$ 1'
    """
    out = []
    text = text.replace("->", "\u2192")  # an ASCII arrow typesets as one
    for char in text:
        if char in _SPECIAL:
            out.append(_SPECIAL[char])
        elif char.isascii():
            out.append(char)
        elif char in _UNICODE:
            out.append(_UNICODE[char])
        else:
            out.append(_greek(char) or f"[U+{ord(char):04X}]")
    return "".join(out)


def identifier(text: str) -> str:
    r"""An identifier (claim id, result name) in typewriter type, breakable after hyphens.

    >>> identifier("vc-exact_log")
    '\\texttt{vc-\\allowbreak{}exact\\_log}'
    """
    return r"\texttt{" + escape(text).replace("-", r"-\allowbreak{}") + "}"


_BREAK_AFTER = frozenset("=,+-*/(;:")


def breakable(text: str) -> str:
    r"""Plain text escaped, with line breaks allowed after operators and punctuation (long formulas in prose).

    >>> breakable("x*y=0")
    'x*\\allowbreak{}y=\\allowbreak{}0'
    """
    return "".join(escape(char) + (r"\allowbreak{}" if char in _BREAK_AFTER else "") for char in text)


def prose(text: str) -> str:
    r"""Plain text escaped as `escape` does, with breaks allowed after * + / = ( so that a formula
    written in SymPy's notation inside a sentence cannot overrun the line.

    >>> prose("exp(2*t)/2")
    'exp(\\allowbreak{}2*\\allowbreak{}t)/\\allowbreak{}2'
    """
    return re.sub(r"([*+/=(])", r"\1\\allowbreak{}", escape(text))


MEASURE = (
    r"\setlength{\textwidth}{\dimexpr\paperwidth-2.5in\relax}",
    r"\setlength{\oddsidemargin}{0.25in}",
    r"\setlength{\evensidemargin}{0.25in}",
)
"""A 1.25in margin each side (the class's default measure is too narrow for multi-panel figures and
long displays); set with plain lengths, as no layout package is loaded."""

_FIT = r"\resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}"
"""Scale the box that follows down to the line width when it is wider (graphicx), else leave it."""


def display(lhs: str, relation: str, rhs: str, label: str, comment: str = "") -> str:
    r"""A numbered display `lhs relation rhs` labelled `label`, shrunk to the line width if wider.

    >>> print(display("L", "=", "x^{2}", "eq:loss"))
    \begin{equation}\label{eq:loss}
      \resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{$\displaystyle L = x^{2}$}
    \end{equation}
    """
    head = "".join(f"% {line}\n" for line in comment.splitlines())
    return (
        f"{head}\\begin{{equation}}\\label{{{label}}}\n"
        f"  {_FIT}{{$\\displaystyle {lhs} {relation} {rhs}$}}\n"
        "\\end{equation}"
    )


_SEPARATORS = (r",\quad", r",\ ")
"""Top-level separators of a list of formulas (`A,\\quad B`): where a display too wide for a line breaks."""


def split_list(math: str) -> list[str]:
    r"""`math` cut at its top-level separators (outside braces, brackets and parentheses).

    >>> split_list(r"f(x,\ y) = 0,\ g = \frac{1,\ 2}{3},\quad h")
    ['f(x,\\ y) = 0', 'g = \\frac{1,\\ 2}{3}', 'h']
    """
    parts, depth, start, i = [], 0, 0, 0
    while i < len(math):
        char = math[i]
        if char == "\\" and depth == 0:
            separator = next((sep for sep in _SEPARATORS if math.startswith(sep, i - 1) and math[i - 1] == ","), None)
            if separator:
                parts.append(math[start : i - 1].strip())
                i = start = i - 1 + len(separator)
                continue
        if char == "\\":
            i += 2  # an escaped character (\{, \,) never opens or closes a group
            continue
        depth += char in "{[("
        depth -= char in "}])"
        i += 1
    parts.append(math[start:].strip())
    return [part for part in parts if part]


def unnumbered(math: str) -> str:
    r"""An unnumbered display of `math` (math-mode LaTeX), shrunk to the line width if wider.

    A list of formulas too wide for the line is set one formula a line (`split_list`) instead.

    >>> print(unnumbered("x = 1"))
    \[
      \resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{$\displaystyle x = 1$}
    \]
    """
    whole = f"{_FIT}{{$\\displaystyle {math}$}}"
    parts = split_list(math)
    if len(parts) == 1:
        return f"\\[\n  {whole}\n\\]"
    lines = " \\\\\n  ".join(f"{_FIT}{{$\\displaystyle {part}$}}" for part in parts)
    return (
        f"\\[\n  \\sbox0{{$\\displaystyle {math}$}}\\ifdim\\wd0>\\linewidth\n"
        f"  \\begin{{gathered}}\n  {lines}\n  \\end{{gathered}}\n"
        f"  \\else\\usebox0\\fi\n\\]"
    )


def environment(name: str, body: str, title: str = "", label: str = "") -> str:
    r"""`\begin{name}[title]\label{label} body \end{name}`.

    >>> print(environment("claim", "Text.", "Lemma 1", "claim:lemma1"))
    \begin{claim}[Lemma 1]\label{claim:lemma1}
    Text.
    \end{claim}
    """
    option = f"[{title}]" if title else ""
    tag = f"\\label{{{label}}}" if label else ""
    return f"\\begin{{{name}}}{option}{tag}\n{body}\n\\end{{{name}}}"


def section(title: str, label: str, body: str) -> str:
    r"""A section with its label.

    >>> section("The model", "sec:model", "Text.")
    '\\section{The model}\\label{sec:model}\n\nText.\n'
    """
    return f"\\section{{{title}}}\\label{{{label}}}\n\n{body}\n"


def tabular(
    columns: str, header: tuple[str, ...], rows: list[tuple[str, ...]], caption: str = "", label: str = ""
) -> str:
    r"""A centred, small `tabular` with a ruled header; cells are LaTeX already.

    With a caption it floats as a `table`, the caption above, so no page break parts a table from
    the sentence that introduces it.

    >>> print(tabular("ll", ("a", "b"), [("1", "2")]))
    \begin{center}\small\setlength{\tabcolsep}{4pt}
    \begin{tabular}{ll}
    \hline
    a & b \\
    \hline
    1 & 2 \\
    \hline
    \end{tabular}
    \end{center}
    >>> print("\n".join(tabular("l", ("a",), [("1",)], "Values.", "tab:values").splitlines()[:2]))
    \begin{table}[htbp]\centering\small\setlength{\tabcolsep}{4pt}\setlength{\belowcaptionskip}{4pt}
    \caption{Values.}\label{tab:values}
    """
    if any(len(row) != len(header) for row in rows):
        raise ValueError("every row needs one cell per column")
    body = [
        f"\\begin{{tabular}}{{{columns}}}",
        "\\hline",
        " & ".join(header) + r" \\",
        "\\hline",
        *(" & ".join(row) + r" \\" for row in rows),
        "\\hline",
        "\\end{tabular}",
    ]
    if caption:
        tag = f"\\label{{{label}}}" if label else ""
        opening = (
            "\\begin{table}[htbp]\\centering\\small\\setlength{\\tabcolsep}{4pt}"
            "\\setlength{\\belowcaptionskip}{4pt}"  # the caption sits above the table
        )
        return "\n".join([opening, f"\\caption{{{caption}}}{tag}", *body, "\\end{table}"])
    return "\n".join(["\\begin{center}\\small\\setlength{\\tabcolsep}{4pt}", *body, "\\end{center}"])


def figure(path: str, caption: str, label: str) -> str:
    r"""A floating figure of `path` (relative to the .tex file) at the line width.

    >>> print(figure("figures/loss.png", "The loss.", "fig:loss"))
    \begin{figure}[htbp]
    \centering
    \includegraphics[width=\linewidth,height=0.45\textheight,keepaspectratio]{figures/loss.png}
    \caption{The loss.}\label{fig:loss}
    \end{figure}
    """
    return (
        "\\begin{figure}[htbp]\n\\centering\n"
        f"\\includegraphics[width=\\linewidth,height=0.45\\textheight,keepaspectratio]{{{path}}}\n"
        f"\\caption{{{caption}}}\\label{{{label}}}\n\\end{{figure}}"
    )


def article(title: str, abstract: str, body: str, theorems: tuple[tuple[str, str], ...]) -> str:
    r"""The standalone article: preamble with `PACKAGES`, theorem environments (name, heading), body.

    >>> text = article("T", "A.", "B.", (("claim", "Claim"),))
    >>> text.startswith("\\documentclass"), text.rstrip().endswith("\\end{document}")
    (True, True)
    """
    lines = ["\\documentclass[11pt]{article}"]
    options = {"hyperref": "[hidelinks]"}  # hyperref last, as it asks
    lines.extend(f"\\usepackage{options.get(package, '')}{{{package}}}" for package in PACKAGES)
    lines.append("\\theoremstyle{definition}")  # upright: statements quote formulas in SymPy notation
    lines.extend(f"\\newtheorem{{{name}}}{{{heading}}}" for name, heading in theorems)
    lines.extend(MEASURE)
    lines.extend(["\\emergencystretch=3em", "\\hbadness=10000", ""])
    lines.append(f"\\title{{{title}}}")
    lines.append("\\author{Generated by \\texttt{simplest-node report}}")
    lines.append("\\date{}")
    lines.extend(["", "\\begin{document}", "\\maketitle", "\\begin{abstract}", abstract, "\\end{abstract}", ""])
    lines.append(body)
    lines.append("\\end{document}")
    return "\n".join(lines) + "\n"
