"""Transfer learning: start a network from the weights of a fitted model.

:class:`Pretrained` is an initializer for a whole network: estimators call its
:meth:`Pretrained.init_network` with every layer's shape (the network-level hook that
plain initializers, which build one array at a time, do not have). It loads the
layers whose shapes match and builds the others with a ``fallback`` initializer.
Combine it with an estimator's ``frozen_layers`` to keep loaded layers fixed.

``skweights.initializers.Pretrained`` is the same class (its import path before this
module existed).

Examples
--------
>>> import numpy as np
>>> from skweights.transfer import Pretrained
>>> init = Pretrained([np.ones((3, 2))], [np.array([0.5, -0.5])])
>>> coefs, intercepts = init.init_network([(3, 2)], np.random.default_rng(0))
>>> coefs[0].shape, intercepts[0]
((3, 2), array([ 0.5, -0.5]))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from skweights._registry import Component
from skweights.initializers import Shape, _as_shape, _float_dtype, get, init_layer

__all__ = ["Pretrained"]

_REINIT = ("output", "any", "none")


def _weight_list(owner: str, name: str, arrays: Any) -> list[np.ndarray]:
    """``arrays`` as a list of arrays, or raise ``ValueError`` saying what to pass."""
    if isinstance(arrays, np.ndarray) or not isinstance(arrays, Sequence):
        raise ValueError(
            f"{owner}: {name} must be a list of arrays, one per layer (e.g. a fitted "
            f"model's coefs_); got {type(arrays).__name__}."
        )
    return [np.asarray(a) for a in arrays]


class Pretrained(Component):
    r"""Start from given weights: transfer learning and fine-tuning.

    Pass it as an estimator's ``initializer``: every layer whose shape matches the
    network's is loaded (a new copy, in the training dtype); a layer whose shape
    differs is initialized with ``fallback`` when ``reinit`` allows it (by default only
    the output layer, e.g. a new head for a different set of classes), and otherwise
    raises ``ValueError`` naming the layer and both shapes. When fewer layers are given
    than the network has, they fill the first layers (from the input) and the layers
    above them start from ``fallback`` with zero biases: ``Pretrained(coefs[:-1],
    intercepts[:-1])`` keeps a feature extractor and trains a new head.

    Combine it with ``frozen_layers`` to keep loaded layers fixed, and a lower
    ``learning_rate`` to fine-tune the others. On linear models ``frozen_layers=(0,)``
    keeps ``coef_`` fixed but still fits the intercept when ``fit_intercept=True``;
    with ``fit_intercept=False`` the intercept keeps its pretrained value, so the model
    reproduces the source exactly.

    Parameters
    ----------
    coefs : list of ndarray of shape (n_in, n_out)
        Weight matrices, one per layer from the input, in ``coefs_`` layout.
    intercepts : list of ndarray of shape (n_out,), default=None
        Biases, one per layer; ``None`` starts every bias at zero.
    fallback : str, initializer or callable, default="glorot_uniform"
        Initializer of the layers that are not loaded (see :func:`get`).
    reinit : {"output", "any", "none"}, default="output"
        Which layers whose shape differs from the pretrained one ``fallback`` may
        initialize: only the output layer, any layer, or none (every mismatch
        raises).

    Notes
    -----
    Like every component, ``Pretrained`` stores its arguments as given, so
    ``clone`` and ``GridSearchCV`` (which deep-copy lists of arrays) and pickle all
    carry the arrays along. Use :meth:`from_estimator`, which copies, to take a
    snapshot of a model that may change later. The arrays returned to an estimator
    are always new copies: training never writes into them.

    The activation is not part of the weights: the new model must use the source's
    ``activation`` to compute the same function (scikit-learn's ``"relu"``,
    ``"tanh"``, ``"logistic"`` and ``"identity"`` are skweights names too).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skweights import MLPClassifier
    >>> from skweights.transfer import Pretrained
    >>> X, y = load_iris(return_X_y=True)
    >>> source = MLPClassifier((8,), learning_rate=0.01, max_iter=500,
    ...                        random_state=0).fit(X, y)
    >>> init = Pretrained.from_estimator(source)
    >>> frozen = MLPClassifier((8,), initializer=init, frozen_layers=(0, 1),
    ...                        max_iter=20).fit(X, y)
    >>> bool((frozen.predict_proba(X) == source.predict_proba(X)).all())
    True

    A new task with two classes keeps the hidden layer and gets a new output layer:

    >>> binary = MLPClassifier((8,), initializer=init, frozen_layers=(0,),
    ...                        learning_rate=0.01, max_iter=500,
    ...                        random_state=0).fit(X, y == 0)
    >>> bool((binary.coefs_[0] == source.coefs_[0]).all())
    True
    >>> binary.coefs_[1].shape
    (8, 1)
    """

    def __init__(
        self,
        coefs: Sequence[Any],
        intercepts: Sequence[Any] | None = None,
        fallback: Any = "glorot_uniform",
        reinit: str = "output",
    ) -> None:
        self.coefs = coefs
        self.intercepts = intercepts
        self.fallback = fallback
        self.reinit = reinit

    # -- construction ---------------------------------------------------------------
    @classmethod
    def from_estimator(
        cls,
        model: Any,
        *,
        n_layers: int | None = None,
        fallback: Any = "glorot_uniform",
        reinit: str = "output",
    ) -> Pretrained:
        """Copy the weights of a fitted model.

        Parameters
        ----------
        model : fitted estimator
            Anything with ``coefs_``/``intercepts_`` (skweights' estimators,
            scikit-learn's ``MLPClassifier``/``MLPRegressor``) or ``coef_``/
            ``intercept_`` (any scikit-learn linear model; ``coef_`` of shape
            ``(n_features,)`` or ``(n_outputs, n_features)`` becomes one
            ``(n_features, n_outputs)`` layer, a scalar or absent intercept is
            broadcast). For a pipeline pass its last step, ``pipe[-1]``, and keep the
            preprocessing in the new pipeline.
        n_layers : int, default=None
            Keep only ``coefs_[:n_layers]``, as a Python slice: ``-1`` drops the
            output layer, so the new model gets a fresh head; ``None`` keeps all.
        fallback : str, initializer or callable, default="glorot_uniform"
            Initializer of the layers that are not loaded.
        reinit : {"output", "any", "none"}, default="output"
            Which mismatched layers ``fallback`` may initialize (see the class).

        Returns
        -------
        init : Pretrained
            An initializer holding copies of the model's weights.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the model has neither ``coefs_`` nor ``coef_``.

        Examples
        --------
        >>> from sklearn.datasets import load_diabetes
        >>> from sklearn.linear_model import Ridge
        >>> from skweights.transfer import Pretrained
        >>> X, y = load_diabetes(return_X_y=True)
        >>> init = Pretrained.from_estimator(Ridge().fit(X, y))
        >>> [W.shape for W in init.coefs], [b.shape for b in init.intercepts]
        ([(10, 1)], [(1,)])
        """
        if hasattr(model, "coefs_") and hasattr(model, "intercepts_"):
            coefs = [np.array(W, copy=True) for W in model.coefs_]
            intercepts = [np.array(b, copy=True).ravel() for b in model.intercepts_]
        elif hasattr(model, "coef_"):
            coef = model.coef_
            if hasattr(coef, "toarray"):  # sparsified linear models
                coef = coef.toarray()
            coef = np.asarray(coef)
            if coef.ndim not in (1, 2):
                raise ValueError(
                    f"Pretrained.from_estimator: {type(model).__name__}.coef_ has "
                    f"shape {coef.shape}; expected (n_features,) or "
                    "(n_outputs, n_features)."
                )
            W = np.array(coef.reshape(1, -1) if coef.ndim == 1 else coef).T.copy()
            b = np.asarray(getattr(model, "intercept_", 0.0), dtype=W.dtype)
            coefs = [W]
            intercepts = [np.broadcast_to(b.ravel(), (W.shape[1],)).copy()]
        else:
            from sklearn.exceptions import NotFittedError

            raise NotFittedError(
                f"Pretrained.from_estimator: {type(model).__name__} has neither "
                "coefs_/intercepts_ nor coef_/intercept_. Fit it first, pass the "
                "fitted estimator itself (pipe[-1] for a pipeline), or build "
                "Pretrained(coefs, intercepts) from arrays."
            )
        if n_layers is not None:
            coefs, intercepts = coefs[:n_layers], intercepts[:n_layers]
        return cls(coefs, intercepts, fallback=fallback, reinit=reinit)

    # -- validation -----------------------------------------------------------------
    def _layers(self) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
        """The given weights and biases as arrays, checked against each other."""
        owner = type(self).__name__
        coefs = _weight_list(owner, "coefs", self.coefs)
        if self.intercepts is None:
            intercepts: list[np.ndarray | None] = [None] * len(coefs)
        else:
            intercepts = list(_weight_list(owner, "intercepts", self.intercepts))
            if len(intercepts) != len(coefs):
                raise ValueError(
                    f"{owner}: got {len(coefs)} coefs but {len(intercepts)} "
                    "intercepts; pass one intercept per layer, or intercepts=None."
                )
        if self.reinit not in _REINIT:
            raise ValueError(
                f"{owner}: invalid reinit {self.reinit!r}; expected one of "
                f"{', '.join(map(repr, _REINIT))}."
            )
        for i, (W, b) in enumerate(zip(coefs, intercepts)):
            if W.ndim != 2:
                raise ValueError(
                    f"{owner}: coefs[{i}] has shape {W.shape}; every layer needs a "
                    "2-D (n_in, n_out) matrix."
                )
            if b is not None and b.shape != (W.shape[1],):
                raise ValueError(
                    f"{owner}: intercepts[{i}] has shape {b.shape} but coefs[{i}] "
                    f"has {W.shape[1]} outputs; expected shape ({W.shape[1]},)."
                )
            for name, a in (("coefs", W), ("intercepts", b)):
                if a is not None and not (
                    a.dtype.kind in "biuf" and np.isfinite(a).all()
                ):
                    raise ValueError(
                        f"{owner}: {name}[{i}] must hold finite real numbers."
                    )
        return coefs, intercepts

    # -- initializer protocol ---------------------------------------------------------
    def init_network(
        self,
        shapes: Sequence[tuple[int, int]],
        rng: np.random.Generator,
        dtype: Any = np.float64,
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Return new weights and biases for a network with layers of ``shapes``.

        Parameters
        ----------
        shapes : list of (int, int)
            ``(n_in, n_out)`` of each layer, from the input.
        rng : numpy.random.Generator
            Used only by ``fallback``, for the layers that are not loaded.
        dtype : data-type, default=np.float64
            A floating dtype of the result.

        Returns
        -------
        coefs, intercepts : list of ndarray
            New arrays, never views of the pretrained ones.

        Raises
        ------
        ValueError
            If there are more pretrained layers than ``shapes``, or a layer's shape
            differs where ``reinit`` does not allow re-initializing it.

        Examples
        --------
        >>> import numpy as np
        >>> from skweights.transfer import Pretrained
        >>> init = Pretrained([np.ones((3, 2))], [np.array([0.5, -0.5])])
        >>> coefs, intercepts = init.init_network([(3, 2)], np.random.default_rng(0))
        >>> intercepts[0]
        array([ 0.5, -0.5])
        >>> coefs, _ = init.init_network([(3, 4)], np.random.default_rng(0))
        >>> coefs[0].shape  # a new output layer, from the fallback
        (3, 4)
        """
        owner = type(self).__name__
        loaded_coefs, loaded_intercepts = self._layers()
        dt = _float_dtype(dtype)
        shapes = [_as_shape(s) for s in shapes]
        if len(loaded_coefs) > len(shapes):
            raise ValueError(
                f"{owner}: {len(loaded_coefs)} pretrained layers for a network of "
                f"{len(shapes)} layers (shapes {shapes}); match hidden_layer_sizes "
                "to the source, or load fewer layers (from_estimator(..., "
                "n_layers=...))."
            )
        fallback = None
        last = len(shapes) - 1
        coefs: list[np.ndarray] = []
        intercepts: list[np.ndarray] = []
        for i, shape in enumerate(shapes):
            if i < len(loaded_coefs) and loaded_coefs[i].shape == shape:
                coefs.append(np.array(loaded_coefs[i], dtype=dt, copy=True))
                b = loaded_intercepts[i]
                intercepts.append(
                    np.zeros(shape[1], dtype=dt)
                    if b is None
                    else np.array(b, dtype=dt, copy=True)
                )
                continue
            if i < len(loaded_coefs) and not (
                self.reinit == "any" or (self.reinit == "output" and i == last)
            ):
                allowed = {
                    "output": f"only the output layer ({last}) may be re-initialized",
                    "none": "no layer may be re-initialized (reinit='none')",
                }[self.reinit]
                raise ValueError(
                    f"{owner}: layer {i} has shape {tuple(loaded_coefs[i].shape)} in "
                    f"the pretrained weights but the network needs {shape}; "
                    f"{allowed}. Check n_features and hidden_layer_sizes against "
                    "the source model, or pass reinit='any'."
                )
            if fallback is None:
                fallback = get(self.fallback)
            coefs.append(init_layer(fallback, shape, rng, dt, owner, i))
            intercepts.append(np.zeros(shape[1], dtype=dt))
        return coefs, intercepts

    def __call__(
        self,
        shape: Shape,
        rng: np.random.Generator,
        dtype: Any = np.float64,
    ) -> np.ndarray:
        """Return a copy of the single pretrained matrix, for a one-layer network.

        Parameters
        ----------
        shape : tuple of int
            The shape of the weight array.
        rng : numpy.random.Generator
            Used by ``fallback`` when the shape differs.
        dtype : data-type, default=np.float64
            A floating dtype of the result.

        Returns
        -------
        W : ndarray of shape ``shape``
            A new array.

        Raises
        ------
        ValueError
            If more than one layer is held (the layers are only meaningful for a
            whole network: estimators call :meth:`init_network`).

        Examples
        --------
        >>> import numpy as np
        >>> from skweights.transfer import Pretrained
        >>> Pretrained([np.eye(2)])((2, 2), np.random.default_rng(0), np.float32)
        array([[1., 0.],
               [0., 1.]], dtype=float32)
        """
        n_layers = len(_weight_list(type(self).__name__, "coefs", self.coefs))
        if n_layers != 1:
            raise ValueError(
                f"Pretrained holds {n_layers} layers: pass it as an estimator's "
                "initializer (which calls init_network with every layer's shape); "
                "calling it for one array needs exactly one layer."
            )
        return self.init_network([_as_shape(shape)], rng, dtype)[0][0]

    # -- arrays are parameters: compare, hash and print them by value -----------------
    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        mine, theirs = self.get_params(deep=False), other.get_params(deep=False)
        for name in ("coefs", "intercepts"):
            a, b = mine.pop(name), theirs.pop(name)
            if (a is None) != (b is None):
                return False
            if a is not None and not (
                len(a) == len(b)
                and all(
                    np.asarray(x).dtype == np.asarray(y).dtype and np.array_equal(x, y)
                    for x, y in zip(a, b)
                )
            ):
                return False
        return mine == theirs

    def __hash__(self) -> int:
        return hash((type(self).__name__, repr(self)))

    def __repr__(self) -> str:
        def shapes(arrays: Any) -> str:
            if arrays is None:
                return "None"
            return "[" + ", ".join(f"<{np.shape(a)}>" for a in arrays) + "]"

        return (
            f"Pretrained(coefs={shapes(self.coefs)}, "
            f"intercepts={shapes(self.intercepts)}, fallback={self.fallback!r}, "
            f"reinit={self.reinit!r})"
        )
