"""Save and load fitted models in skops' secure format.

A pickle can run any code when it is loaded; a skops file only rebuilds the types
its loader is told to trust. :func:`load` trusts skweights' own classes (never its
functions: a file could make a ``FunctionTransformer`` call :func:`save`), what
skops already treats as safe (builtins, numpy arrays and ufuncs, scipy's special
functions and sparse matrices, scikit-learn's estimators), the scikit-learn pieces
a fitted search holds besides estimators (cross-validation splitters, scorers and
the named scorers' metrics), and the plain data holders skops leaves out
(``numpy.dtype``, which imputers and encoders keep, and the B-splines of
``SplineTransformer``, each rebuilt through scipy's checking constructor after
loading). It refuses a file holding anything else unless the caller names it in
``trusted``. Every name is resolved to the object it denotes, or compared whole
with the name such an object is saved under, before it is trusted; none is matched
by prefix.

Everything a fitted estimator holds is saved, the private training state included
(the random generator, the optimizer's moments, the schedule and the history), so
``partial_fit`` and ``warm_start`` continue after :func:`load` exactly as they would
have without the round trip. The history is saved once, as one array per column,
and the file is compressed.
"""

from __future__ import annotations

import importlib
import inspect
import operator
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_OWN_PACKAGE = "skweights"
_SKLEARN_PACKAGE = "sklearn"


def _skops_io():
    try:
        import skops.io
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "skweights.save and skweights.load need skops; install it with "
            "`pip install skweights[persist]` (or `pip install skops`)."
        ) from error
    return skops.io


def save(model: Any, path: str | os.PathLike) -> Path:
    """Save a model to ``path`` in skops' secure format.

    Parameters
    ----------
    model : object
        Usually a fitted skweights estimator, or a scikit-learn ``Pipeline`` or
        search containing one. Unfitted models are saved too.
    path : str or path-like
        The file to write (conventionally ``*.skops``); it is overwritten.

    Returns
    -------
    path : pathlib.Path
        The file written.

    Warnings
    --------
    Every fitted skweights estimator keeps up to 100 of its training rows in
    ``background_`` (the default background of :func:`skweights.explain`), and
    they are saved with it, as they are in a pickle. To ship no training data, set
    ``model.background_ = None`` (``pipe[-1].background_ = None`` for a pipeline)
    before saving, and pass ``background=`` to :func:`skweights.explain`.

    See Also
    --------
    load : read it back, refusing unknown types.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn.datasets import load_iris
    >>> from skweights import LinearClassifier, load, save
    >>> X, y = load_iris(return_X_y=True)
    >>> model = LinearClassifier().fit(X, y)
    >>> path = save(model, Path(tempfile.mkdtemp()) / "model.skops")
    >>> bool((load(path).predict(X) == model.predict(X)).all())
    True
    """
    path = Path(path)
    _skops_io().dump(model, path, compression=zipfile.ZIP_DEFLATED)
    return path


def load(path: str | os.PathLike, trusted: Sequence[str] | None = None) -> Any:
    """Load a model saved by :func:`save`, trusting only known types.

    skweights' own classes are trusted, and so are the builtin, numpy, scipy and
    scikit-learn types that skops trusts by default (numpy's ufuncs such as
    ``np.log1p`` in a ``FunctionTransformer`` among them), ``numpy.dtype``, the
    splines of ``SplineTransformer``, and scikit-learn's cross-validation
    splitters and scorers (``KFold``, ``StratifiedKFold``, the scorer of
    ``scoring=None`` or of a scorer name, ``make_scorer`` of the metric of a named
    scorer such as ``mean_absolute_error``), so a saved pipeline of scikit-learn
    transformers, or a ``GridSearchCV`` of one, loads. A file that holds any other
    type or function (a user-defined initializer or metric, a class or function
    from another package, numpy functions that are not ufuncs, or a tampered file)
    is refused unless that name is listed in ``trusted``.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save` (or by ``skops.io.dump``).
    trusted : sequence of str, default=None
        Further types to trust, as fully qualified names such as
        ``"mypackage.module.MyInitializer"``; the error raised for an untrusted
        file lists the names it found. Only list types whose code you trust:
        loading runs it.

    Returns
    -------
    model : object
        The saved model, ready to ``predict`` or continue with ``partial_fit``.

    Raises
    ------
    ValueError
        If the file holds types that are neither trusted by default nor listed in
        ``trusted`` (the message names them), or a B-spline whose knots,
        coefficients and degree do not fit together (a corrupted or tampered
        file).

    See Also
    --------
    save : write a model.
    skops.io.get_untrusted_types : inspect a file's types without loading it.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn.datasets import load_diabetes
    >>> from skweights import MLPRegressor, load, save
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = MLPRegressor((8,), max_iter=3, random_state=0).fit(X, y / 100)
    >>> restored = load(save(model, Path(tempfile.mkdtemp()) / "mlp.skops"))
    >>> bool((restored.predict(X) == model.predict(X)).all())
    True
    """
    sio = _skops_io()
    extra = _check_trusted(trusted)
    # Read the bytes once so the types checked are the types loaded.
    data = Path(path).read_bytes()
    untrusted = sio.get_untrusted_types(data=data)
    refused = sorted(
        name
        for name in untrusted
        if name not in extra and not _is_trusted_by_default(name)
    )
    if refused:
        raise ValueError(
            f"skweights.load: {os.fspath(path)!r} contains types or functions that "
            f"skweights.load does not trust by default: {refused}. Loading them "
            "would run their code. If you trust where the file comes from, list "
            f"them: skweights.load(path, trusted={refused!r})."
        )
    model = sio.loads(data, trusted=untrusted)
    _check_splines(model)
    return model


def _check_trusted(trusted: Any) -> set[str]:
    if trusted is None:
        return set()
    if isinstance(trusted, (str, bytes)) or not isinstance(trusted, Sequence):
        raise ValueError(
            "skweights.load: trusted must be a list of fully qualified type names "
            f"such as ['mypackage.module.MyClass']; got {trusted!r}."
        )
    bad = [name for name in trusted if not isinstance(name, str)]
    if bad:
        raise ValueError(
            f"skweights.load: trusted must contain type names (str); got {bad!r}."
        )
    return set(trusted)


#: Types that moved to another module after 0.1, by the path files saved before the
#: move name: such a name is trusted as the type at its new home (the old import
#: path still works), and no other alias is.
_MOVED = {
    "skweights.initializers.Pretrained": "skweights.transfer.Pretrained",
    "skweights.optimizers.LBFGS": "skweights._full_batch.LBFGS",
    "skweights.optimizers.FISTA": "skweights._full_batch.FISTA",
    # skweights.inspection became a package (one module per subject)
    "skweights.inspection.GradientDiagnosis": (
        "skweights.inspection._gradient_diagnosis.GradientDiagnosis"
    ),
    "skweights.inspection.RegularizationPath": (
        "skweights.inspection._regularization_path.RegularizationPath"
    ),
}


def _is_trusted_by_default(name: str) -> bool:
    return _is_own_type(name) or _is_sklearn_search_part(name) or _is_data_holder(name)


def _is_own_type(name: str) -> bool:
    """Whether ``name`` is a class *defined* in skweights.

    Resolving the name (rather than matching its prefix) rejects names such as
    ``skweights._base.np`` that reach a foreign object through one of our modules.
    Functions are not trusted: a fitted model never holds one, and a file could
    hand one (:func:`save` writes files) to a ``FunctionTransformer``.
    """
    obj = _resolve(_MOVED.get(name, name), _OWN_PACKAGE)
    return inspect.isclass(obj)


def _is_data_holder(name: str) -> bool:
    """Whether ``name`` is one of the plain data holders skops does not trust.

    ``numpy.dtype`` (imputers, encoders and scalers keep one): skops rebuilds it
    as the dtype of an empty array read in numpy's own format without pickle.
    ``scipy.interpolate.BSpline`` (``SplineTransformer.bsplines_``) holds knots,
    coefficients and a degree, and the ``asarray`` of the array namespace scipy
    keeps with them; :func:`_check_splines` rebuilds every loaded spline through
    scipy's checking constructor. ``IterativeImputer.imputation_sequence_`` is a
    list of ``_ImputerTriplet``, a named tuple of two column indices and a
    scikit-learn estimator (itself checked as any other type). The name must be
    exactly the one these objects are saved under, so nothing is imported to
    check it.
    """
    return name in _data_holder_names()


def _data_holder_names() -> set[str]:
    import numpy as np
    import sklearn.impute._iterative
    from scipy.interpolate import BSpline

    spline = BSpline(np.arange(4.0), np.ones(2), 1)
    holders = [np.dtype, BSpline, spline._asarray]
    # private in scikit-learn: trusted while it exists under this name
    triplet = getattr(sklearn.impute._iterative, "_ImputerTriplet", None)
    holders += [triplet] if triplet is not None else []
    return {f"{obj.__module__}.{obj.__qualname__}" for obj in holders}


def _check_splines(model: Any) -> None:
    """Rebuild every B-spline in ``model`` through scipy's checking constructor.

    A tampered file could give a spline knots and coefficients that do not fit
    its degree, which scipy's compiled evaluation would read out of bounds; the
    constructor refuses them. Rebuilding also restores the genuine ``asarray``.
    """
    from scipy.interpolate import BSpline

    for spline in _instances(model, BSpline):
        # Read the raw state: the properties would call the loaded ``_asarray``.
        state = vars(spline)
        try:
            fresh = BSpline(state["_t"], state["_c"], state["k"], state["extrapolate"])
            axis = operator.index(state["axis"])
            if not 0 <= axis < fresh.c.ndim:
                raise ValueError(f"axis {axis} is out of range")
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(
                "skweights.load: the file holds an invalid B-spline (a corrupted or "
                f"tampered file): {error!r}"
            ) from error
        # The coefficients are stored with the interpolation axis first already.
        fresh.axis = axis
        state.clear()
        state.update(vars(fresh))


def _instances(root: Any, cls: type) -> list:
    """Every instance of ``cls`` reachable from ``root`` through containers,
    object arrays, instance dictionaries, partials and bound methods."""
    import functools
    import types

    import numpy as np

    found, seen, stack = [], set(), [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (str, bytes, int, float, type)):
            continue
        seen.add(id(obj))
        if isinstance(obj, cls):
            found.append(obj)
        elif isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        elif isinstance(obj, np.ndarray):
            if obj.dtype == object:
                stack.extend(obj.ravel())
        elif isinstance(obj, functools.partial):
            stack.extend([obj.func, obj.args, obj.keywords])
        elif isinstance(obj, types.MethodType):
            stack.append(obj.__self__)
        elif hasattr(obj, "__dict__"):
            stack.extend(vars(obj).values())
    return found


def _is_sklearn_search_part(name: str) -> bool:
    """Whether ``name`` is a scikit-learn splitter or scorer class.

    skops trusts scikit-learn's estimators but not the other objects a fitted
    search holds: its ``cv`` (``KFold``, ``StratifiedKFold``...) and its scorer
    (``_PassthroughScorer`` for ``scoring=None``, ``_Scorer`` and its metric
    function for ``scoring="accuracy"``). These classes only hold settings (their
    state is plain data), so rebuilding them runs no code of the file's choosing.
    The name must resolve to such a class defined in scikit-learn, or to the metric
    of one of scikit-learn's named scorers (``sklearn.metrics.get_scorer_names``).
    """
    obj = _resolve(name, _SKLEARN_PACKAGE)
    if inspect.isfunction(obj):
        return obj in _named_scorer_functions()
    if not inspect.isclass(obj):
        return False
    from sklearn.metrics._scorer import (
        _BaseScorer,
        _MultimetricScorer,
        _PassthroughScorer,
    )
    from sklearn.model_selection import BaseCrossValidator, BaseShuffleSplit
    from sklearn.model_selection._split import _RepeatedSplits

    safe = (
        BaseCrossValidator,
        BaseShuffleSplit,
        _RepeatedSplits,
        _BaseScorer,
        _MultimetricScorer,
        _PassthroughScorer,
    )
    return issubclass(obj, safe)


def _named_scorer_functions() -> list:
    from sklearn.metrics import get_scorer, get_scorer_names

    functions = []
    for scorer_name in get_scorer_names():
        function = getattr(get_scorer(scorer_name), "_score_func", None)
        if function is not None:
            functions.append(function)
    return functions


def _resolve(name: str, package: str) -> Any:
    """The class or function ``name`` denotes if it is defined in ``package``."""
    parts = name.split(".")
    if parts[0] != package:
        return None
    for split in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:split])
        qualname = ".".join(parts[split:])
        try:
            obj: Any = importlib.import_module(module_name)
        except ImportError:
            continue
        try:
            for attribute in parts[split:]:
                obj = getattr(obj, attribute)
        except AttributeError:
            return None
        if (
            getattr(obj, "__module__", None) == module_name
            and getattr(obj, "__qualname__", None) == qualname
        ):
            return obj
        return None
    return None
