"""Helpers for tests and scripts that call the handlers without a server."""

from __future__ import annotations

import json
from typing import Any

from roomdesk.http import Request, Response


def make_request(
    method: str, path: str, user: str = "", body: object = None, **query: str
) -> Request:
    """A request dict; `user` becomes the X-User header, `body` is sent as JSON."""
    made: Request = {"method": method, "path": path, "query": query}
    if user:
        made["headers"] = {"X-User": user}
    if body is not None:
        made["body"] = json.dumps(body)
    return made


def body_of(response: Response) -> Any:
    """The decoded JSON body of a response."""
    return json.loads(response["body"])
