"""diagnose_gradients' result: a DataFrame that shows its verdict, in plain words."""

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import scale

from skweights import MLPRegressor
from skweights.initializers import random_normal
from skweights.inspection import GradientDiagnosis, diagnose_gradients

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def data():
    X, y = load_diabetes(return_X_y=True)
    return scale(X), scale(y)


def test_repr_and_html_show_the_verdict_above_the_table(data):
    model = MLPRegressor(
        (16,) * 6, activation="logistic", initializer=random_normal(stddev=0.01),
        max_iter=5, random_state=0,
    ).fit(*data)  # fmt: skip
    diagnosis = diagnose_gradients(model)
    assert isinstance(diagnosis, GradientDiagnosis)
    assert isinstance(diagnosis, pd.DataFrame)
    assert diagnosis.status == "vanishing" == diagnosis.attrs["status"]
    text = repr(diagnosis)
    assert text.startswith("Vanishing gradients: the first layer's gradient norm")
    assert "grad_norm_0" in text.split("\n\n", 1)[1]  # the table follows
    assert str(diagnosis) == text
    page = diagnosis._repr_html_()
    assert page.startswith("<p>Vanishing gradients")
    assert "<table" in page
    # derived frames are plain DataFrames, without a verdict that may not hold
    assert type(diagnosis.head(2)) is pd.DataFrame
    assert type(diagnosis[["ratio"]]) is pd.DataFrame


def test_healthy_wording_is_plain(data):
    model = MLPRegressor((16, 16), max_iter=30, random_state=0).fit(*data)
    diagnosis = diagnose_gradients(model)
    assert diagnosis.status == "healthy"
    verdict = diagnosis.verdict
    assert verdict.startswith("Healthy gradients: the first layer's gradient norm")
    # No "1 times": a ratio of exactly one is no news ("1.1 times" is fine).
    assert "rose above 1 times" not in verdict
    assert re.search(r"(?<![\d.])1 times", verdict) is None
    growth = np.nanmax(diagnosis["growth"])
    if growth <= 1:
        assert "no layer's gradient norm grew beyond its first-epoch value" in verdict
    else:
        assert f"{growth:.2g} times the same layer's first-epoch value" in verdict


def test_exploding_verdict_suggests_gradient_clipping(data):
    model = MLPRegressor((5,), max_iter=3, random_state=0).fit(*data)
    for record, norms in zip(model.history_, ([1.0, 1.0], [1e4, 1.0], [1e5, 1.0])):
        record["grad_norms"] = norms
    diagnosis = diagnose_gradients(model)
    assert diagnosis.status == "exploding"
    assert "global_clipnorm" in diagnosis.verdict
    assert "clipnorm" in diagnosis.verdict.replace("global_clipnorm", "")
    assert "1e+05 times its first-epoch value" in diagnosis.verdict


def test_an_epoch_without_gradient_norms_is_not_flagged(data):
    # e.g. a record of the state at initialization, before any gradient
    model = MLPRegressor((16, 16), max_iter=10, random_state=0).fit(*data)
    healthy = diagnose_gradients(model)
    model.history_[0]["grad_norms"] = None
    diagnosis = diagnose_gradients(model)
    assert diagnosis.status == healthy.status == "healthy"
    assert not diagnosis["exploding"].any()
    assert np.isnan(diagnosis["grad_norm_0"].iloc[0])
    # a recorded non-finite norm still is exploding, and the verdict names its epoch
    model.history_[3]["grad_norms"] = [np.nan] * len(model.coefs_)
    diagnosis = diagnose_gradients(model)
    assert diagnosis.status == "exploding"
    assert diagnosis["exploding"].tolist() == [i == 3 for i in range(len(diagnosis))]
    epoch = diagnosis.index[3]
    assert f"training diverged at epoch {epoch}" in diagnosis.verdict


@pytest.mark.parametrize("frozen", [(-1,), (-3,)])
def test_negative_frozen_layers_count_from_the_output_as_in_the_fit(data, frozen):
    # The fit freezes frozen_layers=(-1,) as the output layer (and -3 as layer 0 of
    # three); the diagnosis once read only non-negative entries and judged a
    # frozen layer's zero gradient as vanishing.
    positive = tuple(i % 3 for i in frozen)
    results = [
        diagnose_gradients(
            MLPRegressor((8, 8), frozen_layers=layers, max_iter=5, random_state=0).fit(
                *data
            )
        )
        for layers in (frozen, positive)
    ]
    assert results[0].status == results[1].status
    assert str(results[0]) == str(results[1])
