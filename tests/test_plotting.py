"""Tests of skweights.plotting under the Agg backend: what each figure draws."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from figure_check import assert_figure_ok  # noqa: E402
from sklearn.datasets import load_diabetes, load_digits, load_iris, load_wine  # noqa: E402
from sklearn.preprocessing import scale  # noqa: E402

from skweights import (  # noqa: E402
    LinearClassifier,
    LinearRegressor,
    MLPClassifier,
    MLPRegressor,
)
from skweights.inspection import regularization_path  # noqa: E402
from skweights.plotting import (  # noqa: E402
    plot_coefficients,
    plot_regularization_path,
    plot_training_history,
    plot_weight_heatmap,
    plot_weight_histogram,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
DOCS = {"display_width": 6.2, "min_fontsize": 6.5}  # docs/conf.py's FIGURE_CHECK
PENGUINS = np.array(["Adelie", "Chinstrap", "Gentoo"])  # iris with penguin names


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return X, y


@pytest.fixture(scope="module")
def mlp(diabetes):
    X, y = diabetes
    model = MLPRegressor(
        (16, 8), penalty="l1", alpha=1e-2, learning_rate=1e-2, max_iter=60,
        early_stopping=True, schedule="cosine", random_state=0,
    )  # fmt: skip
    return model.fit(pd.DataFrame(scale(X), columns=X.columns), scale(y))


def _save(fig, tmp_path, name):
    path = tmp_path / f"{name}.png"
    fig.savefig(path, dpi=60)
    assert path.stat().st_size > 1000


def test_heatmap_has_centred_colorbar_and_feature_names(mlp, tmp_path):
    ax = plot_weight_heatmap(mlp, layer=0)
    image = ax.images[0]
    assert image.colorbar is not None
    assert image.get_array().shape == mlp.coefs_[0].shape
    low, high = image.norm.vmin, image.norm.vmax
    assert low == pytest.approx(-high)  # centred on zero
    assert [t.get_text() for t in ax.get_yticklabels()] == list(mlp.feature_names_in_)
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    _save(ax.figure, tmp_path, "heatmap")


def test_heatmap_output_layer_of_classifier_names_classes(tmp_path):
    X, y = load_iris(return_X_y=True)
    model = MLPClassifier((5,), max_iter=30, random_state=0).fit(X, y)
    ax = plot_weight_heatmap(model, layer=-1)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]
    assert ax.get_xlabel() == "class"
    with pytest.raises(ValueError, match="layer=5"):
        plot_weight_heatmap(model, layer=5)


def test_histogram_one_distribution_per_layer_and_counts_zeros(mlp, tmp_path):
    ax = plot_weight_histogram(mlp)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(texts) == len(mlp.coefs_)
    for layer, (text, W) in enumerate(zip(texts, mlp.coefs_)):
        assert text.startswith(f"layer {layer}: {W.size:,} weights")
        n_zeros = int(np.sum(W == 0))
        assert (f"{n_zeros:,} exact zeros" in text) == (n_zeros > 0)
    assert sum(int(np.sum(W == 0)) for W in mlp.coefs_) > 0  # L1 made zeros
    assert ax.get_xlabel() == "weight value" and ax.get_ylabel()
    _save(ax.figure, tmp_path, "histogram")
    ax = plot_weight_histogram(mlp, layers=1)
    assert len(ax.get_legend().get_texts()) == 1


def test_coefficients_one_bar_per_feature_sorted(diabetes, tmp_path):
    X, y = diabetes
    model = LinearRegressor().fit(X, y)
    ax = plot_coefficients(model)
    widths = [bar.get_width() for bar in ax.patches]
    assert len(widths) == X.shape[1]
    assert widths == sorted(widths)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert sorted(labels) == sorted(X.columns)
    assert labels[-1] == X.columns[np.argmax(model.coef_)]
    assert ax.get_xlabel() == "coefficient" and ax.get_ylabel() == "feature"
    _save(ax.figure, tmp_path, "coefficients")
    assert len(plot_coefficients(model, top=4).patches) == 4


def test_coefficients_multiclass_is_one_heatmap_with_class_columns(tmp_path):
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = LinearClassifier(alpha=1e-3).fit(X, y)
    ax = plot_coefficients(model)
    image = ax.images[0]
    assert image.colorbar is not None
    # rows: features, strongest first; columns: the classes, as tick labels
    shown = image.get_array()
    strongest = np.argsort(np.abs(model.coef_).max(axis=0))[::-1]
    np.testing.assert_allclose(shown, model.coef_.T[strongest])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(X.columns[strongest])
    _save(ax.figure, tmp_path, "coefficients_multiclass")
    # ax= works for every model, and output= picks one class's bars
    _, given = plt.subplots()
    assert plot_coefficients(model, output=2, ax=given) is given
    np.testing.assert_allclose(
        sorted(bar.get_width() for bar in given.patches), np.sort(model.coef_[2])
    )
    assert given.get_title() == "Coefficients for class 2"
    with pytest.raises(ValueError, match="output=7"):
        plot_coefficients(model, output=7)


def test_coefficients_top_defaults_to_twenty_for_wide_models():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 64))
    model = LinearRegressor().fit(X, X[:, :3].sum(axis=1))
    ax = plot_coefficients(model)
    assert len(ax.patches) == 20
    assert ax.get_title() == "Coefficients (20 largest of 64)"
    assert ax.figure.get_figheight() <= 9.0
    assert len(plot_coefficients(model, top=None).patches) == 64
    with pytest.raises(ValueError, match="top must be"):
        plot_coefficients(model, top=0)


def test_training_history_panels(mlp, tmp_path):
    fig = plot_training_history(mlp)
    ax_loss, ax_lr, ax_grad, ax_weight = fig.axes[:4]
    assert len(ax_grad.lines) == len(mlp.coefs_) == len(ax_weight.lines)
    assert ax_grad.get_yscale() == "log"
    assert len(ax_loss.lines[0].get_xdata()) == mlp.n_iter_ + 1  # with epoch 0
    assert len(fig.axes) == 5  # the validation score's twin axis
    assert fig.axes[4].get_ylabel() == "validation score"
    rates = ax_lr.lines[0].get_ydata()
    assert np.isnan(rates[0]) and rates[1] > rates[-1]  # epoch 0, then cosine
    for ax in (ax_loss, ax_lr, ax_grad, ax_weight):
        assert ax.get_ylabel()
    assert ax_grad.get_xlabel() == "epoch"
    _save(fig, tmp_path, "history")


def test_training_history_full_batch_and_divergence(diabetes, tmp_path):
    X, y = diabetes
    from skweights.initializers import random_normal

    model = MLPRegressor(
        (32,) * 4, activation="identity", initializer=random_normal(stddev=3.0),
        optimizer="sgd", learning_rate=0.1, max_iter=20, random_state=0,
        on_divergence="keep_best",
    ).fit(scale(X), scale(y))  # fmt: skip
    assert model.history_[-1]["event"] == "diverged"
    fig = plot_training_history(model)
    dashed = [line for line in fig.axes[0].lines if line.get_linestyle() == "--"]
    assert len(dashed) == 1


def test_regularization_path_lines(diabetes, tmp_path):
    X, y = diabetes
    model = LinearRegressor(penalty="l1", tol=1e-6, max_iter=20_000)
    ax = plot_regularization_path(model, X, y, n_alphas=12)
    curves = [line for line in ax.lines if not line.get_label().startswith("_")]
    assert len(curves) == X.shape[1]
    assert [line.get_label() for line in curves] == list(X.columns)
    assert ax.get_xscale() == "log"
    low, high = ax.get_xlim()
    assert low > high  # strong penalty on the left
    assert ax.get_xlabel().startswith("alpha") and ax.get_ylabel() == "coefficient"
    _save(ax.figure, tmp_path, "path")
    path = regularization_path(model, X, y, n_alphas=4)
    ax = plot_regularization_path(path)
    assert len([c for c in ax.lines if not c.get_label().startswith("_")]) == 10
    np.testing.assert_allclose(curves[2].get_xdata()[:1], [path.alphas[0]])


def test_regularization_path_of_mlp_draws_layer_norms():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 3)), rng.normal(size=60)
    ax = plot_regularization_path(
        MLPRegressor((4,), max_iter=10, random_state=0), X, y, [1e-1, 1e-3]
    )
    assert [line.get_label() for line in ax.lines] == ["layer 0", "layer 1"]


# -- class names are never thinned -----------------------------------------------
@pytest.fixture(scope="module")
def penguins():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return X, PENGUINS[y]


def _tick_texts(axis) -> list[str]:
    return [t.get_text() for t in axis.get_ticklabels()]


def test_coefficient_heatmap_names_every_class(penguins, tmp_path):
    X, y = penguins
    model = LinearClassifier(alpha=1e-3).fit(X, y)
    ax = plot_coefficients(model)  # the old code dropped "Chinstrap"
    assert _tick_texts(ax.xaxis) == list(PENGUINS)
    assert_figure_ok(ax.figure, "coefficients of 3 named classes", **DOCS)
    _, small = plt.subplots(figsize=(3.2, 4.0), layout="constrained")
    ax = plot_coefficients(model, ax=small)
    assert _tick_texts(ax.xaxis) == list(PENGUINS)
    assert_figure_ok(ax.figure, "coefficients in a small axes", **DOCS)
    mlp = MLPClassifier((5,), max_iter=30, random_state=0).fit(X, y)
    ax = plot_weight_heatmap(mlp, layer=-1)
    assert _tick_texts(ax.xaxis) == list(PENGUINS)
    assert_figure_ok(ax.figure, "output-layer heatmap", **DOCS)
    _save(ax.figure, tmp_path, "coefficients_penguins")


# -- regularization paths of several outputs ---------------------------------------
@pytest.fixture(scope="module")
def penguin_path(penguins):
    X, y = penguins
    return regularization_path(LinearClassifier(penalty="l1"), X, y, n_alphas=8)


def _legend_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_multiclass_path_is_labelled_by_class(penguins, penguin_path, tmp_path):
    X, _ = penguins
    path = penguin_path
    assert path.output_names == list(PENGUINS)
    ax = plot_regularization_path(path)
    texts = _legend_texts(ax)
    assert texts == list(X.columns) + [f"class {name}" for name in PENGUINS]
    assert not any("[" in text for text in texts)  # the old "x0 [0]" labels
    curves = [line for line in ax.lines if line.get_linestyle() != "-"]
    assert len(curves) == 8  # Chinstrap dashed and Gentoo dotted, 4 features each
    solid = [line for line in ax.lines if line.get_label().startswith("_child")]
    # the first class's 4 lines (and the zero line) are solid, one colour each
    assert len({str(line.get_color()) for line in solid[:4]}) == 4
    assert_figure_ok(ax.figure, "multiclass path", **DOCS)
    _save(ax.figure, tmp_path, "path_multiclass")


def test_path_output_draws_one_class(penguins, penguin_path):
    X, _ = penguins
    path = penguin_path
    ax = plot_regularization_path(path, output="Gentoo")
    assert ax.get_title() == "Regularization path for class Gentoo"
    curves = [line for line in ax.lines if not line.get_label().startswith("_")]
    assert [line.get_label() for line in curves] == list(X.columns)
    for line, coef in zip(curves, path.coefs[2]):
        np.testing.assert_array_equal(line.get_ydata(), coef)
    assert plot_regularization_path(path, output=1).get_title().endswith("Chinstrap")
    assert_figure_ok(ax.figure, "one class of a path", **DOCS)
    with pytest.raises(ValueError, match="output='Emperor' is not one of"):
        plot_regularization_path(path, output="Emperor")
    with pytest.raises(ValueError, match="does not apply with features=True"):
        plot_regularization_path(path, output="Gentoo", features=True)


def test_path_of_ten_classes_asks_for_one():
    X, y = load_digits(return_X_y=True)
    path = regularization_path(
        LinearClassifier(penalty="l1", max_iter=50), X[:300] / 16, y[:300], [0.1, 0.05]
    )
    with pytest.raises(ValueError, match="10 outputs.*pick one with output="):
        plot_regularization_path(path)
    ax = plot_regularization_path(path, output=7)
    assert ax.get_title() == "Regularization path for class 7"


def test_path_colours_stay_distinct_past_ten_lines(tmp_path):
    wine = load_wine(as_frame=True)
    X, y = pd.DataFrame(scale(wine.data), columns=wine.data.columns), wine.target
    model = LinearRegressor(penalty="l1")
    ax = plot_regularization_path(model, X, y.to_numpy(float), n_alphas=6)
    curves = [line for line in ax.lines if not line.get_label().startswith("_")]
    assert len(curves) == 13
    assert len({str(line.get_color()) for line in curves}) == 13  # tab10 repeated
    assert_figure_ok(ax.figure, "13-feature path", **DOCS)


# -- training histories without a learning-rate panel -----------------------------
def _titles(fig) -> list[str]:
    return [ax.get_title() for ax in fig.axes]


def test_constant_learning_rate_is_a_line_of_text(tmp_path):
    X, y = load_iris(return_X_y=True)
    model = MLPClassifier((8,), learning_rate=3e-3, max_iter=15, random_state=0)
    fig = plot_training_history(model.fit(X, y))
    assert "Learning rate" not in _titles(fig) and len(fig.axes) == 3
    assert _titles(fig) == [
        "Loss, at a constant learning rate of 0.003",
        "Gradient norm per layer",
        "Weight norm per layer",
    ]
    loss = fig.axes[0]  # across the figure's width, where the rate's panel was
    assert loss.get_position().width > 1.8 * fig.axes[1].get_position().width
    assert_figure_ok(fig, "constant-rate history", **DOCS)
    _save(fig, tmp_path, "history_constant")
    lbfgs = MLPClassifier((8,), optimizer="lbfgs", max_iter=15, random_state=0)
    fig = plot_training_history(lbfgs.fit(X, y))
    assert "Learning rate" not in _titles(fig) and len(fig.axes) == 3
    assert _titles(fig)[0] == "Loss, full-batch solver: no learning rate"
    assert_figure_ok(fig, "L-BFGS history", **DOCS)


@pytest.mark.parametrize(
    ("params", "solver", "converged"),
    [
        ({"penalty": "l1", "alpha": 0.5}, "CoordinateDescent ('cd')", "yes"),
        ({"penalty": "l1", "alpha": 1e-3, "max_iter": 3}, "CoordinateDescent", "no"),
        ({}, "DirectSolve ('direct')", "yes"),
    ],
    ids=["cd", "cd at max_iter", "direct"],
)
def test_one_solve_is_summed_up(diabetes, params, solver, converged, tmp_path):
    X, y = diabetes
    model = LinearRegressor(**params).fit(X, y)
    assert len(model.history_) == 1
    fig = plot_training_history(model)
    point, summary = fig.axes  # no empty loss panel, no learning-rate panel
    (line,) = point.lines
    assert line.get_marker() == "o" and line.get_markersize() >= 6  # visible
    record = model.history_[0]
    assert line.get_xydata().tolist() == [[model.n_iter_, record["loss"]]]
    low, high = point.get_xlim()
    assert low <= model.n_iter_ <= high
    text = summary.texts[0].get_text()
    assert f"Solver: {solver}" in text
    assert f"Iterations: {model.n_iter_:,} (max_iter={model.max_iter:,})" in text
    assert f"Converged: {converged}" in text
    assert f"Final objective: {record['loss']:.6g}" in text
    assert "``" not in text  # the docstring's markup is taken off
    assert_figure_ok(fig, f"one solve ({solver})", **DOCS)
    _save(fig, tmp_path, "history_solve")


def test_one_solve_summary_names_no_solver_after_set_params(diabetes):
    X, y = diabetes
    model = LinearRegressor(penalty="l1").fit(X, y)
    model.set_params(optimizer="adam")  # no longer the solver that made the record
    text = plot_training_history(model).axes[1].texts[0].get_text()
    assert text.startswith("Solver: unknown\n")
    assert f"Iterations: {model.n_iter_:,}" in text


def test_every_plot_takes_either_ax_or_fig_as_the_module_docstring_says():
    """The contract of skweights.plotting, for every name in its __all__."""
    import inspect

    import skweights.plotting

    for name in skweights.plotting.__all__:
        parameters = inspect.signature(getattr(skweights.plotting, name)).parameters
        given = {"ax", "fig"} & set(parameters)
        assert len(given) == 1, (name, given)
        (target,) = given
        assert parameters[target].kind is inspect.Parameter.KEYWORD_ONLY, name
        assert parameters[target].default is None, name


def test_the_package_faces_only_hand_names_on():
    """plotting/ and inspection/ define nothing in their __init__ (one module per
    subject), and every public name is defined where its module says."""
    import skweights.inspection
    import skweights.plotting

    for face in (skweights.inspection, skweights.plotting):
        for name in face.__all__:
            obj = getattr(face, name)
            assert obj.__module__ != face.__name__, name
            module = __import__(obj.__module__, fromlist=["_"])
            assert getattr(module, name) is obj, name
