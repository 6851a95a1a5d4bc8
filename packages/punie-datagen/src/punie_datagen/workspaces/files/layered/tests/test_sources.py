import pytest

from layered.errors import ConfigError
from layered.sources.args_source import from_args
from layered.sources.env_source import from_env
from layered.sources.toml_source import flatten, from_toml

TOML = """
name = "ingest"
[db]
host = "db.internal"
port = 5433
[db.pool]
size = 4
[workers]
queues = ["high", "low"]
"""


def test_from_toml_flattens_tables():
    assert from_toml(TOML) == {
        "name": "ingest",
        "db.host": "db.internal",
        "db.port": 5433,
        "db.pool.size": 4,
        "workers.queues": ["high", "low"],
    }


def test_toml_syntax_errors_name_the_file():
    with pytest.raises(ConfigError, match="^app.toml: "):
        from_toml("name = ", "app.toml")


def test_flatten_with_prefix():
    assert flatten({"a": {"b": 1}}, "x.") == {"x.a.b": 1}


def test_from_env_uses_prefix_and_double_underscores():
    env = {
        "APP_DB__PORT": "6543",
        "APP_LOG_LEVEL": "debug",
        "APP_EMPTY": "",
        "HOME": "/root",
        "APP_": "x",
    }
    assert from_env(env, "APP_") == {"db.port": "6543", "log_level": "debug"}


def test_from_args_reads_both_spellings():
    argv = ["run", "--set", "db.port=1", "--verbose", "--set=name=a=b"]
    assert from_args(argv) == {"db.port": "1", "name": "a=b"}


@pytest.mark.parametrize("argv", [["--set"], ["--set", "novalue"], ["--set==x"]])
def test_from_args_rejects_bad_pairs(argv):
    with pytest.raises(ConfigError):
        from_args(argv)
