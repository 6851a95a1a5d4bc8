import pytest

from wiring.container import Container, CycleError, ServiceNotFoundError
from wiring.registry import Registry


class Connection:
    opened = 0

    def __init__(self) -> None:
        Connection.opened += 1
        self.open = True

    def close(self) -> None:
        self.open = False


class Egg:
    pass


class Hen:
    pass


def test_instances_are_cached_per_container():
    registry = Registry()
    registry.register_factory(Connection, Connection)
    first, second = Container(registry), Container(registry)
    assert first.get(Connection) is first.get(Connection)
    assert first.get(Connection) is not second.get(Connection)


def test_missing_service():
    with pytest.raises(ServiceNotFoundError, match="Connection"):
        Container(Registry()).get(Connection)


def test_cycles_are_reported_with_the_chain():
    registry = Registry()
    registry.register_factory(Egg, lambda c: c.get(Hen))
    registry.register_factory(Hen, lambda c: c.get(Egg))
    with pytest.raises(CycleError, match="Egg -> Hen -> Egg"):
        Container(registry).get(Egg)


def test_close_runs_cleanups_newest_first_and_collects_errors():
    order = []

    def broken(_: object) -> None:
        order.append("broken")
        raise OSError("socket already gone")

    registry = Registry()
    registry.register_factory(Connection, Connection, on_close=Connection.close)
    registry.register_factory(Egg, Egg, on_close=broken)
    container = Container(registry)
    connection = container.get(Connection)
    container.get(Egg)
    errors = container.close()
    assert errors == ["Egg: socket already gone"]
    assert order == ["broken"]
    assert connection.open is False


def test_closed_container_refuses_work():
    registry = Registry()
    registry.register_factory(Connection, Connection)
    with Container(registry) as container:
        container.get(Connection)
    with pytest.raises(RuntimeError):
        container.get(Connection)


def test_has_and_get_many():
    registry = Registry()
    registry.register_value(Egg, Egg())
    registry.register_factory(Hen, Hen)
    container = Container(registry)
    assert container.has(Egg) and not container.has(Connection)
    egg, hen = container.get_many(Egg, Hen)
    assert isinstance(egg, Egg) and isinstance(hen, Hen)
