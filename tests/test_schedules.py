"""Tests of skweights.schedules: formulas, adaptive reduction, registry, validation."""

import math

import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone

from skweights import schedules
from skweights.schedules import AdaptiveState, ScheduleState

LR = 0.3
FORMULA_CASES = [
    ("constant", schedules.constant(), lambda t: LR),
    ("invscaling", schedules.invscaling(0.5), lambda t: LR / (t + 1) ** 0.5),
    ("invscaling_1", schedules.invscaling(1.0), lambda t: LR / (t + 1)),
    ("step", schedules.step(0.5, 3), lambda t: LR * 0.5 ** (t // 3)),
    ("exponential", schedules.exponential(0.9), lambda t: LR * 0.9**t),
    (
        "cosine",
        schedules.cosine(t_max=5, min_lr=0.01),
        lambda t: 0.01 + (LR - 0.01) * (1 + math.cos(math.pi * min(t, 5) / 5)) / 2,
    ),
]


@pytest.mark.parametrize(
    "schedule, formula",
    [case[1:] for case in FORMULA_CASES],
    ids=[case[0] for case in FORMULA_CASES],
)
def test_schedule_values_match_formula(schedule, formula):
    state = schedule.init(LR)
    assert isinstance(state, ScheduleState)
    values = [schedule.value(state, t) for t in range(8)]
    assert_allclose(values, [formula(t) for t in range(8)], rtol=1e-14)
    assert values[0] == pytest.approx(LR)
    assert all(isinstance(v, float) for v in values)
    assert schedule.observe(state, 1.0) is state
    assert schedule.exhausted(state) is False


def test_explicit_values():
    assert [schedules.step(0.1, 2).value(ScheduleState(1.0), t) for t in range(5)] == [
        1.0,
        1.0,
        pytest.approx(0.1),
        pytest.approx(0.1),
        pytest.approx(0.01),
    ]
    cos = schedules.cosine(t_max=4)
    state = cos.init(1.0)
    assert_allclose(
        [cos.value(state, t) for t in range(6)],
        [1.0, 0.8535533905932737, 0.5, 0.14644660940672627, 0.0, 0.0],
        atol=1e-15,
    )


def test_adaptive_reduces_after_patience_bad_epochs_and_exhausts():
    schedule = schedules.adaptive(factor=0.5, patience=3, threshold=0.1, min_lr=0.02)
    state = schedule.init(0.1)
    assert isinstance(state, AdaptiveState)
    assert schedule.value(state, 0) == 0.1

    # improvements by more than the threshold are good epochs
    for loss in [10.0, 9.0, 8.0]:
        state = schedule.observe(state, loss)
    assert state == AdaptiveState(0.1, 8.0, 0)
    # improvements smaller than the threshold count as bad
    state = schedule.observe(state, 7.95)
    state = schedule.observe(state, 7.95)
    assert state.bad_epochs == 2 and state.best_loss == 7.95
    assert schedule.value(state, 5) == 0.1
    state = schedule.observe(state, float("nan"))  # third bad epoch: reduce
    assert state.learning_rate == pytest.approx(0.05) and state.bad_epochs == 0
    assert not schedule.exhausted(state)
    # a good epoch resets the counter
    state = schedule.observe(state, 9.0)
    state = schedule.observe(state, 1.0)
    assert state.bad_epochs == 0 and state.learning_rate == pytest.approx(0.05)
    for _ in range(3):
        state = schedule.observe(state, 1.0)
    assert state.learning_rate == pytest.approx(0.025)
    assert not schedule.exhausted(state)
    for _ in range(3):
        state = schedule.observe(state, 1.0)
    assert state.learning_rate == pytest.approx(0.0125)
    assert schedule.exhausted(state)
    assert schedule.value(state, 100) == pytest.approx(0.0125)


REGISTRY_CASES = [
    ("constant", schedules.Constant),
    ("InvScaling", schedules.InvScaling),
    ("step", schedules.Step),
    ("exponential", schedules.Exponential),
    ("cosine", schedules.Cosine),
    ("ADAPTIVE", schedules.Adaptive),
]


@pytest.mark.parametrize("name, cls", REGISTRY_CASES)
def test_registry_names_resolve(name, cls):
    schedule = schedules.get(name)
    assert type(schedule) is cls
    assert schedules.get(schedule) is schedule
    assert clone(schedule) == schedule
    assert schedule.value(schedule.init(0.1, horizon=10), 0) == pytest.approx(0.1)


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown schedule 'cosin'") as info:
        schedules.get("cosin")
    assert "adaptive, constant, cosine, exponential, invscaling, step" in str(
        info.value
    )


def test_clone_and_kwargs():
    schedule = schedules.get("adaptive", factor=0.5, patience=2)
    cloned = clone(schedule)
    assert cloned.get_params() == {
        "factor": 0.5,
        "patience": 2,
        "threshold": 1e-4,
        "min_lr": 1e-6,
    }


INVALID_CASES = [
    (schedules.invscaling(-1.0), "power_t"),
    (schedules.step(drop=0.0), "drop"),
    (schedules.step(every=0), "every"),
    (schedules.exponential(gamma=1.5), "gamma"),
    (schedules.cosine(t_max=0), "t_max"),
    (schedules.cosine(min_lr=1.0), "min_lr"),  # above the initial rate
    (schedules.adaptive(factor=1.0), "factor"),
    (schedules.adaptive(patience=0), "patience"),
    (schedules.adaptive(threshold=-1.0), "threshold"),
    (schedules.constant(), "learning_rate"),
]


@pytest.mark.parametrize("schedule, name", INVALID_CASES, ids=repr)
def test_invalid_hyper_parameters_raise_when_used(schedule, name):
    learning_rate = -0.1 if name == "learning_rate" else 0.1
    with pytest.raises(ValueError, match=f"{name} must be"):
        state = schedule.init(learning_rate)
        schedule.value(state, 0)


def test_negative_epoch_raises():
    with pytest.raises(ValueError, match="epoch"):
        schedules.constant().value(ScheduleState(0.1), -1)


# -- adaptive and cosine at their bounds -----------------------------------------------
def test_adaptive_loss_exactly_threshold_below_the_best_is_an_improvement():
    # Adaptive.observe mutant 9: bad iff loss > best - threshold, so a loss of
    # exactly best - threshold (0.75 = 1 - 0.25, exact in binary) is good and the
    # rate stays.
    schedule = schedules.adaptive(factor=0.5, patience=1, threshold=0.25)
    state = schedule.observe(schedule.init(0.1), 1.0)
    state = schedule.observe(state, 0.75)
    assert schedule.value(state, 2) == 0.1
    state = schedule.observe(state, 0.6)  # not 0.25 below 0.75: bad, halved
    assert schedule.value(state, 3) == 0.05


def test_adaptive_is_exhausted_only_below_min_lr():
    # Adaptive.exhausted mutant 3: a rate equal to min_lr is not exhausted.
    schedule = schedules.adaptive(factor=0.5, patience=1, min_lr=0.25)
    state = schedule.init(1.0)
    for _ in range(3):  # the first loss improves on infinity; then two halvings
        state = schedule.observe(state, 1.0)
    assert schedule.value(state, 3) == 0.25
    assert not schedule.exhausted(state)
    state = schedule.observe(state, 1.0)
    assert schedule.exhausted(state)


def test_cosine_min_lr_may_equal_the_learning_rate():
    # Cosine.init mutant 4: min_lr in [0, learning_rate], bounds included; the
    # rate is then constant.
    schedule = schedules.cosine(t_max=4, min_lr=0.1)
    state = schedule.init(0.1)
    assert [schedule.value(state, e) for e in range(6)] == [0.1] * 6
