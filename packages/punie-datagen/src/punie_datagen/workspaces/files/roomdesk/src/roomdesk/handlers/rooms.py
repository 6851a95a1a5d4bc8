"""GET handlers for rooms and their schedules."""

from __future__ import annotations

from datetime import date

from roomdesk.http import HTTPError, Request, Response, json_response, query_param
from roomdesk.store import Room, Store


def room_dict(room: Room) -> dict[str, object]:
    return {
        "id": room.id,
        "name": room.name,
        "capacity": room.capacity,
        "features": sorted(room.features),
    }


def _room_or_404(store: Store, room_id: str) -> Room:
    try:
        return store.room(room_id)
    except KeyError:
        raise HTTPError(404, f"no room {room_id!r}") from None


def list_rooms(request: Request, store: Store, params: dict[str, str]) -> Response:
    """GET /rooms?capacity=N&feature=F: rooms that fit, smallest first."""
    wanted = query_param(request, "capacity") or "1"
    if not wanted.isdigit():
        raise HTTPError(400, "capacity must be a number")
    feature = query_param(request, "feature")
    rooms = [
        room
        for room in store.rooms.values()
        if room.capacity >= int(wanted)
        and (feature is None or feature in room.features)
    ]
    rooms.sort(key=lambda room: (room.capacity, room.id))
    return json_response({"rooms": [room_dict(room) for room in rooms]})


def get_room(request: Request, store: Store, params: dict[str, str]) -> Response:
    """GET /rooms/{room_id}"""
    return json_response(room_dict(_room_or_404(store, params["room_id"])))


def room_schedule(request: Request, store: Store, params: dict[str, str]) -> Response:
    """GET /rooms/{room_id}/schedule?date=YYYY-MM-DD: the day's bookings in order."""
    room = _room_or_404(store, params["room_id"])
    text = query_param(request, "date")
    if text is None:
        raise HTTPError(400, "date is required")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise HTTPError(400, f"not a date: {text!r}") from None
    bookings = store.bookings_on(room.id, day)
    return json_response(
        {
            "room": room.id,
            "date": day.isoformat(),
            "bookings": [b.as_dict() for b in bookings],
        }
    )
