"""`punie-eval` keeps the command-line contract (docs/cli-contract.md).

Every case runs the installed `punie-eval` as a real subprocess on real files (NO_COLOR=1,
COLUMNS=80): the real suite under data/eval, real reports written by real runs, and real HTTP
servers on the loopback (port 9 refuses at once; a small server in this process stands in for a
broken OpenAI-compatible one). A bad input must give exit 2, exactly one line `error: …` on
stderr, no traceback, nothing on stdout, and leave every file already at (and around) the
output path as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from heldout_data import write_heldout_file

from punie_eval import __version__
from punie_tools.cli_support import MANIFEST
from punie_tools.cli_testing import (
    Snapshot,
    assert_help_readable,
    assert_user_error,
    interrupt_when,
    run_tool,
)

REPO = Path(__file__).resolve().parents[3]
SUITE = REPO / "data" / "eval"
DEAD = "http://127.0.0.1:9/v1"  # loopback port 9: refused at once, no network
COMMITTED_DOCS = ["phase24-progress.md", "phase25-plan.md", "phase24-results.json"]


def punie_eval(*args: str, cwd: Path | None = None):
    return run_tool("punie-eval", *args, cwd=cwd)


def oracle(out: Path, *only: str, extra: tuple[str, ...] = ()) -> list[str]:
    ids = only or ("single-lint",)
    return ["run", "--backend", "oracle", "--suite", str(SUITE), "--out", str(out),
            *(a for i in ids for a in ("--only", i)), *extra]  # fmt: skip


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real outputs, made once: an oracle run, a held-out report, a run directory whose
    artefacts are complete (for `docs`), and a replay file answering every held-out request."""
    base = tmp_path_factory.mktemp("made")
    run = base / "oracle"
    done = punie_eval(*oracle(run))
    assert done.code == 0, done
    data = write_heldout_file(base / "test.jsonl")
    replies = base / "replies.jsonl"
    requests = ["Lint the src folder", "Run the tests", "What does E501 mean?"]
    replies.write_text(
        "".join(
            json.dumps({"request": r, "outputs": [{"text": "E501: the line is too long."}]}) + "\n"
            for r in requests
        )
    )
    held = base / "heldout"
    scored = punie_eval("heldout", "--backend", f"replay:{replies}", "--data", str(data),
                        "--out", str(held))  # fmt: skip
    assert scored.code == 0, scored
    # A complete run for `docs`: the dataset manifest and the training summary as the pipeline
    # writes them (reduced to what the documents read), the two real eval reports.
    dataset = base / "data" / "phase24"
    dataset.mkdir(parents=True)
    (dataset / "manifest.json").write_text(json.dumps({"total": 3, "splits": {"test": 3}}))
    complete = base / "runs" / "smoke"
    complete.mkdir(parents=True)
    (complete / "summary.json").write_text(json.dumps({"iterations": 4, "final_val_loss": 6.5}))
    shutil.copytree(run, complete / "eval")
    shutil.copytree(held, complete / "eval" / "heldout")
    return {"run": run, "heldout": held, "data": data, "replies": replies,
            "dataset": dataset, "complete": complete}  # fmt: skip


@pytest.fixture
def area(tmp_path: Path, made: dict[str, Path]) -> Path:
    """A working directory holding things a careless tool could destroy."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("my notes\n")
    (work / "owned").mkdir()
    (work / "owned" / "mine.txt").write_text("not punie-eval's\n")
    first = made["data"].read_text().splitlines()[0]
    (work / "truncated.jsonl").write_text(first + "\n" + first[: len(first) // 2])
    (work / "shape.jsonl").write_text('{"messages": "hello"}\n')
    (work / "noturn.jsonl").write_text(json.dumps({"messages": [{"role": "user", "content": "x"}]}))
    (work / "empty.jsonl").write_text("\n\n")
    (work / "binary.jsonl").write_bytes(b"\xff\xfe\x00\x01 not text")
    (work / "adapters").mkdir()  # a run's adapters directory without any checkpoint
    (work / "adapters" / "adapter_config.json").write_text("{}")
    # A repository root whose pipeline has not run completely: the committed documents, a
    # dataset, a training summary and no eval reports.
    repo = work / "repo"
    (repo / "docs").mkdir(parents=True)
    for name in [*COMMITTED_DOCS, "phase24-loss.png"]:
        shutil.copy(REPO / "docs" / name, repo / "docs" / name)
    (repo / "docs" / "architecture.md").write_text("# not generated\n")
    shutil.copytree(made["dataset"], repo / "data" / "phase24")
    (repo / "runs" / "smoke").mkdir(parents=True)
    shutil.copy(made["complete"] / "summary.json", repo / "runs" / "smoke" / "summary.json")
    # A run whose eval met an infrastructure error (the report records it).
    broken = work / "broken"
    shutil.copytree(made["complete"], broken)
    report = json.loads((broken / "eval" / "report.json").read_text())
    report["error"] = f"the backend is unavailable: cannot reach {DEAD}/chat/completions"
    (broken / "eval" / "report.json").write_text(json.dumps(report))
    (work / "mydocs").mkdir()
    (work / "mydocs" / "phase25-plan.md").write_text("# my own plan\n")
    return work


# (arguments, a fragment of the error line); `{w}` is the working directory, `{s}` the suite.
BAD_INPUTS = {
    "run: out is a file": (["run", "--backend", "oracle", "--suite", "{s}", "--out", "{w}/notes.txt"], "is not a directory"),
    "run: out in /proc": (["run", "--backend", "oracle", "--suite", "{s}", "--out", "/proc/punie-eval"], "cannot write"),
    "run: out under a file": (["run", "--backend", "oracle", "--suite", "{s}", "--out", "{w}/notes.txt/o"], "is not a directory"),
    "run: out holds others' files": (["run", "--backend", "oracle", "--suite", "{s}", "--out", "{w}/owned"], "did not write (mine.txt)"),
    "run: out is the working dir": (["run", "--backend", "oracle", "--suite", "{s}", "--out", "{w}"], "--force"),
    "run: dead endpoint": (["run", "--backend", f"openai:{DEAD}", "--suite", "{s}", "--out", "{w}/o"], f"cannot reach {DEAD}/models"),
    "run: not a URL": (["run", "--backend", "openai:notaurl", "--suite", "{s}", "--out", "{w}/o"], "not an http(s) URL"),
    "run: dead judge": (["run", "--backend", "oracle", "--suite", "{s}", "--out", "{w}/o", "--judge", DEAD], f"--judge {DEAD}: cannot reach"),
    "run: judge not a URL": (["run", "--backend", "oracle", "--suite", "{s}", "--out", "{w}/o", "--judge", "judge"], "not an http(s) URL"),
    "run: unknown backend": (["run", "--backend", "nonsense:x", "--suite", "{s}", "--out", "{w}/o"], "unknown backend 'nonsense'"),
    "run: no model there": (["run", "--backend", "mlx:{w}/nomodel", "--suite", "{s}", "--out", "{w}/o"], "no model at"),
    "run: model is not one": (["run", "--backend", "mlx:{w}/owned", "--suite", "{s}", "--out", "{w}/o"], "holds no config.json"),
    "run: replay missing": (["run", "--backend", "replay:{w}/none.jsonl", "--suite", "{s}", "--out", "{w}/o"], "no such file"),
    "run: max_tokens=0 in spec": (["run", "--backend", f"openai:{DEAD},max_tokens=0", "--suite", "{s}", "--out", "{w}/o"], "max_tokens must be"),
    "run: no suite": (["run", "--backend", "oracle", "--suite", "{w}/owned", "--out", "{w}/o"], "no suite at"),
    "run: unknown --only id": (["run", "--backend", "oracle", "--suite", "{s}", "--out", "{w}/o", "--only", "no-such-id"], "unknown query id no-such-id"),
    "run: negative --turn-limit": (["run", "--backend", "oracle", "--suite", "{s}", "--out", "{w}/o", "--turn-limit", "-1"], "'--turn-limit'"),
    "run: negative --max-tokens": (["run", "--backend", "oracle", "--suite", "{s}", "--out", "{w}/o", "--max-tokens", "-5"], "'--max-tokens'"),
    "run: --repeat 0": (["run", "--backend", "oracle", "--suite", "{s}", "--out", "{w}/o", "--repeat", "0"], "'--repeat'"),
    "run: negative --temperature": (["run", "--backend", "oracle", "--suite", "{s}", "--out", "{w}/o", "--temperature", "-1"], "'--temperature'"),
    "run: --query-timeout 0": (["run", "--backend", "oracle", "--suite", "{s}", "--out", "{w}/o", "--query-timeout", "0"], "'--query-timeout'"),
    "run: unknown option": (["run", "--backend", "oracle", "--outt", "{w}/o"], "no such option"),
    "unknown command": (["rnu", "--backend", "oracle"], "no such command"),
    "heldout: data missing": (["heldout", "--backend", "oracle", "--data", "{w}/absent.jsonl", "--out", "{w}/h"], "no such file"),
    "heldout: data truncated": (["heldout", "--backend", "oracle", "--data", "{w}/truncated.jsonl", "--out", "{w}/h"], "truncated.jsonl:2: not valid JSON"),
    "heldout: data wrong shape": (["heldout", "--backend", "oracle", "--data", "{w}/shape.jsonl", "--out", "{w}/h"], "shape.jsonl:1: messages"),
    "heldout: data not text": (["heldout", "--backend", "oracle", "--data", "{w}/binary.jsonl", "--out", "{w}/h"], "not UTF-8"),
    "heldout: data empty": (["heldout", "--backend", "oracle", "--data", "{w}/empty.jsonl", "--out", "{w}/h"], "holds no example"),
    "heldout: no assistant turn": (["heldout", "--backend", "oracle", "--data", "{w}/noturn.jsonl", "--out", "{w}/h"], "holds no example"),
    "heldout: negative --limit": (["heldout", "--backend", "oracle", "--data", "{d}", "--out", "{w}/h", "--limit", "-3"], "'--limit'"),
    "heldout: dead endpoint": (["heldout", "--backend", f"openai:{DEAD}", "--data", "{d}", "--out", "{w}/h"], f"cannot reach {DEAD}/models"),
    "heldout: out is a file": (["heldout", "--backend", "oracle", "--data", "{d}", "--out", "{w}/notes.txt"], "is not a directory"),
    "heldout: no checkpoints dir": (["heldout", "--backend", "mlx:x", "--checkpoints", "{w}/nope", "--data", "{d}", "--out", "{w}/c"], "no adapters directory"),
    "heldout: no checkpoint": (["heldout", "--backend", "mlx:x", "--checkpoints", "{w}/adapters", "--data", "{d}", "--out", "{w}/c"], "holds no *_adapters.safetensors"),
    "docs: from a repository root without eval": (["docs", "--data", "{w}/repo/data/phase24", "--run", "{w}/repo/runs/smoke", "--out", "{w}/repo/docs"], "no eval report at"),
    "docs: eval recorded an error": (["docs", "--data", "{w}/repo/data/phase24", "--run", "{w}/broken", "--out", "{w}/repo/docs"], "records an infrastructure error"),
    "docs: someone's document there": (["docs", "--data", "{w}/repo/data/phase24", "--run", "{c}", "--out", "{w}/mydocs"], "phase25-plan.md exists and is not a document"),
    "docs: out is a file": (["docs", "--data", "{w}/repo/data/phase24", "--run", "{c}", "--out", "{w}/notes.txt"], "is not a directory"),
    "compare: missing": (["compare", "{w}/absent.json", "{w}/absent.json"], "no such file"),
    "compare: a held-out report": (["compare", "{h}", "{h}"], "not a punie-eval run report"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_one_line_exit_2_and_touches_nothing(
    case: str, area: Path, made: dict[str, Path]
) -> None:
    args, fragment = BAD_INPUTS[case]
    values = {"w": str(area), "s": str(SUITE), "d": str(made["data"]),
              "h": str(made["heldout"]), "c": str(made["complete"])}  # fmt: skip
    argv = [a.format(**values) for a in args]
    before = Snapshot.take(area)
    outcome = punie_eval(*argv, cwd=area)
    assert_user_error(outcome, before, contains=fragment)


def test_docs_run_from_a_repository_root_never_overwrites_the_committed_documents(
    area: Path,
) -> None:
    """The issue's case: `punie-eval docs` with its defaults, in a clone whose pipeline has not
    run (then has run only partly), replaced the three committed documents with placeholders."""
    repo = area / "repo"
    committed = {name: (REPO / "docs" / name).read_bytes() for name in COMMITTED_DOCS}
    empty = area / "clone"
    shutil.copytree(repo / "docs", empty / "docs")
    before = Snapshot.take(empty)
    assert_user_error(punie_eval("docs", cwd=empty), before, contains="--data data/phase24")
    before = Snapshot.take(repo)
    outcome = punie_eval("docs", cwd=repo)
    assert_user_error(outcome, before, contains="no eval report at runs/smoke/eval/report.json")
    assert "the documents were left as they were" in outcome.stderr
    assert "(run `nox -s eval`)" in outcome.stderr
    for name, content in committed.items():
        assert (repo / "docs" / name).read_bytes() == content


def test_docs_from_complete_artefacts_replace_only_the_generated_documents(
    area: Path, made: dict[str, Path]
) -> None:
    repo = area / "repo"
    shutil.rmtree(repo / "runs" / "smoke")
    shutil.copytree(made["complete"], repo / "runs" / "smoke")
    outcome = punie_eval("docs", "--json", cwd=repo)
    assert outcome.code == 0, outcome
    written = json.loads(outcome.stdout)["written"]
    assert written == ["docs/phase24-progress.md", "docs/phase25-plan.md"]
    progress = (repo / "docs" / "phase24-progress.md").read_text()
    assert "Overall **1/1**" in progress and "run `nox -s" not in progress
    assert (repo / "docs" / "architecture.md").read_text() == "# not generated\n"
    results = json.loads((repo / "docs" / "phase24-results.json").read_text())
    assert (results["queries_passed"], results["queries_total"]) == (1, 1)


class BrokenServer:
    """An OpenAI-compatible server that lists a model, then fails: every chat completion is an
    HTTP 500, or (with `vanish_after`) the server answers that many and then goes away."""

    def __init__(self, vanish_after: int | None = None) -> None:
        self.vanish_after = vanish_after
        self.answered = 0
        state = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, code: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._send(200, {"data": [{"id": "broken-model"}]})

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                if state.vanish_after is None:
                    self._send(500, {"error": {"message": "the model crashed"}})
                    return
                message = {"role": "assistant", "content": "It looks fine to me."}
                self._send(200, {"choices": [{"message": message, "finish_reason": "stop"}]})
                state.answered += 1
                if state.answered >= state.vanish_after:
                    threading.Thread(target=state.close).start()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()  # the port now refuses connections


@pytest.fixture
def broken() -> Iterator[BrokenServer]:
    server = BrokenServer()
    yield server
    server.close()


def test_no_fail_never_hides_a_backend_that_answers_nothing(
    tmp_path: Path, broken: BrokenServer
) -> None:
    """The pipeline runs `run --no-fail`: a server failing every request must still stop it
    (exit 2), and `docs` must refuse the report it left."""
    out = tmp_path / "eval"
    outcome = punie_eval("run", "--backend", f"openai:{broken.url}", "--suite", str(SUITE),
                         "--out", str(out), "--only", "single-lint", "--only", "single-protocol",
                         "--no-fail")  # fmt: skip
    assert outcome.code == 2, outcome
    assert outcome.stderr_lines[-1].startswith("error: the backend answered no query"), outcome
    assert "Traceback" not in outcome.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["error"].startswith("the backend answered no query")
    assert "the model crashed" in report["error"]
    heldout = punie_eval("heldout", "--backend", f"openai:{broken.url}", "--data",
                         str(write_heldout_file(tmp_path / "test.jsonl")),
                         "--out", str(tmp_path / "h"))  # fmt: skip
    assert heldout.code == 2, heldout
    assert heldout.stderr_lines[-1].startswith(f"error: --backend openai:{broken.url} answered no")
    assert not (tmp_path / "h").exists()


def test_a_server_that_goes_away_mid_run_is_exit_2(tmp_path: Path) -> None:
    server = BrokenServer(vanish_after=1)
    try:
        out = tmp_path / "eval"
        outcome = punie_eval("run", "--backend", f"openai:{server.url}", "--suite", str(SUITE),
                             "--out", str(out), "--only", "single-protocol",
                             "--only", "single-ruff-vs-pylint", "--no-fail")  # fmt: skip
    finally:
        if server.answered < 1:
            server.close()
    assert outcome.code == 2, outcome
    assert "cannot reach" in outcome.stderr_lines[-1], outcome
    report = json.loads((out / "report.json").read_text())
    assert [q["outcome"] for q in report["queries"]] == ["answer", "backend_error"]


def test_results_on_stdout_progress_on_stderr_and_modes_like_siblings(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        out = tmp_path / "deep" / "eval"
        outcome = punie_eval(*oracle(out))
    finally:
        os.umask(previous)
    assert outcome.code == 0, outcome
    assert "single-lint" not in outcome.stdout  # per-query progress: stderr
    assert "pass single-lint" in outcome.stderr and "report: " in outcome.stderr
    assert "Overall" in outcome.stdout and outcome.stdout.endswith("verdict: PASS\n")
    assert "\x1b[" not in outcome.stdout + outcome.stderr  # NO_COLOR and no terminal
    for name in ("report.json", "report.md", "transcripts.jsonl", MANIFEST):
        assert (out / name).stat().st_mode & 0o777 == 0o640  # 0666 less the umask
    assert out.stat().st_mode & 0o777 == 0o750


def test_json_on_every_command_that_reports(made: dict[str, Path], tmp_path: Path) -> None:
    run = punie_eval(*oracle(tmp_path / "eval", extra=("--json",)))
    assert run.code == 0, run
    summary = json.loads(run.stdout)
    assert (summary["passed"], summary["partial"], summary["error"]) == (True, True, None)
    assert [q["id"] for q in summary["queries"]] == ["single-lint"]
    held = punie_eval("heldout", "--backend", f"replay:{made['replies']}", "--data",
                      str(made["data"]), "--out", str(tmp_path / "h"), "--json")  # fmt: skip
    assert held.code == 0, held
    scored = json.loads(held.stdout)
    assert (scored["examples"], scored["errors"], scored["tool_choice"]) == (3, 0, 1 / 3)
    compared = punie_eval("compare", str(made["run"]), str(tmp_path / "eval"), "--json")
    assert compared.code == 0, compared
    both = json.loads(compared.stdout)
    assert both["queries"][0]["id"] == "single-lint"
    assert both["a"]["overall"]["passed"] == both["b"]["overall"]["passed"] == 1


def test_the_pipeline_layout_reruns_and_owns_its_directories(
    made: dict[str, Path], tmp_path: Path
) -> None:
    """runs/NAME/eval (run) holds eval/heldout (heldout): both rerun without --force; a file
    edited by hand is refused; --force writes beside others' files and leaves them."""
    out = tmp_path / "eval"
    assert punie_eval(*oracle(out)).code == 0
    held = ["heldout", "--backend", f"replay:{made['replies']}", "--data", str(made["data"]),
            "--out", str(out / "heldout")]  # fmt: skip
    assert punie_eval(*held).code == 0
    again = punie_eval(*oracle(out))
    assert again.code == 0, again
    assert punie_eval(*held).code == 0
    (out / "report.md").write_text("edited by hand\n")
    before = Snapshot.take(out)
    assert_user_error(punie_eval(*oracle(out)), before, contains="did not write (report.md)")
    (out / "report.md").unlink()
    (out / "notes.txt").write_text("mine\n")
    forced = punie_eval(*oracle(out, extra=("--force",)))
    assert forced.code == 0, forced
    assert (out / "notes.txt").read_text() == "mine\n"
    entries = json.loads((out / MANIFEST).read_text())["files"]
    assert {"report.json", "report.md", "transcripts.jsonl"} <= set(entries)
    assert "notes.txt" not in entries


def test_outputs_of_an_earlier_version_are_adopted(made: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "eval"
    shutil.copytree(made["run"], out)
    shutil.copytree(made["heldout"], out / "heldout")
    for manifest in out.rglob(MANIFEST):
        manifest.unlink()  # as an earlier punie-eval left them
    outcome = punie_eval(*oracle(out))
    assert outcome.code == 0, outcome
    assert "heldout/report.json" in json.loads((out / MANIFEST).read_text())["files"]


def test_version() -> None:
    outcome = punie_eval("--version")
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, f"punie-eval {__version__}\n", "")


@pytest.mark.parametrize("command", [[], ["run"], ["heldout"], ["compare"], ["docs"]])
def test_help_is_readable_at_80_columns(command: list[str]) -> None:
    outcome = punie_eval(*command, "--help")
    assert_help_readable(outcome, defaults=command not in ([], ["compare"]))
    if command == ["run"]:
        text = " ".join(outcome.stdout.split())  # a default may wrap onto the next line
        for shown in ("[default: data/eval]", "[default: 600.0; x>=1.0]", "--json", "--force"):
            assert shown in text


def test_bare_command_prints_help_on_stderr_exit_2() -> None:
    outcome = punie_eval()
    assert outcome.code == 2 and outcome.stdout == ""
    assert "Usage: punie-eval" in outcome.stderr


def test_debug_shows_the_traceback(area: Path) -> None:
    outcome = punie_eval("run", "--backend", "oracle", "--suite", str(SUITE), "--out",
                         str(area / "notes.txt"), "--debug")  # fmt: skip
    assert outcome.code == 2
    assert "Traceback" in outcome.stderr
    assert outcome.stderr_lines[-1].startswith("error: --out ")


def test_ctrl_c_is_exit_130_and_keeps_the_earlier_report(
    made: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "eval"
    shutil.copytree(made["run"], out)
    before = Snapshot.take(out)
    outcome = interrupt_when(
        "punie-eval", *oracle(out, "single-lint", "single-run-tests", "single-tests-passing"),
        ready="single-lint",
    )  # fmt: skip
    assert outcome.code == 130, outcome
    assert outcome.stderr_lines[-1].startswith("error: interrupted"), outcome
    assert "Traceback" not in outcome.stderr and outcome.stdout == ""
    before.assert_unchanged()
