"""The `logslice` command: filter, stats and tail over log files or standard input.

Exit status: 0 when some record matched, 1 when none did, 2 for bad arguments or
unreadable files. Results go to standard output, problems to standard error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TextIO

from logslice import __version__
from logslice.filters import (
    Predicate,
    all_of,
    at_least,
    between,
    from_logger,
    last,
    matching,
    select,
)
from logslice.records import LogRecord, parse_lines
from logslice.summary import render, summarise

EXIT_OK = 0
EXIT_NO_MATCH = 1
EXIT_USAGE = 2

Command = Callable[[argparse.Namespace, list[LogRecord], TextIO], int]


def _timestamp(text: str) -> datetime:
    """argparse type for --since and --until: an ISO date or date-time."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date or time: {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="logslice",
        description="Slice, filter and summarise Python logging output.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("files", nargs="*", help="log files (default: standard input)")
    common.add_argument("--level", default="DEBUG", help="lowest level to keep")
    common.add_argument("--since", type=_timestamp, help="keep records from this time")
    common.add_argument("--until", type=_timestamp, help="keep records before this time")
    common.add_argument("--grep", metavar="REGEX", help="keep records whose message matches")
    common.add_argument("-i", "--ignore-case", action="store_true")
    common.add_argument("--logger", help="keep records of this logger and its children")

    show = commands.add_parser("filter", parents=[common], help="print matching records")
    show.add_argument("--format", choices=["text", "json"], default="text")
    show.add_argument("--count", action="store_true", help="print how many match")

    stats = commands.add_parser("stats", parents=[common], help="summarise the records")
    stats.add_argument("--top", type=int, default=5, help="how many loggers to list")

    tail = commands.add_parser("tail", parents=[common], help="print the last records")
    tail.add_argument("-n", "--lines", type=int, default=10)
    return parser


def predicate_from(args: argparse.Namespace) -> Predicate:
    """One predicate for every filtering option given on the command line."""
    predicates = [at_least(args.level), between(args.since, args.until)]
    if args.grep:
        predicates.append(matching(args.grep, args.ignore_case))
    if args.logger:
        predicates.append(from_logger(args.logger))
    return all_of(predicates)


def read_records(paths: Sequence[str], stdin: TextIO) -> tuple[list[LogRecord], int]:
    """Records of every file (merged in time order), or of standard input."""
    if not paths:
        return parse_lines(stdin)
    records: list[LogRecord] = []
    orphans = 0
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as handle:
            found, skipped = parse_lines(handle)
        records.extend(found)
        orphans += skipped
    records.sort(key=lambda record: record.timestamp)
    return records, orphans


def format_record(record: LogRecord, style: str) -> str:
    """A record as one line of text (the input format) or one JSON object."""
    if style == "json":
        return json.dumps(
            {
                "time": record.timestamp.isoformat(timespec="milliseconds"),
                "level": record.level,
                "logger": record.logger,
                "message": record.message,
            }
        )
    stamp = record.timestamp.strftime("%Y-%m-%d %H:%M:%S")
    millis = record.timestamp.microsecond // 1000
    return f"{stamp},{millis:03d} {record.level} {record.logger}: {record.message}"


def run_filter(args: argparse.Namespace, chosen: list[LogRecord], out: TextIO) -> int:
    if args.count:
        print(len(chosen), file=out)
    else:
        for record in chosen:
            print(format_record(record, args.format), file=out)
    return EXIT_OK if chosen else EXIT_NO_MATCH


def run_stats(args: argparse.Namespace, chosen: list[LogRecord], out: TextIO) -> int:
    print(render(summarise(chosen), top=args.top), file=out)
    return EXIT_OK if chosen else EXIT_NO_MATCH


def run_tail(args: argparse.Namespace, chosen: list[LogRecord], out: TextIO) -> int:
    for record in last(chosen, args.lines):
        print(format_record(record, "text"), file=out)
    return EXIT_OK if chosen else EXIT_NO_MATCH


COMMANDS: dict[str, Command] = {"filter": run_filter, "stats": run_stats, "tail": run_tail}


def main(
    argv: Sequence[str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Run the command line `argv`; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        predicate = predicate_from(args)
        records, orphans = read_records(args.files, stdin or sys.stdin)
    except (OSError, ValueError, re.error) as exc:
        print(f"logslice: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if orphans:
        print(f"logslice: skipped {orphans} lines before the first record", file=sys.stderr)
    chosen = list(select(records, predicate))
    return COMMANDS[args.command](args, chosen, stdout or sys.stdout)
