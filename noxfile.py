"""Every entry point of punie: per-package tests, lint, typecheck, benchmarks, the phase pipeline.

Reading order for a newcomer: the phase runs mine → data → learn-check → train → select → fuse →
quantize → eval → docs, each stage a session of its own (`nox -s data`) that requires the one before it, and
`nox -s phase24` runs them all. A stage is skipped when its inputs and options have not changed
since it last finished (`-- --force` reruns); a failed stage stops every stage after it.
`nox -s rehearse` runs the phase24 profile's own steps on a tiny 4-bit Qwen3-MoE stand-in.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.error_on_missing_interpreters = True
# The confined tools run Python from a read-only environment, so a pytest they start can never
# cache its bytecode: install every venv with bytecode compiled (measured: a sandboxed pytest run
# 1.7 -> 1.1 CPU-s, and there are hundreds in the tests and the data stage).
os.environ.setdefault("UV_COMPILE_BYTECODE", "1")

ROOT = Path(__file__).parent
PACKAGES_DIR = ROOT / "packages"
# Each package with the extras its own tests need; order follows the dependency direction.
PACKAGES: dict[str, str] = {
    "punie-tools": "acp,pydantic-ai,test",
    "punie-mine": "test",
    "punie-datagen": "test",
    "punie-train": "test,cpu-blas",
    "punie-eval": "test,mlx",
}
RUNTIME_EXTRAS: dict[str, str] = {
    p: ",".join(x for x in extras.split(",") if x != "test") for p, extras in PACKAGES.items()
}
# Local packages each one depends on, so nox installs them from their paths, not from an index.
LOCAL_DEPS: dict[str, list[str]] = {
    "punie-tools": [],
    "punie-mine": ["punie-tools"],
    "punie-datagen": ["punie-tools"],
    "punie-train": ["punie-tools", "punie-datagen"],
    "punie-eval": ["punie-tools", "punie-datagen"],
}
PYTHON = "3.11"
# Exact versions of the tools (ruff, ty, pytest, Monty, ...) for every install below; the
# packages' own pyproject.toml files declare tested ranges.
CONSTRAINTS = ROOT / "constraints.txt"
CACHE = ROOT / ".punie-cache"
PIPELINE_ENV = ROOT / ".nox" / "_pipeline"
# The pipeline's extras: the MLX backend for eval, an optimized BLAS for MLX on Linux CPU.
PIPELINE_EXTRAS: dict[str, str] = {"punie-eval": "mlx", "punie-train": "cpu-blas"}


# --------------------------------------------------------------------------- tests


def _install_package(session: nox.Session, package: str, extras: str) -> None:
    paths = [str(PACKAGES_DIR / dep) for dep in LOCAL_DEPS[package]]
    session.install("-c", str(CONSTRAINTS), *paths, f"{PACKAGES_DIR / package}[{extras}]")


for _package, _extras in PACKAGES.items():

    @nox.session(name=f"tests-{_package}", python=PYTHON, tags=["tests"])
    def _tests(session: nox.Session, package: str = _package, extras: str = _extras) -> None:
        """Run one package's tests in a venv holding only it and its declared dependencies."""
        _install_package(session, package, extras)
        # Run from inside the package so the installed copy (not the source tree) is imported.
        session.chdir(PACKAGES_DIR / package)
        session.run(
            "python",
            "-m",
            "pytest",
            "tests",
            "-c",
            str(ROOT / "pyproject.toml"),
            "--rootdir",
            str(PACKAGES_DIR / package),
            "--durations=10",  # CI's log names the slowest tests of every package
            *session.posargs,
        )


@nox.session(venv_backend="none")
def tests(session: nox.Session) -> None:
    """Run every package's test session (tests-punie-tools, tests-punie-mine, ...)."""
    for package in PACKAGES:
        session.notify(f"tests-{package}", posargs=session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check over the whole repository."""
    session.install("-c", str(CONSTRAINTS), "ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """ty check over every package's sources, in an env holding all of them."""
    # Editable installs: ty must resolve `punie_*` imports to the very files it checks, not to
    # installed copies (two copies of a class are two different types to it).
    session.install(
        "-c",
        str(CONSTRAINTS),
        *(a for p, e in PACKAGES.items() for a in ("-e", f"{PACKAGES_DIR / p}[{e}]")),
    )
    python = session.virtualenv.location  # ty resolves imports against this env
    sources = [str(PACKAGES_DIR / p / "src") for p in PACKAGES]
    session.run("ty", "check", "--python", python, *sources, *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Run every script under benchmarks/ (each prints ratios against the raw tool)."""
    scripts = sorted((ROOT / "benchmarks").glob("*.py"))
    if not scripts:
        session.log("benchmarks/ holds no scripts yet; nothing to run")
        return
    # The packages as users install them (no test extras): the test-only pytest plugins, such as
    # hypothesis's, would slow every pytest the benchmarks start.
    session.install(
        "-c",
        str(CONSTRAINTS),
        *(
            f"{PACKAGES_DIR / p}[{e}]" if e else str(PACKAGES_DIR / p)
            for p, e in RUNTIME_EXTRAS.items()
        ),
    )
    for script in scripts:
        if session.posargs and script.stem not in session.posargs:
            continue
        session.log(f"benchmark: {script.name}")
        session.run("python", str(script))


# --------------------------------------------------------------------------- the phase pipeline
#
# Each stage is a `Stage` (inputs, outputs, options, commands, the stage before it) built from
# the command line by `_stages`. A stage runs only when the stage before it has succeeded in
# this invocation or is up to date from a completed one (nox `requires` chains the sessions, and
# `_run_stage` checks the previous stage's stamp again). Its stamp is removed when it starts and
# written only when it succeeds, recording the digests of what it read and wrote; a stage is up
# to date when its inputs, code and options hash to the stamp's key and its outputs are still the
# ones it wrote. The key also names which run of each stage that writes its inputs it read (each
# success stamps a new id), so a stage rerun upstream makes its readers stale even when it wrote
# the same bytes. `docs` refuses to write documents unless every stage before it is up to date, so
# it never puts numbers from different runs side by side.


def _options(session: nox.Session, args: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="nox -s phase24 --", add_help=True)
    parser.add_argument(
        "--profile", default="smoke", help="training profile (smoke | phase24 | phase25-7b)"
    )
    parser.add_argument("--model", default=None, help="base model path for a real profile")
    parser.add_argument("--run", default=None, help="run name under runs/ (default: the profile)")
    parser.add_argument(
        "--profiles", default=None, help="a TOML whose tables override profile keys (for lora)"
    )
    parser.add_argument(
        "--endpoint",
        default=None,
        help="evaluate an OpenAI-compatible server instead of the trained model",
    )
    parser.add_argument("--endpoint-model", default=None, help="model name to ask the endpoint for")
    parser.add_argument("--iters", type=int, default=None, help="override the profile's iterations")
    parser.add_argument(
        "--checkpoint",
        default="best-behaviour",
        choices=["best-behaviour", "best-loss", "final"],
        help="which adapter checkpoint fuse uses (default: the best on held-out behaviour)",
    )
    parser.add_argument(
        "--reduced",
        action="store_true",
        help="a small, fast configuration under .punie-cache/reduced (the end-to-end test)",
    )
    parser.add_argument("--force", action="store_true", help="rerun stages even when up to date")
    opts = parser.parse_args(session.posargs if args is None else args)
    base = ROOT / ".punie-cache" / "reduced" if opts.reduced else ROOT
    opts.sources = "tests/e2e/sources.toml" if opts.reduced else "data/sources.toml"
    opts.mined = str(base / "data" / "mined")
    opts.data = str(base / "data" / "phase24")
    opts.rundir = str(base / "runs" / (opts.run or opts.profile))
    opts.learn_check = str(base / "runs" / "learn-check")
    opts.docs = str(base / "docs")
    opts.only = []  # eval: run only these suite queries (the rehearsal)
    opts.rehearsal = False
    if opts.reduced and opts.iters is None:
        opts.iters = 4
    return opts


def _pipeline_bin(session: nox.Session) -> Path:
    """One shared env for every stage, installed once and refreshed when a pyproject changes."""
    manifests = [*sorted(PACKAGES_DIR.glob("*/pyproject.toml")), CONSTRAINTS]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in manifests)).hexdigest()
    stamp = PIPELINE_ENV / ".punie-installed"
    bindir = PIPELINE_ENV / "bin"
    if stamp.exists() and stamp.read_text() == digest:
        return bindir
    editable = [
        "-c",
        str(CONSTRAINTS),
        *(
            arg
            for p in PACKAGES
            for arg in (
                "-e",
                f"{PACKAGES_DIR / p}[{PIPELINE_EXTRAS[p]}]"
                if p in PIPELINE_EXTRAS
                else str(PACKAGES_DIR / p),
            )
        ),
    ]
    uv = shutil.which("uv")
    if uv:
        session.run(
            uv,
            "venv",
            "-q",
            "--allow-existing",
            "-p",
            sys.executable,
            str(PIPELINE_ENV),
            external=True,
        )
        session.run(
            uv, "pip", "install", "-q", "-p", str(bindir / "python"), *editable, external=True
        )
    else:
        session.run(sys.executable, "-m", "venv", str(PIPELINE_ENV), external=True)
        session.run(str(bindir / "python"), "-m", "pip", "install", "-q", *editable, external=True)
    stamp.write_text(digest)
    return bindir


# Files at least this large are identified by size and modification time instead of content, so
# checking a 61 GB fused model takes a stat, not a minute of hashing.
_CONTENT_HASH_LIMIT = 64 * 2**20
_file_hashes: dict[tuple[str, int, int], str] = {}


def _file_digest(f: Path) -> str:
    st = f.stat()
    if st.st_size >= _CONTENT_HASH_LIMIT:
        return f"size:{st.st_size}:mtime:{st.st_mtime_ns}"
    key = (str(f), st.st_size, st.st_mtime_ns)
    if key not in _file_hashes:
        _file_hashes[key] = hashlib.sha256(f.read_bytes()).hexdigest()
    return _file_hashes[key]


def _path_digest(path: Path) -> str:
    """Digest of one file or directory tree (names and contents); `absent` when missing."""
    if not path.exists():
        return "absent"
    h = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for f in files:
        if "__pycache__" in f.parts:
            continue
        h.update(str(f.relative_to(path) if f != path else f.name).encode())
        h.update(_file_digest(f).encode())
    return h.hexdigest()


def _digest(paths: list[Path], extra: object) -> str:
    """Content hash of `paths` (files or trees) plus the stage's options."""
    h = hashlib.sha256(json.dumps(extra, sort_keys=True, default=str).encode())
    for root in paths:
        h.update(str(root.relative_to(ROOT) if root.is_relative_to(ROOT) else root).encode())
        h.update(_path_digest(root).encode())
    return h.hexdigest()


@dataclass
class Stage:
    """One pipeline stage: what it reads and writes, its commands, the stage it follows."""

    name: str
    inputs: list[str]
    outputs: list[str]
    options: object
    commands: list[list[str]]
    after: str | None  # the stage whose success this one requires
    skip: str | None = None  # why the stage does nothing this time (e.g. evaluating an endpoint)
    note: str | None = None  # logged before it runs


def _stamp_path(stage: Stage) -> Path:
    label = hashlib.sha256("\0".join(stage.outputs).encode()).hexdigest()[:10]
    return CACHE / "stages" / f"{stage.name}-{label}.json"


def _covers(output: str, path: str) -> bool:
    """True when `path` is `output` or inside it (or holds it)."""
    a, b = Path(output), Path(path)
    return a == b or a in b.parents or b in a.parents


def _producers(stage: Stage, stages: dict[str, Stage]) -> list[Stage]:
    """The earlier stages that write what `stage` reads."""
    found: list[Stage] = []
    for other in stages.values():
        if other.name == stage.name:
            break
        if any(_covers(out, i) for out in other.outputs for i in stage.inputs):
            found.append(other)
    return found


def _finished_id(stage: Stage) -> str:
    """The id of the stage's last successful finish (new for each run of it), else `none`."""
    stamp = _stamp_path(stage)
    try:
        return str(json.loads(stamp.read_text()).get("finished", "none"))
    except (OSError, ValueError):
        return "none"


def _key(stage: Stage, stages: dict[str, Stage] | None = None) -> str:
    """Digest of the stage's inputs, code and options, and of which run of each stage that
    writes its inputs it read: a stage rerun upstream makes it stale even when the rerun wrote
    byte-identical files (train rewrites `summary.json`, where select records its choice)."""
    sources = [PACKAGES_DIR / p / "src" for p in PACKAGES]
    existing = [ROOT / i for i in stage.inputs if (ROOT / i).exists()]
    upstream = {p.name: _finished_id(p) for p in _producers(stage, stages or {})}
    return _digest([*existing, *sources], {"options": stage.options, "upstream": upstream})


def _state(stage: Stage, stages: dict[str, Stage] | None = None) -> tuple[bool, str]:
    """(up to date, why not): the stamp's key matches and the outputs are the ones it wrote."""
    stamp = _stamp_path(stage)
    if not stamp.exists():
        return False, "it has not finished since its inputs last changed"
    record = json.loads(stamp.read_text())
    if record.get("key") != _key(stage, stages):
        return False, "its inputs, code or options changed, or a stage it reads from ran again"
    for out in stage.outputs:
        if _path_digest(ROOT / out) != record.get("outputs", {}).get(out):
            return False, f"{out} is missing or changed since it finished"
    return True, "up to date"


def _record_success(stage: Stage, key: str, seconds: float, cpu_seconds: float) -> dict:
    """Write the stamp of a successful run of `stage` (atomically) and return it."""
    stamp = _stamp_path(stage)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "key": key,
        "finished": uuid.uuid4().hex,  # later stages that read this one's outputs key on it
        "outputs": {out: _path_digest(ROOT / out) for out in stage.outputs},
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu_seconds, 1),  # wall time grows with other load; this does not
    }
    tmp = stamp.with_suffix(".tmp")
    tmp.write_text(json.dumps(record))
    tmp.replace(stamp)
    return record


def _run_stage(session: nox.Session, name: str, o: argparse.Namespace | None = None) -> None:
    """Run stage `name` unless it is up to date; refuse when the stage before it is not."""
    o = o or _options(session)
    stages = _stages(o)
    stage = stages[name]
    if stage.skip:
        session.log(f"[{name}] skipped: {stage.skip}")
        return
    before = stages.get(stage.after) if stage.after else None
    while before is not None and before.skip:  # an endpoint run skips train, fuse, ...
        before = stages.get(before.after) if before.after else None
    if before is not None:
        ok, why = _state(before, stages)
        if not ok:
            session.error(
                f"[{name}] cannot run: [{before.name}] has not succeeded ({why}); "
                f"run `nox -s {name}`, which runs the stages before it"
            )
    if name == "docs":
        _refuse_mixed_runs(session, o, stages)
    ok, _ = _state(stage, stages)
    if ok and not o.force:
        session.log(
            f"[{name}] up to date (inputs unchanged); artefacts: {', '.join(stage.outputs)}"
        )
        return
    stamp = _stamp_path(stage)
    stamp.unlink(missing_ok=True)  # written again only when this attempt succeeds
    key = _key(stage, stages)
    bindir = _pipeline_bin(session)
    env = {"PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}", "HF_HUB_OFFLINE": "1"}
    if stage.note:
        session.log(f"[{name}] {stage.note}")
    start = time.monotonic()
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    for command in stage.commands:
        session.run(str(bindir / command[0]), *command[1:], external=True, env=env)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_seconds = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
    missing = [out for out in stage.outputs if not (ROOT / out).exists()]
    if missing:
        session.error(f"[{name}] finished without writing {', '.join(missing)}")
    record = _record_success(stage, key, time.monotonic() - start, cpu_seconds)
    session.log(
        f"[{name}] done in {record['seconds']} s ({record['cpu_seconds']} s of CPU); "
        f"artefacts: {', '.join(stage.outputs)}"
    )


def _refuse_mixed_runs(session: nox.Session, o: argparse.Namespace, stages: dict) -> None:
    """docs: every stage before it must be up to date, and the models must name one run."""
    chain = [s for s in stages.values() if s.name not in ("mine", "docs") and not s.skip]
    stale = [(s.name, why) for s in chain for ok, why in [_state(s, stages)] if not ok]
    if stale:
        session.error(
            "[docs] refuses artefacts from different runs: "
            + "; ".join(f"[{n}] is not up to date ({why})" for n, why in stale)
        )
    if o.endpoint:
        return
    run = ROOT / o.rundir
    ids = {}
    for label, path in (
        ("summary.json", run / "summary.json"),
        ("fused", run / "fused" / "punie-model.json"),
        ("quantized", run / "quantized" / "punie-model.json"),
    ):
        if path.is_file():
            ids[label] = json.loads(path.read_text()).get("run_id")
    if len(set(ids.values())) > 1:
        session.error(
            "[docs] refuses artefacts from different runs: "
            + ", ".join(f"{k} run_id {v}" for k, v in ids.items())
        )


def _base_model(o: argparse.Namespace) -> str | None:
    """The base model: --model, the smoke model the smoke profile builds, or what train used."""
    if o.model:
        return o.model
    if o.profile == "smoke":
        return str(Path(o.data).parent / "models" / "smoke")  # built there on first use
    run = ROOT / o.rundir / "run.json"
    return json.loads(run.read_text())["model"] if run.exists() else None


def _stages(o: argparse.Namespace) -> dict[str, Stage]:
    """Every stage of the pipeline for these options, in order."""
    run, data = o.rundir, o.data
    endpoint = f"evaluating the endpoint {o.endpoint}, nothing to train" if o.endpoint else None
    stages: list[Stage] = []
    stages.append(
        Stage(
            "mine",
            [o.sources],
            [o.mined],
            {"sources": o.sources},
            [["punie-mine", "all", "--sources", o.sources, "--out", o.mined]],
            None,
        )
    )
    build = ["punie-datagen", "build", "--out", data, "--mined", o.mined]
    if o.reduced:
        build += ["--scale", "0.05", "--verify-sample", "5"]
    stages.append(Stage("data", [o.mined], [data], {"cmd": build}, [build], "mine"))

    # learn-check: the smoke model must learn a stratified slice of this data through the real
    # template, mask, fuse and 5-bit quantize before anything trains for hours on it (issue 18).
    # It depends on the data and the code only (the smoke model, whatever the profile), so one
    # report per dataset serves every run: runs/learn-check beside the runs.
    check = o.learn_check
    learn = ["punie-train", "learn-check", "--data", data, "--out", check]
    learn_skip = endpoint or (
        "the rehearsal checks the real profile's path; learn-check runs in the reduced run"
        if o.rehearsal
        else None
    )
    stages.append(
        Stage(
            "learn-check",
            [data],
            [f"{check}/learn-check.json"],
            {"cmd": learn},
            [learn],
            "data",
            learn_skip,
        )
    )

    lora = ["punie-train", "lora", "--profile", o.profile, "--data", data, "--run", run]
    base = _base_model(o) if o.model or o.profile == "smoke" else None
    if base:
        lora += ["--model", base]  # otherwise the profile's own `model` (or a clear error)
        if o.profile == "smoke" and not o.model:
            lora += ["--build-model"]  # the smoke model is built there on first use
    if o.iters:
        lora += ["--iters", str(o.iters)]
    train_inputs = [data]
    if o.profiles:
        lora += ["--profiles", o.profiles]
        train_inputs.append(o.profiles)
    stages.append(
        Stage(
            "train",
            train_inputs,
            [f"{run}/adapters"],
            {"cmd": lora},
            [lora],
            "learn-check",
            endpoint,
        )
    )

    # select: score every adapter checkpoint on a small fixed held-out sample (punie-eval) and
    # record the best by behaviour (punie-train select); fuse then uses it.
    limit, tokens = ("3", "48") if o.reduced or o.rehearsal else ("20", "512")
    if o.profile == "smoke" and not o.reduced:
        limit, tokens = "5", "128"
    score = [
        "punie-eval",
        "heldout",
        "--backend",
        f"mlx:{_base_model(o) or ''}",
        "--checkpoints",
        f"{run}/adapters",
        "--data",
        f"{data}/test.jsonl",
        "--out",
        f"{run}/eval/checkpoints",
        "--limit",
        limit,
        "--max-tokens",
        tokens,
    ]
    record = ["punie-train", "select", "--run", run]
    select_skip = endpoint or (
        f"fusing the {o.checkpoint.replace('-', ' ')} checkpoint (--checkpoint {o.checkpoint})"
        if o.checkpoint != "best-behaviour"
        else None
    )
    stages.append(
        Stage(
            "select",
            [f"{run}/adapters", f"{data}/test.jsonl"],
            [f"{run}/eval/checkpoints/checkpoints.json"],
            {"score": score},
            [score, record],
            "train",
            select_skip,
        )
    )
    fuse = ["punie-train", "fuse", "--run", run, "--checkpoint", o.checkpoint]
    fuse_inputs = [f"{run}/adapters"]
    if o.checkpoint == "best-behaviour":
        fuse_inputs.append(f"{run}/eval/checkpoints/checkpoints.json")
    stages.append(
        Stage("fuse", fuse_inputs, [f"{run}/fused"], {"cmd": fuse}, [fuse], "select", endpoint)
    )
    quantize = ["punie-train", "quantize", "--run", run]  # bits and group size: the profile's
    stages.append(
        Stage(
            "quantize",
            [f"{run}/fused"],
            [f"{run}/quantized"],
            {"cmd": quantize},
            [quantize],
            "fuse",
            endpoint,
        )
    )

    if o.endpoint:
        backend = f"openai:{o.endpoint}" + (
            f",model={o.endpoint_model}" if o.endpoint_model else ""
        )
        inputs = ["data/eval"]
    else:
        backend = f"mlx:{run}/quantized"
        inputs = ["data/eval", f"{run}/quantized"]
    out = f"{run}/eval"
    suite = ["punie-eval", "run", "--backend", backend, "--suite", "data/eval", "--out", out]
    suite += ["--no-fail", *(a for q in o.only for a in ("--only", q))]
    heldout = ["punie-eval", "heldout", "--backend", backend, "--data", f"{data}/test.jsonl"]
    heldout += ["--out", f"{out}/heldout"]
    if o.reduced or o.rehearsal:
        suite += ["--max-tokens", "48"]
        heldout += ["--max-tokens", "48", "--limit", "2" if o.rehearsal else "5"]
    elif o.profile == "smoke" and not o.endpoint:
        # The random-weight smoke model rarely stops on its own: cap its replies so the whole
        # phase stays within minutes; real profiles keep punie-eval's defaults.
        suite += ["--max-tokens", "128"]
        heldout += ["--max-tokens", "128", "--limit", "10"]
    stages.append(
        Stage(
            "eval",
            [*inputs, f"{data}/test.jsonl"],
            [f"{out}/report.json", f"{out}/heldout/report.json"],
            {"run": suite, "heldout": heldout},
            [suite, heldout],
            "quantize",
        )
    )
    docs = ["punie-eval", "docs", "--data", data, "--run", run, "--profile", o.profile]
    docs += ["--out", o.docs]
    if not learn_skip:
        docs += ["--learn-check", f"{check}/learn-check.json"]
    stages.append(
        Stage(
            "docs",
            [data, run, check],
            [f"{o.docs}/phase24-progress.md", f"{o.docs}/phase25-plan.md"],
            {"cmd": docs},
            [docs],
            "eval",
        )
    )
    return {s.name: s for s in stages}


@nox.session(venv_backend="none")
def mine(session: nox.Session) -> None:
    """Mine the repositories named in data/sources.toml into data/mined/*.jsonl."""
    _run_stage(session, "mine")


@nox.session(venv_backend="none", requires=["mine"])
def data(session: nox.Session) -> None:
    """Generate, merge, deduplicate, split and verify the dataset."""
    _run_stage(session, "data")


@nox.session(name="learn-check", venv_backend="none", requires=["data"])
def learn_check(session: nox.Session) -> None:
    """Prove the training path teaches: fit a slice of the data, fuse, 5-bit, score tool choice."""
    o = _options(session)
    Path(o.learn_check).parent.mkdir(parents=True, exist_ok=True)  # runs/, for --out
    _run_stage(session, "learn-check", o)


@nox.session(venv_backend="none", requires=["learn-check"])
def train(session: nox.Session) -> None:
    """Gate, then LoRA-train the profile's model on the dataset (the smoke model by default)."""
    _run_stage(session, "train")


@nox.session(venv_backend="none", requires=["train"])
def select(session: nox.Session) -> None:
    """Score every adapter checkpoint on held-out examples; record the best by behaviour."""
    _run_stage(session, "select")


@nox.session(venv_backend="none", requires=["select"])
def fuse(session: nox.Session) -> None:
    """Fuse the chosen checkpoint into the base model (its dtype), check it, publish it."""
    _run_stage(session, "fuse")


@nox.session(venv_backend="none", requires=["fuse"])
def quantize(session: nox.Session) -> None:
    """Quantize the fused model with the profile's bits and group size, check, publish."""
    _run_stage(session, "quantize")


@nox.session(venv_backend="none", requires=["quantize"])
def eval(session: nox.Session) -> None:
    """Run the 20-query suite and the held-out split against the quantized model or an endpoint."""
    _run_stage(session, "eval")


@nox.session(venv_backend="none", requires=["eval"])
def docs(session: nox.Session) -> None:
    """Write phase24-progress.md and phase25-plan.md, only from artefacts of one run."""
    _run_stage(session, "docs")


@nox.session(venv_backend="none", requires=["docs"])
def phase24(session: nox.Session) -> None:
    """The whole phase: mine → data → learn-check → train → select → fuse → quantize → eval →
    docs."""
    o = _options(session)
    session.log(
        f"phase 24 finished for profile {o.profile!r}: run {o.rundir}, documents in {o.docs}"
    )


# --------------------------------------------------------------------------- the rehearsal

REHEARSAL = ROOT / ".punie-cache" / "rehearse"
# The phase24 profile as it is, except what a 2-core CI machine cannot afford: 2 iterations,
# 2 validation batches, and greedy-stop checks that record rather than require a stop (random
# weights never learn to stop) on at most 64 tokens. The end-of-sequence ids are still required.
REHEARSAL_PROFILE = """\
[phase24]
val_batches = 2
stop_check = "report"
stop_tokens = 64
"""


@nox.session(venv_backend="none")
def rehearse(session: nox.Session) -> None:
    """The phase24 profile's own steps on a tiny 4-bit Qwen3-MoE stand-in (CI, offline).

    Builds the stand-in with `punie-train make-smoke-model --arch qwen3_moe --base-bits 4`
    (bfloat16 base, experts 4-bit, Qwen3-Coder's tool-call template), then runs train (with the
    gate) → select → fuse → quantize → eval (two queries) → docs into .punie-cache/rehearse.
    """
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    reduced = _options(session, ["--reduced"])
    for name in ("mine", "data"):  # the reduced dataset the end-to-end test uses
        _run_stage(session, name, reduced)
    model = REHEARSAL / "models" / "standin"
    profiles = REHEARSAL / "profiles.toml"
    profiles.parent.mkdir(parents=True, exist_ok=True)
    if not profiles.exists() or profiles.read_text() != REHEARSAL_PROFILE:
        profiles.write_text(REHEARSAL_PROFILE)
    bindir = _pipeline_bin(session)
    if not (model / "config.json").exists():
        session.run(
            str(bindir / "punie-train"),
            "make-smoke-model",
            str(model),
            "--arch",
            "qwen3_moe",
            "--base-bits",
            "4",
            "--data",
            reduced.data,
            external=True,
            env={"HF_HUB_OFFLINE": "1"},
        )
    args = [
        "--profile",
        "phase24",
        "--model",
        str(model),
        "--profiles",
        str(profiles),
        "--iters",
        "2",
        *session.posargs,
    ]
    o = _options(session, args)
    o.data, o.mined, o.sources = reduced.data, reduced.mined, reduced.sources
    o.reduced = True  # the reduced dataset's stages, as built above
    o.rundir = str(REHEARSAL / "runs" / "phase24")
    o.docs = str(REHEARSAL / "docs")
    o.only = ["single-typecheck", "single-lint"]
    o.rehearsal = True
    for name in ("train", "select", "fuse", "quantize", "eval", "docs"):
        _run_stage(session, name, o)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    session.log(
        f"rehearsal finished in {time.monotonic() - started:.0f} s "
        f"({used.ru_utime + used.ru_stime - before.ru_utime - before.ru_stime:.0f} s of CPU); "
        f"documents in {o.docs}"
    )


@nox.session(python=PYTHON, tags=["e2e"])
def e2e(session: nox.Session) -> None:
    """End-to-end test: every pipeline stage in order on a reduced configuration."""
    session.install("-c", str(CONSTRAINTS), "pytest", "nox[uv]")
    session.run(
        "python", "-m", "pytest", "tests/e2e", "-c", str(ROOT / "pyproject.toml"), *session.posargs
    )


# --------------------------------------------------------------------------- mutation testing
# Not part of CI (minutes per module): see README, "Development", and tests/mutation/.

MUTATION = ROOT / "tests" / "mutation"


def _mutation_modules() -> dict[str, list[str]]:
    """Package -> the modules tests/mutation/modules.toml lists for it."""
    import tomllib

    config = tomllib.loads((MUTATION / "modules.toml").read_text())
    return {name: list(p["modules"]) for name, p in config["packages"].items()}


for _package in _mutation_modules():

    @nox.session(name=f"mutation-{_package}", python=PYTHON)
    def _mutation(session: nox.Session, package: str = _package) -> None:
        """Mutation-test one package's deciding modules (mutmut; see tests/mutation/)."""
        _install_package(session, package, PACKAGES[package])
        session.install("-c", str(CONSTRAINTS), "mutmut")
        session.run("python", str(MUTATION / "run.py"), "--package", package, *session.posargs)


@nox.session(venv_backend="none")
def mutation(session: nox.Session) -> None:
    """Mutation testing: every module in tests/mutation/modules.toml, or only the ones named
    (`-- punie_tools/parsers/ruff.py`, or paths under packages/ as `git diff --name-only` gives)."""
    listed = _mutation_modules()
    options: list[str] = []
    chosen: dict[str, list[str]] = {}
    args = iter(session.posargs)
    named = False
    for arg in args:
        if arg.startswith("-"):
            options.append(arg)
            if arg == "--max-children":
                options.append(next(args))
            continue
        named = True
        path = arg.removeprefix("packages/")
        for package, modules in listed.items():
            module = path.removeprefix(f"{package}/src/")
            if module in modules:
                chosen.setdefault(package, []).append(module)
                break
        else:
            session.log(f"not mutation-tested (not in tests/mutation/modules.toml): {arg}")
    if named and not chosen:
        session.log("nothing to mutate")
        return
    for package in chosen or listed:
        session.notify(f"mutation-{package}", posargs=[*options, *chosen.get(package, [])])
