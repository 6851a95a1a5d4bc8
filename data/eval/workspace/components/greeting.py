"""A tdom component: a greeting card for the signed-in user."""

from tdom import Element, h


def Greeting(*, name: str, unread: int = 0) -> Element:
    """Say hello and, when there are unread messages, show how many."""
    badge = h("span", {"class": "badge"}, str(unread)) if unread else None
    return h("section", {"class": "greeting"}, h("h2", None, f"Hello, {name}!"), badge)
