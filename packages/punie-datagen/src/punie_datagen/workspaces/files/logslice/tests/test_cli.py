import io
import json

import pytest

from logslice.cli import main


def run(argv, stdin=""):
    out = io.StringIO()
    status = main(argv, stdin=io.StringIO(stdin), stdout=out)
    return status, out.getvalue()


def test_filter_by_level_prints_lines(sample_file):
    status, out = run(["filter", str(sample_file), "--level", "error"])
    assert status == 0
    assert out.splitlines()[0].endswith("ERROR app.web: request failed")
    assert out.splitlines()[-1].endswith("CRITICAL app.db: connection lost")


def test_filter_json_and_count(sample_file):
    status, out = run(["filter", str(sample_file), "--grep", "job", "--format", "json"])
    assert status == 0
    assert json.loads(out)["logger"] == "worker"
    assert run(["filter", str(sample_file), "--count"])[1] == "6\n"


def test_no_match_exits_1(sample_file):
    assert run(["filter", str(sample_file), "--logger", "billing"]) == (1, "")


def test_stats_from_stdin(sample_lines):
    status, out = run(["stats", "--top", "2"], stdin="".join(sample_lines))
    assert status == 0
    assert out.startswith("6 records from 2024-06-03 09:00:01.120000")
    assert "app.db                              3" in out
    assert "2024-06-03 10:00  ## 2" in out


def test_tail_since(sample_file):
    status, out = run(["tail", str(sample_file), "-n", "1", "--since", "2024-06-03T10:00"])
    assert status == 0
    assert out == "2024-06-03 10:45:09,512 CRITICAL app.db: connection lost\n"


def test_unknown_level_is_a_usage_error(sample_file, capsys):
    status, _ = run(["filter", str(sample_file), "--level", "loud"])
    assert status == 2
    assert "unknown level" in capsys.readouterr().err


def test_missing_file_is_a_usage_error(tmp_path, capsys):
    status, _ = run(["stats", str(tmp_path / "nope.log")])
    assert status == 2
    assert "nope.log" in capsys.readouterr().err


def test_bad_time_is_rejected_by_argparse(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["filter", "--since", "yesterday"])
    assert exit_info.value.code == 2
    assert "not a date or time" in capsys.readouterr().err
