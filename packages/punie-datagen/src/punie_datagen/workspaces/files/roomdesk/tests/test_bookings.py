from roomdesk.router import dispatch
from roomdesk.testing import body_of, make_request

SLOT = {
    "room": "fjord",
    "title": "1:1",
    "start": "2024-06-03T14:00",
    "end": "2024-06-03T14:30",
    "attendees": 2,
}


def test_create_booking_returns_201(store):
    response = dispatch(make_request("POST", "/bookings", "ben", SLOT), store)
    assert response["status"] == 201
    assert body_of(response)["owner"] == "ben"
    assert body_of(response)["start"] == "2024-06-03T14:00"


def test_create_booking_needs_a_user(store):
    response = dispatch(make_request("POST", "/bookings", body=SLOT), store)
    assert response["status"] == 401


def test_overlapping_booking_is_409(store):
    clash = {**SLOT, "room": "glacier"}
    clash.update(start="2024-06-03T10:00", end="2024-06-03T11:00")
    response = dispatch(make_request("POST", "/bookings", "ben", clash), store)
    assert response["status"] == 409


def test_too_many_attendees_is_422(store):
    crowd = {**SLOT, "attendees": 5}
    response = dispatch(make_request("POST", "/bookings", "ben", crowd), store)
    assert response["status"] == 422
    assert body_of(response)["error"] == "Fjord holds 4 people"


def test_my_bookings_lists_only_mine(store):
    dispatch(make_request("POST", "/bookings", "ben", SLOT), store)
    response = dispatch(make_request("GET", "/bookings", "ben"), store)
    assert [b["title"] for b in body_of(response)["bookings"]] == ["1:1"]


def test_only_the_owner_or_facilities_can_cancel(store):
    def cancel(user):
        return dispatch(make_request("DELETE", "/bookings/1", user), store)["status"]

    assert cancel("ben") == 403
    assert cancel("facilities") == 200
    assert cancel("ana") == 404


def test_free_rooms_for_a_slot(store):
    response = dispatch(
        make_request(
            "GET",
            "/free",
            start="2024-06-03T10:00",
            end="2024-06-03T11:00",
            feature="screen",
        ),
        store,
    )
    assert body_of(response) == {"rooms": ["fjord"]}


def test_back_to_back_bookings_do_not_clash(store):
    after = {**SLOT, "room": "glacier"}
    after.update(start="2024-06-03T10:30", end="2024-06-03T11:00")
    response = dispatch(make_request("POST", "/bookings", "ben", after), store)
    assert response["status"] == 201
