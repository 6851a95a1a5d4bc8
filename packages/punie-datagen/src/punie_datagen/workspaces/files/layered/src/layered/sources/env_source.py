"""Read environment variables such as `APP_DB__PORT=5432` into `db.port`."""

from __future__ import annotations

from collections.abc import Mapping


def from_env(env: Mapping[str, str], prefix: str) -> dict[str, str]:
    """Variables starting with `prefix`, lower-cased, `__` marking nesting.

    `prefix="APP_"` turns `APP_LOG_LEVEL` into `log_level` and `APP_DB__HOST`
    into `db.host`. Empty values are ignored, as if unset.
    """
    found = {}
    for name, value in env.items():
        if not name.startswith(prefix) or value == "":
            continue
        key = name[len(prefix) :].lower().replace("__", ".")
        if key:
            found[key] = value
    return found
