"""One row of statistics per weight matrix of a fitted model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._pipeline import fitted_final


def _is_linear(model: Any) -> bool:
    return len(model.coefs_) == 1 and not hasattr(model, "hidden_layer_sizes")


def layer_summary(model: Any) -> pd.DataFrame:
    """Statistics of each layer's weight matrix, one row per layer.

    Only the weight matrices ``coefs_`` are summarized; intercepts are left out (they
    are never penalized and have no shape to speak of) except for their norm, in the
    ``intercept_norm`` column.

    Parameters
    ----------
    model : fitted estimator or Pipeline
        A fitted skweights estimator (or a pipeline ending in one).

    Returns
    -------
    summary : pandas.DataFrame
        Indexed by ``layer`` (0 is the first), with columns ``shape`` (``(n_in,
        n_out)``), ``n_params`` (weights only), ``n_zeros`` (entries exactly equal to
        0, as an L1 penalty produces), ``zero_fraction``, ``mean``, ``std``, ``min``,
        ``max``, ``l1_norm``, ``frobenius_norm``, ``spectral_norm`` (the largest
        singular value, ``np.linalg.norm(W, 2)``) and ``intercept_norm``.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from skweights import LinearRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = LinearRegressor(penalty="l1", alpha=0.1).fit(X, y)
    >>> summary = layer_summary(model)
    >>> summary.loc[0, "shape"], int(summary.loc[0, "n_zeros"])
    ((10, 1), 3)
    """
    model = fitted_final(model)
    rows = []
    for layer, (W, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        W = np.asarray(W, dtype=np.float64)
        n_zeros = int(np.count_nonzero(W == 0))
        rows.append(
            {
                "layer": layer,
                "shape": tuple(W.shape),
                "n_params": int(W.size),
                "n_zeros": n_zeros,
                "zero_fraction": n_zeros / W.size,
                "mean": float(W.mean()),
                "std": float(W.std()),
                "min": float(W.min()),
                "max": float(W.max()),
                "l1_norm": float(np.abs(W).sum()),
                "frobenius_norm": float(np.linalg.norm(W)),
                "spectral_norm": float(np.linalg.norm(W, 2)),
                "intercept_norm": float(np.linalg.norm(b)),
            }
        )
    return pd.DataFrame(rows).set_index("layer")
