"""Training speed of this checkout against another one (the code before a change),
in one process, alternating.

The other checkout's package is copied under the name ``skweights_other`` (its
``from skweights...`` imports rewritten), so both versions load side by side in
this process. Case 1's MLP fits (both kinds, float32 and float64) and case 4's
linear solvers (L-BFGS logistic regression, coordinate-descent lasso) then run in
alternating pairs, the order swapped at every repeat, after an untimed warm-up fit
of each. A pair's ratio is the other version's time over this one's (above 1: this
checkout is faster); the table gives each fit's median pair ratio and the range.
Alternating in one process is what makes the ratios hold on a shared machine whose
speed drifts by 2x from minute to minute (separate processes did not).

Usage::

    git worktree add /tmp/before <commit>      # the code before the change
    .venv/bin/python benchmarks/vs_tree.py /tmp/before --repeats 7
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # this checkout's skweights
sys.path.insert(1, str(HERE))  # the private _*.py modules

from _mlp import make_data, skweights_model  # noqa: E402

_IMPORT = re.compile(r"^(\s*)from skweights(\b)", re.MULTILINE)


def load_other(tree: Path, into: Path):
    """The other checkout's package, imported as ``skweights_other``."""
    target = into / "skweights_other"
    shutil.copytree(tree / "skweights", target, ignore=shutil.ignore_patterns("*.pyc"))
    for path in target.rglob("*.py"):
        text = path.read_text()
        path.write_text(_IMPORT.sub(r"\1from skweights_other\2", text))
    sys.path.insert(0, str(into))
    return importlib.import_module("skweights_other")


def fits(package, epochs: int, n_samples: int) -> dict:
    """Name -> a function that runs one fit with ``package``."""
    out = {}
    for kind in ("classifier", "regressor"):
        data = make_data(kind, n_samples)
        for dtype in (np.float32, np.float64):
            d = data.cast(dtype)
            model = skweights_model(kind, epochs, package)
            name = f"mlp_{kind}_{np.dtype(dtype).name}"
            out[name] = lambda m=model, d=d: m.fit(d.X_train, d.y_train)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20_000, 100))
    y_cls = (X[:, :10].sum(axis=1) + rng.standard_normal(20_000) > 0).astype(int)
    y_reg = X[:, :20] @ rng.standard_normal(20) + rng.standard_normal(20_000)
    logistic = package.LinearClassifier(alpha=1e-4, tol=1e-6)
    lasso = package.LinearRegressor(penalty="l1", alpha=0.01, tol=1e-8)
    out["linear_lbfgs_logistic"] = lambda: logistic.fit(X, y_cls)
    out["linear_cd_lasso"] = lambda: lasso.fit(X, y_reg)
    return out


def timed(fit) -> float:
    start = time.perf_counter()
    fit()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the other checkout's root")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--n-samples", type=int, default=50_000)
    parser.add_argument("--only", default="", help="fits whose name contains this")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    import skweights

    with tempfile.TemporaryDirectory() as tmp:
        other = load_other(args.other.resolve(), Path(tmp))
        print(f"this: {Path(skweights.__file__).parent}", file=sys.stderr)
        print(f"other: {args.other} (as {other.__name__})", file=sys.stderr)
        print(f"load average at start: {os.getloadavg()}", file=sys.stderr)
        mine, theirs = (
            fits(skweights, args.epochs, args.n_samples),
            fits(other, args.epochs, args.n_samples),
        )
        rows = []
        for name in [n for n in mine if args.only in n]:
            timed(mine[name]), timed(theirs[name])  # warm-up: numba, BLAS threads
            ratios = []
            for repeat in range(args.repeats):
                if repeat % 2 == 0:
                    t_mine, t_theirs = timed(mine[name]), timed(theirs[name])
                else:
                    t_theirs, t_mine = timed(theirs[name]), timed(mine[name])
                ratios.append(t_theirs / t_mine)
            rows.append((name, statistics.median(ratios), min(ratios), max(ratios)))
            print(f"{name}: {statistics.median(ratios):.3f}", file=sys.stderr)
        print(f"load average at end: {os.getloadavg()}", file=sys.stderr)
    print("| fit | median ratio (other / this) | min | max |")
    print("|---|---|---|---|")
    for name, median, low, high in rows:
        print(f"| {name} | {median:.3f} | {low:.3f} | {high:.3f} |")


if __name__ == "__main__":
    main()
