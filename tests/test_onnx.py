"""skweights.to_onnx: onnxruntime's predictions equal the estimators' own.

Labels must match exactly; probabilities and regression values to 1e-5 relative
in float32 and 1e-10 in float64 (relative to the largest value of the output, so
that outputs near zero do not demand more digits than the type has).
"""

import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.special import erf
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import skweights
from skweights import (
    LinearClassifier,
    LinearRegressor,
    MLPClassifier,
    MLPRegressor,
    activations,
    to_onnx,
)

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

DTYPES = [np.float32, np.float64]
RTOL = {np.float32: 1e-5, np.float64: 1e-10}
NO_ZIPMAP = {"zipmap": False}


def _data(dtype, n=80, n_features=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, n_features)).astype(dtype), rng


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def _run(model, X, dtype, **options):
    onx = to_onnx(model, X[:1], dtype=dtype, **options)
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {"X": X}), onx


def _assert_close(actual, expected, dtype):
    expected = np.asarray(expected)
    assert actual.dtype == dtype
    rtol = RTOL[dtype]
    scale = float(np.max(np.abs(expected)))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale)


def _check_regressor(model, X, dtype):
    (pred,), _ = _run(model, X, dtype)
    expected = model.predict(X)
    assert pred.shape == (len(X), model.n_outputs_)
    _assert_close(pred, expected.reshape(len(X), -1), dtype)


def _check_classifier(model, X, dtype):
    (labels, proba), _ = _run(model, X, dtype, options=NO_ZIPMAP)
    np.testing.assert_array_equal(labels, model.predict(X))
    _assert_close(proba, model.predict_proba(X), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", activations.REGISTRY.entries)
def test_every_activation_in_a_regressor(name, dtype):
    X, rng = _data(dtype)
    y = np.sin(X[:, 0]) + X[:, 1] * X[:, 2]
    model = MLPRegressor((6, 5), activation=name, max_iter=5, random_state=0)
    _check_regressor(_fit(model, X, y), X, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", activations.REGISTRY.entries)
def test_every_activation_in_a_classifier(name, dtype):
    X, rng = _data(dtype)
    y = np.array(["low", "mid", "high"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)]
    model = MLPClassifier((6,), activation=name, max_iter=5, random_state=0)
    _check_classifier(_fit(model, X, y), X, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gelu_far_in_the_tails(dtype):
    """Pre-activations up to +-20: float64's erf series clips at +-6 exactly."""
    X, rng = _data(dtype)
    model = _fit(MLPRegressor((8,), activation="gelu", max_iter=2), X, X[:, 0])
    model.coefs_[0] = (model.coefs_[0] * 20).astype(dtype)
    z = X @ model.coefs_[0] + model.intercepts_[0]
    assert np.abs(z).max() > 12
    _check_regressor(model, X, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("loss", ["poisson", "gamma"])
@pytest.mark.parametrize("estimator", [LinearRegressor, MLPRegressor])
def test_log_link_regressors(estimator, loss, dtype):
    X, rng = _data(dtype)
    y = np.exp(0.5 * X[:, 0]) + rng.uniform(0.1, 1, len(X))
    kwargs = {"max_iter": 5} if estimator is MLPRegressor else {}
    model = _fit(estimator(loss=loss, **kwargs), X, y.astype(dtype))
    assert model.out_activation_ == "exp"
    _check_regressor(model, X, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("estimator", [LinearRegressor, MLPRegressor])
def test_multi_output_regression(estimator, dtype):
    X, rng = _data(dtype)
    Y = np.column_stack([X[:, 0] - X[:, 1], X[:, 2] * 3, X[:, 3]]).astype(dtype)
    kwargs = {"max_iter": 5, "hidden_layer_sizes": (5,)}
    model = _fit(
        estimator(**kwargs) if estimator is MLPRegressor else estimator(), X, Y
    )
    assert model.n_outputs_ == 3
    _check_regressor(model, X, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("estimator", [LinearClassifier, MLPClassifier])
def test_multilabel(estimator, dtype):
    X, rng = _data(dtype)
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > X[:, 2], X[:, 3] > 0.5]).astype(int)
    kwargs = {"max_iter": 5, "hidden_layer_sizes": (5,)}
    model = _fit(
        estimator(**kwargs) if estimator is MLPClassifier else estimator(), X, Y
    )
    (labels, proba), _ = _run(model, X, dtype, options=NO_ZIPMAP)
    assert labels.shape == Y.shape and labels.dtype == np.int64
    np.testing.assert_array_equal(labels, model.predict(X))
    _assert_close(proba, model.predict_proba(X), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "classes", [np.array([3, 7]), np.array(["no", "yes"]), np.array(["a", "b", "c"])]
)
def test_linear_classifier(classes, dtype):
    X, rng = _data(dtype)
    y = classes[np.digitize(X[:, 0] + 0.3 * X[:, 1], [-0.5, 0.5][: len(classes) - 1])]
    model = _fit(LinearClassifier(), X, y)
    _check_classifier(model, X, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_linear_regressor(dtype):
    X, rng = _data(dtype)
    model = _fit(LinearRegressor(penalty="l1", alpha=0.01), X, X @ [1.0, -2, 0, 3])
    _check_regressor(model, X, dtype)


def test_binary_mlp_with_integral_float_classes():
    """Float classes 0.0/1.0 become int64 labels, as in skl2onnx."""
    X, rng = _data(np.float32)
    y = (X[:, 0] > 0).astype(float)
    model = _fit(MLPClassifier((4,), max_iter=5, random_state=0), X, y)
    (labels, proba), _ = _run(model, X, np.float32, options=NO_ZIPMAP)
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, model.predict(X))
    _assert_close(proba, model.predict_proba(X), np.float32)


def test_zipmap_by_default_as_skl2onnx():
    X, rng = _data(np.float32)
    y = np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0)]
    model = _fit(MLPClassifier((5,), max_iter=5, random_state=0), X, y)
    (labels, dicts), onx = _run(model, X, np.float32)
    assert [o.name for o in onx.graph.output] == ["output_label", "output_probability"]
    np.testing.assert_array_equal(labels, model.predict(X))
    proba = np.array([[row[c] for c in model.classes_] for row in dicts])
    _assert_close(proba.astype(np.float32), model.predict_proba(X), np.float32)
    (labels, *columns), _ = _run(model, X, np.float32, options={"zipmap": "columns"})
    _assert_close(np.column_stack(columns), model.predict_proba(X), np.float32)
    options = {"zipmap": False, "output_class_labels": True}
    (labels, proba, classes), _ = _run(model, X, np.float32, options=options)
    np.testing.assert_array_equal(classes, model.classes_)


def test_training_configuration_does_not_appear():
    """Frozen layers and per-layer penalties leave a plain forward pass."""
    X, rng = _data(np.float32)
    model = MLPRegressor(
        (5, 4), frozen_layers=(0,), penalty=["l1", None, "l2"], max_iter=5
    )
    _fit(model, X, X[:, 0])
    (pred,), onx = _run(model, X, np.float32)
    ops = {node.op_type for node in onx.graph.node}
    assert ops == {"Cast", "MatMul", "Add", "Relu", "Identity"}
    _assert_close(pred[:, 0], model.predict(X), np.float32)


def _churn(n=150):
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "tenure": rng.integers(1, 72, n),
            "charges": rng.normal(65, 20, n).round(2),
            "income": rng.lognormal(10.8, 0.4, n).round(-2),
            "contract": rng.choice(["month-to-month", "one year", "two years"], n),
        }
    )
    y = np.where(
        X["tenure"] + 20 * (X["contract"] == "month-to-month") > 40, "stay", "churn"
    )
    return X, y


def _feeds(X, dtype):
    return {
        name: X[[name]].to_numpy().astype(dtype if name != "contract" else object)
        for name in X.columns
    }


@pytest.mark.parametrize("dtype", DTYPES)
def test_column_transformer_pipeline_with_a_string_column(dtype):
    X, y = _churn()
    numeric = ["tenure", "charges", "income"]
    scale = StandardScaler()
    if dtype == np.float32:  # onnxruntime's Imputer is float32 only
        X.loc[X.index[::7], "income"] = np.nan
        scale = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    X = X.astype({name: dtype for name in numeric})
    pipe = make_pipeline(
        ColumnTransformer(
            [("num", scale, numeric), ("cat", OneHotEncoder(), ["contract"])]
        ),
        MLPClassifier((6,), activation="gelu", max_iter=5, random_state=0),
    )
    _fit(pipe, X, y)
    onx = to_onnx(pipe, X[:1], dtype=dtype, options=NO_ZIPMAP)
    session = ort.InferenceSession(onx.SerializeToString())
    labels, proba = session.run(None, _feeds(X, dtype))
    np.testing.assert_array_equal(labels, pipe.predict(X))
    _assert_close(proba, pipe.predict_proba(X), dtype)


def test_float64_classifier_needs_zipmap_off():
    X, rng = _data(np.float64)
    model = _fit(LinearClassifier(), X, X[:, 0] > 0)
    with pytest.raises(ValueError, match="zipmap"):
        to_onnx(model, X[:1], dtype=np.float64)
    pipe = _fit(make_pipeline(StandardScaler(), LinearClassifier()), X, X[:, 0] > 0)
    assert to_onnx(pipe, X[:1], dtype=np.float64, options={"zipmap": False})


class _Cube(activations.Activation):
    def _forward(self, z, out):
        return np.power(z, 3, out=out)

    def _derivative(self, a, z):
        return 3 * np.cbrt(a) ** 2


class _ShiftedReLU(activations.ReLU):
    def _forward(self, z, out):
        return np.maximum(z, 1, out=out)


@pytest.mark.parametrize("activation", [_Cube(), _ShiftedReLU(), np.tanh])
def test_an_activation_without_onnx_form_is_refused(activation):
    """A custom activation, or a subclass with other math, has no ONNX form."""
    X, rng = _data(np.float64)
    if isinstance(activation, activations.Activation):
        model = _fit(MLPRegressor((3,), activation=activation, max_iter=1), X, X[:, 0])
    else:  # a bare function: set after the fit, which needs an Activation
        model = _fit(MLPRegressor((3,), max_iter=1), X, X[:, 0])
        model.activation = activation
    with pytest.raises(ValueError, match="no ONNX form"):
        to_onnx(model, X[:1])


def test_every_registered_activation_defines_its_own_onnx_form():
    for name, cls in activations.REGISTRY.entries.items():
        assert "onnx_nodes" in vars(cls), name


@pytest.mark.parametrize("dtype", ["float16", np.int64, "double64", None])
def test_bad_dtype(dtype):
    X, rng = _data(np.float64)
    model = _fit(LinearRegressor(), X, X[:, 0])
    with pytest.raises(ValueError, match="dtype must be"):
        to_onnx(model, X[:1], dtype=dtype)


def test_an_unfitted_model_is_refused():
    X, rng = _data(np.float32)
    with pytest.raises(NotFittedError):
        to_onnx(make_pipeline(StandardScaler(), MLPClassifier()), X[:1])


def test_bad_sample_shape():
    X, rng = _data(np.float64)
    model = _fit(LinearRegressor(), X, X[:, 0])
    with pytest.raises(ValueError, match="2-D"):
        to_onnx(model, X[0])


def test_clear_import_error_without_skl2onnx(monkeypatch):
    X, rng = _data(np.float64)
    model = _fit(LinearRegressor(), X, X[:, 0])
    monkeypatch.setitem(sys.modules, "skl2onnx", None)
    with pytest.raises(ImportError, match=r"skweights\[onnx\]"):
        skweights.to_onnx(model, X[:1])


def test_float64_erf_series_matches_scipy():
    """The float64 erf graph (a positive-term series, clipped at +-6)."""
    from onnx import TensorProto, helper

    from skweights._onnx import _Nodes

    class _Scope:
        count = 0

        def get_unique_variable_name(self, prefix):
            self.count += 1
            return f"{prefix}_{self.count}"

        get_unique_operator_name = get_unique_variable_name

    class _Container:
        def __init__(self):
            self.nodes, self.initializers = [], []

        def add_node(self, op_type, inputs, output, name, **attributes):
            self.nodes.append(
                helper.make_node(op_type, inputs, [output], name, **attributes)
            )

        def add_initializer(self, name, proto, shape, values):
            self.initializers.append(helper.make_tensor(name, proto, shape, values))

    container = _Container()
    out = _Nodes(_Scope(), container, np.float64).erf("x")
    graph = helper.make_graph(
        container.nodes,
        "erf",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [None])],
        [helper.make_tensor_value_info(out, TensorProto.DOUBLE, [None])],
        container.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    session = ort.InferenceSession(model.SerializeToString())
    x = np.concatenate([np.linspace(-8, 8, 4001), [-1e-300, 0.0, 1e-8, 30.0]])
    (got,) = session.run(None, {"x": x})
    np.testing.assert_allclose(got, erf(x), rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_dataframe_straight_into_an_estimator(dtype):
    """One input per column, joined in the order of the model's features."""
    X, rng = _data(dtype)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    model = _fit(
        MLPRegressor((4,), max_iter=5, random_state=0), frame, X[:, 0] - X[:, 3]
    )
    onx = to_onnx(model, frame[:1], dtype=dtype)
    assert [put.name for put in onx.graph.input] == ["a", "b", "c", "d"]
    session = ort.InferenceSession(onx.SerializeToString())
    (pred,) = session.run(None, _feeds(frame, dtype))
    _assert_close(pred[:, 0], model.predict(frame), dtype)


def test_string_inputs_to_an_estimator_are_refused():
    X, rng = _data(np.float32)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    model = _fit(LinearRegressor(), frame, X[:, 0])
    sample = frame[:1].astype({"c": str})
    with pytest.raises(ValueError, match=r"inputs \['c'\] are strings"):
        to_onnx(model, sample)
