"""The experiment's figures as PNG (matplotlib with the Agg backend, imported only when drawing).

`render_all(result, out_dir)` writes, with stable names:

- landscape.png: Loss(a) for several t, the concave region shaded and the threshold marked;
- gradient_hessian.png: dLoss/da and d^2Loss/da^2 against a;
- loss_curves.png: Loss(a_k)/Loss(a_0) against k (log scale), one panel per a_0, one colour, line style
  and marker per optimiser (rules that follow the same path, such as vc, vc-minibatch and undamped
  Gauss-Newton, stay distinguishable); a panel whose a_0 is a* (Loss(a_0) = 0) says so instead;
- vc_ratio.png: measured per-step ratios of the variance-corrected rule against the exact ratio in z and
  its bounds (`vc_ratio_lower_bound`, `vc_ratio_upper_bound`, `vc_z_critical` when derived; otherwise
  the limits of the derived vc_ratio_z at z -> 1 and z -> 0, and no z_c), and those of vc-log
  against its exact constant ratio `vc_log_ratio` when it ran;
- steps_heatmap.png: steps to the tolerance over (a_0, eta), one panel per optimiser; the column
  a_0 = a* (0 steps: started at the optimum) is hatched, not coloured as the fastest.

Every curve of theory is a function generated from the derivations.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["render_all", "FIGURES", "COLORS", "STYLES", "DPI"]

FIGURES = ("landscape.png", "gradient_hessian.png", "loss_curves.png", "vc_ratio.png", "steps_heatmap.png")
DPI = 110
_METADATA = {"Software": None}  # no version string in the file: same bytes for the same data


def _colors() -> dict[str, str]:
    from numerics.optimizers import OPTIMIZERS

    return {name: f"C{i}" for i, name in enumerate(OPTIMIZERS)}


COLORS = _colors()
"""One colour per optimiser, the same in every figure."""

THEORY_GREYS = ("0.0", "0.4", "0.65")
"""Grey levels of the theory and landscape curves (several t): the tab10 colours belong to the optimisers."""

_LINESTYLES = ("-", "--", "-.", ":")
_MARKERS = ("o", "s", "^", "v", "D", "x", "+", "*")


def _styles() -> dict[str, tuple[str, str]]:
    from numerics.optimizers import OPTIMIZERS

    return {name: (_LINESTYLES[i % len(_LINESTYLES)], _MARKERS[i % len(_MARKERS)]) for i, name in enumerate(OPTIMIZERS)}


STYLES = _styles()
"""(line style, marker) per optimiser: curves that coincide (vc, vc-minibatch, gauss-newton-lm) stay visible."""
MARKERS_PER_CURVE = 8
"""Markers drawn along each loss curve: enough to tell the optimisers apart, few enough not to clutter."""


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    import io

    from proofs.files import atomic_write as _atomic_write

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata=_METADATA)
    _pyplot().close(fig)
    _atomic_write(path, buffer.getvalue())
    return path


def _a_axis(config, n=400):
    lo = min(min(config.a0), config.a_star) - 1.0 / config.t
    hi = max(max(config.a0), config.a_star) + 0.5 / config.t
    return np.linspace(lo, hi, n)


PLOT_CEILING = 1e200
"""Largest magnitude drawn on the log and symlog axes: matplotlib's log transform overflows in exp when the
data reach toward float64's 1.8e308 (large t); larger values are left out of the curve, not clipped."""


def _plottable(values) -> np.ndarray:
    """`values` with entries beyond `PLOT_CEILING` (or not finite) as nan, which matplotlib leaves out."""
    values = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(np.abs(values) <= PLOT_CEILING, values, np.nan)


def _landscape(result, path):
    from numerics.optimizers import derived

    plt = _pyplot()
    c = result.config
    a = _a_axis(c)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, t in enumerate(sorted({c.t / 2, c.t, 2 * c.t})):
        color = THEORY_GREYS[i]
        loss = derived("loss")(a=a, a_star=c.a_star, t=t, sigma=c.sigma)
        drawn = _plottable(loss)
        note = "" if np.isfinite(drawn).any() else f" (Loss > {PLOT_CEILING:g}: not drawn)"
        ax.semilogy(a, drawn, color=color, label=f"t = {t:g}{note}")
        threshold = float(derived("concavity_threshold")(a_star=c.a_star, t=t))
        ax.axvline(threshold, color=color, ls="--", lw=1)
        if t == c.t:
            ax.axvspan(a[0], threshold, color=color, alpha=0.12, label=f"concave region (t = {t:g})")
    ax.axvline(c.a_star, color="k", lw=1, ls=":", label="a*")
    title = f"Loss landscape (a* = {c.a_star:g}, σ = {c.sigma:g}); dashed: threshold a* - ln2/t"
    ax.set(xlabel="a", ylabel="Loss(a)", title=title)
    ax.legend(fontsize=8)
    return _save(fig, path)


def _gradient_hessian(result, path):
    from numerics.optimizers import derived

    plt = _pyplot()
    c = result.config
    a = _a_axis(c)
    values = {"a": a, "a_star": c.a_star, "t": c.t, "sigma": c.sigma}
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, name, label in zip(axes, ("gradient", "hessian"), ("dLoss/da", "d²Loss/da²")):
        f = derived(name)
        ax.plot(a, _plottable(f(**{k: values[k] for k in f.arguments})), color=THEORY_GREYS[0])
        ax.set_yscale("symlog", linthresh=1e-2)
        ax.axhline(0, color="k", lw=0.5)
        ax.axvline(c.a_star, color="k", lw=1, ls=":", label="a*")
        threshold = float(derived("concavity_threshold")(a_star=c.a_star, t=c.t))
        ax.axvline(threshold, color=THEORY_GREYS[1], lw=1, ls="--", label="a* - ln2/t")
        ax.set(xlabel="a", ylabel=label, title=f"{label} (t = {c.t:g}, σ = {c.sigma:g})")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def _loss_curves(result, path):
    plt = _pyplot()
    c = result.config
    n = len(c.a0)
    cols = min(n, 4)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.8 * rows), squeeze=False, sharey=True)
    for i, a0 in enumerate(c.a0):
        ax = axes.flat[i]
        ax.set_yscale("log")
        ax.set(title=f"a₀ = {a0:g}", xlabel="step k", ylabel="Loss(a_k)/Loss(a₀)")
        if not result.runs[0][1].loss[i, 0] > 0:  # a_0 = a*: nothing to divide by, nothing to plot on log axes
            ax.text(0.5, 0.5, "a₀ = a*: Loss(a₀) = 0,\nconverged at step 0", transform=ax.transAxes,
                    ha="center", va="center", fontsize=8)
            continue
        for j, (name, r) in enumerate(result.runs):
            stop = int(r.stop[i])
            relative = r.loss[i, : stop + 1] / r.loss[i, 0]
            linestyle, marker = STYLES[name]
            every = max(1, stop // MARKERS_PER_CURVE)
            ax.plot(np.arange(stop + 1), relative, color=COLORS[name], ls=linestyle, marker=marker, ms=3.5,
                    markevery=(j % every, every), label=f"{name} ({r.status[i]})", lw=1.2)
        ax.axhline(c.tol, color="k", lw=0.5, ls=":")
        ax.legend(fontsize=6)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    fig.suptitle(f"Loss against iteration (a* = {c.a_star:g}, t = {c.t:g}, σ = {c.sigma:g}, η = {c.eta:g})")
    fig.tight_layout()
    return _save(fig, path)


def _bound_functions():
    """(lower(eta), upper(eta), z_c(eta) or None): derived results when present, else derived limits."""
    import sympy as sp

    from analysis import derive
    from analysis.symbols import eta, z
    from numerics.optimizers import derived

    names = derive().names()

    def from_result(name, fallback):
        if name in names:
            f = derived(name)
            return lambda e: float(f(**{k: e for k in f.arguments}))
        return fallback

    lower = from_result("vc_ratio_lower_bound", lambda e: float(derived("vc_ratio_local")(eta=e)))
    upper_limit = sp.lambdify(eta, sp.limit(derive().vc_ratio_z, z, 0, "+"))
    upper = from_result("vc_ratio_upper_bound", lambda e: float(upper_limit(e)))
    z_critical = from_result("vc_z_critical", None)  # hook: drawn once the proofs issue derives it
    return lower, upper, z_critical


RATIO_AXIS = (1e-3, 1e3)
"""Loss-ratio axis of the vc figure: the exact ratio touches 0 between 1 and z_c and grows without bound past z_c."""


def _vc_ratio(result, path):
    from numerics.optimizers import derived

    plt = _pyplot()
    c = result.config
    fig, ax = plt.subplots(figsize=(7, 4.5))
    lower, upper, z_critical = _bound_functions()
    # out to past z_c, where the first step starts to raise the loss (ratio > 1)
    z_max = 1.5 * float(z_critical(c.eta)) if z_critical is not None else 10**1.5
    zs = np.logspace(-3, np.log10(z_max), 600)
    ax.semilogx(zs, derived("vc_ratio_z")(z=zs, eta=c.eta), color="k", lw=1.2, label="exact ratio (derived, in z)")
    ax.axhline(1, color="k", lw=0.5, ls=":")
    for bound, side, ls in ((lower, "lower", "--"), (upper, "upper", ":")):
        label = f"{side} bound above a*: {bound(c.eta):.4g}"
        ax.hlines(bound(c.eta), zs[0], 1, colors=THEORY_GREYS[1], ls=ls, label=label)
    if z_critical is not None:
        ax.axvline(z_critical(c.eta), color=THEORY_GREYS[2], ls="-.", label="z_c")
    for name, r in result.runs:
        if name not in ("vc", "vc-minibatch", "vc-log"):
            continue
        k = np.isfinite(r.ratio)
        z_k = np.exp((c.a_star - r.a[:, :-1][k]) * c.t)
        ax.scatter(z_k, r.ratio[k], s=10, color=COLORS[name], marker=STYLES[name][1], alpha=0.6,
                   label=f"measured: {name}", zorder=3)
        if name == "vc-log":
            constant = float(derived("vc_log_ratio")(eta=c.eta))
            ax.axhline(constant, color=COLORS[name], ls=STYLES[name][0], lw=1,
                       label=f"vc-log exact ratio (1-η)² = {constant:.4g}")
    ax.axvline(1, color="k", lw=0.5, ls=":")
    ax.set_yscale("log")
    ax.set_ylim(RATIO_AXIS)
    ax.set(xlabel="z = exp((a* - a_k) t)   (z < 1: a_k above a*)", ylabel="Loss(a_(k+1)) / Loss(a_k)",
           title=f"Variance-corrected rule: per-step loss ratio (η = {c.eta:g})")
    ax.legend(fontsize=8)
    return _save(fig, path)


def _heatmap(result, path):
    from numerics.optimizers import FLOW_TOL

    plt = _pyplot()
    s = result.sweep
    names = [n for n, _ in s.grid.optimizers]
    cols = min(len(names), 4)
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 3.0 * rows), squeeze=False, layout="constrained")
    steps = s.steps_to_tol[..., 0, 0].astype(float)
    at_optimum = [j for j, v in enumerate(s.grid.a0) if v == s.grid.a_star]  # 0 steps: not a speed
    steps[:, at_optimum, :] = -1
    finite = steps[steps >= 0]
    vmax = max(float(finite.max()), 1.0) if finite.size else 1.0
    cmap = plt.get_cmap("viridis").with_extremes(bad="lightgrey")
    image = None
    for k, name in enumerate(names):
        ax = axes.flat[k]
        data = np.ma.masked_less(steps[k].T, 0)
        image = ax.imshow(data, origin="lower", aspect="auto", cmap=cmap, vmin=0, vmax=vmax,
                          extent=(-0.5, len(s.grid.a0) - 0.5, -0.5, len(s.grid.eta) - 0.5))
        ax.set_xticks(range(len(s.grid.a0)), [f"{v:g}" for v in s.grid.a0], fontsize=6, rotation=90)
        ax.set_yticks(range(len(s.grid.eta)), [f"{v:g}" for v in s.grid.eta], fontsize=7)
        for j in at_optimum:
            ax.axvspan(j - 0.5, j + 0.5, facecolor="white", edgecolor="k", hatch="//", lw=0.5)
        ax.set(xlabel="a₀", ylabel="η")
        ax.set_title(name, color=COLORS[name])
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    hatched = "; hatched: a₀ = a*, the start is the optimum" if at_optimum else ""
    fig.suptitle(f"Steps to Loss ≤ {s.grid.tol:g}·Loss(a₀) and |a - a*| t ≤ {FLOW_TOL:g} "
                 f"(grey: diverged, overflow or budget {s.grid.steps}{hatched})", fontsize=9)
    fig.colorbar(image, ax=list(axes.flat[: len(names)]), label="steps", shrink=0.8)
    return _save(fig, path)


def render_all(result, out_dir) -> list[Path]:
    """Draw every figure of `result` into out_dir; returns the paths in `FIGURES` order."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    draw = (_landscape, _gradient_hessian, _loss_curves, _vc_ratio, _heatmap)
    return [f(result, out / name) for f, name in zip(draw, FIGURES)]
