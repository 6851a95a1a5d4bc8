"""Form components that show the value entered and any error next to the field."""

from __future__ import annotations

from nodeview.nodes import Element, class_names, h


def text_field(
    name: str,
    label: str,
    value: str = "",
    *,
    required: bool = False,
    error: str | None = None,
    kind: str = "text",
) -> Element:
    """A labelled <input>; with an error it is marked invalid and described by it."""
    field_id = f"field-{name}"
    error_id = f"{field_id}-error"
    control = h(
        "input",
        {
            "type": kind,
            "id": field_id,
            "name": name,
            "value": value or None,
            "required": required,
            "aria_invalid": "true" if error else None,
            "aria_describedby": error_id if error else None,
        },
    )
    message = h("p", {"class_": "error", "id": error_id}, error) if error else None
    return h(
        "div",
        {"class_": class_names("field", has_error=bool(error))},
        h("label", {"for_": field_id}, label, " *" if required else None),
        control,
        message,
    )


def select(
    name: str, label: str, options: list[tuple[str, str]], selected: str = ""
) -> Element:
    """A labelled <select> of (value, text) options."""
    field_id = f"field-{name}"
    choices = [
        h("option", {"value": value, "selected": value == selected}, text)
        for value, text in options
    ]
    return h(
        "div",
        {"class_": "field"},
        h("label", {"for_": field_id}, label),
        h("select", {"id": field_id, "name": name}, choices),
    )


def form(action: str, fields: list[Element], submit: str = "Save") -> Element:
    """A POST form with its fields and one submit button."""
    return h(
        "form",
        {"method": "post", "action": action},
        fields,
        h("button", {"type": "submit"}, submit),
    )
