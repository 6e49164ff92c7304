"""skweights.load of what users save: scikit-learn preprocessing and searches.

Every transformer commonly found in a ``ColumnTransformer``, in front of every kind
of skweights estimator, and hyper-parameter searches of such pipelines, load with
the default trust and predict exactly as before saving; anything else stays
refused.
"""

import copy
import os
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
from sklearn.metrics import f1_score, make_scorer, mean_absolute_error
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    KBinsDiscretizer,
    MaxAbsScaler,
    MinMaxScaler,
    OneHotEncoder,
    OrdinalEncoder,
    PolynomialFeatures,
    PowerTransformer,
    QuantileTransformer,
    RobustScaler,
    SplineTransformer,
    StandardScaler,
    TargetEncoder,
)

import skweights
from skweights import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor

pytest.importorskip("skops")

NUMERIC = ["a", "b", "d"]
CATEGORICAL = ["c"]

#: Steps for the numeric columns (after an imputer unless they are one).
NUMERIC_STEPS = {
    "SimpleImputer": lambda: SimpleImputer(strategy="median"),
    "KNNImputer": lambda: KNNImputer(n_neighbors=3),
    "IterativeImputer": lambda: IterativeImputer(max_iter=3, random_state=0),
    "StandardScaler": StandardScaler,
    "MinMaxScaler": MinMaxScaler,
    "RobustScaler": RobustScaler,
    "MaxAbsScaler": MaxAbsScaler,
    "QuantileTransformer": lambda: QuantileTransformer(n_quantiles=20),
    "PowerTransformer": PowerTransformer,
    "KBinsDiscretizer": lambda: KBinsDiscretizer(n_bins=3, quantile_method="linear"),
    "SplineTransformer": lambda: SplineTransformer(n_knots=4),
    "PolynomialFeatures": PolynomialFeatures,
    "PCA": lambda: PCA(2),
    "FunctionTransformer(log1p)": lambda: FunctionTransformer(
        np.log1p, inverse_func=np.expm1
    ),
    "FunctionTransformer(sqrt)": lambda: FunctionTransformer(np.sqrt),
}
#: Steps for the categorical column.
CATEGORICAL_STEPS = {
    "OneHotEncoder": lambda: OneHotEncoder(handle_unknown="ignore"),
    "OrdinalEncoder": lambda: OrdinalEncoder(
        handle_unknown="use_encoded_value", unknown_value=-1
    ),
    "TargetEncoder": TargetEncoder,
}
ESTIMATORS = {
    "LinearRegressor": LinearRegressor,
    "LinearClassifier": lambda: LinearClassifier(max_iter=20),
    "MLPRegressor": lambda: MLPRegressor((4,), max_iter=5, random_state=0),
    "MLPClassifier": lambda: MLPClassifier((4,), max_iter=5, random_state=0),
}


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _data(kind):
    """Positive numeric columns (for log1p and sqrt) with gaps, a category, and
    three classes as strings for the classifiers."""
    rng = np.random.default_rng(0)
    n = 90
    X = pd.DataFrame(
        {
            "a": rng.uniform(0, 3, n),
            "b": rng.exponential(size=n),
            "c": rng.choice(["x", "y", "z"], n),
            "d": rng.uniform(1, 2, n),
        }
    )
    X.loc[::7, "a"] = np.nan
    signal = X["b"] + (X["c"] == "y") - X["d"]
    if kind.endswith("Classifier"):
        return X, np.asarray(pd.qcut(signal, 3, labels=["low", "mid", "high"]), str)
    return X, signal + 0.1 * rng.normal(size=n)


def _pipeline(step, estimator):
    if step in CATEGORICAL_STEPS:
        numeric = make_pipeline(SimpleImputer(), StandardScaler())
        categorical = CATEGORICAL_STEPS[step]()
    else:
        numeric = NUMERIC_STEPS[step]()
        if "Imputer" not in step:
            numeric = make_pipeline(SimpleImputer(), numeric)
        categorical = OneHotEncoder(handle_unknown="ignore")
    columns = ColumnTransformer(
        [("num", numeric, NUMERIC), ("cat", categorical, CATEGORICAL)]
    )
    return make_pipeline(columns, ESTIMATORS[estimator]())


def _outputs(model, X):
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)
    return model.predict(X)


def _round_trip(model, tmp_path):
    return skweights.load(skweights.save(model, tmp_path / "model.skops"))


@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("step", [*NUMERIC_STEPS, *CATEGORICAL_STEPS])
def test_a_column_transformer_pipeline_loads_and_predicts_the_same(
    step, estimator, tmp_path
):
    X, y = _data(estimator)
    model = _pipeline(step, estimator).fit(X, y)
    restored = _round_trip(model, tmp_path)
    np.testing.assert_array_equal(_outputs(restored, X), _outputs(model, X))
    new = X.sample(20, random_state=1).assign(c="w")  # an unseen category too
    np.testing.assert_array_equal(_outputs(restored, new), _outputs(model, new))


def test_the_imputer_pipeline_of_the_report_loads(tmp_path):
    """numpy.dtype (SimpleImputer keeps one) used to be refused."""
    X, y = _data("LinearRegressor")
    model = make_pipeline(SimpleImputer(), LinearRegressor()).fit(X[NUMERIC], y)
    restored = _round_trip(model, tmp_path)
    np.testing.assert_array_equal(
        restored.predict(X[NUMERIC]), model.predict(X[NUMERIC])
    )


SEARCHES = {
    "regressor, scorer name": ("MLPRegressor", "neg_mean_absolute_error"),
    "regressor, make_scorer": (
        "LinearRegressor",
        make_scorer(mean_absolute_error, greater_is_better=False),
    ),
    "classifier, scorer name": ("LinearClassifier", "balanced_accuracy"),
    "classifier, make_scorer": (
        "MLPClassifier",
        make_scorer(f1_score, average="macro"),
    ),
}


@pytest.mark.parametrize("search_class", [GridSearchCV, RandomizedSearchCV])
@pytest.mark.parametrize("case", SEARCHES)
def test_a_search_of_a_column_transformer_pipeline_loads(case, search_class, tmp_path):
    estimator, scoring = SEARCHES[case]
    X, y = _data(estimator)
    pipeline = _pipeline("SplineTransformer", estimator)
    pipeline.steps[0][1].transformers[1] = ("cat", TargetEncoder(), CATEGORICAL)
    grid = {f"{estimator.lower()}__alpha": [1e-3, 1e-1]}
    options = (
        {"n_iter": 2, "random_state": 0} if search_class is RandomizedSearchCV else {}
    )
    search = search_class(pipeline, grid, scoring=scoring, cv=2, **options).fit(X, y)
    restored = _round_trip(search, tmp_path)
    assert restored.best_params_ == search.best_params_
    np.testing.assert_array_equal(restored.cv_results_["mean_test_score"],
                                  search.cv_results_["mean_test_score"])  # fmt: skip
    np.testing.assert_array_equal(_outputs(restored, X), _outputs(search, X))
    assert restored.score(X, y) == search.score(X, y)  # the scorer itself works


class Doubler(TransformerMixin, BaseEstimator):
    """A transformer defined here: not trusted by default."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return 2 * np.asarray(X, dtype=float)


def _save_unfitted(model, tmp_path):
    # Unfitted: the FunctionTransformers below must never be called.
    return skweights.save(model, tmp_path / "model.skops")


@pytest.mark.parametrize(
    "make_step, name",
    [
        (lambda: Doubler(), f"{__name__}.Doubler"),
        (lambda: FunctionTransformer(os.system), f"{os.system.__module__}.system"),
        (lambda: FunctionTransformer(lambda X: X), f"{__name__}.<lambda>"),
        # numpy functions that are not ufuncs are not trusted by default
        (lambda: FunctionTransformer(np.clip), "numpy.clip"),
        # nor skweights' own functions: save would write a file on transform
        (lambda: FunctionTransformer(skweights.save), "skweights._persistence.save"),
    ],
    ids=["own class", "os.system", "lambda", "np.clip", "skweights.save"],
)
def test_unknown_types_and_functions_in_a_pipeline_are_refused(
    make_step, name, tmp_path
):
    model = make_pipeline(make_step(), StandardScaler(), LinearRegressor())
    path = _save_unfitted(model, tmp_path)
    with pytest.raises(ValueError, match="does not trust by default") as info:
        skweights.load(path)
    assert repr(name) in str(info.value)


def test_a_listed_own_class_loads(tmp_path):
    X, y = _data("LinearRegressor")
    model = make_pipeline(Doubler(), LinearRegressor()).fit(X[["b", "d"]], y)
    path = skweights.save(model, tmp_path / "model.skops")
    restored = skweights.load(path, trusted=[f"{__name__}.Doubler"])
    np.testing.assert_array_equal(restored.predict(X[["b", "d"]]),
                                  model.predict(X[["b", "d"]]))  # fmt: skip


def _spline_file(tmp_path, corrupt=None, where="bsplines_"):
    """A fitted SplineTransformer, and a spline hidden in a FunctionTransformer."""
    X, _ = _data("LinearRegressor")
    splines = SplineTransformer(n_knots=4).fit(X[["b", "d"]])
    hidden = copy.deepcopy(splines.bsplines_[1])
    if corrupt is not None:
        corrupt(hidden if where == "hidden" else splines.bsplines_[1])
    holder = FunctionTransformer(np.sqrt, kw_args={"hidden": [hidden]})
    return skweights.save([splines, holder], tmp_path / "splines.skops")


@pytest.mark.parametrize("where", ["bsplines_", "hidden"])
@pytest.mark.parametrize(
    "corrupt",
    [
        lambda spline: setattr(spline, "_c", spline._c[:2]),  # too few coefficients
        lambda spline: setattr(spline, "k", 9),  # a degree the knots cannot carry
        lambda spline: setattr(spline, "_t", spline._t[::-1].copy()),  # unsorted
        lambda spline: setattr(spline, "axis", 3),
    ],
    ids=["coefficients", "degree", "knots", "axis"],
)
def test_a_spline_that_does_not_fit_its_knots_is_refused(corrupt, where, tmp_path):
    """Evaluating it would read scipy's arrays out of bounds."""
    path = _spline_file(tmp_path, corrupt, where)
    with pytest.raises(ValueError, match="invalid B-spline"):
        skweights.load(path)


def test_loaded_splines_are_rebuilt_with_the_genuine_asarray(tmp_path):
    X, _ = _data("LinearRegressor")
    splines, holder = skweights.load(_spline_file(tmp_path))
    fresh = SplineTransformer(n_knots=4).fit(X[["b", "d"]])
    for spline in [*splines.bsplines_, holder.kw_args["hidden"][0]]:
        assert spline._asarray is fresh.bsplines_[0]._asarray
    np.testing.assert_array_equal(splines.transform(X[["b", "d"]]),
                                  fresh.transform(X[["b", "d"]]))  # fmt: skip
