from datetime import timedelta
from pathlib import Path
from typing import Literal

import pytest

from layered.coerce import coerce, parse_duration
from layered.errors import CoercionError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("90s", 90), ("5m", 300), ("1h30m", 5400), ("2d", 172800)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "5x", "1h banana", "m5"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_booleans_from_text():
    assert coerce("Yes", bool) is True
    assert coerce("off", bool) is False
    with pytest.raises(CoercionError, match="debug: cannot read 'maybe' as bool"):
        coerce("maybe", bool, "debug")


def test_numbers():
    assert coerce(" 8080 ", int) == 8080
    assert coerce(3, float) == 3.0
    with pytest.raises(CoercionError):
        coerce(True, int)
    with pytest.raises(CoercionError):
        coerce(2.5, int)


def test_optional_and_literal():
    assert coerce("none", int | None) is None
    assert coerce("7", int | None) == 7
    assert coerce("debug", Literal["debug", "info"]) == "debug"
    with pytest.raises(CoercionError, match="'debug' \\| 'info'"):
        coerce("loud", Literal["debug", "info"])


def test_lists_from_text_or_toml():
    assert coerce("a, b,,c", list[str]) == ["a", "b", "c"]
    assert coerce([1, "2"], list[int]) == [1, 2]
    assert coerce("", list[str]) == []


def test_paths_and_durations():
    assert coerce("/var/data", Path) == Path("/var/data")
    assert coerce(30, timedelta) == timedelta(seconds=30)
    assert coerce("2m", timedelta) == timedelta(minutes=2)


def test_the_source_is_named():
    with pytest.raises(CoercionError) as caught:
        coerce("x", int, "db.port", "env")
    assert str(caught.value) == "db.port: cannot read 'x' as int (from env)"
