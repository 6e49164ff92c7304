"""Save and load fitted models in skops' secure format.

A pickle can run any code when it is loaded; a skops file only rebuilds the types
its loader is told to trust. :func:`load` trusts skweights' own classes, what skops
already treats as safe (builtins, numpy, scipy and scikit-learn types), and the
scikit-learn pieces a fitted search holds besides estimators (cross-validation
splitters and scorers); it refuses a file holding anything else unless the caller
names it in ``trusted``. Every name is resolved to the object it denotes before it
is trusted, never matched by prefix.

Everything a fitted estimator holds is saved, the private training state included
(the random generator, the optimizer's moments, the schedule and the history), so
``partial_fit`` and ``warm_start`` continue after :func:`load` exactly as they would
have without the round trip. The history is saved once, as one array per column,
and the file is compressed.
"""

from __future__ import annotations

import importlib
import inspect
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
    scikit-learn types that skops trusts by default, and scikit-learn's
    cross-validation splitters and scorers (``KFold``, ``StratifiedKFold``, the
    scorer of ``scoring=None``...), so a saved ``GridSearchCV`` of skweights
    estimators loads. A file that holds any other type (a user-defined
    initializer, a class from another package, or a tampered file) is refused
    unless that type is listed in ``trusted``.

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
        ``trusted``; the message names them.

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
    foreign = sorted(
        name
        for name in untrusted
        if name not in extra
        and not _is_own_type(name)
        and not _is_sklearn_search_part(name)
    )
    if foreign:
        raise ValueError(
            f"skweights.load: {os.fspath(path)!r} contains types that are not "
            f"skweights', numpy's or scikit-learn's: {foreign}. Loading them would "
            "run their code. If you trust where the file comes from, list them: "
            f"skweights.load(path, trusted={foreign!r})."
        )
    return sio.loads(data, trusted=untrusted)


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
}


def _is_own_type(name: str) -> bool:
    """Whether ``name`` is a class or function *defined* in skweights.

    Resolving the name (rather than matching its prefix) rejects names such as
    ``skweights._base.np`` that reach a foreign object through one of our modules.
    """
    obj = _resolve(_MOVED.get(name, name), _OWN_PACKAGE)
    return obj is not None and (inspect.isclass(obj) or inspect.isfunction(obj))


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
