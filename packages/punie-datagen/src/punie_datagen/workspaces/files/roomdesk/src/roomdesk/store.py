"""Rooms and bookings, kept in memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


class Conflict(Exception):
    """The room is already booked for part of the requested time."""


@dataclass(frozen=True)
class Room:
    id: str
    name: str
    capacity: int
    features: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Booking:
    id: int
    room_id: str
    owner: str
    title: str
    start: datetime
    end: datetime
    attendees: int

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "room": self.room_id,
            "owner": self.owner,
            "title": self.title,
            "start": self.start.isoformat(timespec="minutes"),
            "end": self.end.isoformat(timespec="minutes"),
            "attendees": self.attendees,
        }


@dataclass
class Store:
    rooms: dict[str, Room] = field(default_factory=dict)
    bookings: dict[int, Booking] = field(default_factory=dict)
    next_id: int = 1

    def add_room(self, room: Room) -> None:
        self.rooms[room.id] = room

    def room(self, room_id: str) -> Room:
        return self.rooms[room_id]

    def book(
        self,
        room_id: str,
        owner: str,
        title: str,
        start: datetime,
        end: datetime,
        attendees: int,
    ) -> Booking:
        """Add a booking; Conflict when it overlaps another one in the same room."""
        for existing in self.bookings.values():
            if existing.room_id == room_id and existing.overlaps(start, end):
                raise Conflict(f"{room_id} is booked from {existing.start:%H:%M}")
        booking = Booking(self.next_id, room_id, owner, title, start, end, attendees)
        self.bookings[booking.id] = booking
        self.next_id += 1
        return booking

    def cancel(self, booking_id: int) -> Booking:
        return self.bookings.pop(booking_id)

    def bookings_on(self, room_id: str, day: date) -> list[Booking]:
        """One room's bookings that start on `day`, in time order."""
        found = [
            b
            for b in self.bookings.values()
            if b.room_id == room_id and b.start.date() == day
        ]
        return sorted(found, key=lambda b: b.start)

    def owned_by(self, owner: str) -> list[Booking]:
        return sorted(
            (b for b in self.bookings.values() if b.owner == owner),
            key=lambda b: (b.start, b.id),
        )

    def free_rooms(
        self, start: datetime, end: datetime, attendees: int, features: set[str]
    ) -> list[Room]:
        """Rooms big enough, with every feature, and not booked in the period."""
        busy = {b.room_id for b in self.bookings.values() if b.overlaps(start, end)}
        return sorted(
            (
                room
                for room in self.rooms.values()
                if room.id not in busy
                and room.capacity >= attendees
                and features <= room.features
            ),
            key=lambda room: (room.capacity, room.id),
        )
