"""Multilabel classification: a 2-D 0/1 indicator y, one logistic output per label."""

from __future__ import annotations

import warnings

import matplotlib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from sklearn.datasets import make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.preprocessing import StandardScaler

from skweights import LinearClassifier, MLPClassifier, explain, inspection

matplotlib.use("Agg")


def _data(n_samples=200, n_classes=4, seed=0):
    X, Y = make_multilabel_classification(
        n_samples=n_samples, n_features=10, n_classes=n_classes, random_state=seed
    )
    return StandardScaler().fit_transform(X), Y


def _quiet_fit(model, X, Y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, Y, **kwargs)


@pytest.fixture(scope="module")
def fitted():
    X, Y = _data()
    model = _quiet_fit(MLPClassifier((16,), max_iter=50, random_state=0), X, Y)
    return model, X, Y


def test_attributes_and_predictions_follow_scikit_learn(fitted):
    model, X, Y = fitted
    reference = _quiet_fit(SkMLPClassifier((16,), max_iter=5, random_state=0), X, Y)
    assert_array_equal(model.classes_, reference.classes_)  # arange(n_labels)
    assert model.out_activation_ == reference.out_activation_ == "logistic"
    assert model.n_outputs_ == reference.n_outputs_ == Y.shape[1]
    pred = model.predict(X)
    assert pred.shape == Y.shape and set(np.unique(pred)) <= {0, 1}
    assert pred.dtype.kind == reference.predict(X).dtype.kind == "i"
    raw = model.decision_function(X)
    assert raw.shape == Y.shape
    assert_array_equal(pred, (raw > 0).astype(int))
    proba = model.predict_proba(X)
    assert_allclose(proba, expit(raw), rtol=1e-12)
    assert not np.allclose(proba.sum(axis=1), 1.0)  # labels are independent
    assert_allclose(model.predict_log_proba(X), np.log(proba), rtol=1e-10)
    assert model.score(X, Y) == pytest.approx(np.mean(np.all(pred == Y, axis=1)))


def test_accuracy_within_one_point_of_scikit_learn_multilabel_mlp():
    # Same network and optimizer; scikit-learn divides alpha by the batch size,
    # skweights does not, so alpha_skweights = alpha_sklearn / batch_size. The
    # mean test subset accuracy over three seeds is compared.
    X, Y = _data(n_samples=2000, n_classes=4, seed=0)
    X_train, X_test, Y_train, Y_test = train_test_split(X, Y, random_state=0)
    ours, theirs = [], []
    for seed in range(3):
        sk = SkMLPClassifier((16,), alpha=1.0, max_iter=200, random_state=seed)
        sw = MLPClassifier((16,), alpha=1.0 / 200, max_iter=200, random_state=seed)
        theirs.append(_quiet_fit(sk, X_train, Y_train).score(X_test, Y_test))
        ours.append(_quiet_fit(sw, X_train, Y_train).score(X_test, Y_test))
    assert np.mean(theirs) > 0.45  # far above chance (1/16 label sets)
    assert abs(np.mean(ours) - np.mean(theirs)) <= 0.01


def test_linear_multilabel_is_one_logistic_regression_per_label():
    # The objective sum_labels mean log-loss + alpha/2 ||W||^2 separates by label.
    X, Y = _data(n_samples=150)
    alpha = 1e-2
    model = LinearClassifier(alpha=alpha, tol=1e-10).fit(X, Y)
    assert model.coef_.shape == (Y.shape[1], X.shape[1])
    for label in range(Y.shape[1]):
        ref = LogisticRegression(C=1 / (alpha * len(X)), tol=1e-12, max_iter=10000)
        ref.fit(X, Y[:, label])
        assert_allclose(model.coef_[label], ref.coef_[0], atol=1e-5)
        assert model.intercept_[label] == pytest.approx(ref.intercept_[0], abs=1e-5)


def test_partial_fit_with_and_without_classes():
    X, Y = _data()
    a = MLPClassifier((8,), random_state=0).partial_fit(X, Y)
    b = MLPClassifier((8,), random_state=0).partial_fit(X, Y, classes=[0, 1, 2, 3])
    for W, V in zip(a.coefs_, b.coefs_):
        assert_array_equal(W, V)
    for _ in range(3):
        b.partial_fit(X[:50], Y[:50])
    assert b.n_iter_ == 4 and b.t_ == 200 + 3 * 50
    with pytest.raises(ValueError, match="column indices"):
        MLPClassifier((8,)).partial_fit(X, Y, classes=[0, 1])
    with pytest.raises(ValueError, match="multilabel"):
        b.partial_fit(X, Y[:, 0])


def test_class_weight_is_refused_for_multilabel():
    X, Y = _data()
    model = MLPClassifier((8,), class_weight="balanced")
    with pytest.raises(ValueError, match="class_weight is not defined for multilabel"):
        model.fit(X, Y)
    assert not hasattr(model, "coefs_")


def test_multiclass_multioutput_targets_are_refused():
    X, _ = _data()
    Y = np.random.default_rng(0).integers(0, 3, size=(len(X), 2))
    with pytest.raises(ValueError, match="multilabel indicator"):
        MLPClassifier((8,)).fit(X, Y)


def test_column_vector_y_is_single_label_with_a_warning():
    from sklearn.exceptions import DataConversionWarning

    X, Y = _data()
    with pytest.warns(DataConversionWarning):
        model = _quiet_fit(MLPClassifier((8,), max_iter=5), X, Y[:, :1])
    assert model.predict(X).ndim == 1 and not model._multilabel


def test_sample_weight_and_early_stopping_work():
    X, Y = _data(n_samples=300)
    w = np.random.default_rng(0).uniform(0.5, 2.0, size=len(X))
    model = _quiet_fit(
        MLPClassifier((16,), early_stopping=True, max_iter=30, random_state=0),
        X,
        Y,
        sample_weight=w,
    )
    assert len(model.validation_scores_) == model.n_iter_
    assert 0 <= model.best_validation_score_ <= 1
    # Subset accuracy on the held-out part, as scikit-learn's multilabel MLP.
    assert model.best_loss_ is None


@pytest.mark.parametrize("method", ["deep", "exact"])
@pytest.mark.parametrize("output", ["raw", "probability"])
@pytest.mark.parametrize("hidden", [False, True])
def test_explain_gives_one_additive_column_per_label(fitted, output, hidden, method):
    model, X, Y = fitted
    if not hidden:
        model = LinearClassifier().fit(X, Y)
    explanation = explain(
        model, X[:10], background=X[:30], output=output, method=method
    )
    assert explanation.values.shape == (10, X.shape[1], Y.shape[1])
    assert explanation.output_names == [str(c) for c in range(Y.shape[1])]
    target = (
        model.predict_proba(X[:10])
        if output == "probability"
        else model.decision_function(X[:10])
    )
    total = explanation.values.sum(axis=1) + explanation.base_values
    assert_allclose(total, target, rtol=0, atol=1e-8)


def test_inspection_functions_work_per_label(fitted):
    model, X, Y = fitted
    summary = inspection.layer_summary(model)
    assert len(summary) == len(model.coefs_)
    report = inspection.diagnose_gradients(model)
    assert report is not None
    per_label = inspection.weight_importance(model, output=2)
    assert per_label.shape == (X.shape[1],)
    assert not np.allclose(per_label, inspection.weight_importance(model, output=0))
    path = inspection.regularization_path(
        LinearClassifier(penalty="l1"), X, Y, n_alphas=3
    )
    assert np.all(path.n_nonzero[:-1] <= path.n_nonzero[1:])
    assert path.n_nonzero[0] <= 1  # all (or nearly all) zero at alpha_max


def test_plotting_functions_work_per_label(fitted):
    from skweights import plotting

    model, X, Y = fitted
    ax = plotting.plot_weight_heatmap(model, layer=1)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2", "3"]
    plotting.plot_weight_histogram(model)
    ax = plotting.plot_coefficients(model)  # one features x labels heatmap
    assert ax.images[0].get_array().shape == (X.shape[1], Y.shape[1])
    plotting.plot_training_history(model)
    import matplotlib.pyplot as plt

    plt.close("all")
