"""Handlers that create, list and cancel bookings."""

from __future__ import annotations

from roomdesk.http import (
    HTTPError,
    Request,
    Response,
    current_user,
    json_body,
    json_response,
    query_param,
)
from roomdesk.store import Conflict, Store
from roomdesk.validation import parse_booking, parse_time

ADMINS = frozenset({"facilities"})


def create_booking(request: Request, store: Store, params: dict[str, str]) -> Response:
    """POST /bookings with {room, title, start, end, attendees}: 201 and the booking."""
    owner = current_user(request)
    wanted = parse_booking(json_body(request))
    if wanted.room_id not in store.rooms:
        raise HTTPError(404, f"no room {wanted.room_id!r}")
    room = store.rooms[wanted.room_id]
    if wanted.attendees > room.capacity:
        raise HTTPError(422, f"{room.name} holds {room.capacity} people")
    try:
        booking = store.book(
            wanted.room_id,
            owner,
            wanted.title,
            wanted.start,
            wanted.end,
            wanted.attendees,
        )
    except Conflict as exc:
        raise HTTPError(409, str(exc)) from None
    return json_response(booking.as_dict(), status=201)


def my_bookings(request: Request, store: Store, params: dict[str, str]) -> Response:
    """GET /bookings: the caller's bookings, earliest first."""
    owner = current_user(request)
    return json_response({"bookings": [b.as_dict() for b in store.owned_by(owner)]})


def cancel_booking(request: Request, store: Store, params: dict[str, str]) -> Response:
    """DELETE /bookings/{booking_id}: owners and facilities staff may cancel."""
    user = current_user(request)
    if not params["booking_id"].isdigit():
        raise HTTPError(404, "no such booking")
    booking_id = int(params["booking_id"])
    booking = store.bookings.get(booking_id)
    if booking is None:
        raise HTTPError(404, "no such booking")
    if booking.owner != user and user not in ADMINS:
        raise HTTPError(403, "only the owner can cancel a booking")
    store.cancel(booking_id)
    return json_response({"cancelled": booking_id})


def free_rooms(request: Request, store: Store, params: dict[str, str]) -> Response:
    """GET /free?start=...&end=...&attendees=N&feature=F: rooms free for the slot."""
    start = parse_time(query_param(request, "start"), "start")
    end = parse_time(query_param(request, "end"), "end")
    if end <= start:
        raise HTTPError(422, "end: must be after start")
    attendees_text = query_param(request, "attendees") or "1"
    if not attendees_text.isdigit():
        raise HTTPError(400, "attendees must be a number")
    feature = query_param(request, "feature")
    features = {feature} if feature else set()
    rooms = store.free_rooms(start, end, int(attendees_text), features)
    return json_response({"rooms": [room.id for room in rooms]})
