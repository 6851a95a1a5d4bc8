import pytest

from container.core import Container, ServiceNotFound


class Clock:
    pass


class Greeter:
    pass


def test_factory_builds_new_instances():
    container = Container()
    container.register(Clock, Clock)
    assert container.resolve(Clock) is not container.resolve(Clock)


def test_value_is_shared():
    container = Container()
    clock = Clock()
    container.register_value(Clock, clock)
    assert container.resolve(Clock) is clock


def test_missing_service_raises():
    with pytest.raises(ServiceNotFound):
        Container().resolve(Greeter)


def test_registered_lists_names():
    container = Container()
    container.register(Greeter, Greeter)
    container.register_value(Clock, Clock())
    assert container.registered() == ["Clock", "Greeter"]
