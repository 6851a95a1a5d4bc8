import pytest

from throttle.bucket import TokenBucket
from throttle.clock import ManualClock


def test_bucket_starts_full_and_allows_a_burst():
    bucket = TokenBucket(3, 1, ManualClock())
    taken = [bucket.try_acquire() for _ in range(4)]
    assert taken == [True, True, True, False]


def test_bucket_refills_over_time_up_to_capacity():
    clock = ManualClock()
    bucket = TokenBucket(4, 2, clock)
    bucket.try_acquire(4)
    clock.advance(1.5)
    assert bucket.tokens == 3
    clock.advance(10)
    assert bucket.tokens == 4


def test_wait_time():
    clock = ManualClock()
    bucket = TokenBucket(2, 0.5, clock)
    assert bucket.wait_time() == 0.0
    bucket.try_acquire(2)
    assert bucket.wait_time() == 2.0
    clock.advance(1)
    assert bucket.wait_time(2) == 3.0


def test_cannot_take_more_than_capacity():
    with pytest.raises(ValueError):
        TokenBucket(2, 1, ManualClock()).try_acquire(3)


def test_reset_fills_the_bucket():
    bucket = TokenBucket(5, 1, ManualClock())
    bucket.try_acquire(5)
    bucket.reset()
    assert bucket.tokens == 5


@pytest.mark.parametrize(("capacity", "rate"), [(0, 1), (1, 0), (-1, -1)])
def test_bad_settings(capacity, rate):
    with pytest.raises(ValueError):
        TokenBucket(capacity, rate)
