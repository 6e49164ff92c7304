"""The :class:`shap.Explanation` that :func:`skweights.explain` returns.

Kept apart from ``_explain`` because importing shap is slow: this module is
imported only when an explanation is built.
"""

from __future__ import annotations

import shap


class Explanation(shap.Explanation):
    """A :class:`shap.Explanation` that also says which method made its values.

    Everything shap does with an explanation works on it (it *is* one). Its
    ``method`` attribute, ``"exact"``, ``"sampling"``, ``"deep"`` or
    ``"permutation"``, survives slicing and copying.
    """

    method: str | None = None

    def __copy__(self) -> Explanation:
        """A copy (shap slices through it) that keeps ``method``."""
        new = super().__copy__()
        new.__class__ = type(self)
        new.method = self.method
        return new
