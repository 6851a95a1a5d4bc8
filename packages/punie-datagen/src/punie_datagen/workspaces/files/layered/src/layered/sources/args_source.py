"""Read `--set key=value` overrides from a command line."""

from __future__ import annotations

from layered.errors import ConfigError


def from_args(argv: list[str]) -> dict[str, str]:
    """The `key=value` pairs given with `--set`; other arguments are ignored.

    Both `--set key=value` and `--set=key=value` are accepted.
    """
    found = {}
    index = 0
    while index < len(argv):
        argument = argv[index]
        if argument == "--set":
            if index + 1 >= len(argv):
                raise ConfigError("--set needs key=value")
            pair = argv[index + 1]
            index += 2
        elif argument.startswith("--set="):
            pair = argument.removeprefix("--set=")
            index += 1
        else:
            index += 1
            continue
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {pair!r}: expected key=value")
        found[key.strip()] = value
    return found
