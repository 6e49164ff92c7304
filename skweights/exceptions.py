"""Warnings and errors specific to skweights.

scikit-learn's own classes are used wherever they fit (``ConvergenceWarning`` when a
fit stops at ``max_iter``, ``NotFittedError``, ``DataConversionWarning``); this module
holds what has no scikit-learn counterpart.
"""

from __future__ import annotations

__all__ = ["DivergenceWarning"]


class DivergenceWarning(UserWarning):
    """Training diverged and the weights of the best epoch were restored.

    Issued by a fit with ``on_divergence="keep_best"`` when the loss or the weights
    stopped being finite, the loss ended far above its start, or the fit flattened
    a hidden layer (every ReLU dead): the rule is in the estimators'
    ``on_divergence`` parameter. It is deliberately *not*
    a :class:`~sklearn.exceptions.ConvergenceWarning`: code that silences
    convergence warnings (a fit stopped at ``max_iter`` is often harmless) still
    sees that a model blew up. With the default ``on_divergence="raise"`` a
    diverging fit raises a ``ValueError`` instead.

    Examples
    --------
    >>> import warnings
    >>> from skweights.exceptions import DivergenceWarning
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("diverged", DivergenceWarning)
    >>> caught[0].category.__name__
    'DivergenceWarning'
    """
