"""Settings read from environment variables, with defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

PREFIX = "NOTIFY_"


class SettingsError(ValueError):
    """An environment variable has a value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    app_name: str = "notify"
    sender: str = "noreply@example.org"
    batch_size: int = 50
    dry_run: bool = False


def _flag(name: str, text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise SettingsError(f"{name}: expected a yes/no value, got {text!r}")


def from_env(env: Mapping[str, str]) -> Settings:
    """Settings from `NOTIFY_*` variables; missing ones keep their defaults."""
    defaults = Settings()
    batch_text = env.get(PREFIX + "BATCH_SIZE", str(defaults.batch_size))
    if not batch_text.isdigit() or int(batch_text) == 0:
        raise SettingsError(f"{PREFIX}BATCH_SIZE: expected a positive number")
    sender = env.get(PREFIX + "SENDER", defaults.sender)
    if "@" not in sender:
        raise SettingsError(f"{PREFIX}SENDER: not an address: {sender!r}")
    return Settings(
        app_name=env.get(PREFIX + "APP_NAME", defaults.app_name),
        sender=sender,
        batch_size=int(batch_text),
        dry_run=_flag(PREFIX + "DRY_RUN", env.get(PREFIX + "DRY_RUN", "")),
    )
