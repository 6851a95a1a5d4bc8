from nodeview.components.forms import form, select, text_field
from nodeview.nodes import find_all, render, text_content


def test_text_field_without_error():
    html = render(text_field("email", "Email", "a@b.org", required=True, kind="email"))
    assert html == (
        '<div class="field"><label for="field-email">Email *</label>'
        '<input type="email" id="field-email" name="email" value="a@b.org" required>'
        "</div>"
    )


def test_text_field_with_error_is_described_by_it():
    field = text_field("age", "Age", error="must be a number")
    control = find_all(field, "input")[0]
    assert control.attrs["aria-invalid"] == "true"
    assert control.attrs["aria-describedby"] == "field-age-error"
    assert field.attrs["class"] == "field has-error"
    assert text_content(find_all(field, "p")[0]) == "must be a number"


def test_select_marks_the_chosen_option():
    node = select("size", "Size", [("s", "Small"), ("m", "Medium")], selected="m")
    options = find_all(node, "option")
    assert [o.attrs["selected"] for o in options] == [False, True]
    assert 'value="m" selected>Medium' in render(node)


def test_form_posts_its_fields():
    node = form("/signup", [text_field("name", "Name")], submit="Join")
    assert node.attrs == {"method": "post", "action": "/signup"}
    assert render(node).endswith('<button type="submit">Join</button></form>')
