from throttle.clock import ManualClock
from throttle.window import FixedWindow, SlidingWindowLog


def test_sliding_window_counts_per_key():
    clock = ManualClock()
    window = SlidingWindowLog(2, 10, clock)
    assert window.allow("a") and window.allow("a")
    assert not window.allow("a")
    assert window.allow("b")
    assert window.remaining("a") == 0
    assert window.remaining("b") == 1


def test_sliding_window_frees_up_as_events_age():
    clock = ManualClock()
    window = SlidingWindowLog(2, 10, clock)
    window.allow("a")
    clock.advance(4)
    window.allow("a")
    assert window.retry_after("a") == 6
    clock.advance(6)
    assert window.allow("a")
    assert not window.allow("a")


def test_forget_idle_keys():
    clock = ManualClock()
    window = SlidingWindowLog(5, 1, clock)
    window.allow("old")
    clock.advance(2)
    window.allow("new")
    assert window.forget_idle() == 1
    assert window.remaining("new") == 4


def test_fixed_window_resets_at_the_boundary():
    clock = ManualClock(start=58)
    window = FixedWindow(2, 60, clock)
    assert window.allow("a") and window.allow("a")
    assert not window.allow("a")
    assert window.retry_after("a") == 2
    clock.advance(2)
    assert window.allow("a")
    assert window.retry_after("a") == 0.0
