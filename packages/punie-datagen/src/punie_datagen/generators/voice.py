"""Requests in a developer's voice: terse, sometimes lower-case, sometimes a typo.

Templates are plain strings with `{slots}`; `say` fills one and roughens it the way people
type into a chat box. Code-like spans (paths, names in backticks) are never touched.
"""

from __future__ import annotations

import random
import re

__all__ = ["path_ref", "say"]

_PROTECTED = re.compile(r"`[^`]*`|\S*[/._]\S*|\S*\d\S*")


def _typo(r: random.Random, text: str, keep: set[str]) -> str:
    """Swap two adjacent letters of one plain word (never in a path, a name or a slot value)."""
    spans = [m.span() for m in _PROTECTED.finditer(text)]
    words = [
        m
        for m in re.finditer(r"[A-Za-z]{5,}", text)
        if not any(a <= m.start() < b for a, b in spans) and m.group() not in keep
    ]
    if not words:
        return text
    word = r.choice(words)
    i = r.randrange(word.start() + 1, word.end() - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def say(r: random.Random, template: str, **slots: str) -> str:
    """Fill `template` and roughen it: lower-case start, no final stop, an occasional typo."""
    text = template.format(**slots).strip()
    text = re.sub(r"\s+", " ", text)
    roll = r.random()
    if roll < 0.35 and text[:1].isupper() and not text.startswith(("I ", "I'")):
        text = text[0].lower() + text[1:]
    if r.random() < 0.4 and text.endswith("."):
        text = text[:-1]
    if r.random() < 0.08:
        keep = {w for value in slots.values() for w in re.findall(r"[A-Za-z]+", value)}
        text = _typo(r, text, keep)
    return text


def path_ref(r: random.Random, path: str) -> str:
    """A path the way people write it: bare or in backticks; a folder with its slash."""
    if "." not in path.rsplit("/", 1)[-1] and not path.endswith("/"):
        path += "/"
    return f"`{path}`" if r.random() < 0.45 else path
