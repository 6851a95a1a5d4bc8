from webhooks.handlers import Response, dispatch, parse_payload


def test_ping_answers_pong():
    assert dispatch("ping", "{}") == Response(200, "pong")


def test_push_names_branch():
    response = dispatch("push", '{"ref": "main"}')
    assert response.status == 202
    assert "main" in response.body


def test_unknown_event_is_404():
    assert dispatch("delete", "{}").status == 404


def test_bad_json_is_400():
    assert dispatch("ping", "[1, 2]").status == 400


def test_parse_payload_returns_dict():
    assert parse_payload('{"a": 1}') == {"a": 1}
