from datetime import UTC, datetime

import pytest

from wiring.container import Container
from wiring.services.bootstrap import build_registry, notify
from wiring.services.clock import FixedClock
from wiring.services.greeter import Greeter, part_of_day
from wiring.services.mailer import Mailer, Outbox
from wiring.services.settings import SettingsError, from_env

NINE_AM = FixedClock(datetime(2024, 6, 3, 9, 0, tzinfo=UTC))
ENV = {"NOTIFY_APP_NAME": "Rota", "NOTIFY_BATCH_SIZE": "2"}


@pytest.mark.parametrize(
    ("hour", "part"),
    [(4, "evening"), (5, "morning"), (12, "afternoon"), (18, "evening")],
)
def test_part_of_day(hour, part):
    assert part_of_day(hour) == part


def test_settings_from_env():
    settings = from_env({**ENV, "NOTIFY_DRY_RUN": "yes"})
    assert (settings.app_name, settings.batch_size, settings.dry_run) == (
        "Rota",
        2,
        True,
    )


@pytest.mark.parametrize(
    "env",
    [{"NOTIFY_BATCH_SIZE": "0"}, {"NOTIFY_SENDER": "nobody"}, {"NOTIFY_DRY_RUN": "?"}],
    ids=["batch-zero", "bad-sender", "bad-flag"],
)
def test_bad_settings(env):
    with pytest.raises(SettingsError):
        from_env(env)


def test_greeter_is_wired_with_the_fixed_clock():
    container = Container(build_registry(ENV, clock=NINE_AM))
    assert container.get(Greeter).greet("Ada") == "Good morning, Ada! (Rota)"


def test_mailer_flushes_in_batches():
    container = Container(build_registry(ENV, clock=NINE_AM))
    mailer = container.get(Mailer)
    assert mailer.send_all(["a@x.org", "b@x.org", "a@x.org", "c@x.org"], "hi", "") == 3
    outbox = container.get(Outbox)
    assert [m.to for m in outbox.delivered] == ["a@x.org", "b@x.org"]
    assert [m.to for m in outbox.pending] == ["c@x.org"]


def test_notify_and_close_delivers_everything():
    container = Container(build_registry(ENV, clock=NINE_AM))
    assert notify(container, ["ada@x.org", "grace@x.org", "linus@x.org"], "rota") == 3
    outbox = container.get(Outbox)
    assert container.close() == []
    assert len(outbox.delivered) == 3 and outbox.closed
    assert outbox.delivered[1].body == "Good morning, Grace! (Rota)"


def test_dry_run_sends_nothing():
    container = Container(build_registry({"NOTIFY_DRY_RUN": "1"}, clock=NINE_AM))
    assert notify(container, ["ada@x.org"], "rota") == 0
    assert container.get(Outbox).pending == []
