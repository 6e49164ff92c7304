"""ONNX export: :func:`skweights.to_onnx` and the skl2onnx converters.

The four estimators get a shape calculator and a converter registered in skl2onnx
(``skl2onnx.update_registered_converter``), so a scikit-learn ``Pipeline`` or
``ColumnTransformer`` that ends in one of them converts end to end. The graph is
the forward pass of the fitted network: one ``MatMul`` and ``Add`` per layer, each
hidden activation's own ONNX form (``Activation.onnx_nodes``) and the output link
named by ``out_activation_``. Classifiers give what skl2onnx's own classifiers
give: a label and the probabilities, followed by a ZipMap unless ``zipmap`` is
False. Training configuration (frozen layers, penalties, optimizer, history,
``background_``) does not change predictions and does not appear.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import activations
from .linear import LinearClassifier, LinearRegressor
from .mlp import MLPClassifier, MLPRegressor

__all__ = ["to_onnx"]

#: The ONNX operator of each output link (a loss's ``output_activation``), with
#: its attributes; None is the identity.
_LINKS: dict[str, tuple[str, dict[str, Any]] | None] = {
    "identity": None,
    "logistic": ("Sigmoid", {}),
    "softmax": ("Softmax", {"axis": 1}),
    "exp": ("Exp", {}),
}

_INSTALL = (
    "skweights.to_onnx needs onnx, skl2onnx and onnxruntime (to run the model); "
    "install them with `pip install skweights[onnx]` (or `pip install onnx "
    "skl2onnx onnxruntime`)."
)

#: Terms of the series of erf used in float64 (onnxruntime has no float64 Erf):
#: erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (2n+1)!!, every term positive,
#: within 2e-15 of scipy's erf for |x| <= 6, beyond which erf is +-1 in float64.
_ERF_TERMS = 100
_ERF_CLIP = 6.0


def to_onnx(
    model: Any,
    X_sample: Any,
    *,
    dtype: Any = np.float32,
    options: dict | None = None,
    target_opset: int | dict | None = None,
) -> Any:
    """Convert a fitted estimator or pipeline to an ONNX model.

    Works for the four skweights estimators and for scikit-learn pipelines and
    column transformers that end in one (with skl2onnx's converters for the
    scikit-learn steps). The graph computes the predictions only: training
    settings and fitted attributes such as ``history_`` and ``background_`` are
    not in it. Calling it registers skweights' converters in skl2onnx, so
    skl2onnx's own ``convert_sklearn`` and ``to_onnx`` work afterwards too.

    Parameters
    ----------
    model : estimator or Pipeline
        The fitted model.
    X_sample : array-like or pandas DataFrame
        A few rows of the model's input; only its columns and their types are
        read. An array becomes one input ``"X"`` of shape ``(None, n_features)``;
        a DataFrame one input per column, named as the column, of shape
        ``(None, 1)``: numeric columns of ``dtype`` and the others strings.
    dtype : {np.float32, np.float64}, default=np.float32
        The float type of the inputs and of the computation (skl2onnx converts
        each step in its input's type).
    options : dict, default=None
        skl2onnx's converter options, e.g. ``{"zipmap": False}`` (the
        probabilities as a plain array rather than a list of dictionaries,
        also for a pipeline's final classifier) or ``{"zipmap": "columns"}``.
    target_opset : int or dict, default=None
        The ONNX opset (skl2onnx's latest tested one by default).

    Returns
    -------
    onnx.ModelProto
        The model. A regressor's output is ``"variable"``, of shape
        ``(n_samples, n_outputs)``; a classifier's are ``"label"`` (class labels,
        int64 or strings; the 0/1 indicator matrix for multilabel) and
        ``"probabilities"`` (``"output_label"`` and ``"output_probability"``
        with the ZipMap).

    Raises
    ------
    ImportError
        If onnx or skl2onnx is not installed.
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    ValueError
        If ``dtype`` is not float32 or float64, ``X_sample`` is not 2-D, or the
        model uses an activation or output link without an ONNX form.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from skweights import MLPRegressor, to_onnx
    >>> X = np.random.default_rng(0).normal(size=(50, 3)).astype(np.float32)
    >>> model = MLPRegressor(hidden_layer_sizes=(4,), max_iter=5).fit(X, X.sum(1))
    >>> onx = to_onnx(model, X[:1])
    >>> session = ort.InferenceSession(onx.SerializeToString())
    >>> pred = session.run(None, {"X": X})[0]
    >>> bool(np.allclose(pred[:, 0], model.predict(X), rtol=1e-5, atol=1e-6))
    True
    """
    from sklearn.utils.validation import check_is_fitted

    skl2onnx = _skl2onnx()
    check_is_fitted(model)
    dtype = _check_dtype(dtype)
    _check_zipmap(model, dtype, options)
    _register(skl2onnx)
    return skl2onnx.convert_sklearn(
        model,
        initial_types=_initial_types(X_sample, dtype),
        options=options,
        target_opset=target_opset,
    )


def _check_dtype(dtype: Any) -> type:
    try:
        resolved = None if dtype is None else np.dtype(dtype)
    except TypeError:
        resolved = None
    # (np.dtype(None) is float64, so None is compared by identity.)
    if resolved is None or resolved.type not in (np.float32, np.float64):
        raise ValueError(
            f"to_onnx: dtype must be np.float32 (the default) or np.float64; got "
            f"{dtype!r}."
        )
    return resolved.type


def _check_zipmap(model: Any, dtype: type, options: dict | None) -> None:
    """ONNX's ZipMap holds float32 only: a float64 classifier needs zipmap off."""
    from sklearn.base import is_classifier

    if dtype != np.float64 or not is_classifier(model):
        return
    values = [] if options is None else list(options.items())
    values += [(k, v) for _, d in values if isinstance(d, dict) for k, v in d.items()]
    if any(str(k).split("__")[-1] == "zipmap" and v is False for k, v in values):
        return
    raise ValueError(
        "to_onnx: ONNX's ZipMap operator (the list of {class: probability} "
        "dictionaries skl2onnx puts after a classifier by default) holds float32 "
        "values only, so a float64 classifier must return its probabilities as an "
        "array: pass options={'zipmap': False}, or keep dtype=np.float32."
    )


def _initial_types(X_sample: Any, dtype: type) -> list:
    """skl2onnx's input declarations for rows like ``X_sample``."""
    from pandas.api.types import is_numeric_dtype
    from scipy import sparse
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        StringTensorType,
    )

    float_type = DoubleTensorType if dtype == np.float64 else FloatTensorType
    if hasattr(X_sample, "columns") and hasattr(X_sample, "dtypes"):
        return [
            (
                str(name),
                (float_type if is_numeric_dtype(kind) else StringTensorType)([None, 1]),
            )
            for name, kind in X_sample.dtypes.items()
        ]
    if sparse.issparse(X_sample):
        raise ValueError(
            "to_onnx: X_sample must be dense (an array or a DataFrame); only its "
            "columns and types are read, so pass X_sample[:1].toarray()."
        )
    X = np.asarray(X_sample)
    if X.ndim != 2:
        raise ValueError(
            f"to_onnx: X_sample must be 2-D (rows of the model's input); got shape "
            f"{X.shape}."
        )
    kind = float_type if X.dtype.kind in "fiub" else StringTensorType
    return [("X", kind([None, X.shape[1]]))]


def _skl2onnx():
    try:
        import onnx  # noqa: F401
        import skl2onnx
    except ImportError as error:
        raise ImportError(_INSTALL) from error
    return skl2onnx


class _Nodes:
    """Adds nodes to a converter's container: ``nodes(op_type, inputs, **attrs)``.

    Numbers among ``inputs`` become constants of ``dtype`` (the model's float
    type), so one graph-building rule serves float32 and float64.
    """

    def __init__(self, scope, container, dtype) -> None:
        from onnx import TensorProto

        self.scope = scope
        self.container = container
        self.dtype = np.dtype(dtype)
        self.proto = (
            TensorProto.DOUBLE if self.dtype == np.float64 else TensorProto.FLOAT
        )

    def __call__(self, op_type: str, inputs: list, **attributes: Any) -> str:
        names = [x if isinstance(x, str) else self.constant(x) for x in inputs]
        output = self.scope.get_unique_variable_name(op_type.lower())
        self.container.add_node(
            op_type,
            names,
            output,
            name=self.scope.get_unique_operator_name(op_type),
            **attributes,
        )
        return output

    def constant(self, value: Any, proto: int | None = None) -> str:
        """A constant (an initializer) holding ``value``; returns its name."""
        name = self.scope.get_unique_variable_name("constant")
        if proto is None:
            value = np.asarray(value, dtype=self.dtype)
            proto = self.proto
        else:
            value = np.asarray(value)
        self.container.add_initializer(name, proto, list(value.shape), value.ravel())
        return name

    def erf(self, x: str) -> str:
        """The error function of ``x``, in the model's dtype."""
        if self.dtype != np.float64:
            return self("Erf", [x])
        x = self("Clip", [x, -_ERF_CLIP, _ERF_CLIP])
        x2 = self("Mul", [x, x])
        # Horner's rule in t = (x / clip)^2 in [0, 1], so that no coefficient is
        # tiny: with coefficients near 1e-157 (Horner in x^2), onnxruntime's
        # default graph optimizations gave erf(6) = 0.64 (1.0 with them off).
        t = self("Mul", [x2, 1.0 / _ERF_CLIP**2])
        coefficients = [1.0]
        for n in range(1, _ERF_TERMS):
            coefficients.append(coefficients[-1] * 2.0 * _ERF_CLIP**2 / (2 * n + 1))
        total = self.constant(coefficients[-1])
        for c in coefficients[-2::-1]:
            total = self("Add", [self("Mul", [total, t]), c])
        scale = self("Mul", [self("Exp", [self("Neg", [x2])]), 2.0 / np.sqrt(np.pi)])
        return self("Mul", [self("Mul", [x, total]), scale])


def _model_dtype(operator) -> type:
    """float64 when the estimator's input is float64, else float32 (as skl2onnx)."""
    from skl2onnx.common.data_types import DoubleTensorType

    is_double = isinstance(operator.inputs[0].type, DoubleTensorType)
    return np.float64 if is_double else np.float32


def _hidden_activation(model) -> Any:
    act = model._activation_for_predict()
    if not callable(getattr(act, "onnx_nodes", None)):
        raise ValueError(
            f"{type(model).__name__}: the activation {act!r} has no ONNX form "
            "(no onnx_nodes method), so the model cannot be exported to ONNX. Use "
            f"a registered activation ({', '.join(activations.REGISTRY.names)}) or "
            "a skweights.activations.Activation subclass that defines onnx_nodes."
        )
    return act


def _link(model) -> tuple[str, dict[str, Any]] | None:
    name = model.out_activation_
    if name not in _LINKS:
        raise ValueError(
            f"{type(model).__name__}: the output link {name!r} (out_activation_, "
            "from the loss's output_activation) has no ONNX form; known links: "
            f"{', '.join(sorted(_LINKS))}."
        )
    return _LINKS[name]


def _forward(nodes: _Nodes, model, inputs: list) -> tuple[str, str]:
    """The raw output and the response (the link of the raw output) of ``model``.

    Several inputs (a DataFrame's columns fed straight to the estimator) are
    joined side by side, in order, as the columns of ``X``.
    """
    act = _hidden_activation(model)
    link = _link(model)
    columns = [nodes("Cast", [x.full_name], to=nodes.proto) for x in inputs]
    h = columns[0] if len(columns) == 1 else nodes("Concat", columns, axis=1)
    last = len(model.coefs_) - 1
    for i, (W, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        h = nodes("MatMul", [h, np.asarray(W, dtype=nodes.dtype)])
        h = nodes("Add", [h, np.asarray(b, dtype=nodes.dtype).reshape(1, -1)])
        if i < last:
            h = act.onnx_nodes(nodes, h)
    if link is None:
        return h, h
    op_type, attributes = link
    return h, nodes(op_type, [h], **attributes)


def _convert_regressor(scope, operator, container) -> None:
    model = operator.raw_operator
    nodes = _Nodes(scope, container, _model_dtype(operator))
    _, response = _forward(nodes, model, operator.inputs)
    container.add_node(
        "Identity",
        [response],
        operator.outputs[0].full_name,
        name=scope.get_unique_operator_name("Identity"),
    )


def _class_labels(scope, model) -> tuple[np.ndarray, bool]:
    """``classes_`` (or its indices with option ``nocl``) and whether they are
    integers (int64 labels) rather than strings, as skl2onnx's classifiers."""
    from skl2onnx.common.utils_classifier import get_label_classes

    classes = np.asarray(get_label_classes(scope, model))
    # scikit-learn accepts float classes only when they are whole numbers.
    if classes.dtype.kind in "iubf":
        return classes.astype(np.int64), True
    return np.array([str(c).encode("utf-8") for c in classes], dtype=object), False


def _convert_classifier(scope, operator, container) -> None:
    from onnx import TensorProto

    model = operator.raw_operator
    nodes = _Nodes(scope, container, _model_dtype(operator))
    raw, proba = _forward(nodes, model, operator.inputs)
    if getattr(model, "_multilabel", False):
        label = nodes("Cast", [nodes("Greater", [raw, 0.0])], to=TensorProto.INT64)
    else:
        if model.coefs_[-1].shape[1] == 1:  # one margin: classes_[raw > 0]
            proba = nodes("Concat", [nodes("Sub", [1.0, proba]), proba], axis=1)
            index = nodes("Cast", [nodes("Greater", [raw, 0.0])], to=TensorProto.INT64)
            index = nodes("Reshape", [index, nodes.constant([-1], TensorProto.INT64)])
        else:
            index = nodes("ArgMax", [raw], axis=1, keepdims=0)
        classes, integer = _class_labels(scope, model)
        proto = TensorProto.INT64 if integer else TensorProto.STRING
        label = nodes("Gather", [nodes.constant(classes, proto), index], axis=0)
    for name, output in zip((label, proba), operator.outputs):
        container.add_node(
            "Identity",
            [name],
            output.full_name,
            name=scope.get_unique_operator_name("Identity"),
        )


def _check_inputs(operator) -> None:
    """A skweights estimator reads numbers: refuse string inputs clearly."""
    from skl2onnx.common.data_types import StringTensorType

    model = operator.raw_operator
    strings = [
        x.onnx_name for x in operator.inputs if isinstance(x.type, StringTensorType)
    ]
    if strings:
        raise ValueError(
            f"to_onnx: {type(model).__name__} reads numbers, but the inputs "
            f"{strings} are strings. Encode them first in the pipeline (e.g. "
            "OneHotEncoder in a ColumnTransformer), as the model needed at fit."
        )


def _float_type(operator):
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    is_double = _model_dtype(operator) == np.float64
    return DoubleTensorType if is_double else FloatTensorType


def _regressor_shapes(operator) -> None:
    _check_inputs(operator)
    n = operator.inputs[0].get_first_dimension()
    n_outputs = operator.raw_operator.coefs_[-1].shape[1]
    operator.outputs[0].set_type(_float_type(operator)([n, n_outputs]))


def _classifier_shapes(operator) -> None:
    from skl2onnx.common.data_types import Int64TensorType, StringTensorType

    _check_inputs(operator)
    model = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    n_classes = len(model.classes_)
    if getattr(model, "_multilabel", False):
        label_type = Int64TensorType([n, n_classes])
    else:
        _, integer = _class_labels(operator.scope_inst, model)
        label_type = (Int64TensorType if integer else StringTensorType)([n])
    operator.outputs[0].set_type(label_type)
    operator.outputs[1].set_type(_float_type(operator)([n, n_classes]))


_CLASSIFIER_OPTIONS = {
    "zipmap": [True, False, "columns"],
    "nocl": [False, True],
    "output_class_labels": [False, True],
}


def _register(skl2onnx) -> None:
    """Register the four estimators' converters in skl2onnx (idempotent)."""
    for estimator in (LinearRegressor, MLPRegressor):
        skl2onnx.update_registered_converter(
            estimator,
            f"Skweights{estimator.__name__}",
            _regressor_shapes,
            _convert_regressor,
        )
    for estimator in (LinearClassifier, MLPClassifier):
        skl2onnx.update_registered_converter(
            estimator,
            f"Skweights{estimator.__name__}",
            _classifier_shapes,
            _convert_classifier,
            options=_CLASSIFIER_OPTIONS,
        )
