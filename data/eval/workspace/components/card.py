"""A tdom component: a card showing one tool's name and description, with its settings injected."""

import json

from app.services import Settings
from tdom import Element, h
from tdom_svcs import Inject


def ToolCard(*, title: str, description: str, settings: Inject[Settings]) -> Element:
    """A card for one tool; the theme comes from the injected Settings service."""
    classes = "card " + settings.theme
    return h("div", {"class": classes, "data-count": len(description)}, h("h3", None, title), description)
