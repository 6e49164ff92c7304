"""Case 7: the first fit and the first explain of a fresh process, compilation included.

skweights compiles its numba kernels lazily, on the first call that needs them, and
caches the machine code on disk. Each measurement runs in a new Python process (the
parent's interpreter, the parent's skweights) whose ``NUMBA_CACHE_DIR`` is a new
empty directory (*cold*: everything compiles) or the directory the cold process
filled (*warm*: kernels load from the cache). The child times the first call (numba's
import and compilation included; skweights, scikit-learn and shap, which ``explain``
imports, are imported before the clock starts) and a second identical call (the
steady state); first minus second is what starting costs. Whatever kernels the code
compiles, this measures them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _report import median, met

COLD_TARGET = 2.5
WARM_TARGET = 0.7

# The child: small data (the calls themselves are short, so the first call is mostly
# what starting costs), case 1's network and optimizer, one epoch.
CHILD = r"""
import json, sys, time, warnings
import numpy as np
from sklearn.datasets import make_classification
from skweights import MLPClassifier, explain
try:
    import shap  # explain's return type: imported before the clock, as the others
except ImportError:
    pass

X, y = make_classification(n_samples=512, n_features=100, n_informative=30,
                           n_classes=5, random_state=0)
warnings.simplefilter("ignore")

def fit(dtype):
    model = MLPClassifier((256, 128), optimizer="adam", batch_size=256, max_iter=1,
                          tol=0.0, n_iter_no_change=10**6, random_state=0)
    return model.fit(X.astype(dtype), y)

def twice(call):
    times = []
    for _ in range(2):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return times, result

seconds = {}
for dtype in sys.argv[1].split(","):
    seconds[f"fit {dtype}"], model = twice(lambda: fit(dtype))
seconds["explain"], _ = twice(
    lambda: explain(model, X[:50], X[100:200], output="probability"))
print(json.dumps(seconds))
"""

DTYPES = ("float32", "float64")


def child(cache_dir: str, dtypes=DTYPES) -> dict[str, list[float]]:
    """Run the child once with ``NUMBA_CACHE_DIR=cache_dir``; its first/second times."""
    import skweights

    root = str(Path(skweights.__file__).resolve().parent.parent)
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    env.pop("SKWEIGHTS_DISABLE_NUMBA", None)
    env.pop("NUMBA_DISABLE_JIT", None)
    result = subprocess.run(
        [sys.executable, "-c", CHILD, ",".join(dtypes)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the compile-time child failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(repeats: int, log) -> dict[str, dict[str, list[float]]]:
    """``repeats`` cold-then-warm pairs of children, each pair on a new cache."""
    runs: dict[str, dict[str, list[float]]] = {}
    for repeat in range(repeats):
        with tempfile.TemporaryDirectory(prefix="skweights-numba-") as cache:
            for state in ("cold", "warm"):
                seconds = child(cache)
                log(f"  {state} {repeat + 1}/{repeats}: {seconds}")
                for call, (first, second) in seconds.items():
                    times = runs.setdefault(call, {})
                    times.setdefault(state, []).append(first)
                    times.setdefault(f"{state} extra", []).append(first - second)
                    times.setdefault("steady", []).append(second)
    return runs


def rows(runs: dict[str, dict[str, list[float]]]) -> list[dict]:
    """One row per call: medians of the cold, warm and steady-state times.

    The "extra" columns are the medians of first minus second call within each
    child: what starting costs, less sensitive to the machine's load than the
    first call's time itself.
    """
    out = []
    for call, times in runs.items():
        cold, warm = median(times["cold"]), median(times["warm"])
        targets = call.startswith("fit")
        out.append(
            {
                "first call": call,
                "cold s (empty cache)": cold,
                "warm s (cached)": warm,
                "steady s (2nd call)": median(times["steady"]),
                "cold extra s": median(times["cold extra"]),
                "warm extra s": median(times["warm extra"]),
                "cold target": f"< {COLD_TARGET} s" if targets else None,
                "met? (cold)": met(cold < COLD_TARGET) if targets else None,
                "warm target": f"< {WARM_TARGET} s" if targets else None,
                "met? (warm)": met(warm < WARM_TARGET) if targets else None,
            }
        )
    return out
