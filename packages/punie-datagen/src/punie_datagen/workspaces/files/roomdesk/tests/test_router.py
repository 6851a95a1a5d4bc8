from roomdesk.router import dispatch, match
from roomdesk.testing import body_of, make_request


def test_match_extracts_parameters():
    assert match("/rooms/{room_id}/schedule", "/rooms/fjord/schedule") == {
        "room_id": "fjord"
    }
    assert match("/rooms/{room_id}", "/rooms/") is None
    assert match("/rooms", "/rooms/fjord") is None


def test_unknown_path_is_404(store):
    response = dispatch(make_request("GET", "/teapots"), store)
    assert response["status"] == 404


def test_wrong_method_is_405_with_allow_header(store):
    response = dispatch(make_request("PUT", "/bookings"), store)
    assert response["status"] == 405
    assert response["headers"]["allow"] == "GET, POST"


def test_list_rooms_smallest_first(store):
    response = dispatch(make_request("GET", "/rooms", capacity="3"), store)
    assert [room["id"] for room in body_of(response)["rooms"]] == ["fjord", "glacier"]


def test_list_rooms_by_feature(store):
    response = dispatch(make_request("GET", "/rooms", feature="phone"), store)
    assert [room["id"] for room in body_of(response)["rooms"]] == ["glacier"]


def test_room_schedule(store):
    response = dispatch(
        make_request("GET", "/rooms/glacier/schedule", date="2024-06-03"), store
    )
    assert response["status"] == 200
    assert [b["title"] for b in body_of(response)["bookings"]] == ["planning"]


def test_missing_room_is_404(store):
    response = dispatch(make_request("GET", "/rooms/attic"), store)
    assert response["status"] == 404
    assert body_of(response) == {"error": "no room 'attic'"}
