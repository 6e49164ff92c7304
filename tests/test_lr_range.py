"""learning_rate_range: Smith's range test on the estimator's own engine."""

import pickle
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler, scale  # noqa: E402

from skweights import (  # noqa: E402
    LinearClassifier,
    LinearRegressor,
    MLPClassifier,
    MLPRegressor,
    optimizers,
)
from skweights.inspection import LearningRateRange, learning_rate_range  # noqa: E402
from skweights.plotting import plot_learning_rate_range  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore:learning_rate_range. the loss was still"),
]


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return scale(X), y


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return scale(X), scale(y)


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return scale(X), y


def _snapshot(estimator) -> bytes:
    return pickle.dumps(estimator)


@pytest.mark.parametrize("fitted", [False, True])
def test_the_estimator_is_left_untouched(digits, fitted):
    X, y = digits
    model = MLPClassifier((16,), optimizer="sgd", max_iter=3, random_state=0)
    pipe = make_pipeline(StandardScaler(), clone(model))
    if fitted:
        model.fit(X, y)
        pipe.fit(X, y)
    before = (_snapshot(model), model.get_params(deep=True).copy(), _snapshot(pipe))
    coefs = [W.copy() for W in model.coefs_] if fitted else None
    learning_rate_range(model, X, y, n_steps=30)
    learning_rate_range(pipe, X, y, n_steps=30)
    assert _snapshot(model) == before[0]
    assert _snapshot(pipe) == before[2]
    assert model.get_params(deep=True).keys() == before[1].keys()
    assert not hasattr(model, "history_") or fitted
    if fitted:
        for W, kept in zip(model.coefs_, coefs):
            np.testing.assert_array_equal(W, kept)


def test_rates_grow_geometrically_until_the_loss_blows_up(digits):
    X, y = digits
    result = learning_rate_range(
        MLPClassifier((16,), random_state=0), X, y, min_lr=1e-5, max_lr=10.0
    )
    rates = result.learning_rates
    assert rates[0] == pytest.approx(1e-5)
    ratios = rates[1:] / rates[:-1]
    np.testing.assert_allclose(ratios, (1e6) ** (1 / 199))
    # Adam at rate 10 diverges: the test stopped before max_lr, where it blew up.
    assert result.diverged_at is not None
    assert rates.size < 200 and result.diverged_at > rates[-1]
    assert result.losses.shape == result.smoothed.shape == rates.shape
    assert np.isfinite(result.losses).all()


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("digits, adam", lambda: MLPClassifier((32,), random_state=0)),
        ("diabetes, sgd", lambda: MLPRegressor((16,), optimizer="sgd", random_state=0)),
        ("cancer, rmsprop", lambda: MLPClassifier((16,), optimizer="rmsprop")),
    ],
)
@pytest.mark.parametrize("rule", ["minimum", "steepest"])
def test_suggestion_is_stable_and_beats_the_default(
    name, make, rule, digits, diabetes, cancer
):
    X, y = {"digits": digits, "diabetes": diabetes, "cancer": cancer}[
        name.split(",")[0]
    ]
    estimator = make().set_params(random_state=0)
    result = learning_rate_range(estimator, X, y, rule=rule)
    # Within the stable region: where the smoothed loss has fallen from its start,
    # below the rate of its minimum and well below where it blew up.
    assert result.learning_rates[0] < result.suggestion <= result.min_loss_rate
    assert result.diverged_at is None or result.suggestion < result.diverged_at / 10
    at = np.interp(
        np.log(result.suggestion), np.log(result.learning_rates), result.smoothed
    )
    assert at < result.smoothed[0]
    # Trained with it for a fixed budget: no divergence, at least as low a loss as
    # the default learning_rate=1e-3.
    budget = {"max_iter": 10, "random_state": 0}
    default = clone(estimator).set_params(**budget).fit(X, y)
    suggested = (
        clone(estimator).set_params(learning_rate=result.suggestion, **budget).fit(X, y)
    )
    assert all(record["event"] is None for record in suggested.history_)
    assert suggested.loss_curve_[-1] <= default.loss_curve_[-1]


@pytest.mark.parametrize("name", sorted(optimizers.REGISTRY.entries))
def test_every_minibatch_optimizer_and_no_full_batch_one(name, cancer):
    X, y = cancer
    estimator = MLPClassifier((8,), optimizer=name, random_state=0)
    if getattr(optimizers.get(name), "full_batch", False):
        with pytest.raises(ValueError, match="needs a minibatch optimizer"):
            learning_rate_range(estimator, X, y)
        return
    result = learning_rate_range(estimator, X, y, n_steps=100)
    assert result.smoothed.min() < 0.5 * result.smoothed[0]  # it learned something
    assert result.estimator.startswith("MLPClassifier")


def test_auto_resolves_as_fit_does(cancer):
    X, y = cancer
    with pytest.raises(ValueError, match="optimizer='adam'"):
        learning_rate_range(LinearClassifier(), X, y)  # auto: L-BFGS here
    result = learning_rate_range(LinearClassifier(optimizer="sgd"), X, y)
    assert result.suggestion > 0


def test_a_pipeline_runs_on_its_transformed_data(digits):
    X, y = load_digits(return_X_y=True)
    model = MLPClassifier((16,), optimizer="sgd", random_state=0)
    through_pipe = learning_rate_range(make_pipeline(StandardScaler(), model), X, y)
    direct = learning_rate_range(model, StandardScaler().fit_transform(X), y)
    np.testing.assert_array_equal(through_pipe.losses, direct.losses)
    assert through_pipe.suggestion == direct.suggestion


def test_float32_and_sample_weight(diabetes):
    X, y = diabetes
    model = LinearRegressor(optimizer="sgd", random_state=0)
    result = learning_rate_range(model, X.astype(np.float32), y.astype(np.float32))
    assert np.isfinite(result.losses).all()
    weights = np.ones(len(y))
    same = learning_rate_range(
        model, X.astype(np.float32), y.astype(np.float32), sample_weight=weights
    )
    np.testing.assert_allclose(same.losses, result.losses)
    weights[y > 0] = 10.0
    other = learning_rate_range(model, X, y, sample_weight=weights)
    assert not np.allclose(other.losses[:5], result.losses[:5])


def test_sparse_input_steps_as_dense_input(cancer):
    import scipy.sparse as sp

    X, y = cancer
    model = LinearClassifier(optimizer="adagrad", random_state=0)
    dense = learning_rate_range(model, X, y, n_steps=50)
    sparse = learning_rate_range(model, sp.csr_matrix(X), y, n_steps=50)
    np.testing.assert_allclose(sparse.losses, dense.losses, rtol=1e-10)


def test_a_narrow_range_warns(digits):
    X, y = digits
    with pytest.warns(UserWarning, match="still falling at max_lr"):
        learning_rate_range(
            MLPClassifier((16,), random_state=0), X, y, min_lr=1e-4, max_lr=3e-3
        )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"min_lr": 1.0, "max_lr": 0.1}, "0 < min_lr < max_lr"),
        ({"min_lr": 0.0}, "0 < min_lr < max_lr"),
        ({"n_steps": 5}, "n_steps an integer >= 10"),
        ({"rule": "valley"}, "rule one of"),
        ({"smoothing": 1.0}, r"smoothing in \[0, 1\)"),
        ({"divergence_threshold": 1.0}, "divergence_threshold > 1"),
    ],
)
def test_bad_options_are_refused(options, message, diabetes):
    X, y = diabetes
    with pytest.raises(ValueError, match=message):
        learning_rate_range(MLPRegressor((4,)), X, y, **options)


def test_not_a_skweights_estimator(diabetes):
    from sklearn.linear_model import SGDRegressor

    X, y = diabetes
    with pytest.raises(ValueError, match="must be a skweights estimator"):
        learning_rate_range(SGDRegressor(), X, y)


def test_plot_draws_the_curve_and_the_suggestion(digits):
    X, y = digits
    result = learning_rate_range(MLPClassifier((16,), random_state=0), X, y)
    fig, (left, right) = plt.subplots(1, 2)
    ax = plot_learning_rate_range(result, ax=right)
    assert ax is right and not left.lines
    raw, smooth = ax.lines[:2]
    np.testing.assert_array_equal(raw.get_xdata(), result.learning_rates)
    np.testing.assert_array_equal(smooth.get_ydata(), result.smoothed)
    assert ax.get_xscale() == "log"
    vertical = [
        line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "--"
    ]
    assert vertical == [result.suggestion]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"suggestion (minimum): {result.suggestion:.2g}" in labels
    assert "loss blew up" in labels


def test_plot_refuses_anything_else():
    with pytest.raises(ValueError, match="pass the result of"):
        plot_learning_rate_range({"losses": [1.0]})


def test_result_is_a_learning_rate_range(diabetes):
    X, y = diabetes
    result = learning_rate_range(MLPRegressor((4,), random_state=0), X, y, n_steps=20)
    assert isinstance(result, LearningRateRange)


def test_figure_passes_the_figure_check(digits):
    check = pytest.importorskip("figure_check")
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = learning_rate_range(MLPClassifier((16,), random_state=0), X, y)
    check.assert_figure_ok(
        plot_learning_rate_range(result).figure,
        "lr range",
        display_width=6.2,  # docs/conf.py's FIGURE_CHECK
        min_fontsize=6.5,
    )


def test_repr_and_table(diabetes):
    X, y = diabetes
    result = learning_rate_range(MLPRegressor((4,), random_state=0), X, y, n_steps=30)
    text = repr(result)
    rates = result.learning_rates
    assert text.startswith(
        f"LearningRateRange(MLPRegressor, Adam: {rates.size} steps from "
        f"{rates[0]:.3g} to {rates[-1]:.3g};\n  suggestion {result.suggestion:.3g} "
        f"(rule 'minimum'), lowest loss at {result.min_loss_rate:.3g}, "
    )
    assert "array" not in text and len(text.splitlines()) == 2
    frame = result.to_frame()
    assert list(frame.columns) == ["learning_rate", "loss", "smoothed"]
    assert len(frame) == rates.size
    np.testing.assert_array_equal(frame["learning_rate"], rates)
    np.testing.assert_array_equal(frame["loss"], result.losses)
    np.testing.assert_array_equal(frame["smoothed"], result.smoothed)
