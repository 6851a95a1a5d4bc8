from htmlkit.components import attrs, card, element, text, unordered_list


def test_text_escapes_markup():
    assert text("<b>") == "&lt;b&gt;"


def test_attrs_are_sorted():
    assert attrs({"id": "x", "class": "y"}) == ' class="y" id="x"'


def test_element_wraps_children():
    assert element("p", ["hi"]) == "<p>hi</p>"


def test_card_has_title_and_body():
    html = card("Title", "Body")
    assert html.startswith('<div class="card">')
    assert "<h2>Title</h2>" in html


def test_unordered_list():
    assert unordered_list(["a"]) == "<ul><li>a</li></ul>"
