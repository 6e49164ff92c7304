"""plot_network: one drawn line per non-zero weight, coloured by its sign."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from sklearn.compose import make_column_transformer  # noqa: E402
from sklearn.datasets import load_diabetes, load_digits, load_iris  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

from skweights import (  # noqa: E402
    LinearClassifier,
    LinearRegressor,
    MLPClassifier,
    MLPRegressor,
)
from skweights.plotting import plot_network  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return (X - X.mean()) / X.std(), y


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True, as_frame=True)
    names = np.array(["setosa", "versicolor", "virginica"])
    return X, names[y]


def _models(diabetes, iris):
    Xd, yd = diabetes
    Xi, yi = iris
    return {
        "linear regressor, L1": LinearRegressor(penalty="l1", alpha=2.0).fit(Xd, yd),
        "linear classifier": LinearClassifier(penalty="l1", alpha=0.02).fit(Xi, yi),
        "MLP regressor": MLPRegressor(
            (6, 4), penalty="l1", alpha=0.5, max_iter=30, random_state=0
        ).fit(Xd, yd),
        "MLP classifier, binary": MLPClassifier((5,), max_iter=30, random_state=0).fit(
            Xi, yi == "setosa"
        ),
    }


def _connections(ax) -> list[LineCollection]:
    drawn = [c for c in ax.collections if isinstance(c, LineCollection)]
    return sorted(drawn, key=lambda c: int(c.get_gid().split()[-1]))


def _drawn_weights(ax, model) -> list[tuple[np.ndarray, LineCollection]]:
    """For each layer: the weight behind every segment, read off its end points."""
    columns = [c for c in ax.collections if isinstance(c, PathCollection)]
    heights = {
        int(round(c.get_offsets()[0, 0])): np.asarray(c.get_offsets())[:, 1]
        for c in columns
    }
    result = []
    for layer, collection in enumerate(_connections(ax)):
        W = model.coefs_[layer]
        segments = np.array(collection.get_segments())
        rows = [np.argmin(np.abs(heights[layer] - s[0, 1])) for s in segments]
        cols = [np.argmin(np.abs(heights[layer + 1] - s[1, 1])) for s in segments]
        result.append((W[rows, cols], collection))
    return result


@pytest.mark.parametrize(
    "name",
    [
        "linear regressor, L1",
        "linear classifier",
        "MLP regressor",
        "MLP classifier, binary",
    ],
)
def test_one_line_per_nonzero_weight_coloured_by_sign(name, diabetes, iris):
    model = _models(diabetes, iris)[name]
    assert any((W == 0).any() for W in model.coefs_) or name.startswith("MLP c")
    ax = plot_network(model)
    drawn = _drawn_weights(ax, model)
    assert len(drawn) == len(model.coefs_)
    for W, (weights, collection) in zip(model.coefs_, drawn):
        assert len(collection.get_segments()) == np.count_nonzero(W)
        # Each non-zero weight drawn exactly once, none of them a zero.
        assert np.all(weights != 0)
        assert sorted(weights.tolist()) == sorted(W[W != 0].tolist())
        colours = collection.get_colors()[:, :3]
        expected = np.where(
            (weights > 0)[:, None], to_rgb("tab:red"), to_rgb("tab:blue")
        )
        np.testing.assert_allclose(colours, expected)
        # Wider and more opaque with |weight|.
        order = np.argsort(np.abs(weights))
        assert np.all(np.diff(np.asarray(collection.get_linewidths())[order]) >= 0)
        assert np.all(np.diff(collection.get_colors()[order, 3]) >= 0)


def test_labels_are_feature_and_class_names(iris):
    X, y = iris
    model = MLPClassifier((5,), max_iter=30, random_state=0).fit(X, y)
    ax = plot_network(model)
    labels = [text.get_text() for text in ax.texts]
    assert labels == list(X.columns) + ["setosa", "versicolor", "virginica"]
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["input\n4 features", "hidden layer 1\n5 relu", "output\n3 units"]


def test_binary_output_names_the_positive_class(iris):
    X, y = iris
    model = LinearClassifier().fit(X, y == "virginica")
    labels = [text.get_text() for text in plot_network(model).texts]
    assert labels[-1] == "True (vs False)"


def test_pipeline_names_come_from_the_preprocessing():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {"size": rng.normal(size=60), "city": rng.choice(["north", "south"], 60)}
    )
    y = X["size"] + (X["city"] == "north")
    pipe = make_pipeline(
        make_column_transformer(
            (StandardScaler(), ["size"]), (OneHotEncoder(), ["city"])
        ),
        MLPRegressor((3,), max_iter=20, random_state=0),
    ).fit(X, y)
    ax = plot_network(pipe)
    labels = [text.get_text() for text in ax.texts]
    assert labels == [
        "standardscaler__size",
        "onehotencoder__city_north",
        "onehotencoder__city_south",
        "y",
    ]
    assert sum(len(c.get_segments()) for c in _connections(ax)) == sum(
        np.count_nonzero(W) for W in pipe[-1].coefs_
    )


def test_top_k_keeps_the_strongest_incoming_connections(diabetes):
    X, y = diabetes
    model = MLPRegressor((8,), max_iter=30, random_state=0).fit(X, y)
    ax = plot_network(model, top_k=3)
    for W, (weights, collection) in zip(model.coefs_, _drawn_weights(ax, model)):
        expected = sum(min(3, np.count_nonzero(column)) for column in W.T)
        assert len(collection.get_segments()) == expected
        for column in W.T:  # each unit's drawn weights are its 3 largest
            strongest = np.sort(np.abs(column))[::-1][:3]
            kept = np.abs(weights[np.isin(weights, column)])
            np.testing.assert_array_equal(np.sort(kept)[::-1], strongest)
    assert "top 3 per node" in ax.get_title()


def test_frozen_layers_are_marked(diabetes):
    X, y = diabetes
    model = MLPRegressor((4, 3), frozen_layers=(1,), max_iter=5, random_state=0)
    ax = plot_network(model.fit(X, y))
    bands = [p for p in ax.patches if p.get_gid() == "frozen"]
    assert len(bands) == 1
    assert bands[0].get_x() == 1 and bands[0].get_width() == 1
    assert "frozen layer" in [t.get_text() for t in ax.get_legend().get_texts()]
    unfrozen = MLPRegressor((4, 3), max_iter=5, random_state=0).fit(X, y)
    assert not [p for p in plot_network(unfrozen).patches if p.get_gid()]


def test_draws_on_the_given_axes(iris):
    X, y = iris
    model = LinearClassifier().fit(X, y)
    fig, (left, right) = plt.subplots(1, 2)
    assert plot_network(model, ax=right) is right
    assert not left.collections


@pytest.mark.parametrize("top_k", [0, -1, 1.5, True, "3"])
def test_bad_top_k_is_refused(iris, top_k):
    X, y = iris
    model = LinearClassifier().fit(X, y)
    with pytest.raises(ValueError, match="top_k must be None or a positive integer"):
        plot_network(model, top_k=top_k)


def test_figures_pass_the_figure_check(diabetes, iris):
    check = pytest.importorskip("figure_check")
    for name, model in _models(diabetes, iris).items():
        ax = plot_network(model)
        check.assert_figure_ok(
            ax.figure, f"plot_network of {name}", display_width=6.2, min_fontsize=6.5
        )


# -- a readable default for wide networks ------------------------------------------
@pytest.fixture(scope="module")
def digits_mlp():
    X, y = load_digits(return_X_y=True)
    return MLPClassifier((64, 32), max_iter=5, random_state=0).fit(X / 16, y)


def test_wide_network_draws_its_500_largest_weights(digits_mlp):
    model = digits_mlp
    n_weights = sum(W.size for W in model.coefs_)  # 64*64 + 64*32 + 32*10 = 6,464
    assert n_weights == 6464 and all(np.all(W != 0) for W in model.coefs_)
    ax = plot_network(model)  # the old default drew all 6,464
    drawn = _drawn_weights(ax, model)
    counts = [len(collection.get_segments()) for _, collection in drawn]
    assert counts == [167, 167, 166]  # 500 shared evenly by the three layers
    for W, (weights, _) in zip(model.coefs_, drawn):  # each layer's largest |w|
        largest = np.sort(np.abs(W).ravel())[::-1][: weights.size]
        np.testing.assert_array_equal(np.sort(np.abs(weights))[::-1], largest)
    assert ax.get_title() == (
        "MLPClassifier: 500 of 6,464 weights drawn\n"
        "5,964 smaller non-zero weights hidden (max_edges=500; None draws all)"
    )
    check = pytest.importorskip("figure_check")
    check.assert_figure_ok(
        ax.figure, "wide network", display_width=6.2, min_fontsize=6.5
    )
    every = plot_network(model, max_edges=None)
    assert sum(len(c.get_segments()) for c in _connections(every)) == 6464
    assert every.get_title() == "MLPClassifier: 6,464 of 6,464 weights drawn"


def test_max_edges_leaves_a_small_layer_whole_and_combines_with_top_k(iris):
    X, y = iris
    model = MLPClassifier((20,), max_iter=20, random_state=0).fit(X, y)  # 80 + 60
    ax = plot_network(model, max_edges=100)
    counts = [len(c.get_segments()) for c in _connections(ax)]
    assert counts == [50, 50]
    ax = plot_network(model, top_k=1, max_edges=30)  # 20 + 3 kept by top_k
    assert [len(c.get_segments()) for c in _connections(ax)] == [20, 3]
    assert "hidden" not in ax.get_title()
    ax = plot_network(model, max_edges=130)  # under its share: the rest goes on
    assert [len(c.get_segments()) for c in _connections(ax)] == [70, 60]


@pytest.mark.parametrize("max_edges", [0, -5, 2.5, False])
def test_bad_max_edges_is_refused(iris, max_edges):
    X, y = iris
    model = LinearClassifier().fit(X, y)
    with pytest.raises(ValueError, match="max_edges must be None or a positive"):
        plot_network(model, max_edges=max_edges)
