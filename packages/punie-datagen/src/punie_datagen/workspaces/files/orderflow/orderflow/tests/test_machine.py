from datetime import UTC, datetime
from enum import Enum, auto

import pytest

from orderflow.machine import (
    GuardFailed,
    InvalidTransition,
    StateMachine,
    Transition,
    to_dot,
    unreachable,
)


class Light(Enum):
    OFF = auto()
    ON = auto()
    BROKEN = auto()
    MISSING = auto()


class Switch(Enum):
    PRESS = auto()
    SMASH = auto()


@pytest.fixture
def lamp():
    transitions = {
        (Light.OFF, Switch.PRESS): Transition(Light.ON, lambda bulbs: bulbs > 0),
        (Light.ON, Switch.PRESS): Transition(Light.OFF),
        (Light.ON, Switch.SMASH): Transition(Light.BROKEN, reason="too late"),
        (Light.OFF, Switch.SMASH): Transition(Light.BROKEN),
    }
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    return StateMachine(
        Light.OFF, transitions, clock=lambda: moment, final=frozenset({Light.BROKEN})
    )


def test_fire_moves_and_records_history(lamp):
    assert lamp.fire(Switch.PRESS, 1) is Light.ON
    assert lamp.fire(Switch.PRESS, 1) is Light.OFF
    assert [(s.source, s.target) for s in lamp.history] == [
        (Light.OFF, Light.ON),
        (Light.ON, Light.OFF),
    ]
    assert lamp.history[0].at.year == 2024


def test_guard_blocks_and_explains(lamp):
    with pytest.raises(GuardFailed, match="guard failed"):
        lamp.fire(Switch.PRESS, 0)
    assert lamp.state is Light.OFF
    assert lamp.history == []


def test_final_states_accept_nothing(lamp):
    lamp.fire(Switch.SMASH, 1)
    with pytest.raises(InvalidTransition, match="BROKEN is final"):
        lamp.fire(Switch.PRESS, 1)


def test_available_respects_guards(lamp):
    assert lamp.available(0) == [Switch.SMASH]
    assert lamp.available(1) == [Switch.PRESS, Switch.SMASH]


def test_visited_lists_each_state_once(lamp):
    lamp.fire(Switch.PRESS, 1)
    lamp.fire(Switch.PRESS, 1)
    lamp.fire(Switch.SMASH, 1)
    assert lamp.visited() == [Light.OFF, Light.ON, Light.BROKEN]


def test_to_dot_and_unreachable(lamp):
    dot = to_dot(lamp.transitions, "lamp").splitlines()
    assert dot[0] == "digraph lamp {"
    assert dot[1] == '  OFF -> ON [label="press [guarded]"];'
    assert len(dot) == 6
    assert unreachable(lamp.transitions, Light.OFF, list(Light)) == [Light.MISSING]
