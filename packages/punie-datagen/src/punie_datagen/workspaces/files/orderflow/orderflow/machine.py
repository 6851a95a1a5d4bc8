"""A small finite-state machine: states, events, guarded transitions and history.

The machine is generic over its state and event enums and over a context object
that guards and actions receive (an order, a document, a connection...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Generic, TypeVar

S = TypeVar("S", bound=Enum)
E = TypeVar("E", bound=Enum)
C = TypeVar("C")


class InvalidTransition(Exception):
    """The event is not allowed in the current state."""


class GuardFailed(Exception):
    """The transition exists but its guard said no."""


@dataclass(frozen=True)
class Transition(Generic[S, C]):
    target: S
    guard: Callable[[C], bool] | None = None
    action: Callable[[C], None] | None = None
    reason: str = ""


@dataclass(frozen=True)
class Step(Generic[S, E]):
    """One entry of the history: where the machine was, what happened, where it went."""

    source: S
    event: E
    target: S
    at: datetime


@dataclass
class StateMachine(Generic[S, E, C]):
    state: S
    transitions: dict[tuple[S, E], Transition[S, C]]
    history: list[Step[S, E]] = field(default_factory=list)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    final: frozenset[S] = frozenset()

    def can_fire(self, event: E, context: C) -> bool:
        """Whether `fire(event, context)` would succeed now."""
        transition = self.transitions.get((self.state, event))
        if transition is None:
            return False
        return transition.guard is None or transition.guard(context)

    def available(self, context: C) -> list[E]:
        """Events that could fire now, in the order the table lists them."""
        return [
            event
            for (source, event) in self.transitions
            if source == self.state and self.can_fire(event, context)
        ]

    def fire(self, event: E, context: C) -> S:
        """Take the transition for `event`, run its action, and return the new state."""
        if self.state in self.final:
            raise InvalidTransition(f"{self.state.name} is final")
        transition = self.transitions.get((self.state, event))
        if transition is None:
            raise InvalidTransition(f"cannot {event.name} when {self.state.name}")
        if transition.guard is not None and not transition.guard(context):
            why = transition.reason or "guard failed"
            raise GuardFailed(f"cannot {event.name}: {why}")
        if transition.action is not None:
            transition.action(context)
        step = Step(self.state, event, transition.target, self.clock())
        self.history.append(step)
        self.state = transition.target
        return self.state

    def visited(self) -> list[S]:
        """Every state the machine has been in, in order, without repeats."""
        states = [self.history[0].source] if self.history else [self.state]
        for step in self.history:
            if step.target not in states:
                states.append(step.target)
        return states


def to_dot(transitions: dict[tuple[S, E], Transition[S, C]], name: str = "fsm") -> str:
    """The transition table as a Graphviz digraph, edges sorted by source."""
    lines = [f"digraph {name} {{"]
    ordered = sorted(
        transitions.items(), key=lambda item: (item[0][0].name, item[0][1].name)
    )
    for (source, event), transition in ordered:
        label = event.name.lower()
        if transition.guard is not None:
            label += " [guarded]"
        lines.append(f'  {source.name} -> {transition.target.name} [label="{label}"];')
    lines.append("}")
    return "\n".join(lines)


def unreachable(
    transitions: dict[tuple[S, E], Transition[S, C]], start: S, states: list[S]
) -> list[S]:
    """States of `states` that no sequence of events leads to from `start`."""
    reached = {start}
    frontier = [start]
    while frontier:
        current = frontier.pop()
        for (source, _), transition in transitions.items():
            if source == current and transition.target not in reached:
                reached.add(transition.target)
                frontier.append(transition.target)
    return [state for state in states if state not in reached]
