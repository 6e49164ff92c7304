"""Files saved by 0.1 still load after modules moved (issue 25's new layout).

tests/data/make_0_1_files.py wrote each case with skops and with pickle, under the
module paths of 0.1 (``skweights.inspection`` as one module, ...); each must load
into today's class and give back the numbers it gave when it was saved.
"""

import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import skweights
from skweights._persistence import _MOVED, _is_own_type
from skweights.inspection import (
    GradientDiagnosis,
    LearningRateRange,
    RegularizationPath,
)

DATA = Path(__file__).parent / "data"

#: shap's Explanation holds slicer objects, which skweights.load does not trust
SLICER = [
    "slicer.slicer.Slicer",
    "slicer.slicer_internal.Alias",
    "slicer.slicer_internal.AliasLookup",
    "slicer.slicer_internal.Obj",
]

# name -> (the class of the loaded object, how to read its expected numbers)
CASES = {
    "mlp_history": (
        skweights.MLPClassifier,
        lambda model, X: {"predict_proba": model.predict_proba(X["iris"])},
    ),
    "explained_pipeline": (
        None,  # a scikit-learn Pipeline
        lambda model, X: {"predict": model.predict(X["diabetes"])},
    ),
    "explanation": (None, lambda obj, X: {"values": obj.values}),
    "linear_cv": (
        skweights.LinearRegressorCV,
        lambda model, X: {"predict": model.predict(X["diabetes"])},
    ),
    "regularization_path": (RegularizationPath, lambda path, X: {"coefs": path.coefs}),
    "lr_range": (LearningRateRange, lambda result, X: {"losses": result.losses}),
    "gradient_diagnosis": (
        GradientDiagnosis,
        lambda table, X: {"values": table.to_numpy(float)},
    ),
}


@pytest.fixture(scope="module")
def inputs():
    from sklearn.datasets import load_diabetes, load_iris

    return {
        "iris": load_iris(return_X_y=True)[0][::5],
        "diabetes": load_diabetes(return_X_y=True)[0][::10, :4],
    }


def _check(name, obj, inputs):
    cls, read = CASES[name]
    if cls is not None:
        assert type(obj) is cls
    expected = np.load(DATA / f"{name}_0.1_expected.npz")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        got = read(obj, inputs)
    assert sorted(got) == sorted(expected.files)
    for key, value in got.items():
        np.testing.assert_array_equal(np.asarray(value), expected[key], err_msg=key)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_pickle_saved_by_0_1_loads_and_gives_the_same_numbers(name, inputs):
    obj = pickle.loads((DATA / f"{name}_0.1.pkl").read_bytes())
    _check(name, obj, inputs)


@pytest.mark.parametrize(
    "name", sorted(n for n in CASES if (DATA / f"{n}_0.1.skops").exists())
)
def test_a_skops_file_saved_by_0_1_loads_and_gives_the_same_numbers(name, inputs):
    pytest.importorskip("skops")
    trusted = SLICER if name == "explanation" else None
    _check(name, skweights.load(DATA / f"{name}_0.1.skops", trusted=trusted), inputs)


def test_every_case_has_its_files():
    """A case without its skops file is one skops cannot write (a DataFrame)."""
    missing = [n for n in CASES if not (DATA / f"{n}_0.1.pkl").exists()]
    assert missing == []
    no_skops = sorted(n for n in CASES if not (DATA / f"{n}_0.1.skops").exists())
    assert no_skops == ["gradient_diagnosis"]


def test_a_loaded_mlp_continues_training_as_the_saved_one_would():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    X, y = X[::5], y[::5]
    model = skweights.load(DATA / "mlp_history_0.1.skops")
    twin = pickle.loads((DATA / "mlp_history_0.1.pkl").read_bytes())
    model.partial_fit(X, y)
    twin.partial_fit(X, y)
    for a, b in zip(model.coefs_, twin.coefs_):
        np.testing.assert_array_equal(a, b)
    assert model.history_[-1]["epoch"] == len(model.history_) - 1


def _object(name):
    import importlib

    module, _, attribute = name.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


@pytest.mark.parametrize("old, new", sorted(_MOVED.items()))
def test_a_moved_type_keeps_its_old_import_path(old, new):
    """The import shim pickle needs, and the one alias skweights.load trusts."""
    assert _object(old) is _object(new)
    assert f"{_object(new).__module__}.{_object(new).__qualname__}" == new
    assert _is_own_type(old) and _is_own_type(new)
