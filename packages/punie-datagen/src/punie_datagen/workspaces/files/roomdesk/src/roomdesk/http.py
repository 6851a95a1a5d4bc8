"""Requests and responses as plain dicts, and helpers to read and build them.

The server adapter (WSGI, ASGI, a test) turns its own request into a `Request`
dict and sends the `Response` dict back; the handlers never see the transport.
"""

from __future__ import annotations

import json
from typing import Any, NotRequired, TypedDict


class Request(TypedDict):
    method: str
    path: str
    query: NotRequired[dict[str, str]]
    headers: NotRequired[dict[str, str]]
    body: NotRequired[str]


class Response(TypedDict):
    status: int
    headers: dict[str, str]
    body: str


class HTTPError(Exception):
    """Raised by handlers; the router turns it into an error response."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def json_response(data: Any, status: int = 200) -> Response:
    return {
        "status": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(data, sort_keys=True),
    }


def error_response(status: int, message: str) -> Response:
    return json_response({"error": message}, status)


def json_body(request: Request) -> dict[str, Any]:
    """The request body as a JSON object; 400 when it is missing or not an object."""
    raw = request.get("body", "")
    if not raw:
        raise HTTPError(400, "request body is empty")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise HTTPError(400, f"body is not JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise HTTPError(400, "body must be a JSON object")
    return data


def query_param(request: Request, name: str) -> str | None:
    return request.get("query", {}).get(name)


def header(request: Request, name: str) -> str | None:
    """A request header, looked up without regard to case."""
    wanted = name.lower()
    for key, value in request.get("headers", {}).items():
        if key.lower() == wanted:
            return value
    return None


def current_user(request: Request) -> str:
    """The user the gateway authenticated (the X-User header); 401 without one."""
    user = header(request, "X-User")
    if not user:
        raise HTTPError(401, "missing X-User header")
    return user
