"""The figure check (tests/figure_check.py) and every plotting function under it.

The first tests plant the defects the check exists for (overlapping text, text cut
off by the figure edge, an empty panel, a huge figure, tiny text) and expect it to
report each; the parametrized test then draws every plotting function for every kind
of model (single-output, multi-output, binary and multiclass, linear and MLP, with
and without ``ax=``/``fig=``) and expects no problem.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from figure_check import (  # noqa: E402
    FigureCheckError,
    assert_figure_ok,
    figure_problems,
)
from sklearn.datasets import load_diabetes, load_digits, load_iris  # noqa: E402
from sklearn.preprocessing import scale  # noqa: E402

from skweights import (  # noqa: E402
    LinearClassifier,
    LinearRegressor,
    MLPClassifier,
    MLPRegressor,
)
from skweights.plotting import (  # noqa: E402
    plot_coefficients,
    plot_regularization_path,
    plot_training_history,
    plot_weight_evolution,
    plot_weight_heatmap,
    plot_weight_histogram,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
DOCS = {"display_width": 6.2, "min_fontsize": 6.5}  # docs/conf.py's FIGURE_CHECK


def _clean_figure():
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    ax.plot([0, 1, 2], [1, 3, 2], label="data")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("A clean figure")
    ax.legend(loc="upper left")
    return fig, ax


# -- the check catches planted defects ------------------------------------------------
def test_clean_figure_passes():
    fig, _ = _clean_figure()
    assert figure_problems(fig) == []
    assert_figure_ok(fig)


def test_planted_overlap_of_two_texts_is_caught():
    fig, ax = _clean_figure()
    ax.text(1.0, 2.0, "first label")
    ax.text(1.05, 2.02, "second label")
    problems = figure_problems(fig)
    assert problems == ["text 'first label' overlaps 'second label'"]
    with pytest.raises(FigureCheckError, match="overlaps"):
        assert_figure_ok(fig, "planted")


def test_annotation_hidden_behind_legend_is_caught():
    # the old plot_weight_histogram: a "124 zeros" label under the legend
    fig, ax = _clean_figure()
    ax.annotate("124 zeros", (0.02, 0.95), xycoords="axes fraction", va="top")
    assert "text '124 zeros' overlaps legend" in figure_problems(fig)


def test_twin_axis_tick_labels_over_the_next_panel_are_caught():
    # the old plot_training_history(model, fig=plt.figure(...)): no layout engine
    fig = plt.figure(figsize=(9, 6))
    (left, right), _ = fig.subplots(2, 2)
    left.plot(np.arange(10), np.arange(10))
    twin = left.twinx()
    twin.plot(np.arange(10), np.linspace(0.2, 0.9, 10))
    twin.set_ylabel("validation score")
    right.semilogy(np.arange(10), np.geomspace(2.2e-3, 3e-3, 10))
    right.set_ylabel("learning rate")
    assert any(
        "overlaps 'validation score'" in problem for problem in figure_problems(fig)
    )


def test_text_cut_off_by_the_figure_edge_is_caught():
    fig, ax = plt.subplots(figsize=(6.4, 3.6))  # no layout: the x label is cut off
    ax.plot([1, 2], [1, 2])
    ax.set_xlabel("epoch")
    fig.text(0.9, 0.5, "a long text that runs off the right edge")
    problems = figure_problems(fig)
    assert "text 'epoch' is cut off by the figure edge" in problems
    assert (
        "text 'a long text that runs off the right edge' is cut off by the figure edge"
    ) in problems


def test_panel_without_data_inside_its_limits_is_caught():
    # the old exploding-gradients example: all-NaN lines and one vertical line
    fig, (ax0, ax1, ax2) = plt.subplots(1, 3, figsize=(9, 3), layout="constrained")
    ax0.plot([0, 1], [np.nan, np.nan])
    ax0.axvline(0.0, color="red")
    ax0.set_title("nan only")
    ax1.plot([0, 1], [0, 1])
    ax1.set_xlim(5, 6)
    ax1.set_title("outside")
    ax2.bar([0, 1], [1, 2])
    ax2.set_title("bars")
    problems = figure_problems(fig)
    assert problems == [
        "axes 0 ('nan only') has data artists but no finite data inside its limits",
        "axes 1 ('outside') has data artists but no finite data inside its limits",
    ]


def test_figure_size_and_displayed_font_size_are_checked():
    fig, ax = plt.subplots(figsize=(12.6, 70))
    ax.plot([0, 1], [0, 1])
    assert figure_problems(fig)[0] == (
        "figure size 12.6 x 70 in is outside 2 x 1.5 .. 16 x 14 in"
    )
    fig, _ = _clean_figure()  # 6 in wide with 10 pt text
    assert figure_problems(fig, display_width=6.0) == []
    shrunk = figure_problems(fig, display_width=3.0)  # shown at half size: 5 pt
    assert "text 'x' is shown at 5 pt (< 5.5 pt)" in shrunk


def test_ticks_of_an_axes_turned_off_are_not_text():
    # plot_training_history's one-solve summary: a text panel with axis("off"),
    # whose (undrawn) tick labels the old check reported as cut off
    fig, (ax, panel) = plt.subplots(1, 2, figsize=(7, 2.8), layout="constrained")
    ax.plot([1], [2], "o")
    panel.axis("off")
    panel.text(0.0, 0.5, "Solver: one\nIterations: 3", transform=panel.transAxes)
    assert figure_problems(fig) == []
    panel.text(0.0, 0.52, "Solver: two")  # its own texts are still checked
    assert figure_problems(fig) == [
        "text 'Solver: one\\nIterations: 3' overlaps 'Solver: two'"
    ]


# -- every plotting function, every kind of model ------------------------------------
@pytest.fixture(scope="module")
def models():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X = pd.DataFrame(scale(X), columns=X.columns)
    y = scale(y)
    iris_X, iris_y = load_iris(return_X_y=True, as_frame=True)
    digits_X, digits_y = load_digits(return_X_y=True)
    digits_X = scale(digits_X)
    two = np.column_stack([y, X["bmi"] + 0.1 * y])
    return {
        "linear": LinearRegressor(penalty="l1", alpha=0.05).fit(X, y),
        "linear multi-output": LinearRegressor(alpha=0.1).fit(X, two),
        "linear binary": LinearClassifier().fit(iris_X, iris_y == 2),
        "linear multiclass": LinearClassifier().fit(iris_X, iris_y),
        "linear 64 features, 10 classes": LinearClassifier().fit(digits_X, digits_y),
        "mlp early stopping": MLPRegressor(
            (16, 8),
            penalty="l1",
            alpha=1e-2,
            learning_rate=1e-2,
            max_iter=40,
            early_stopping=True,
            schedule="cosine",
            random_state=0,
        ).fit(X, y),  # fmt: skip
        "mlp multi-output": MLPRegressor((8,), max_iter=20, random_state=0).fit(X, two),
        "mlp multiclass": MLPClassifier((8,), max_iter=30, random_state=0).fit(
            iris_X, iris_y
        ),
        "mlp 64 features, 10 classes": MLPClassifier(
            (32,), max_iter=10, random_state=0
        ).fit(digits_X, digits_y),
        "mlp full batch": MLPRegressor(
            (8,), optimizer="lbfgs", max_iter=30, random_state=0
        ).fit(X, y),
    }


def _given_ax():
    return plt.subplots(figsize=(6.4, 4.8), layout="constrained")[1]


SINGLE_PANEL = {
    "heatmap first layer": lambda m, ax: plot_weight_heatmap(m, 0, ax=ax),
    "heatmap last layer": lambda m, ax: plot_weight_heatmap(m, -1, ax=ax),
    "histogram": lambda m, ax: plot_weight_histogram(m, ax=ax),
    "coefficients": lambda m, ax: plot_coefficients(m, ax=ax),
    "coefficients, first output": lambda m, ax: plot_coefficients(
        m, output=_first_output(m), ax=ax
    ),
}


def _first_output(model):
    classes = getattr(model, "classes_", None)
    return classes[-1] if classes is not None and len(classes) > 2 else 0


@pytest.mark.parametrize("given", [False, True], ids=["own figure", "ax="])
@pytest.mark.parametrize("plot", list(SINGLE_PANEL))
def test_single_panel_plots_pass_the_check(models, plot, given):
    for name, model in models.items():
        ax = _given_ax() if given else None
        drawn = SINGLE_PANEL[plot](model, ax)
        assert drawn is ax if given else drawn.__class__.__name__ == "Axes"
        assert_figure_ok(drawn.figure, f"{plot} of {name}", **DOCS)
        plt.close("all")


@pytest.mark.parametrize(
    "fig_kind", [None, "plain", "constrained", "subfigure"], ids=str
)
def test_training_history_passes_the_check(models, fig_kind):
    for name, model in models.items():
        fig = None
        if fig_kind == "plain":
            fig = plt.figure(figsize=(9, 6))
        elif fig_kind == "constrained":
            fig = plt.figure(figsize=(9, 6), layout="constrained")
        elif fig_kind == "subfigure":
            fig = plt.figure(figsize=(10, 7), layout="constrained").subfigures(1, 1)
        drawn = plot_training_history(model, fig=fig)
        assert fig is None or drawn is fig
        # the docs' size for our own figure; the given 9-10 inch ones as drawn
        limits = DOCS if fig is None else {}
        assert_figure_ok(
            drawn.figure, f"training history of {name}, fig={fig_kind}", **limits
        )
        plt.close("all")


@pytest.fixture(scope="module")
def recorded_models():
    """Models fitted with record_weights: one record, many, a 4-layer MLP, zeros."""
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X = pd.DataFrame(scale(X), columns=X.columns)
    y = scale(y)
    iris_X, iris_y = load_iris(return_X_y=True)
    return {
        "linear cd (one record)": LinearRegressor(
            penalty="l1", alpha=0.05, record_weights=True
        ).fit(X, y),
        "linear lbfgs": LinearClassifier(record_weights=2).fit(iris_X, iris_y),
        "mlp l1, early stopping": MLPRegressor(
            (16, 8),
            penalty="l1",
            alpha=1e-2,
            learning_rate=1e-2,
            max_iter=40,
            early_stopping=True,
            record_weights=True,
            random_state=0,
        ).fit(X, y),
        "mlp 4 layers, zeros": MLPClassifier(
            (8, 8, 8),
            initializer="zeros",
            max_iter=10,
            record_weights=True,
            random_state=0,
        ).fit(iris_X, iris_y),
    }


@pytest.mark.parametrize("fig_kind", [None, "subfigure"], ids=str)
def test_weight_evolution_passes_the_check(recorded_models, fig_kind):
    for name, model in recorded_models.items():
        fig = None
        if fig_kind == "subfigure":
            fig = plt.figure(figsize=(8, 7), layout="constrained").subfigures(1, 1)
        drawn = plot_weight_evolution(model, fig=fig)
        assert fig is None or drawn is fig
        # at the size the docs show it (docs/conf.py's FIGURE_CHECK)
        assert_figure_ok(
            drawn.figure,
            f"weight evolution of {name}, fig={fig_kind}",
            **DOCS,
        )
        plt.close("all")


@pytest.mark.parametrize("given", [False, True], ids=["own figure", "ax="])
@pytest.mark.parametrize(
    "estimator",
    [
        LinearRegressor(penalty="l1", tol=1e-6),
        LinearRegressor(penalty="elasticnet", tol=1e-6),
        MLPRegressor((4,), max_iter=10, random_state=0),
    ],
    ids=["lasso", "elasticnet", "mlp"],
)
def test_regularization_path_passes_the_check(estimator, given):
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    ax = _given_ax() if given else None
    drawn = plot_regularization_path(estimator, scale(X), scale(y), n_alphas=6, ax=ax)
    assert drawn is ax if given else True
    assert_figure_ok(drawn.figure, "regularization path", **DOCS)


def test_one_label_drawn_in_two_layers_is_not_an_overlap():
    # shap colours part of a label by writing "0.8 = age" over " age", writes some
    # labels twice, and puts a label under a tick with a leading blank line
    fig, ax = _clean_figure()
    ax.text(0.5, 2.5, "0.8 = age", ha="right")
    ax.text(0.5, 2.5, " age", ha="right")
    ax.text(1.5, 1.5, "s5")
    ax.text(1.5, 1.5, "s5")
    ax.set_xticks([0, 1, 2])
    twin = ax.twiny()  # a second tick label under "0", one blank line lower
    twin.set_xlim(ax.get_xlim())
    twin.xaxis.set_ticks_position("bottom")
    twin.set_xticks([0.1], ["\nE[f(X)]"])
    assert figure_problems(fig) == []
    ax.text(1.5, 1.52, "s6")  # a different label on top is still caught
    assert figure_problems(fig) == [
        "text 's5' overlaps 's6'",
        "text 's5' overlaps 's6'",
    ]
