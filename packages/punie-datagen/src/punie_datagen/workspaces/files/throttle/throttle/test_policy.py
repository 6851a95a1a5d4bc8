import pytest

from throttle.clock import ManualClock
from throttle.policy import Limiter, Rate, RateSyntaxError, parse_rate


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("100/minute", Rate(100, 60)),
        ("5 / second", Rate(5, 1)),
        ("1000/2 hours", Rate(1000, 7200)),
        ("10/DAY", Rate(10, 86400)),
    ],
    ids=["per-minute", "spaces", "two-hours", "upper-case"],
)
def test_parse_rate(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "0/second", "ten/minute", "5/fortnight"])
def test_parse_rate_rejects(text):
    with pytest.raises(RateSyntaxError):
        parse_rate(text)


def test_rate_reads_back():
    assert str(parse_rate("30/minutes")) == "30/minute"
    assert str(Rate(3, 90)) == "3/90s"


def make_limiter(clock: ManualClock) -> Limiter:
    return Limiter([parse_rate("2/second"), parse_rate("5/minute")], clock)


def test_tightest_rate_blocks():
    clock = ManualClock()
    limiter = make_limiter(clock)
    assert limiter.check("ann").allowed
    assert limiter.check("ann").allowed
    denied = limiter.check("ann")
    assert not denied.allowed
    assert denied.retry_after == 0.5
    assert str(denied.limit) == "2/second"


def test_long_rate_blocks_after_a_while():
    clock = ManualClock()
    limiter = make_limiter(clock)
    for _ in range(5):
        assert limiter.check("ann").allowed
        clock.advance(1)
    denied = limiter.check("ann")
    assert str(denied.limit) == "5/minute"
    assert denied.headers() == {
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0",
        "Retry-After": "8",
    }


def test_exempt_clients_are_never_limited():
    limiter = Limiter([Rate(1, 60)], ManualClock(), exempt=frozenset({"ops"}))
    assert all(limiter.check("ops").allowed for _ in range(10))
    assert limiter.clients() == []


def test_reset_and_clients():
    clock = ManualClock()
    limiter = make_limiter(clock)
    limiter.check("bob", cost=2)
    limiter.check("ann")
    limiter.reset("bob")
    assert limiter.check("bob", cost=2).allowed
    assert limiter.clients() == ["ann", "bob"]


def test_cost_above_the_limit_is_an_error():
    with pytest.raises(ValueError):
        make_limiter(ManualClock()).check("ann", cost=3)
