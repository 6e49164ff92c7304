"""A component built from its class and from its registry name is the same one.

``schedule=Step()`` and ``schedule="step"`` (the registry's factory) must mean the
same schedule: the class's defaults and the factory's are written twice, and a
slip in either changes what one spelling trains with.
"""

from __future__ import annotations

import pytest

from skweights import (
    activations,
    initializers,
    losses,
    optimizers,
    penalties,
    schedules,
)

MODULES = (schedules, penalties, initializers, optimizers, losses, activations)


def _own_class(module, name):
    """Whether ``name`` builds its own class (``"step"`` a ``Step``), not a shared
    one with set parameters (``"glorot_uniform"`` a ``VarianceScaling``)."""
    cls = type(module.get(name)).__name__
    return cls.lower() == name.replace("_", "")


CASES = [
    (module, name)
    for module in MODULES
    for name in sorted(module.REGISTRY.entries)
    if _own_class(module, name)
]


@pytest.mark.parametrize(
    ("module", "name"), CASES, ids=[f"{m.__name__}.{n}" for m, n in CASES]
)
def test_the_class_and_the_name_give_the_same_component(module, name):
    # The registry resolves a name through its factory (or the class itself);
    # the class built with no arguments must be the same component.
    by_name = module.get(name)
    assert repr(type(by_name)()) == repr(by_name)
