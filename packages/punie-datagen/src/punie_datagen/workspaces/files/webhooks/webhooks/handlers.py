"""Handlers for incoming webhook requests: validate, route and answer."""

import json
from dataclasses import dataclass


@dataclass
class Response:
    """What a handler sends back."""

    status: int
    body: str


def parse_payload(raw: str) -> dict[str, object]:
    """Decode a JSON object payload; anything else is a ValueError."""
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("payload must be a JSON object")
    return data


def handle_ping(payload: dict[str, object]) -> Response:
    """Answer a ping with pong."""
    return Response(200, "pong")


def handle_push(payload: dict[str, object]) -> Response:
    """Acknowledge a push event, naming its branch."""
    branch = payload.get("ref", "unknown")
    return Response(202, f"queued build for {branch}")


def dispatch(event: str, raw: str) -> Response:
    """Route an event to its handler; unknown events get a 404."""
    handlers = {"ping": handle_ping, "push": handle_push}
    handler = handlers.get(event)
    if handler is None:
        return Response(404, f"no handler for {event}")
    try:
        payload = parse_payload(raw)
    except ValueError as exc:
        return Response(400, str(exc))
    return handler(payload)
