from textstats.cli import average_length, build_parser, top_words, words


def test_words_strips_punctuation_and_case():
    assert words("Hello, World! hello.") == ["hello", "world", "hello"]


def test_top_words_counts():
    assert top_words("a b a c a b", 2) == [("a", 3), ("b", 2)]


def test_average_length():
    assert average_length("ab abcd") == 3.0


def test_average_length_of_empty_text():
    assert average_length("   ") == 0.0


def test_parser_defaults():
    args = build_parser().parse_args(["notes.txt"])
    assert args.top == 5
