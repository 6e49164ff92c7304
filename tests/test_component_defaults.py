"""A component built from its class and from its registry name is the same one.

``schedule=Step()`` and ``schedule="step"`` (the registry's factory) must mean the
same schedule: the class's defaults and the factory's are written twice, and a
slip in either changes what one spelling trains with.
"""

from __future__ import annotations

import pytest

from skweights import (
    activations,
    constraints,
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


# -- one convention for every component module ---------------------------------------
BASES = {
    activations: activations.Activation,
    losses: losses.Loss,
    penalties: penalties.Penalty,
    schedules: schedules.Schedule,
    initializers: initializers.Initializer,
    constraints: constraints.Constraint,
}


@pytest.mark.parametrize("module", list(BASES), ids=lambda m: m.__name__)
def test_every_registry_entry_is_a_class_of_the_public_base(module):
    base = BASES[module]
    assert base.__name__ in module.__all__
    for name, entry in module.REGISTRY.entries.items():
        if isinstance(entry, type):
            assert issubclass(entry, base), name
        else:  # the initializers' presets: functions fixing a class's arguments
            assert module is initializers and isinstance(entry(), base), name
        assert isinstance(module.get(name), base)


@pytest.mark.parametrize(
    ("module", "alias", "cls"),
    [
        (penalties, "l1", "L1"),
        (penalties, "none", "NoPenalty"),
        (penalties, "group_l1", "GroupL1"),
        (schedules, "step", "Step"),
        (schedules, "adaptive", "Adaptive"),
        (initializers, "variance_scaling", "VarianceScaling"),
        (initializers, "constant", "Constant"),
        (optimizers, "sgd", "SGD"),
    ],
)
def test_the_lowercase_names_of_0_1_are_the_classes(module, alias, cls):
    assert getattr(module, alias) is getattr(module, cls)


def test_one_public_step_and_one_validation_hook():
    assert "Step" in schedules.__all__
    assert "Step" not in optimizers.__all__
    assert optimizers.Step is optimizers.ArrayStep  # importable, as in 0.1
    for module in (*MODULES, constraints):
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, type):
                assert not hasattr(obj, "_validate"), f"{module.__name__}.{name}"


@pytest.mark.parametrize("module", (*MODULES, constraints), ids=lambda m: m.__name__)
def test_get_docstrings_list_every_registered_name(module):
    for name in module.REGISTRY.names:
        assert f'``"{name}"``' in module.get.__doc__, name
