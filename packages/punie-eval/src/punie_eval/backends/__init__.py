"""Model backends: where the model's next message comes from.

A backend turns the conversation so far into one `Completion`. Spec strings pick one:
`mlx:PATH[,adapter=DIR][,max_tokens=N]`, `openai:URL[,model=NAME][,max_tokens=N]`, `oracle`,
`replay:FILE`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from punie_eval.backends.base import (
    Backend,
    BackendSpecError,
    BackendUnavailable,
    BackendUnreachable,
    Completion,
)

__all__ = [
    "Backend",
    "BackendSpecError",
    "BackendUnavailable",
    "BackendUnreachable",
    "Completion",
    "backend_identity",
    "make_backend",
    "parse_spec",
]


def parse_spec(spec: str) -> tuple[str, str, dict[str, str]]:
    """Split `kind:target,key=value,...` into (kind, target, options)."""
    kind, _, rest = spec.partition(":")
    kind = kind.strip().lower()
    if not kind:
        raise BackendSpecError(f"empty backend spec {spec!r}")
    target, options = "", {}
    if rest:
        # URLs may contain commas only in odd cases; options are the trailing key=value parts.
        parts = rest.split(",")
        target = parts[0]
        for part in parts[1:]:
            key, eq, value = part.partition("=")
            if not eq:
                raise BackendSpecError(f"option {part!r} in {spec!r} is not key=value")
            options[key.strip()] = value.strip()
    return kind, target, options


def make_backend(
    spec: str,
    *,
    suite: Any = None,
    max_tokens: int | None = None,
    temperature: float = 0.0,
    seed: int = 0,
) -> Backend:
    """Build the backend a spec string names (see the module docstring).

    An openai backend asks its server what it serves right away (BackendUnavailable when it
    cannot be reached or the model is ambiguous).
    """
    kind, target, options = parse_spec(spec)
    try:
        tokens = int(options.get("max_tokens", max_tokens or 1024))
    except ValueError as exc:
        raise BackendSpecError(f"max_tokens in {spec!r} is not a number") from exc
    if tokens < 1:
        raise BackendSpecError(f"max_tokens in {spec!r} must be ≥ 1 (got {tokens})")
    if kind == "oracle":
        from punie_eval.backends.oracle import OracleBackend

        if suite is None:
            raise BackendSpecError("the oracle backend needs the suite")
        return OracleBackend(suite)
    if kind == "replay":
        from punie_eval.backends.replay import ReplayBackend

        if not target:
            raise BackendSpecError("replay needs a file: replay:FILE")
        return ReplayBackend(target, suite=suite)
    if kind == "openai":
        from punie_eval.backends.openai import OpenAIBackend

        if not target:
            raise BackendSpecError("openai needs a URL: openai:http://127.0.0.1:8080/v1")
        backend = OpenAIBackend(
            target,
            model=options.get("model"),
            max_tokens=tokens,
            temperature=temperature,
            seed=seed,
        )
        backend.discover()
        return backend
    if kind == "mlx":
        from punie_eval.backends.mlx import MlxBackend

        if not target:
            raise BackendSpecError("mlx needs a model path: mlx:PATH[,adapter=DIR]")
        return MlxBackend(
            target,
            adapter=options.get("adapter"),
            max_tokens=tokens,
            temperature=temperature,
            seed=seed,
        )
    raise BackendSpecError(f"unknown backend {kind!r}: use mlx:, openai:, oracle or replay:")


def backend_identity(backend: Backend) -> dict[str, Any]:
    """What report.json records as `model` for this backend (see INTERFACES: model identity)."""
    identity = getattr(backend, "identity", None)
    if callable(identity):
        found = identity()
        if isinstance(found, dict):
            return found
    path = getattr(backend, "path", None)
    if isinstance(path, Path) and path.is_file():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        return {"backend": "replay", "path": str(path.resolve()), "sha256": digest}
    return {"backend": getattr(backend, "name", type(backend).__name__)}
