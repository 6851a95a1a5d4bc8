from dataclasses import dataclass, field

import pytest

from wiring.container import Container
from wiring.injection import Inject, InjectionError, auto, inject, injected_fields
from wiring.registry import Registry


class Database:
    def query(self, sql: str) -> list[str]:
        return [sql.upper()]


@dataclass
class Report:
    db: Inject[Database]
    title: str = "untitled"
    rows: list[str] = field(default_factory=list)

    def run(self) -> list[str]:
        return self.db.query(f"select {self.title}")


@dataclass
class NeedsName:
    db: Inject[Database]
    name: str


def make_container() -> Container:
    registry = Registry()
    registry.register_factory(Database, Database)
    return Container(registry)


def test_injected_fields_are_found():
    assert injected_fields(Report) == {"db": Database}


def test_inject_fills_marked_fields():
    container = make_container()
    report = inject(container, Report, title="sales")
    assert report.db is container.get(Database)
    assert report.run() == ["SELECT SALES"]


def test_override_wins_over_the_container():
    other = Database()
    assert inject(make_container(), Report, db=other).db is other


def test_field_without_value_is_an_error():
    with pytest.raises(InjectionError, match="NeedsName.name"):
        inject(make_container(), NeedsName)


def test_unknown_override_is_an_error():
    with pytest.raises(InjectionError, match="no field colour"):
        inject(make_container(), Report, colour="red")


def test_not_a_dataclass():
    with pytest.raises(InjectionError):
        injected_fields(Database)


def test_auto_registers_a_dataclass():
    registry = Registry()
    registry.register_factory(Database, Database)
    registry.register_factory(Report, auto(Report))
    assert Container(registry).get(Report).title == "untitled"
