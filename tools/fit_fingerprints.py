"""Fingerprints of a fixed set of fits, to check that a refactoring changes no bit.

Each fit's learned arrays (``coefs_`` and ``intercepts_``, the loss curve and, for
the range test and the regularization path, their result arrays) are hashed with
SHA-256 of their raw bytes. Run it before a change to write the reference and after
it to compare::

    .venv/bin/python tools/fit_fingerprints.py write /tmp/before.json
    .venv/bin/python tools/fit_fingerprints.py check /tmp/before.json

``check`` exits with status 1 and names every fit whose bits changed. Every fit runs
twice, with the numba kernels and with ``SKWEIGHTS_DISABLE_NUMBA`` semantics (the
numpy reference path, through ``_jit.disabled()``). The hashes depend on the
machine's BLAS and CPU, so compare runs on the same machine only.
"""

from __future__ import annotations

import hashlib
import json
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

# The checkout this script sits in, not whichever skweights the venv installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from sklearn.datasets import load_diabetes, make_classification  # noqa: E402

import skweights  # noqa: E402
from skweights import _jit  # noqa: E402
from skweights.inspection import learning_rate_range, regularization_path  # noqa: E402

X_CLS, Y_CLS = make_classification(300, 8, n_informative=5, n_classes=3, random_state=0)
X_REG, Y_REG = load_diabetes(return_X_y=True)
Y_REG = (Y_REG - Y_REG.mean()) / Y_REG.std()

MINIBATCH = {
    "sgd": {"optimizer": "sgd", "learning_rate": 0.05},
    "sgd_nesterov": {
        "optimizer": skweights.optimizers.SGD(momentum=0.9, nesterov=True)
    },
    "adam": {"optimizer": "adam"},
    "adam_clip": {"optimizer": skweights.optimizers.Adam(clipnorm=0.5)},
    "adam_global_clip": {"optimizer": skweights.optimizers.Adam(global_clipnorm=0.3)},
    "adamw": {"optimizer": skweights.optimizers.AdamW(weight_decay=0.01)},
    "rmsprop": {"optimizer": "rmsprop"},
    "adagrad": {"optimizer": "adagrad", "learning_rate": 0.01},
    "lion": {"optimizer": "lion", "learning_rate": 1e-4},
    "adam_l1": {"optimizer": "adam", "penalty": "l1", "alpha": 1e-3},
    "adam_cosine": {"optimizer": "adam", "schedule": "cosine"},
    "adam_dropout": {"optimizer": "adam", "dropout": 0.2},
    "adam_maxnorm": {"optimizer": "adam", "constraint": "max_norm"},
    "adam_tanh": {"optimizer": "adam", "activation": "tanh"},
    "adam_gelu": {"optimizer": "adam", "activation": "gelu"},
}


def digest(*arrays) -> str:
    """SHA-256 of the arrays' dtypes, shapes and bytes."""
    h = hashlib.sha256()
    for a in _leaves(arrays):
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()[:16]


def _leaves(items):
    """The numeric arrays in nested lists and tuples, depth first."""
    for item in items:
        if isinstance(item, (list, tuple)) or getattr(item, "dtype", None) is np.dtype(
            object
        ):
            yield from _leaves(list(item))
        else:
            yield np.asarray(item)


def model_digest(model) -> str:
    """The hash of a fitted estimator's weights and loss curve."""
    curve = np.asarray(getattr(model, "loss_curve_", []), dtype=float)
    return digest(*model.coefs_, *model.intercepts_, curve)


def mlp(kind="classifier", **params):
    cls = skweights.MLPClassifier if kind == "classifier" else skweights.MLPRegressor
    params.setdefault("max_iter", 15)
    return cls(hidden_layer_sizes=(16, 8), random_state=0, **params)


def fit_cls(model, dtype=np.float64):
    return model.fit(X_CLS.astype(dtype), Y_CLS)


def fit_reg(model, dtype=np.float64):
    return model.fit(X_REG.astype(dtype), Y_REG.astype(dtype))


def cases() -> dict[str, Callable[[], str]]:
    """Every fit of the fixed set, by name, each returning its hash."""
    out: dict[str, Callable[[], str]] = {}
    for name, params in MINIBATCH.items():
        out[f"mlp_cls_{name}"] = lambda p=params: model_digest(fit_cls(mlp(**p)))
        out[f"mlp_reg_{name}"] = lambda p=params: model_digest(
            fit_reg(mlp("regressor", **p))
        )
    out["mlp_cls_float32"] = lambda: model_digest(fit_cls(mlp(), np.float32))
    out["mlp_reg_float32_sgd"] = lambda: model_digest(
        fit_reg(mlp("regressor", optimizer="sgd", learning_rate=0.01), np.float32)
    )
    out["mlp_frozen_layer"] = lambda: model_digest(fit_cls(mlp(frozen_layers=(0,))))
    out["mlp_early_stopping"] = lambda: model_digest(
        fit_cls(mlp(early_stopping=True, max_iter=40, n_iter_no_change=3))
    )
    out["mlp_adaptive"] = lambda: model_digest(
        fit_reg(mlp("regressor", schedule="adaptive", max_iter=30))
    )
    out["mlp_warm_start"] = _warm_start
    out["mlp_partial_fit"] = _partial_fit
    out["mlp_lbfgs"] = lambda: model_digest(
        fit_cls(mlp(optimizer="lbfgs", max_iter=30))
    )
    out["mlp_fista_l1"] = lambda: model_digest(
        fit_reg(mlp("regressor", optimizer="fista", penalty="l1", alpha=1e-3))
    )
    for solver, penalty in [
        ("lbfgs", "l2"),
        ("fista", "l1"),
        ("cd", "elasticnet"),
        ("direct", "l2"),
        ("sgd", "l2"),
        ("adam", "l1"),
    ]:
        out[f"linear_reg_{solver}_{penalty}"] = lambda s=solver, p=penalty: (
            model_digest(
                fit_reg(
                    skweights.LinearRegressor(
                        optimizer=s, penalty=p, alpha=0.01, max_iter=50, random_state=0
                    )
                )
            )
        )
    out["linear_cls_lbfgs"] = lambda: model_digest(
        fit_cls(skweights.LinearClassifier(alpha=0.01))
    )
    out["linear_quantile_lp"] = lambda: model_digest(
        fit_reg(skweights.LinearRegressor(loss="quantile", penalty="l1", alpha=0.01))
    )
    out["linear_quantile_qp"] = lambda: model_digest(
        fit_reg(skweights.LinearRegressor(loss="quantile", alpha=0.01))
    )
    out["lr_range"] = _lr_range
    out["regularization_path_cd"] = lambda: _path(
        skweights.LinearRegressor(penalty="l1")
    )
    out["regularization_path_mlp"] = lambda: _path(
        mlp("regressor", penalty="l1", max_iter=10), n_alphas=3
    )
    return out


def _warm_start() -> str:
    model = mlp(warm_start=True, max_iter=5)
    fit_cls(model)
    model.set_params(max_iter=7)
    return model_digest(fit_cls(model))


def _partial_fit() -> str:
    model = mlp()
    for start in (0, 100, 200):
        rows = slice(start, start + 100)
        model.partial_fit(X_CLS[rows], Y_CLS[rows], classes=np.unique(Y_CLS))
    return model_digest(model)


def _lr_range() -> str:
    result = learning_rate_range(mlp(), X_CLS, Y_CLS, n_steps=30)
    return digest(np.asarray(result.learning_rates), np.asarray(result.losses))


def _path(model, n_alphas=8) -> str:
    path = regularization_path(model, X_REG, Y_REG, n_alphas=n_alphas)
    parts = (path.alphas, path.coefs, path.intercepts, path.weights)
    return digest(*(p for p in parts + (path.layer_intercepts,) if p is not None))


def run() -> dict[str, str]:
    """Every case with numba kernels and on the numpy path."""
    results = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, case in cases().items():
            results[f"{name}/numba"] = case()
            with _jit.disabled():
                results[f"{name}/numpy"] = case()
    return results


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("write", "check"):
        print(__doc__)
        return 2
    results = run()
    print(f"skweights from {Path(skweights.__file__).parent}")
    if argv[0] == "write":
        with open(argv[1], "w") as f:
            json.dump(results, f, indent=1, sort_keys=True)
        print(f"{len(results)} fingerprints written to {argv[1]}")
        return 0
    with open(argv[1]) as f:
        reference = json.load(f)
    changed = sorted(k for k in reference if results.get(k) != reference[k])
    missing = sorted(set(results) - set(reference))
    for name in changed:
        print(f"CHANGED {name}: {reference[name]} -> {results.get(name)}")
    print(
        f"{len(reference) - len(changed)} of {len(reference)} identical; new: {missing}"
    )
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
