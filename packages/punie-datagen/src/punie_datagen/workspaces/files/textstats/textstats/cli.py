"""A command-line tool that reports word statistics for text files."""

import argparse
from collections import Counter


def words(text: str) -> list[str]:
    """Lower-cased words of `text`, punctuation stripped."""
    cleaned = [w.strip(".,;:!?\"'()").lower() for w in text.split()]
    return [w for w in cleaned if w]


def top_words(text: str, count: int) -> list[tuple[str, int]]:
    """The `count` most common words with their frequencies."""
    return Counter(words(text)).most_common(count)


def average_length(text: str) -> float:
    """Mean word length, 0.0 for text without words."""
    found = words(text)
    if not found:
        return 0.0
    return sum(len(w) for w in found) / len(found)


def build_parser() -> argparse.ArgumentParser:
    """The command line: a file name and how many top words to show."""
    parser = argparse.ArgumentParser(prog="textstats")
    parser.add_argument("path")
    parser.add_argument("--top", type=int, default=5)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Print the top words of a file; return the exit status."""
    args = build_parser().parse_args(argv)
    with open(args.path, encoding="utf-8") as handle:
        text = handle.read()
    for word, freq in top_words(text, args.top):
        print(f"{word}\t{freq}")
    return 0
