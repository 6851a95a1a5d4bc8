from datetime import datetime

import pytest

from roomdesk.store import Room, Store


@pytest.fixture
def store() -> Store:
    store = Store()
    store.add_room(Room("fjord", "Fjord", 4, frozenset({"screen"})))
    store.add_room(Room("glacier", "Glacier", 10, frozenset({"screen", "phone"})))
    store.add_room(Room("moss", "Moss", 2))
    store.book(
        "glacier",
        "ana",
        "planning",
        datetime(2024, 6, 3, 9, 0),
        datetime(2024, 6, 3, 10, 30),
        6,
    )
    return store

