"""Each layer's weight distribution, recorded once per epoch (``record_weights``).

A record is a fixed-bin histogram and a few quantiles per weight matrix (biases are
not included). The bins are the same for every layer, every epoch and every model:
logarithmically spaced magnitudes from ``1e-6`` to ``1e6``, mirrored on both sides
of zero, with a bin of their own for exact zeros (what an L1 penalty produces), an
underflow bin on each side (``0 < |w| < 1e-6``) and an overflow bin on each side
(``|w| >= 1e6``), as TensorBoard's histograms. Fixed edges keep a bins x epochs
picture meaningful when the weights explode, and the record's size depends on the
number of layers and bins only, never on the number of weights.

With ``p`` bins per decade there are ``K = 12 p`` magnitude bins per side and
``2 K + 5`` bins in all; bin ``i`` holds the weights between ``edges[i]`` and
``edges[i + 1]`` of :func:`bin_edges` (the exact zeros are the bin ``[0, 0]`` in
the middle).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: Smallest and largest magnitude bin edge, as powers of ten.
LOW_EXPONENT, HIGH_EXPONENT = -6, 6
#: Percentiles recorded per layer and epoch.
LEVELS = (0.0, 1.0, 5.0, 25.0, 50.0, 75.0, 95.0, 99.0, 100.0)
#: Bins per decade of ``record_weights=True``.
DEFAULT_BINS_PER_DECADE = 4
#: The keys a record gains when the weights are recorded.
KEYS = ("weight_bins_per_decade", "weight_counts", "weight_quantiles")


def magnitude_edges(bins_per_decade: int) -> np.ndarray:
    """The ``K + 1`` magnitude edges ``1e-6 ... 1e6``, ``bins_per_decade`` a decade."""
    n_bins = (HIGH_EXPONENT - LOW_EXPONENT) * bins_per_decade
    exponents = LOW_EXPONENT + np.arange(n_bins + 1) / bins_per_decade
    return 10.0**exponents


def bins_count(bins_per_decade: int) -> int:
    """The number of bins: ``2 K + 5``, with ``K = 12 p`` magnitude bins per side."""
    return 2 * (HIGH_EXPONENT - LOW_EXPONENT) * bins_per_decade + 5


def bin_edges(bins_per_decade: int) -> np.ndarray:
    """The ``2 K + 6`` signed edges ``-inf, -1e6, ..., -1e-6, 0, 0, 1e-6, ..., inf``."""
    magnitudes = magnitude_edges(bins_per_decade)
    return np.concatenate(
        [[-np.inf], -magnitudes[::-1], [0.0, 0.0], magnitudes, [np.inf]]
    )


def histogram(weights: np.ndarray, bins_per_decade: int) -> np.ndarray:
    """Counts of ``weights`` in the fixed bins; they sum to ``weights.size``.

    A magnitude on an edge counts in the bin above it (``[m_i, m_(i+1))``, by
    magnitude on both sides). NaN weights, which a fitted model never keeps (the
    divergence guard restores finite ones first), count in the top overflow bin.
    """
    magnitudes = magnitude_edges(bins_per_decade)
    top = len(magnitudes) - 1
    flat = weights.ravel()
    # 0 below the first edge, top + 1 at or above the last one
    by_magnitude = np.searchsorted(magnitudes, np.abs(flat), side="right")
    signed = np.where(flat < 0, top + 1 - by_magnitude, top + 3 + by_magnitude)
    signed[flat == 0] = top + 2
    return np.bincount(signed, minlength=bins_count(bins_per_decade)).astype(np.int64)


def quantiles(weights: np.ndarray) -> np.ndarray:
    """The :data:`LEVELS` percentiles of ``weights``, in float64."""
    return np.percentile(weights.ravel(), LEVELS).astype(np.float64)


def distributions(coefs: list[np.ndarray], bins_per_decade: int) -> dict[str, Any]:
    """The record entries for one epoch: bins per decade, counts and quantiles.

    ``weight_counts`` has shape ``(n_layers, 2 K + 5)`` and ``weight_quantiles``
    ``(n_layers, len(LEVELS))``: one row per weight matrix.
    """
    return {
        "weight_bins_per_decade": int(bins_per_decade),
        "weight_counts": np.stack([histogram(W, bins_per_decade) for W in coefs]),
        "weight_quantiles": np.stack([quantiles(W) for W in coefs]),
    }


@dataclass
class WeightEvolution:
    """The recorded weight distributions of a history, as arrays.

    Attributes
    ----------
    epochs : ndarray of shape (n_records,)
        The epoch of each record (0 is the initialization).
    bins_per_decade : int
        The resolution of the bins.
    edges : ndarray of shape (n_bins + 1,)
        Bin ``i`` holds the weights between ``edges[i]`` and ``edges[i + 1]``;
        the middle bin, ``[0, 0]``, counts exact zeros.
    counts : ndarray of shape (n_records, n_layers, n_bins)
        How many weights of each layer fall in each bin; each row sums to the
        layer's number of weights.
    quantiles : ndarray of shape (n_records, n_layers, n_levels)
        The weights' percentiles at ``levels``.
    levels : tuple of float
        The percentiles recorded (0 is the smallest weight, 100 the largest).
    """

    epochs: np.ndarray
    bins_per_decade: int
    edges: np.ndarray
    counts: np.ndarray
    quantiles: np.ndarray
    levels: tuple


def evolution(history: list[dict]) -> WeightEvolution:
    """Collect the records holding weight distributions (see ``History``).

    Records made without ``record_weights`` are skipped; when the resolution changed
    between ``partial_fit`` calls, only the records at the latest one are kept (the
    bins must be the same for every column of the picture).
    """
    recorded = [r for r in history if r.get("weight_counts") is not None]
    if not recorded:
        raise ValueError(
            "the model's history_ holds no weight distributions: fit it with "
            "record_weights=True (or an int, the bins per decade of magnitude) to "
            "record each layer's weight histogram and quantiles every epoch."
        )
    resolution = recorded[-1]["weight_bins_per_decade"]
    recorded = [r for r in recorded if r["weight_bins_per_decade"] == resolution]
    return WeightEvolution(
        epochs=np.array([r["epoch"] for r in recorded]),
        bins_per_decade=int(resolution),
        edges=bin_edges(int(resolution)),
        counts=np.stack([r["weight_counts"] for r in recorded]),
        quantiles=np.stack([r["weight_quantiles"] for r in recorded]),
        levels=LEVELS,
    )
