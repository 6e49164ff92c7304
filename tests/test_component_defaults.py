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
CASES = [
    (module, name) for module in MODULES for name in sorted(module.REGISTRY.entries)
]


@pytest.mark.parametrize(
    ("module", "name"), CASES, ids=[f"{m.__name__}.{n}" for m, n in CASES]
)
def test_the_class_and_the_name_give_the_same_component(module, name):
    cls = module.REGISTRY.entries[name]
    assert repr(module.get(name)) == repr(cls())


@pytest.mark.parametrize("module", [schedules, penalties, initializers])
def test_the_factories_defaults_are_the_classes(module):
    for name, cls in module.REGISTRY.entries.items():
        factory = getattr(module, name)
        assert repr(factory()) == repr(cls()), name
