"""Match a request to its handler and turn errors into responses."""

from __future__ import annotations

from collections.abc import Callable

from roomdesk.handlers.bookings import (
    cancel_booking,
    create_booking,
    free_rooms,
    my_bookings,
)
from roomdesk.handlers.rooms import get_room, list_rooms, room_schedule
from roomdesk.http import HTTPError, Request, Response, error_response
from roomdesk.store import Store

Handler = Callable[[Request, Store, dict[str, str]], Response]

ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/rooms", list_rooms),
    ("GET", "/rooms/{room_id}", get_room),
    ("GET", "/rooms/{room_id}/schedule", room_schedule),
    ("GET", "/bookings", my_bookings),
    ("POST", "/bookings", create_booking),
    ("DELETE", "/bookings/{booking_id}", cancel_booking),
    ("GET", "/free", free_rooms),
]


def match(pattern: str, path: str) -> dict[str, str] | None:
    """The `{name}` segments of `path` when it fits `pattern`, else None."""
    wanted = pattern.strip("/").split("/")
    actual = path.strip("/").split("/")
    if len(wanted) != len(actual):
        return None
    params = {}
    for expected, segment in zip(wanted, actual, strict=True):
        if expected.startswith("{") and expected.endswith("}"):
            if not segment:
                return None
            params[expected[1:-1]] = segment
        elif expected != segment:
            return None
    return params


def dispatch(request: Request, store: Store) -> Response:
    """Run the handler for the request; 404/405 when there is none."""
    allowed = []
    for method, pattern, handler in ROUTES:
        params = match(pattern, request["path"])
        if params is None:
            continue
        if method != request["method"].upper():
            allowed.append(method)
            continue
        try:
            return handler(request, store, params)
        except HTTPError as exc:
            return error_response(exc.status, exc.message)
    if allowed:
        response = error_response(405, f"use {', '.join(sorted(allowed))}")
        response["headers"]["allow"] = ", ".join(sorted(allowed))
        return response
    return error_response(404, f"nothing at {request['path']}")
