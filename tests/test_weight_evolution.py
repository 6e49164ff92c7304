"""record_weights: each layer's weight distribution per epoch, and its plot.

The records are fixed-bin histograms and percentiles of every weight matrix (biases
excluded). They must count every weight in every epoch (epoch 0 included) on every
training path, keep a size that does not depend on the number of weights, survive
pickle and skops, continue through warm starts and ``partial_fit``, and cost nothing
when off; the plot must draw them and say what to do when they are missing.
"""

import pickle
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import (  # noqa: E402
    load_diabetes,
    make_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler, scale  # noqa: E402

from skweights import (  # noqa: E402
    LinearClassifier,
    LinearRegressor,
    MLPClassifier,
    MLPRegressor,
    load,
    save,
)
from skweights import _weight_record as wr  # noqa: E402
from skweights._training import History  # noqa: E402
from skweights.initializers import random_normal  # noqa: E402
from skweights.plotting import plot_weight_evolution  # noqa: E402
from skweights.plotting._weight_evolution import _row_edges, _rows  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def classification():
    X, y = make_classification(
        n_samples=240, n_features=8, n_informative=4, random_state=0
    )
    return scale(X), y


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(n_samples=200, n_features=6, noise=5.0, random_state=0)
    return scale(X), scale(y)


def _assert_counts_every_weight(model):
    """Every record holds a histogram counting each weight of each layer once."""
    sizes = [W.size for W in model.coefs_]
    for record in model.history_:
        counts = record["weight_counts"]
        assert counts.shape == (len(sizes), wr.bins_count(4))
        assert counts.sum(axis=1).tolist() == sizes, record["epoch"]
        assert (counts >= 0).all()


# -- the bins --------------------------------------------------------------------------
def _bin_by_edges(value: float, edges: np.ndarray) -> int:
    """The bin of one value, found by its edges (the definition the docs give)."""
    n_bins = len(edges) - 1
    zero = n_bins // 2
    if value == 0:
        return zero
    magnitude = abs(value)
    # by magnitude, [m_i, m_(i+1)); the sides mirror each other
    side = [i for i in range(zero + 1, n_bins) if edges[i] <= magnitude < edges[i + 1]]
    (bin_,) = side
    return bin_ if value > 0 else n_bins - 1 - bin_


@pytest.mark.parametrize("bins_per_decade", [1, 4, 7])
def test_each_weight_falls_in_the_bin_its_edges_say(bins_per_decade):
    rng = np.random.default_rng(0)
    values = rng.choice([-1.0, 1.0], 400) * 10.0 ** rng.uniform(-9, 9, 400)
    edges_of_magnitude = wr.magnitude_edges(bins_per_decade)
    values = np.concatenate(
        [values, [0.0, 0.0, 0.0], edges_of_magnitude, -edges_of_magnitude]
    )
    edges = wr.bin_edges(bins_per_decade)
    assert len(edges) == wr.bins_count(bins_per_decade) + 1
    assert np.all(np.diff(edges) >= 0)
    expected = np.zeros(len(edges) - 1, dtype=np.int64)
    for value in values:
        expected[_bin_by_edges(value, edges)] += 1
    counts = wr.histogram(values, bins_per_decade)
    np.testing.assert_array_equal(counts, expected)
    assert counts[len(counts) // 2] == 3  # the exact zeros, apart
    assert counts[0] > 0 and counts[-1] > 0  # overflow on both sides
    assert counts[len(counts) // 2 - 1] > 0 and counts[len(counts) // 2 + 1] > 0


def test_histogram_keeps_float32_and_counts_nan_in_the_top_bin():
    weights = np.array([[0.5, -0.5], [0.0, np.nan]], dtype=np.float32)
    counts = wr.histogram(weights, 4)
    assert counts.sum() == 4 and counts[-1] == 1 and counts[len(counts) // 2] == 1
    assert wr.quantiles(weights[:1]).dtype == np.float64


def test_rows_of_the_plot_match_the_bins():
    """A value drawn as a quantile line lies in the row of its bin."""
    rng = np.random.default_rng(1)
    values = rng.choice([-1.0, 1.0], 300) * 10.0 ** rng.uniform(-8, 8, 300)
    values = np.concatenate([values, [0.0]])
    for bins_per_decade in (1, 4):
        edges = wr.bin_edges(bins_per_decade)
        rows = _rows(values, bins_per_decade)
        row_edges = _row_edges(bins_per_decade)
        assert len(row_edges) == len(edges)
        for value, row in zip(values, rows):
            bin_ = _bin_by_edges(value, edges)
            assert row_edges[bin_] <= row <= row_edges[bin_ + 1], (value, row, bin_)


# -- recording on every training path -------------------------------------------------
@pytest.mark.parametrize(
    "params",
    [
        dict(hidden_layer_sizes=(16, 8)),  # adam, fused flat array
        dict(hidden_layer_sizes=(16,), penalty="l1", alpha=1e-3),  # per array, prox
        dict(hidden_layer_sizes=(16,), optimizer="lbfgs"),
        dict(hidden_layer_sizes=(16,), frozen_layers=(0,)),
        dict(hidden_layer_sizes=(16,), early_stopping=True),
    ],
    ids=["adam fused", "l1 prox", "lbfgs", "frozen", "early stopping"],
)
def test_mlp_counts_every_weight_every_epoch(classification, params):
    X, y = classification
    model = MLPClassifier(max_iter=8, record_weights=True, random_state=0, **params)
    model.fit(X, y)
    epochs = [record["epoch"] for record in model.history_]
    assert epochs[0] == 0 and len(epochs) == model.n_iter_ + 1
    _assert_counts_every_weight(model)


@pytest.mark.parametrize(
    "estimator",
    [
        LinearRegressor(optimizer="lbfgs"),
        LinearRegressor(optimizer="fista", penalty="l1", alpha=0.05),
        LinearRegressor(optimizer="sgd", learning_rate=0.01),
    ],
    ids=["lbfgs", "fista", "sgd"],
)
def test_linear_iterative_solvers_record_every_iteration(regression, estimator):
    X, y = regression
    model = estimator.set_params(record_weights=True, max_iter=15).fit(X, y)
    assert len(model.history_) == model.n_iter_ + 1
    _assert_counts_every_weight(model)
    first = model.history_[0]["weight_counts"][0]
    assert first[len(first) // 2] == X.shape[1]  # zeros: every weight starts at 0


@pytest.mark.parametrize("optimizer", ["direct", "cd"])
def test_exact_linear_solves_record_the_solution_once(regression, optimizer):
    X, y = regression
    model = LinearRegressor(optimizer=optimizer, penalty="l1", alpha=0.1)
    if optimizer == "direct":
        model.set_params(penalty="l2")
    model.set_params(record_weights=True).fit(X, y)
    assert len(model.history_) == 1  # no trajectory: the solution only
    _assert_counts_every_weight(model)
    expected = np.percentile(model.coef_, wr.LEVELS)
    np.testing.assert_allclose(model.history_[0]["weight_quantiles"][0], expected)


def test_quantiles_are_those_of_the_weights_at_each_record(classification):
    X, y = classification
    first = MLPClassifier((8,), max_iter=3, record_weights=2, warm_start=True)
    first.set_params(random_state=0).fit(X, y)
    start = [W.copy() for W in first.coefs_]
    last = first.history_[-1]["weight_quantiles"]
    for layer, W in enumerate(start):
        np.testing.assert_allclose(last[layer], np.percentile(W, wr.LEVELS))
    first.fit(X, y)  # warm start: epoch 0 is the weights the first fit ended with
    record = first.history_[0]
    assert record["epoch"] == 0 and record["weight_bins_per_decade"] == 2
    for layer, W in enumerate(start):
        np.testing.assert_allclose(
            record["weight_quantiles"][layer], np.percentile(W, wr.LEVELS)
        )
        np.testing.assert_array_equal(
            record["weight_counts"][layer], wr.histogram(W, 2)
        )


def test_partial_fit_continues_the_record(regression):
    X, y = regression
    model = MLPRegressor((8,), record_weights=True, random_state=0)
    for _ in range(3):
        model.partial_fit(X, y)
    evolution = model.history_.weight_evolution()
    assert evolution.epochs.tolist() == [0, 1, 2, 3]
    assert evolution.counts.shape == (4, 2, wr.bins_count(4))
    _assert_counts_every_weight(model)


def test_diverged_epoch_still_counts_every_weight():
    X, y = load_diabetes(return_X_y=True)
    X, y = scale(X), scale(y)
    model = MLPRegressor(
        (32,) * 4,
        activation="identity",
        initializer=random_normal(stddev=0.3),
        optimizer="sgd",
        learning_rate=0.01,
        batch_size=len(X),
        max_iter=30,
        on_divergence="keep_best",
        record_weights=True,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    last = model.history_[-1]
    assert last["event"] == "diverged"
    _assert_counts_every_weight(model)
    # The blow-up rule (loss above L0 + 1000 * S, S = max(L0, 0.5) for scaled y)
    # stops it in epoch 5, before the loss overflows (the old million-fold rule let
    # it run on); the diverged record keeps the last finite weights.
    start = model.history_[0]["loss"]
    assert last["epoch"] == 5 and last["loss"] > start + 1e3 * max(start, 0.5)
    largest = model.history_.weight_evolution().quantiles[:, :, -1].max(axis=1)
    assert largest[-1] > 2.5 * largest[0]  # the tails ran away before the blow-up


# -- what the records show ------------------------------------------------------------
def test_zero_initialized_network_never_spreads(classification):
    X, y = classification
    model = MLPClassifier(
        (16,), initializer="zeros", max_iter=10, record_weights=True, random_state=0
    ).fit(X, y)
    counts = model.history_.weight_evolution().counts
    zero = counts.shape[2] // 2
    sizes = [W.size for W in model.coefs_]
    assert (counts[:, :, zero] == sizes).all()  # every weight, every epoch, at 0


def test_l1_weights_collapse_onto_zero(classification):
    X, y = classification
    model = MLPClassifier(
        (16,),
        penalty="l1",
        alpha=1e-2,
        learning_rate=3e-2,
        max_iter=30,
        record_weights=True,
        random_state=0,
    ).fit(X, y)
    counts = model.history_.weight_evolution().counts[:, 0]  # input layer
    zero = counts.shape[1] // 2
    assert counts[0, zero] == 0  # Glorot init: no exact zero
    assert np.all(np.diff(counts[:10, zero]) >= 0)  # a growing share of zeros
    assert counts[-1, zero] > 0.5 * model.coefs_[0].size
    assert counts[-1, zero] == np.sum(model.coefs_[0] == 0)


# -- size, cost, settings --------------------------------------------------------------
def test_record_size_does_not_depend_on_the_number_of_weights(classification):
    X, y = classification
    sizes = []
    for width in (2, 300):
        model = MLPClassifier(
            (width,), max_iter=2, record_weights=True, random_state=0
        ).fit(X, y)
        record = model.history_[-1]
        sizes.append(record["weight_counts"].nbytes + record["weight_quantiles"].nbytes)
    assert sizes[0] == sizes[1] == 2 * (wr.bins_count(4) + len(wr.LEVELS)) * 8


def test_off_by_default_and_then_no_work(classification, monkeypatch):
    def fail(*args):
        raise AssertionError("weights recorded while record_weights=False")

    monkeypatch.setattr(wr, "distributions", fail)
    X, y = classification
    model = MLPClassifier((8,), max_iter=3, random_state=0).fit(X, y)
    assert model.record_weights is False
    assert not any(key in record for record in model.history_ for key in wr.KEYS)
    with pytest.raises(ValueError, match="record_weights=True"):
        model.history_.weight_evolution()


@pytest.mark.parametrize(
    ("value", "per_decade"), [(True, 4), (1, 1), (np.int64(10), 10)]
)
def test_record_weights_sets_the_bins_per_decade(regression, value, per_decade):
    X, y = regression
    model = LinearRegressor(optimizer="lbfgs", max_iter=3, record_weights=value)
    record = model.fit(X, y).history_[-1]
    assert record["weight_bins_per_decade"] == per_decade
    assert record["weight_counts"].shape == (1, 24 * per_decade + 5)


@pytest.mark.parametrize("value", [0, -2, 2.5, "yes", None])
@pytest.mark.parametrize("cls", [LinearRegressor, LinearClassifier, MLPRegressor])
def test_bad_record_weights_raise_before_fitting(classification, cls, value):
    X, y = classification
    model = cls(record_weights=value)
    with pytest.raises(ValueError, match="'record_weights' parameter must be False"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


# -- saved with the model --------------------------------------------------------------
def test_pickle_and_skops_keep_the_record_and_partial_fit_continues(
    classification, tmp_path
):
    X, y = classification
    model = MLPClassifier((8,), max_iter=4, record_weights=3, random_state=0)
    model.fit(X, y)
    before = model.history_.weight_evolution()
    for restored in (
        pickle.loads(pickle.dumps(model)),
        load(save(model, tmp_path / "model.skops")),
    ):
        after = restored.history_.weight_evolution()
        np.testing.assert_array_equal(after.counts, before.counts)
        np.testing.assert_array_equal(after.quantiles, before.quantiles)
        assert after.counts.dtype == np.int64
        restored.partial_fit(X, y)
        assert restored.history_.weight_evolution().epochs[-1] == 5
        _assert_counts_every_weight_of(restored, 3)


def _assert_counts_every_weight_of(model, per_decade):
    sizes = [W.size for W in model.coefs_]
    for record in model.history_:
        assert record["weight_counts"].sum(axis=1).tolist() == sizes
        assert record["weight_bins_per_decade"] == per_decade


def test_history_columns_round_trip_records_with_and_without_arrays():
    counts = np.arange(6, dtype=np.int64).reshape(2, 3)
    history = History(
        [
            {"epoch": 0, "weight_counts": None},
            {"epoch": 1, "weight_counts": counts},
            {"epoch": 2, "weight_counts": counts + 1},
        ]
    )
    columns = history.to_columns()
    assert columns["weight_counts"].shape == (2, 2, 3)  # stacked, not a list
    restored = History.from_columns(columns)
    assert restored[0]["weight_counts"] is None
    np.testing.assert_array_equal(restored[2]["weight_counts"], counts + 1)
    assert "weight_counts" not in History(restored).to_frame()


# -- the plot --------------------------------------------------------------------------
def test_plot_draws_one_panel_per_layer_and_the_quantiles(classification):
    X, y = classification
    model = make_pipeline(
        StandardScaler(),
        MLPClassifier((8, 4), max_iter=5, record_weights=True, random_state=0),
    ).fit(X, y)
    fig = plot_weight_evolution(model, quantiles=(1, 50, 99))
    assert [text.get_text() for text in fig.legends[0].texts] == [
        "1% and 99% quantiles",
        "median",
    ]
    panels = fig.axes[:3]
    assert [ax.get_title() for ax in panels] == [
        "layer 0 (64 weights)",
        "layer 1 (32 weights)",
        "output layer (4 weights)",
    ]
    for ax in panels:
        assert len(ax.lines) == 3
        assert len(ax.collections) == 1  # the heatmap
        np.testing.assert_array_equal(ax.lines[1].get_xdata(), np.arange(6))
    fig = plot_weight_evolution(model, layers=-1, quantiles=())
    assert len(fig.axes) == 2 and not fig.axes[0].lines  # one panel and its colorbar
    fig = plot_weight_evolution(model, layers=(0, -1), quantiles=50)
    assert [len(ax.lines) for ax in fig.axes[:2]] == [1, 1]
    assert fig.axes[1].get_title() == "output layer (4 weights)"


def test_plot_heatmap_shows_the_share_of_weights_per_bin(classification):
    X, y = classification
    model = MLPClassifier(
        (16,), initializer="zeros", max_iter=4, record_weights=True, random_state=0
    ).fit(X, y)
    ax = plot_weight_evolution(model, layers=0).axes[0]
    image = ax.collections[0].get_array()
    zero = wr.bins_count(4) // 2
    # each column holds shares: one for the exact zeros, the other bins empty
    assert np.ma.count(image) == image.reshape(wr.bins_count(4), -1).shape[1]
    np.testing.assert_allclose(image.reshape(wr.bins_count(4), -1)[zero], 1.0)


def test_plot_says_which_parameter_to_set(classification):
    X, y = classification
    model = MLPClassifier((4,), max_iter=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="plot_weight_evolution: .*record_weights"):
        plot_weight_evolution(model)
    with pytest.raises(ValueError, match="not fitted"):
        plot_weight_evolution(MLPClassifier())
    model.set_params(record_weights=True).fit(X, y)
    with pytest.raises(ValueError, match=r"layers 0\.\.1"):
        plot_weight_evolution(model, layers=[2])
    with pytest.raises(ValueError, match="recorded percentiles"):
        plot_weight_evolution(model, quantiles=(10,))


def test_plot_keeps_the_latest_resolution_after_a_change(regression):
    X, y = regression
    model = MLPRegressor((4,), record_weights=2, random_state=0)
    model.partial_fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.set_params(record_weights=1).partial_fit(X, y)
    evolution = model.history_.weight_evolution()
    assert evolution.bins_per_decade == 1 and evolution.epochs.tolist() == [2]
