from wiring.container import Container
from wiring.registry import Registry


class Cache:
    pass


class Repository:
    def __init__(self, cache: Cache) -> None:
        self.cache = cache


def test_factory_without_parameters_is_called_plainly():
    registry = Registry()
    registry.register_factory(Cache, Cache)
    registration = registry.lookup(Cache)
    assert registration is not None
    assert registration.takes_container is False


def test_factory_with_one_parameter_receives_the_container():
    registry = Registry()
    registry.register_factory(Cache, Cache)
    registry.register_factory(Repository, lambda c: Repository(c.get(Cache)))
    registration = registry.lookup(Repository)
    assert registration is not None and registration.takes_container


def test_registering_again_replaces():
    registry = Registry()
    registry.register_value(Cache, "first")
    registry.register_value(Cache, "second")
    assert len(registry) == 1
    assert Container(registry).get(Cache) == "second"


def test_unknown_type_is_not_in_the_registry():
    assert Registry().lookup(Cache) is None
    assert Cache not in Registry()


def test_describe_lists_kinds_and_cleanups():
    registry = Registry()
    registry.register_factory(Repository, lambda c: Repository(c.get(Cache)))
    registry.register_factory(Cache, Cache, on_close=lambda cache: None)
    registry.register_value(str, "x")
    assert registry.describe().splitlines() == [
        "Cache: factory (closes)",
        "Repository: factory",
        "str: value",
    ]
    assert registry.registered() == ["Cache", "Repository", "str"]
