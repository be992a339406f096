"""`simplest-node report`: the article compiles cleanly, labels every result, is reproducible and atomic."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import struct
import sys
import types
import zlib
from pathlib import Path

import pytest

from analysis import Result, derive
from analysis.derivation import Derivation
from analysis.symbols import a, eta
from proofs import document, latex, report
from proofs.claim import Claim, Outcome, Settings
from proofs.cli import main

OVERFULL_TOLERANCE_PT = 3.0
"""'A few points': under a third of a letter's width at 11pt, invisible in print; wider is a layout defect."""
SMALL_SETTINGS = Settings(samples=16, seed=0, dps=30)
"""Verification settings for the tests: the report's shape, not the claims' strength, is tested here."""
REPRODUCIBLE_SUFFIXES = (".tex", ".json", ".md", ".csv")
"""The files the report promises byte-identical across runs with the same arguments."""

ENGINE = report.find_engine()


def _need_engine():
    """Skip without a TeX engine, except under CI, where a missing engine is a failure."""
    if ENGINE is None:
        if os.environ.get("CI"):
            pytest.fail("no TeX engine under CI: .ci/run installs texlive-latex-base and latexmk")
        pytest.skip("no TeX engine (pdflatex) installed")


def _quiet(stage, seconds, note):
    pass


def _small_experiment():
    """The default experiment configuration, or None when the experiments have not landed."""
    try:
        from proofs.experiment import ExperimentConfig
    except ModuleNotFoundError:
        return None
    config = ExperimentConfig(seed=0)
    small = {"steps": 200, "heatmap_a0": (-1.0, 0.5, 2.0), "heatmap_eta": (0.1, 0.5)}  # the figures' shape only
    names = {f.name for f in dataclasses.fields(config)}
    return dataclasses.replace(config, **{k: v for k, v in small.items() if k in names})


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def _overfull(log: str) -> list[float]:
    return [float(w) for w in re.findall(r"Overfull \\[hv]box \((\d+(?:\.\d+)?)pt too (?:wide|high)\)", log)]


def _pages(log: str) -> int:
    match = re.search(r"Output written on .*?\((\d+) pages?", log)
    assert match, "the log records no output"
    return int(match.group(1))


def _assert_clean(log: str) -> None:
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert not errors, errors
    assert "undefined" not in log.lower().replace("undefined control", ""), [
        line for line in log.splitlines() if "undefined" in line.lower()
    ]
    assert "pk>" not in log, "a bitmap font was generated: a glyph outside the basic installation's Type 1 fonts"
    assert all(width <= OVERFULL_TOLERANCE_PT for width in _overfull(log)), _overfull(log)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One report, shared: (summary, directory)."""
    out = tmp_path_factory.mktemp("report") / "out"
    options = report.ReportOptions(pdf=ENGINE is not None, settings=SMALL_SETTINGS, experiment=_small_experiment())
    return report.build(out, options, progress=_quiet), out


# --- the article -----------------------------------------------------------------------------


def test_every_derived_result_is_a_labelled_equation(built):
    summary, out = built
    source = (out / report.TEX_NAME).read_text()
    for name in derive().names():
        assert source.count(f"\\label{{eq:{name}}}") == 1, name
    assert {"formulas.json", "formulas.md", report.TEX_NAME} <= set(summary.files)
    assert "This is not the paper's model" not in source


def test_every_equation_is_the_derivations_latex(built):
    """Each labelled display holds exactly sympy.latex of its result (nothing typed in its place)."""
    from proofs.formulas import latex as derived_latex

    _, out = built
    source = (out / report.TEX_NAME).read_text()
    for result in derive():
        block = re.search(r"\\label\{eq:" + re.escape(result.name) + r"\}\n(.*?)\\end\{equation\}", source, re.S)
        assert block and block.group(1).rstrip().endswith(derived_latex(result.expr) + "$}"), result.name


def test_files_get_the_usual_permissions(built):
    _, out = built
    umask = os.umask(0)
    os.umask(umask)
    modes = {p.relative_to(out).as_posix(): p.stat().st_mode & 0o777 for p in out.rglob("*") if p.is_file()}
    assert set(modes.values()) == {0o666 & ~umask}, modes


def test_document_uses_only_the_basic_packages(built):
    _, out = built
    source = (out / report.TEX_NAME).read_text()
    packages = re.findall(r"\\usepackage(?:\[[^]]*\])?\{([^}]*)\}", source)
    assert sorted(packages) == sorted(latex.PACKAGES)


def test_document_compiles_without_errors_undefined_references_or_overfull_boxes(built):
    _need_engine()
    summary, out = built
    assert summary.pdf is not None and (out / report.PDF_NAME).read_bytes()[:5] == b"%PDF-"
    _assert_clean(summary.pdf.log)


def test_page_count_within_the_expected_range(built):
    _need_engine()
    summary, out = built
    lines = (out / report.TEX_NAME).read_text().splitlines()
    claims = sum(1 for line in lines if line.startswith("\\begin{claim}"))
    floats = sum(1 for line in lines if line.startswith(("\\begin{figure}", "\\begin{table}")))
    # the derivations fill three to five pages; a claim takes about a third of a page under its section and
    # as much again in the appendix of check details; a figure or table at most a page; plus the
    # verification page
    low, high = 3 + claims // 3, 6 + (2 * claims + 2) // 3 + floats
    assert low <= summary.pdf.pages <= high
    assert summary.pdf.pages == _pages(summary.pdf.log)


def test_second_run_gives_identical_bytes(built, tmp_path):
    summary, out = built
    again = tmp_path / "again"
    options = report.ReportOptions(pdf=False, settings=SMALL_SETTINGS, experiment=_small_experiment())
    report.build(again, options, progress=_quiet)
    first = {k: v for k, v in _snapshot(out).items() if k.endswith(REPRODUCIBLE_SUFFIXES)}
    second = {k: v for k, v in _snapshot(again).items() if k.endswith(REPRODUCIBLE_SUFFIXES)}
    assert first.keys() == second.keys() and first
    for name in first:
        assert first[name] == second[name], name


def test_skipped_stage_is_said_not_faked(tmp_path, monkeypatch):
    def absent(*args):
        raise report.StageSkipped("proofs.verify not available")

    monkeypatch.setattr(report, "stage_verify", absent)
    monkeypatch.setattr(report, "_registry_claims", lambda: None)
    monkeypatch.setattr(report, "stage_experiments", absent)
    notes = []
    summary = report.build(tmp_path / "r", report.ReportOptions(pdf=False), progress=lambda *s: notes.append(s))
    source = (tmp_path / "r" / report.TEX_NAME).read_text()
    assert "verification.json" not in summary.files and "experiments/runs.csv" not in summary.files
    assert source.count("Not generated.") >= 2 and "\\begin{claim}" not in source
    stages = {n[0]: n[2] for n in notes}
    assert (
        sorted(stages)
        == sorted(["derive", "verify", "experiments", "figures", "LaTeX", "PDF"])
        == sorted(n[0] for n in notes)
    )
    assert "proofs.verify not available" in stages["verify"]


def test_a_result_added_later_gets_its_labelled_equation():
    base = derive()
    extra = Result("zz_added_later", (1 - eta) ** 2 * a, "A result no section lists.")
    extended = Derivation(base.model, (*base.results, extra))
    source = document.document(document.Contents(derivation=extended))
    assert "\\label{eq:zz_added_later}" in source and "\\section{Further results}" in source


def test_with_mean_derives_the_mean(tmp_path, monkeypatch):
    def absent(*args):
        raise report.StageSkipped("not in this test")

    monkeypatch.setattr(report, "stage_verify", absent)
    monkeypatch.setattr(report, "stage_experiments", absent)
    report.build(tmp_path / "m", report.ReportOptions(with_mean=True, pdf=False), progress=_quiet)
    source = (tmp_path / "m" / report.TEX_NAME).read_text()
    assert "\\mu" in source and "This is not the paper's model" in source


# --- atomicity and failures --------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["stage_derive", "stage_verify", "stage_experiments", "stage_figures", "document"])
def test_failing_stage_leaves_the_existing_report_as_it_was(built, tmp_path, monkeypatch, stage):
    _, out = built
    existing = tmp_path / "existing"
    shutil.copytree(out, existing)
    before = _snapshot(existing)

    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure")

    def absent(*args):
        raise report.StageSkipped("not in this test")

    for slow in ("stage_verify", "stage_experiments"):  # only the failing stage matters here
        monkeypatch.setattr(report, slow, absent)
    if stage == "stage_figures":  # the figures stage runs only after experiments that produced a result
        monkeypatch.setattr(report, "stage_experiments", lambda *args: (None, None, None))
    monkeypatch.setattr(report, stage, broken)
    with pytest.raises(report.ReportError, match="simulated failure"):
        report.build(existing, report.ReportOptions(pdf=False, settings=SMALL_SETTINGS), progress=_quiet)
    assert _snapshot(existing) == before
    assert [p.name for p in tmp_path.iterdir()] == ["existing"]  # no temporary directory left behind


def test_latex_failure_keeps_the_log_and_shows_the_first_error(built, tmp_path, monkeypatch):
    _need_engine()
    _, out = built
    existing = tmp_path / "existing"
    shutil.copytree(out, existing)
    before = _snapshot(existing)
    monkeypatch.setattr(report, "stage_verify", lambda *args: (_ for _ in ()).throw(report.StageSkipped("test")))
    monkeypatch.setattr(report, "stage_experiments", lambda *args: (_ for _ in ()).throw(report.StageSkipped("test")))
    monkeypatch.setattr(report, "document", lambda contents: "\\documentclass{article}\\begin{document}\\nosuchmacro\n")
    with pytest.raises(report.ReportError, match=r"LaTeX failed: ! Undefined control sequence"):
        report.build(existing, report.ReportOptions(pdf=True), progress=_quiet)
    after = _snapshot(existing)
    assert "Undefined control sequence" in after.pop(report.LOG_NAME).decode()
    assert after == before


def test_out_that_is_a_file_is_refused_with_exit_2(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("not a directory")
    assert main(["report", "--out", str(target), "--no-pdf"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a directory" in err
    assert target.read_text() == "not a directory"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write anywhere")
def test_out_that_is_not_writable_is_refused_with_exit_2(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert main(["report", "--out", str(locked / "r"), "--no-pdf"]) == 2
    finally:
        locked.chmod(0o700)
    assert "not writable" in capsys.readouterr().err


def test_pdf_demanded_without_engine_exits_1_naming_the_packages(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(report.shutil, "which", lambda name: None)
    assert main(["report", "--out", str(tmp_path / "r"), "--pdf"]) == 1
    err = capsys.readouterr().err
    assert "texlive-latex-base" in err and "latexmk" in err
    assert not (tmp_path / "r").exists()


def test_negative_seed_is_refused_with_exit_2(tmp_path, capsys):
    assert main(["report", "--out", str(tmp_path / "r"), "--seed", "-1", "--no-pdf"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


# --- claims and figures as the contracts of the proofs and experiments issues deliver them --------
# Test doubles for modules built in parallel: they check the article's typesetting of claims, verdicts,
# counterexamples and figures (they are never used by the report itself).


def _png() -> bytes:
    """A valid 1x1 white PNG."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


def _double_modules():
    long_detail = "simplify(" + "+".join(f"exp({k}*a*t)*sigma**2" for k in range(12)) + ") = 0 over all a, t > 0"
    claims = (
        Claim(
            id="double-holds-with-a-long-identifier",  # latex in math mode, as the registry writes it
            statement="A statement with a_k < 1 & 50% and η → ∞.",
            latex=r"\mathcal{L}(a) \ge 0 \ \forall a,\quad \mathcal{L}(a) = 0 \iff a = a^{*}",
            assumptions="a real, t > 0, sigma > 0; x0 ~ N(0, sigma^2)",
            expected="holds",
            symbolic=lambda s: Outcome("symbolic", "confirmed", long_detail),
            numeric=lambda s: Outcome("numeric", "confirmed", "worst relative error over points", worst_error=3e-49),
            interval=lambda s: Outcome("interval", "confirmed", "every piece decided", pieces=1024),
            inequality=True,
            source="paper",
        ),
        Claim(
            id="double-refuted",
            statement="False as stated.",
            latex=r"$\mathcal{L}(a_k) = (1 - 2\eta)^k \mathcal{L}(a_0)$ for every $a_0$ and $\eta$.",
            assumptions="0 < eta < 1",
            expected="refuted",
            symbolic=lambda s: Outcome(
                "symbolic",
                "refuted",
                "ratio differs",
                counterexample={"eta": 0.5, "a0": 1.0000000000000000000001, "ratio": 0.123456789012345, "k": 1},
            ),
        ),
    )
    registry = types.ModuleType("proofs.registry")
    registry.CLAIMS = claims
    verify = types.ModuleType("proofs.verify")

    def run_all(ids=None, settings=Settings()):
        from proofs.claim import run_claim

        return tuple(run_claim(c, settings) for c in claims)

    verify.verify = run_all
    verify.as_json = lambda results: __import__("json").dumps([r.as_record() for r in results])

    experiment = types.ModuleType("proofs.experiment")

    @dataclasses.dataclass(frozen=True)
    class ExperimentConfig:
        seed: int = 0
        optimizers: tuple = ("gd", "sgd", "adam", "vc")
        eta: float = 0.1

    experiment.ExperimentConfig = ExperimentConfig
    experiment.run = lambda config: {"config": config}
    a0s = (-2.0, 0.5, 1.5, 2.0, 2.5, 3.0, 3.5, -1.5)  # as many initialisations as the table takes
    rows = [f"gd,{a0},0,{a0},1.0,,budget," for a0 in a0s] + ["gd,0.5,1,0.5,1.0,,converged,7"]
    rows += [f"gauss-newton-lm,{a0},0,{a0},1.0,,diverged," for a0 in a0s] + ["vc,-2.0,0,-2.0,1.0,,converged,40"]
    experiment.write_runs_csv = lambda result, path: Path(path).write_text(
        "optimizer,a0,step,a,loss,ratio,status,steps_to_tol\n" + "\n".join(rows) + "\n"
    )
    figures = types.ModuleType("proofs.figures")

    def render_all(result, out_dir):
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        for stem in ("loss_landscape", "vc_ratio"):
            (out_dir / f"{stem}.png").write_bytes(_png())
            paths.append(out_dir / f"{stem}.png")
        return paths

    figures.render_all = render_all
    return {
        "proofs.registry": registry,
        "proofs.verify": verify,
        "proofs.experiment": experiment,
        "proofs.figures": figures,
    }


def test_claims_verdicts_and_figures_are_typeset_cleanly(tmp_path):
    doubles = _double_modules()
    with pytest.MonkeyPatch.context() as patch:
        for name, module in doubles.items():
            patch.setitem(sys.modules, name, module)
        summary = report.build(tmp_path / "r", report.ReportOptions(pdf=ENGINE is not None), progress=_quiet)
    source = (tmp_path / "r" / report.TEX_NAME).read_text()
    for claim in doubles["proofs.registry"].CLAIMS:
        assert f"\\label{{claim:{claim.id}}}" in source and claim.latex in source
        assert f"\\label{{check:{claim.id}}}" in source and f"\\ref{{check:{claim.id}}}" in source
    assert "Of the 1 statement taken from the paper, 1 holds; the other 1 claim is the toolkit's own." in source
    assert "\\textbf{refuted} (expected: refuted; as expected)" in source
    assert (
        "eta = 0.5" in source.replace("\\allowbreak{}", "")
        and "\\includegraphics" in source
        and "Further results" in source
    )
    assert "2 of 2 verdicts equal the expected verdict" in source
    assert "$-2.0$ & $0.5$" in source and "gd & bud. & 7 & bud." in source and "vc & 40 & " in source
    assert {"verification.json", "experiments/runs.csv", "figures/vc_ratio.png"} <= set(summary.files)
    assert '"seconds"' not in (tmp_path / "r" / "verification.json").read_text()
    if ENGINE is not None:
        _assert_clean(summary.pdf.log)


# --- installing over an earlier report ---------------------------------------------------------


def _absent(*args):
    raise report.StageSkipped("not in this test")


def test_a_later_build_removes_the_owned_files_it_did_not_produce(built, tmp_path, monkeypatch):
    """--no-pdf (or a skipped stage) after a full report: the old PDF and figures go, the user's files stay."""
    _, out = built
    existing = tmp_path / "existing"
    shutil.copytree(out, existing)
    (existing / report.PDF_NAME).write_bytes(b"%PDF of an earlier .tex")  # whether or not a TeX engine ran
    (existing / "figures" / "old_figure.png").write_bytes(b"\x89PNG old")
    (existing / "notes.txt").write_text("the user's")
    (existing / "figures" / "notes.txt").write_text("the user's too")
    monkeypatch.setattr(report, "stage_verify", _absent)
    monkeypatch.setattr(report, "stage_experiments", _absent)
    summary = report.build(existing, report.ReportOptions(pdf=False), progress=_quiet)
    left = set(_snapshot(existing))
    assert left == set(summary.files) | {"notes.txt", "figures/notes.txt"}
    assert report.PDF_NAME not in left and "experiments/runs.csv" not in left
    assert not any(name.endswith(".png") for name in left)


def test_install_replaces_files_and_removes_stale_ones_in_one_pass(tmp_path):
    build_dir, out = tmp_path / "build", tmp_path / "out"
    (build_dir / "figures").mkdir(parents=True)
    (build_dir / report.TEX_NAME).write_text("new tex")
    (build_dir / "figures" / "a.png").write_bytes(b"new a")
    (out / "figures").mkdir(parents=True)
    (out / report.TEX_NAME).write_text("old tex")
    (out / report.PDF_NAME).write_bytes(b"old pdf")
    (out / "figures" / "b.png").write_bytes(b"old b")
    (out / "mine.pdf").write_bytes(b"user")
    report._install(build_dir, out)
    assert _snapshot(out) == {report.TEX_NAME: b"new tex", "figures/a.png": b"new a", "mine.pdf": b"user"}
    assert {p.stat().st_mode & 0o777 for p in out.rglob("*") if p.is_file() and p.name != "mine.pdf"} == {
        0o666 & ~_umask()
    }


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.skipif(not hasattr(__import__("signal"), "pthread_sigmask"), reason="needs POSIX signal masks")
def test_an_interrupt_during_install_waits_until_the_pass_is_done(tmp_path, monkeypatch):
    """SIGINT arriving mid-install is held back: the directory ends all new, never a mix."""
    import signal

    build_dir, out = tmp_path / "build", tmp_path / "out"
    build_dir.mkdir()
    out.mkdir()
    for name in ("formulas.json", "formulas.md", report.TEX_NAME):
        (build_dir / name).write_text("new " + name)
        (out / name).write_text("old " + name)
    (out / report.PDF_NAME).write_bytes(b"old pdf")
    replace = os.replace
    calls = []

    def interrupted_replace(source, target):
        if not calls:
            os.kill(os.getpid(), signal.SIGINT)
        calls.append(target)
        replace(source, target)

    monkeypatch.setattr(report.os, "replace", interrupted_replace)
    with pytest.raises(KeyboardInterrupt):
        report._install(build_dir, out)
    assert len(calls) == 3
    names = ("formulas.json", "formulas.md", report.TEX_NAME)
    assert _snapshot(out) == {name: f"new {name}".encode() for name in names}


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc")
def test_out_under_proc_is_refused_with_exit_2(capsys):
    assert main(["report", "--out", "/proc/simplest-node-report", "--no-pdf"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--out" in err


def test_unusable_temporary_directory_is_exit_2_not_a_traceback(tmp_path, monkeypatch, capsys):
    """The file system can change between the check and the build: still one line, exit 2."""

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(report.tempfile, "mkdtemp", refuse)
    monkeypatch.setattr(report, "check_out", lambda out: None)
    assert main(["report", "--out", str(tmp_path / "r"), "--no-pdf"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not writable" in err
