"""Training speed of this checkout against another one (the code before a change).

Case 1's MLP fits (both kinds, float32 and float64) and case 4's linear solvers
(L-BFGS logistic regression, coordinate-descent lasso) are timed in both trees, in
alternating rounds with the order rotated each round; each round is one fresh
process per tree that imports that tree's ``skweights``, warms up (imports, BLAS
threads, numba's cache) and then times every fit a few times (``--repeats``),
keeping the best. The ratio of a round is the other
tree's time over this tree's (above 1: this tree is faster); the table gives each
fit's median ratio over the rounds, and its spread.

Usage::

    git worktree add /tmp/before <commit>      # the code before the change
    .venv/bin/python benchmarks/vs_tree.py /tmp/before --rounds 5

Run it on an idle machine: other processes make the ratios noisy (the spread shows
it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
THIS_TREE = HERE.parent

# One process's work: imports the tree's skweights (the tree is the working
# directory and first on sys.path), times every fit, prints JSON on the last line.
WORKER = r"""
import json, sys, time, warnings
sys.path.insert(0, ".")
sys.path.insert(1, {bench!r})
import numpy as np
import skweights
from _mlp import make_data, skweights_model

assert skweights.__file__.startswith({tree!r}), skweights.__file__
warnings.simplefilter("ignore")
epochs, n_samples = {epochs}, {n_samples}
times = {{"skweights_file": skweights.__file__}}
fits = []
for kind in ("classifier", "regressor"):
    data = make_data(kind, n_samples)
    for dtype in (np.float32, np.float64):
        d = data.cast(dtype)
        fits.append((f"mlp_{{kind}}_{{np.dtype(dtype).name}}",
                     lambda d=d, kind=kind: skweights_model(kind, epochs).fit(
                         d.X_train, d.y_train)))
rng = np.random.default_rng(0)
X = rng.standard_normal((20_000, 100))
y_cls = (X[:, :10].sum(axis=1) + rng.standard_normal(20_000) > 0).astype(int)
y_reg = X[:, :20] @ rng.standard_normal(20) + rng.standard_normal(20_000)
fits.append(("linear_lbfgs_logistic", lambda: skweights.LinearClassifier(
    alpha=1e-4, tol=1e-6).fit(X, y_cls)))
fits.append(("linear_cd_lasso", lambda: skweights.LinearRegressor(
    penalty="l1", alpha=0.01, tol=1e-8).fit(X, y_reg)))
for name, fit in fits:  # warm-up: numba cache, BLAS threads
    fit()
for name, fit in fits:  # the best of a few: bursts of other load only slow a run
    best = float("inf")
    for _ in range({repeats}):
        start = time.perf_counter()
        fit()
        best = min(best, time.perf_counter() - start)
    times[name] = best
print(json.dumps(times))
"""


def run_tree(tree: Path, epochs: int, n_samples: int, repeats: int) -> dict:
    """One fresh process in ``tree``: every fit's best seconds of ``repeats``."""
    code = WORKER.format(
        bench=str(HERE),
        tree=str(tree),
        epochs=epochs,
        n_samples=n_samples,
        repeats=repeats,
    )
    env = dict(os.environ, PYTHONPATH="")
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the other checkout's root")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--n-samples", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3, help="fits per process")
    args = parser.parse_args(argv)
    trees = {"this": THIS_TREE, "other": args.other.resolve()}
    ratios: dict[str, list[float]] = {}
    print(f"load average at start: {os.getloadavg()}", file=sys.stderr)
    for round_ in range(args.rounds):
        order = ["this", "other"] if round_ % 2 == 0 else ["other", "this"]
        result = {}
        for name in order:
            t0 = time.perf_counter()
            result[name] = run_tree(
                trees[name], args.epochs, args.n_samples, args.repeats
            )
            print(
                f"round {round_ + 1} {name}: {time.perf_counter() - t0:.1f} s",
                file=sys.stderr,
            )
        for fit in result["this"]:
            if fit != "skweights_file":
                ratio = result["other"][fit] / result["this"][fit]
                ratios.setdefault(fit, []).append(ratio)
    print(f"load average at end: {os.getloadavg()}", file=sys.stderr)
    print(f"this: {THIS_TREE}\nother: {trees['other']}\n")
    print("| fit | median ratio (other / this) | min | max |")
    print("|---|---|---|---|")
    for fit, values in ratios.items():
        print(
            f"| {fit} | {statistics.median(values):.3f} | {min(values):.3f} "
            f"| {max(values):.3f} |"
        )


if __name__ == "__main__":
    main()
