from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from layered.errors import CoercionError, MissingKeys, UnknownKeys
from layered.schema import Layer, explain, leaf_keys, load


@dataclass
class Pool:
    size: int = 2
    timeout: timedelta = timedelta(seconds=30)


@dataclass
class Database:
    host: str
    port: int = 5432
    pool: Pool = field(default_factory=Pool)


@dataclass
class App:
    name: str
    db: Database
    debug: bool = False
    queues: list[str] = field(default_factory=lambda: ["default"])


DEFAULTS = Layer("defaults", {"name": "ingest"})
FILE = Layer("app.toml", {"db.host": "db.internal", "db.pool.size": 8})
ENV = Layer("env", {"db.pool.size": "16", "debug": "true", "queues": "high,low"})


def test_leaf_keys_in_field_order():
    assert list(leaf_keys(App)) == [
        "name",
        "db.host",
        "db.port",
        "db.pool.size",
        "db.pool.timeout",
        "debug",
        "queues",
    ]


def test_later_layers_win_and_values_are_coerced():
    app = load(App, DEFAULTS, FILE, ENV)
    assert app.db.pool.size == 16
    assert app.debug is True
    assert app.queues == ["high", "low"]
    assert app.db.port == 5432
    assert app.db.pool.timeout == timedelta(seconds=30)


def test_every_missing_key_is_named():
    with pytest.raises(MissingKeys) as caught:
        load(App)
    assert caught.value.keys == ["db.host", "name"]


def test_unknown_keys_are_refused_unless_allowed():
    typo = Layer("env", {"db.prot": "1"})
    with pytest.raises(UnknownKeys, match="db.prot"):
        load(App, DEFAULTS, FILE, typo)
    assert load(App, DEFAULTS, FILE, typo, allow_unknown=True).db.port == 5432


def test_bad_value_names_its_layer():
    with pytest.raises(CoercionError, match=r"\(from flags\)"):
        load(App, DEFAULTS, FILE, Layer("flags", {"db.port": "high"}))


def test_explain_says_where_values_came_from():
    lines = explain(App, DEFAULTS, FILE, ENV)
    assert lines[0] == "name = 'ingest'  (defaults)"
    assert lines[3] == "db.pool.size = '16'  (env)"
    assert lines[2] == "db.port  (default)"
