"""Mutation testing of one package's deciding modules with mutmut; `nox -s mutation` runs it.

For each module named in tests/mutation/modules.toml (or the subset given on the command line)
this keeps a work folder under .nox/mutation/<package>/<module>/ holding links to the package's
src/ and tests/ and a generated mutmut configuration; mutmut's cache lives there too, so a rerun
only tests mutants of functions that changed. Mutants that survived last time are always tried
again (tests may have been added since); `--fresh` drops the cache.

It prints, per module, the score killed / (mutants - equivalent) and every surviving mutant as a
diff, and exits 1 when a module scores below `fail_under`.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("modules.toml")
WORK = ROOT / ".nox" / "mutation"

# mutmut's exit codes per mutant (mutmut.stats.status_by_exit_code, pinned by constraints.txt).
KILLED = {1, 3}
TIMEOUT = {24, -24, 36, 152, 255}
NO_TESTS = {5, 33}
SURVIVED = {0}


@dataclass
class Score:
    module: str
    work: Path
    total: int = 0
    killed: int = 0
    timeout: int = 0
    survivors: list[str] = field(default_factory=list)
    untested: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    equivalent: dict[str, str] = field(default_factory=dict)

    @property
    def escaped(self) -> int:
        return len(self.survivors) + len(self.untested) + len(self.other)

    @property
    def percent(self) -> float:
        counted = self.total - len(self.equivalent)
        return 100.0 * (self.killed + self.timeout) / counted if counted else 100.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nox -s mutation --", description=__doc__)
    parser.add_argument("--package", required=True, help="package folder under packages/")
    parser.add_argument(
        "modules",
        nargs="*",
        help="modules to mutate (punie_tools/parsers/ruff.py or a path under packages/); "
        "default: every module modules.toml lists for the package",
    )
    parser.add_argument("--fresh", action="store_true", help="drop mutmut's cache first")
    parser.add_argument(
        "--max-children", type=int, default=os.cpu_count() or 1, help="parallel mutant runs"
    )
    args = parser.parse_args(argv)

    config = tomllib.loads(CONFIG.read_text())
    package = config["packages"][args.package]
    listed: dict[str, list[str] | dict] = package["modules"]
    modules = [normalise(m, args.package) for m in args.modules] or list(listed)
    unknown = [m for m in modules if m not in listed]
    if unknown:
        print(f"not in {CONFIG.relative_to(ROOT)}: {', '.join(unknown)}", file=sys.stderr)
        return 2

    scores: list[Score] = []
    failed: list[str] = []
    for module in modules:
        tests, pytest_args = module_tests(listed[module], package.get("pytest_args", []))
        work = prepare(args.package, module, tests, pytest_args)
        if args.fresh:
            shutil.rmtree(work / "mutants", ignore_errors=True)
        # Which tests reach which function is recorded anew on every run (one run of the listed
        # tests): mutmut's incremental update maps only tests it has not seen, so a function or
        # a call added since the last run kept the old mapping (its mutants: "no tests", or
        # survivors that the tests which now reach it were never run against).
        (work / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
        retry_survivors(work, module)
        print(f"\n=== mutmut: {args.package} {module}", flush=True)
        run = subprocess.run(
            [sys.executable, "-m", "mutmut", "run", "--max-children", str(args.max_children)],
            cwd=work,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if run.returncode != 0:
            print(run.stdout[-4000:])
            print(f"mutmut failed on {module} (exit {run.returncode})", file=sys.stderr)
            failed.append(module)
            continue
        tests_dir = ROOT / "packages" / args.package
        equivalent = read_equivalents([tests_dir / t for t in tests])
        scores.append(score(work, module, equivalent))
    status = report(scores, float(config.get("fail_under", 90.0)))
    if failed:
        print(f"mutmut could not run on: {', '.join(failed)}", file=sys.stderr)
        return 1
    return status


def module_tests(entry: list[str] | dict, pytest_args: list[str]) -> tuple[list[str], list[str]]:
    """(tests, pytest args) of one modules.toml entry: a list of tests, or a table with `tests`
    and its own `pytest_args` (replacing the package's, e.g. to let real-tool tests in)."""
    if isinstance(entry, dict):
        return list(entry["tests"]), list(entry.get("pytest_args", pytest_args))
    return list(entry), pytest_args


def normalise(module: str, package: str) -> str:
    """`packages/<package>/src/x/y.py` or `src/x/y.py` or `x/y.py` → `x/y.py`."""
    path = Path(module).as_posix()
    for prefix in (f"packages/{package}/src/", "src/"):
        if path.startswith(prefix):
            return path[len(prefix) :]
    return path


def prepare(package: str, module: str, tests: list[str], pytest_args: list[str]) -> Path:
    """The module's work folder: links to src/ and tests/ and a mutmut configuration."""
    source = ROOT / "packages" / package
    work = WORK / package / module.removesuffix(".py").replace("/", ".")
    work.mkdir(parents=True, exist_ok=True)
    for name in ("src", "tests"):
        if _link(work / name, source / name) and name == "src":
            # mutmut regenerates a module's mutants only when the source is newer than its copy:
            # copies made from another checkout go, their verdicts (*.meta, per function) stay.
            for copy in (work / "mutants" / "src").rglob("*.py"):
                copy.unlink()
    # mutmut runs the tests from a copy, work/mutants/tests/: a conftest that finds the repository
    # as the fourth parent of its folder (punie-eval's, for data/eval) lands on WORK/<package>.
    _link(WORK / package / "data", ROOT / "data")
    root_pytest = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    lines = [
        "[tool.mutmut]",
        'source_paths = ["src"]',
        f"only_mutate = [{json.dumps('src/' + module)}]",
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}",
        f"pytest_add_cli_args = {json.dumps(['-p', 'no:cacheprovider', *pytest_args])}",
        # Each mutant runs in a process forked from a server that never ran a test: forking the
        # process that ran the sandbox (Monty's threads) crashes or deadlocks.
        'process_isolation = "forkserver"',
        # Cached verdicts are kept across runs; this script retries survivors itself.
        'on_dependency_change = "ignore"',
        "use_git_change_detection = false",
        "",
        "[tool.pytest.ini_options]",
        *(f"{k} = {json.dumps(v)}" for k, v in root_pytest["ini_options"].items()),
        "",
    ]
    text = "\n".join(lines)
    config = work / "pyproject.toml"
    if not config.exists() or config.read_text() != text:
        config.write_text(text)
    # mutmut copies tests/ into mutants/ without removing files deleted since; do it here.
    copied = work / "mutants" / "tests"
    if copied.is_dir():
        for path in sorted(copied.rglob("*"), reverse=True):
            original = source / "tests" / path.relative_to(copied)
            if not original.exists() and "__pycache__" not in path.parts:
                shutil.rmtree(path) if path.is_dir() else path.unlink()
    return work


def _link(link: Path, target: Path) -> bool:
    """`link` -> `target`, re-pointed when it leads elsewhere (a cache copied from another
    checkout keeps its verdicts: mutmut re-tests only functions whose code changed); whether
    it was re-pointed."""
    if link.is_symlink() and Path(os.readlink(link)) == target:
        return False
    repointed = link.is_symlink()
    if repointed:
        link.unlink()
    link.symlink_to(target, target_is_directory=True)
    return repointed


def _meta(work: Path, module: str) -> Path:
    return work / "mutants" / "src" / f"{module}.meta"


def retry_survivors(work: Path, module: str) -> None:
    """Forget every verdict but killed/timeout, so mutants that escaped meet the current tests."""
    meta_path = _meta(work, module)
    if not meta_path.exists():
        return
    meta = json.loads(meta_path.read_text())
    codes = meta["exit_code_by_key"]
    for name, code in codes.items():
        if code not in KILLED | TIMEOUT:
            codes[name] = None
    meta_path.write_text(json.dumps(meta, indent=4))


def read_equivalents(test_files: list[Path]) -> dict[str, tuple[str, str]]:
    """EQUIVALENT_MUTANTS from the test modules: mutant name -> (mutated line, why)."""
    found: dict[str, tuple[str, str]] = {}
    for path in test_files:
        if not path.exists():
            continue
        for node in ast.parse(path.read_text()).body:
            target = node.target if isinstance(node, ast.AnnAssign) else None
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
            if isinstance(target, ast.Name) and target.id == "EQUIVALENT_MUTANTS" and node.value:
                found.update(ast.literal_eval(node.value))
    return found


def mutant_diff(work: Path, name: str) -> list[str]:
    """The changed lines of one mutant, from `mutmut show`."""
    shown = subprocess.run(
        [sys.executable, "-m", "mutmut", "show", name],
        cwd=work,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    return [
        line
        for line in shown
        if line[:1] in "+-" and not line.startswith(("+++", "---")) and line.strip() not in "+-"
    ]


def score(work: Path, module: str, equivalent: dict[str, tuple[str, str]]) -> Score:
    meta = _meta(work, module)
    codes: dict[str, int | None] = (
        json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}
    )
    result = Score(module=module, work=work, total=len(codes))
    for name, code in sorted(codes.items(), key=lambda kv: _order(kv[0])):
        if code in KILLED:
            result.killed += 1
            if name in equivalent:
                print(f"  listed as equivalent but killed, remove it: {name}")
        elif code in TIMEOUT:
            result.timeout += 1
        elif name in equivalent:
            line, why = equivalent[name]
            changed = [d[1:].strip() for d in mutant_diff(work, name) if d.startswith("+")]
            if line.strip() in changed:
                result.equivalent[name] = why
            else:
                print(f"  stale EQUIVALENT_MUTANTS entry {name}: expected {line!r}, got {changed}")
                result.survivors.append(name)
        elif code in SURVIVED:
            result.survivors.append(name)
        elif code in NO_TESTS:
            result.untested.append(name)
        else:  # suspicious, segfault, not checked: not killed either
            result.other.append(f"{name} (mutmut exit {code})")
    return result


def _order(name: str) -> tuple[str, int]:
    head, _, number = name.rpartition("_")
    return head, int(number) if number.isdigit() else 0


def report(scores: list[Score], fail_under: float) -> int:
    print()
    header = f"{'module':42} {'mutants':>7} {'killed':>6} {'timeout':>7} {'survived':>8} "
    print(header + f"{'equiv.':>6} {'score':>6}")
    for s in scores:
        print(
            f"{s.module:42} {s.total:7} {s.killed:6} {s.timeout:7} {s.escaped:8} "
            f"{len(s.equivalent):6} {s.percent:5.1f}%"
        )
    failing = [s for s in scores if s.percent < fail_under]
    for s in scores:
        if s.equivalent:
            print(f"\nequivalent mutants of {s.module} (excluded from the score):")
            for name, why in s.equivalent.items():
                print(f"  {name}: {why}")
        escaped = [*s.survivors, *(f"{n} (no test reaches it)" for n in s.untested), *s.other]
        if escaped:
            print(f"\nsurviving mutants of {s.module}:")
            for label in escaped:
                print(f"  {label}")
                for line in mutant_diff(s.work, label.split()[0]):
                    print(f"      {line.strip()}")
    if failing:
        names = ", ".join(f"{s.module} ({s.percent:.1f}%)" for s in failing)
        print(f"\nbelow {fail_under:.0f}%: {names}", file=sys.stderr)
        return 1
    print(f"\nevery module at or above {fail_under:.0f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
