"""skweights' benchmark (``make bench``): speed against scikit-learn, the matmul-only
limit and PyTorch, linear models to the same objective, prediction, memory, SHAP,
and DeepSHAP's error against exact Shapley values.

Prints one markdown table per case to stdout (progress goes to stderr) and writes
them to ``benchmarks/results/latest.md`` plus a dated copy (case 9 also to
``explain.md`` and its accuracy table to ``explain_accuracy.csv``). See
benchmarks/README.md.

Usage::

    .venv/bin/python benchmarks/run.py            # the full run (make bench)
    .venv/bin/python benchmarks/run.py --quick    # small settings, about a minute
    .venv/bin/python benchmarks/run.py --cases 1,4
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the private _*.py modules and bench_shap.py

import _alpha_cv  # noqa: E402
import _compile  # noqa: E402
import _explain_accuracy  # noqa: E402
import _explain_data  # noqa: E402
import _explain_speed  # noqa: E402
import _feature_selection  # noqa: E402
import _linear  # noqa: E402
import _mlp  # noqa: E402
from _report import environment, table  # noqa: E402

SETTINGS = {
    "full": {
        "n_samples": 50_000,
        "epochs": 10,
        "repeats": {"float32": 3, "float64": 2},
        "linear_repeats": 3,
        "predict_rows": 50_000,
        "predict_repeats": 5,
        "memory_epochs": 1,
        "compile_repeats": 3,
        "explain_rows": 200,
        "exact_rows": {8: (20, 3), 12: (4, 1)},
        "sampling_rows": 5,
        "explain_repeats": 3,
    },
    "quick": {
        "n_samples": 10_000,
        "epochs": 2,
        "repeats": {"float32": 1, "float64": 1},
        "linear_repeats": 1,
        "predict_rows": 10_000,
        "predict_repeats": 2,
        "memory_epochs": 1,
        "compile_repeats": 1,
        "explain_rows": 10,
        "exact_rows": {8: (5, 1), 12: (2, 1)},
        "sampling_rows": 2,
        "explain_repeats": 1,
    },
}
ALL_CASES = (1, 2, 3, 4, 5, 6, 7, 8, 9)
# Case 9's own files (besides latest.md): the docs include the accuracy table.
EXPLAIN_REPORT = "explain.md"
EXPLAIN_ACCURACY = "explain_accuracy.csv"


def log(message: str) -> None:
    """Progress to stderr, so stdout stays the markdown report."""
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line.

    Examples
    --------
    >>> args = parse_args(["--quick", "--cases", "1,4"])
    >>> args.quick, args.cases
    (True, [1, 4])
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="small data, 2 epochs, 1 repeat"
    )
    parser.add_argument(
        "--cases",
        type=lambda text: sorted({int(c) for c in text.split(",") if c.strip()}),
        default=list(ALL_CASES),
        help="comma-separated case numbers to run (default: all)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="repeats of every MLP timing (default: 3 float32, 2 float64)",
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=HERE / "results",
        help="where latest.md and the dated copy go",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="limit BLAS/OpenMP (and torch) threads via threadpoolctl (default: as is)",
    )
    parser.add_argument("--no-write", action="store_true", help="stdout only")
    parser.add_argument(
        "--shap-full",
        action="store_true",
        help="run case 6 with bench_shap.run(quick=False) (slow)",
    )
    args = parser.parse_args(argv)
    unknown = set(args.cases) - set(ALL_CASES)
    if args.threads is not None and args.threads < 1:
        parser.error("--threads must be an integer >= 1")
    if unknown:
        parser.error(f"unknown case(s) {sorted(unknown)}; choose among {ALL_CASES}")
    return args


def section(title: str, description: str, body: str) -> str:
    return f"## {title}\n\n{description}\n\n{body}\n"


def mlp_sections(args, settings) -> list[str]:
    """Cases 1, 2, 3 and 5 (they share the fitted MLPs)."""
    cases = set(args.cases)
    out = []
    n, epochs = settings["n_samples"], settings["epochs"]
    with_torch = _mlp.torch_available()
    datas = {kind: _mlp.make_data(kind, n) for kind in _mlp.KINDS}
    runs = []
    if cases & {1, 2, 3, 5}:
        for kind in _mlp.KINDS:
            for dtype in ("float32", "float64"):
                repeats = args.repeats or settings["repeats"][dtype]
                log(f"case 1-3: {kind} {dtype}, {repeats} repeats")
                runs.append(
                    _mlp.train_row(
                        datas[kind],
                        dtype,
                        epochs,
                        repeats,
                        with_torch and 3 in cases,
                        log,
                    )
                )
    n_train = runs[0].n_train if runs else int(0.8 * n)
    shape = (
        f"hidden {_mlp.HIDDEN}, ReLU, Adam lr={_mlp.LEARNING_RATE}, batch {_mlp.BATCH}"
    )
    reps = {
        dtype: args.repeats or settings["repeats"][dtype]
        for dtype in ("float32", "float64")
    }
    if 1 in cases:
        out.append(
            section(
                "Case 1: MLP training, skweights vs scikit-learn",
                f"make_classification({n:_}, 100, n_informative=30, n_classes=5) and "
                f"make_regression({n:_}, 100) (target standardized), 80/20 split "
                f"({n_train:_} training rows); {shape}; {epochs} epochs, no early "
                f"stopping; alpha {_mlp.SKLEARN_ALPHA:g} for scikit-learn = "
                f"{_mlp.SKWEIGHTS_ALPHA:.3g} for skweights (same objective: "
                "scikit-learn divides alpha by the batch size). Medians of "
                f"{reps['float32']} (float32) / {reps['float64']} (float64) "
                "alternating repeats. Score: held-out accuracy "
                "(classifier) or R² (regressor); Δ in points (x100).",
                table(_mlp.case1_rows(runs)),
            )
        )
    if 2 in cases:
        out.append(
            section(
                "Case 2: the matmul-only limit",
                "Only the forward and backward matrix products of the same epochs "
                "(same shapes and batch, np.matmul into preallocated outputs, same "
                "dtype), timed in the same alternation as case 1. The fraction is "
                "limit time / skweights time (1.0 = nothing but matmuls).",
                table(_mlp.case2_rows(runs)),
            )
        )
    if 3 in cases:
        rows = _mlp.case3_rows(runs)
        body = (
            table(rows)
            if rows
            else "_Skipped: torch is not importable in this environment (it is "
            "optional; install a CPU build of torch to run this case)._"
        )
        out.append(
            section(
                "Case 3: PyTorch CPU reference (float32 and float64)",
                "nn.Sequential with the same layers in the row's dtype, "
                "torch.optim.Adam, batch 256 from a randperm per epoch, "
                "torch.set_num_threads = the BLAS thread count; no weight decay. "
                "Speed-up = torch time / skweights time.",
                body,
            )
        )
    if 4 in cases:
        log("case 4: linear models")
        rows = _linear.case4_rows(args.quick, settings["linear_repeats"], log)
        out.append(
            section(
                "Case 4: linear models to the same objective value",
                "Objective in skweights' convention (mean loss + alpha * (l1_ratio * "
                "||W||_1 + (1 - l1_ratio) / 2 * ||W||²)); J* = the lower of both "
                f"libraries' fits at tol={_linear.REFERENCE_TOL:g}. Each library is "
                "timed at the loosest tol of "
                f"{', '.join(f'{t:g}' for t in _linear.TOL_GRID)} whose fit is within "
                f"{_linear.REL_GAP:g} relative of J*; medians of "
                f"{settings['linear_repeats']} alternating repeats (the ratio is the "
                "median of the per-repeat ratios). scikit-learn: "
                "LogisticRegression(C=1/(alpha*n), lbfgs), Ridge(alpha*n, solver "
                "'auto' = Cholesky, tol unused), Lasso/ElasticNet (coordinate "
                "descent); skweights' optimizer 'auto' (lbfgs for logistic "
                "regression, 'direct' for L2 regression, 'cd' for L1 and elastic "
                "net).",
                table(rows),
            )
        )
        path_rows = _linear.path_rows(args.quick, settings["linear_repeats"], log)
        out.append(
            section(
                "Case 4b: regularization paths",
                "regularization_path of a LinearRegressor against enet_path on the "
                "same 100-alpha grid (alpha_max to 1e-3 alpha_max) and pre-centred "
                "data; make_regression with noise 10. Ratio: median of per-repeat "
                "ratios, alternating.",
                table(path_rows),
            )
        )
    if 5 in cases:
        log("case 5: prediction and memory")
        throughput = _mlp.throughput_rows(
            runs,
            datas,
            settings["predict_rows"],
            settings["predict_repeats"],
            log,
        )
        memory = _mlp.memory_rows(
            {kind: datas[kind] for kind in _mlp.KINDS}, settings["memory_epochs"], log
        )
        out.append(
            section(
                "Case 5: prediction throughput and memory of fit",
                f"5a: predict_proba on {settings['predict_rows']:_} rows with case 1's "
                f"fitted classifiers, medians of {settings['predict_repeats']} "
                "alternating repeats. 5b: peak bytes allocated during fit "
                f"({settings['memory_epochs']} epoch, case 1's settings) above the "
                "baseline, measured with tracemalloc (numpy reports its buffers to "
                "it; BLAS scratch space is not seen), divided by X.nbytes.",
                "### 5a: predict_proba throughput\n\n"
                + table(throughput)
                + "\n\n### 5b: peak extra memory of fit\n\n"
                + table(memory),
            )
        )
    return out


def shap_section(args) -> str:
    """Case 6 from bench_shap.run (written separately), or a note why it is skipped."""
    title = "Case 6: SHAP (skweights.explain vs shap's explainers)"
    try:
        import bench_shap
    except ImportError as error:
        return section(title, f"_Skipped: benchmarks/bench_shap.py ({error})._", "")
    log("case 6: SHAP")
    quick = args.quick or not args.shap_full
    try:
        rows = bench_shap.run(quick=quick)
    except Exception as error:  # a broken case must not hide the others' tables
        return section(title, f"_Failed: {type(error).__name__}: {error}_", "")
    return section(
        title, f"From benchmarks/bench_shap.py, run(quick={quick}).", table(rows)
    )


def explain_sections(args, settings) -> tuple[list[str], list[dict]]:
    """Case 9: DeepSHAP against exact values (9a), exact and sampling speed (9b).

    Returns the sections and 9a's formatted rows (for ``explain_accuracy.csv``).
    """
    n_explain = settings["explain_rows"]
    loaders = [lambda load=load: load(n_explain) for load in _explain_data.LOADERS]
    accuracy = _explain_accuracy.formatted(_explain_accuracy.rows(loaders, log))
    out = [
        section(
            "Case 9a: DeepSHAP against the exact Shapley values (not a timing)",
            _explain_accuracy.DESCRIPTION.format(
                rows=n_explain, brute=_explain_accuracy.N_BRUTE_FORCE
            ),
            table(accuracy),
        )
    ]
    repeats = settings["explain_repeats"]
    exact, sampling = [], []
    for setting in ("pipeline", "array"):
        build = getattr(_explain_speed, f"{setting}_problem")
        for d, (n_ours, n_shap) in settings["exact_rows"].items():
            log(f"case 9b: exact, {setting}, d = {d}")
            exact.append(_explain_speed.exact_row(build(d), n_ours, n_shap, repeats))
        log(f"case 9b: sampling, {setting}, d = {_explain_speed.SAMPLING_D}")
        sampling += _explain_speed.sampling_rows(
            build(_explain_speed.SAMPLING_D), settings["sampling_rows"], repeats, log
        )
    out.append(
        section(
            "Case 9b: exact and sampled Shapley values, skweights vs shap",
            _explain_speed.DESCRIPTION.format(repeats=repeats),
            "### Exact\n\n" + table(exact) + "\n\n### Sampling\n\n" + table(sampling),
        )
    )
    return out, accuracy


def compile_section(settings) -> str:
    """Case 7: the first fit and explain of fresh processes, cold and warm cache."""
    repeats = settings["compile_repeats"]
    log(f"case 7: first calls in fresh processes, {repeats} cold/warm pairs")
    return section(
        "Case 7: first fit and first explain in a fresh process (compilation)",
        "Each child is a new Python process with NUMBA_CACHE_DIR set to a new empty "
        "directory (cold: every kernel compiles) or to the one its cold run filled "
        "(warm: kernels load from the cache). It times the first call after "
        "importing skweights, scikit-learn and shap (numba's import and compilation "
        "included) and a second identical call (steady). Fits: "
        "MLPClassifier((256, 128)), Adam, batch 256, 1 epoch on 512 x 100 rows "
        "(5 classes), float32 then float64; explain: 50 rows, 100 background rows, "
        "output='probability'. Extra: first minus second call in the same child "
        f"(what starting costs). Medians of {repeats} cold/warm pairs.",
        table(_compile.rows(_compile.measure(repeats, log))),
    )


def feature_selection_section(args) -> str:
    """Case 8: the group-penalty path against LassoNet's (optional) and LassoCV."""
    return section(
        "Case 8: feature selection inside an MLP (group penalty vs LassoNet)",
        "make_friedman1(2000, 20 features, noise 1), standardized, 75/25 split; "
        "features 0-4 are informative. skweights: regularization_path of "
        "MLPRegressor((32,), penalty=['group_l1', L2(1e-2)], lr 1e-2, max_iter 100 "
        "per alpha), 20 alphas from the linear alpha_max down to 1e-3 of it, then "
        "up past it until no feature is left. LassoNet: LassoNetRegressor("
        "hidden_dims=(32,)).path with its defaults (dense start, lambda x1.02 until "
        "no feature is left), torch threads = BLAS threads; optional (skipped, with "
        "the issue's 23 s, when lassonet is not importable, and in --quick). Each "
        "path timed once (wall and process CPU seconds, the latter less sensitive "
        "to a shared machine); R²: the best held-out R² among the path's models "
        "that keep exactly features 0-4.",
        table(_feature_selection.rows(args.quick, log)),
    )


def alpha_cv_section(args) -> str:
    """Case 10: the CV estimators against GridSearchCV and LassoCV (issue 26)."""
    return section(
        "Case 10: choosing alpha (CV estimators vs GridSearchCV, LassoCV)",
        _alpha_cv.__doc__.split("\n\n", 1)[1].replace("\n", " ").strip()
        + f" Data: make_classification ({1_000 if args.quick else 5_000:_} rows, 20 "
        "features, 3 classes, standardized), MLP (64,) Adam, stratified 5-fold; "
        "make_regression(200 features) for 10b. Each timed once (10a) or the median "
        "of alternating repeats (10b).",
        "### 10a: MLPClassifierCV vs GridSearchCV\n\n"
        + table(_alpha_cv.mlp_rows(args.quick, log))
        + "\n\n### 10b: LinearRegressorCV vs LassoCV\n\n"
        + table(_alpha_cv.lasso_rows(args.quick, log)),
    )


ALL_CASES = (*ALL_CASES, 10)  # case 10: benchmarks/_alpha_cv.py


def main(argv: list[str] | None = None) -> str:
    """Run the selected cases; print and (unless --no-write) save the report."""
    args = parse_args(argv)
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=args.threads):
            return _run(args)
    return _run(args)


def _run(args: argparse.Namespace) -> str:
    settings = SETTINGS["quick" if args.quick else "full"]
    start = time.perf_counter()
    header = [
        "# skweights benchmark" + (" (--quick)" if args.quick else ""),
        "",
        *(
            [
                "_--quick checks that every case runs, on small data with one "
                "repeat: its numbers are not measurements._",
                "",
            ]
            if args.quick
            else []
        ),
        environment(),
        "",
    ]
    parts = header + mlp_sections(args, settings)
    if 6 in args.cases:
        parts.append(shap_section(args))
    if 7 in args.cases:
        parts.append(compile_section(settings))
    if 8 in args.cases:
        parts.append(feature_selection_section(args))
    explain_parts, accuracy = [], None
    if 9 in args.cases:
        try:
            explain_parts, accuracy = explain_sections(args, settings)
        except Exception as error:  # a broken case must not hide the others' tables
            explain_parts = [
                section("Case 9: explanations", f"_Failed: {type(error).__name__}: "
                        f"{error}_", "")
            ]  # fmt: skip
        parts += explain_parts
    if 10 in args.cases:
        parts.append(alpha_cv_section(args))
    footer = _footer(start)
    parts.append(footer)
    report = "\n".join(parts)
    print(report)
    if not args.no_write:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        if args.quick:
            names = ["latest-quick.md"]
        else:
            names = ["latest.md", time.strftime("%Y-%m-%d") + ".md"]
        for name in names:
            (args.out_dir / name).write_text(report, encoding="utf-8")
        log(f"wrote {', '.join(str(args.out_dir / name) for name in names)}")
        if accuracy and not args.quick:
            _write_explain(args.out_dir, header, explain_parts, accuracy, footer)
    return report


def _footer(start: float) -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"_Total wall time {time.perf_counter() - start:.0f} s; load average at the "
        f"end: {load}. A load above the core count means other processes shared the "
        "CPUs and the timings are noisy._\n"
    )


def _write_explain(out_dir, header, sections, accuracy, footer) -> None:
    """Case 9 on its own (explain.md) and 9a's table for the docs (the CSV)."""
    title = "# skweights benchmark, case 9 only (explanations: make bench writes it)"
    report = "\n".join([title, *header[1:], *sections, footer])
    (out_dir / EXPLAIN_REPORT).write_text(report, encoding="utf-8")
    _explain_accuracy.write_csv(accuracy, out_dir / EXPLAIN_ACCURACY)
    log(f"wrote {out_dir / EXPLAIN_REPORT}, {out_dir / EXPLAIN_ACCURACY}")


if __name__ == "__main__":
    main()
