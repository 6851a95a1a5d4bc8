"""Every entry point of punie: per-package tests, lint, typecheck, benchmarks, the phase pipeline.

Reading order for a newcomer: the phase runs mine → data → train → fuse → quantize → eval → docs,
each stage a session of its own (`nox -s data`), and `nox -s phase24` runs them all. A stage is
skipped when its inputs and options have not changed since it last finished (`-- --force` reruns).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.error_on_missing_interpreters = True

ROOT = Path(__file__).parent
PACKAGES_DIR = ROOT / "packages"
# Each package with the extras its own tests need; order follows the dependency direction.
PACKAGES: dict[str, str] = {
    "punie-tools": "acp,pydantic-ai,test",
    "punie-mine": "test",
    "punie-datagen": "test",
    "punie-train": "test",
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


def _options(session: nox.Session) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="nox -s phase24 --", add_help=True)
    parser.add_argument(
        "--profile", default="smoke", help="training profile (smoke | phase24 | phase25-7b)"
    )
    parser.add_argument("--model", default=None, help="base model path for a real profile")
    parser.add_argument("--run", default=None, help="run name under runs/ (default: the profile)")
    parser.add_argument(
        "--endpoint",
        default=None,
        help="evaluate an OpenAI-compatible server instead of the trained model",
    )
    parser.add_argument("--endpoint-model", default=None, help="model name to ask the endpoint for")
    parser.add_argument("--iters", type=int, default=None, help="override the profile's iterations")
    parser.add_argument(
        "--reduced",
        action="store_true",
        help="a small, fast configuration under .punie-cache/reduced (the end-to-end test)",
    )
    parser.add_argument("--force", action="store_true", help="rerun stages even when up to date")
    opts = parser.parse_args(session.posargs)
    base = ROOT / ".punie-cache" / "reduced" if opts.reduced else ROOT
    opts.sources = "tests/e2e/sources.toml" if opts.reduced else "data/sources.toml"
    opts.mined = str(base / "data" / "mined")
    opts.data = str(base / "data" / "phase24")
    opts.rundir = str(base / "runs" / (opts.run or opts.profile))
    opts.docs = str(base / "docs")
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
                f"{PACKAGES_DIR / p}[mlx]" if p == "punie-eval" else str(PACKAGES_DIR / p),
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


def _digest(paths: list[Path], extra: object) -> str:
    """Content hash of files under `paths` (recursively) plus the stage's options."""
    h = hashlib.sha256(json.dumps(extra, sort_keys=True, default=str).encode())
    for root in paths:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for f in files:
            if "__pycache__" in f.parts:
                continue
            h.update(str(f.relative_to(ROOT)).encode())
            h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def _stage(
    session: nox.Session,
    name: str,
    inputs: list[str],
    outputs: list[str],
    options: object,
    commands: list[list[str]],
) -> None:
    """Run the stage unless its inputs, code and options are unchanged since it last finished."""
    opts = _options(session)
    bindir = _pipeline_bin(session)
    sources = [PACKAGES_DIR / p / "src" for p in PACKAGES]
    existing = [ROOT / i for i in inputs if (ROOT / i).exists()]
    key = _digest([*existing, *sources], options)
    label = hashlib.sha256("\0".join(outputs).encode()).hexdigest()[:10]
    stamp = CACHE / "stages" / f"{name}-{label}.json"
    done = stamp.exists() and json.loads(stamp.read_text()).get("key") == key
    if done and not opts.force and all((ROOT / o).exists() for o in outputs):
        session.log(f"[{name}] up to date (inputs unchanged); artefacts: {', '.join(outputs)}")
        return
    env = {"PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}", "HF_HUB_OFFLINE": "1"}
    for command in commands:
        session.run(str(bindir / command[0]), *command[1:], external=True, env=env)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps({"key": key, "outputs": outputs}))
    session.log(f"[{name}] done; artefacts: {', '.join(outputs)}")


@nox.session(venv_backend="none")
def mine(session: nox.Session) -> None:
    """Mine the repositories named in data/sources.toml into data/mined/*.jsonl."""
    o = _options(session)
    _stage(
        session,
        "mine",
        [o.sources],
        [o.mined],
        {"sources": o.sources},
        [["punie-mine", "all", "--sources", o.sources, "--out", o.mined]],
    )


@nox.session(venv_backend="none")
def data(session: nox.Session) -> None:
    """Generate, merge, deduplicate, split and verify the dataset."""
    o = _options(session)
    command = ["punie-datagen", "build", "--out", o.data, "--mined", o.mined]
    if o.reduced:
        command += ["--scale", "0.05", "--verify-sample", "5"]
    _stage(session, "data", [o.mined], [o.data], {"cmd": command}, [command])


def _skip_for_endpoint(session: nox.Session, o: argparse.Namespace, stage: str) -> bool:
    if o.endpoint:
        session.log(f"[{stage}] skipped: evaluating the endpoint {o.endpoint}, nothing to train")
    return bool(o.endpoint)


@nox.session(venv_backend="none")
def train(session: nox.Session) -> None:
    """LoRA-train the profile's model on the dataset (the embedded smoke model by default)."""
    o = _options(session)
    if _skip_for_endpoint(session, o, "train"):
        return
    command = ["punie-train", "lora", "--profile", o.profile, "--data", o.data, "--run", o.rundir]
    if o.model:
        command += ["--model", o.model]
    elif o.profile == "smoke":  # built from the dataset on first use, beside it
        command += ["--model", str(Path(o.data).parent / "models" / "smoke")]
    if o.iters:
        command += ["--iters", str(o.iters)]
    _stage(session, "train", [o.data], [f"{o.rundir}/adapters"], {"cmd": command}, [command])


@nox.session(venv_backend="none")
def fuse(session: nox.Session) -> None:
    """Fuse the adapter into the base model (de-quantized to float16)."""
    o = _options(session)
    if _skip_for_endpoint(session, o, "fuse"):
        return
    _stage(
        session,
        "fuse",
        [f"{o.rundir}/adapters"],
        [f"{o.rundir}/fused"],
        {},
        [["punie-train", "fuse", "--run", o.rundir]],
    )


@nox.session(venv_backend="none")
def quantize(session: nox.Session) -> None:
    """Quantize the fused model to 5 bits."""
    o = _options(session)
    if _skip_for_endpoint(session, o, "quantize"):
        return
    _stage(
        session,
        "quantize",
        [f"{o.rundir}/fused"],
        [f"{o.rundir}/quantized"],
        {"bits": 5},
        [["punie-train", "quantize", "--run", o.rundir, "--bits", "5"]],
    )


@nox.session(venv_backend="none")
def eval(session: nox.Session) -> None:
    """Run the 20-query suite and the held-out split against the quantized model or an endpoint."""
    o = _options(session)
    if o.endpoint:
        backend = f"openai:{o.endpoint}" + (
            f",model={o.endpoint_model}" if o.endpoint_model else ""
        )
        inputs = ["data/eval"]
    else:
        backend = f"mlx:{o.rundir}/quantized"
        inputs = ["data/eval", f"{o.rundir}/quantized"]
    out = f"{o.rundir}/eval"
    run = [
        "punie-eval",
        "run",
        "--backend",
        backend,
        "--suite",
        "data/eval",
        "--out",
        out,
        "--no-fail",
    ]
    heldout = [
        "punie-eval",
        "heldout",
        "--backend",
        backend,
        "--data",
        f"{o.data}/test.jsonl",
        "--out",
        f"{out}/heldout",
    ]
    if o.reduced:
        run += ["--max-tokens", "48"]
        heldout += ["--max-tokens", "48", "--limit", "5"]
    elif o.profile == "smoke" and not o.endpoint:
        # The random-weight smoke model rarely stops on its own: cap its replies so the whole
        # phase stays within minutes; real profiles keep punie-eval's defaults.
        run += ["--max-tokens", "128"]
        heldout += ["--max-tokens", "128", "--limit", "10"]
    _stage(
        session,
        "eval",
        [*inputs, f"{o.data}/test.jsonl"],
        [f"{out}/report.json"],
        {"run": run, "heldout": heldout},
        [run, heldout],
    )


@nox.session(venv_backend="none")
def docs(session: nox.Session) -> None:
    """Write docs/phase24-progress.md and docs/phase25-plan.md from the run's artefacts."""
    o = _options(session)
    _stage(
        session,
        "docs",
        [o.data, o.rundir],
        [f"{o.docs}/phase24-progress.md", f"{o.docs}/phase25-plan.md"],
        {"profile": o.profile},
        [
            [
                "punie-eval",
                "docs",
                "--data",
                o.data,
                "--run",
                o.rundir,
                "--profile",
                o.profile,
                "--out",
                o.docs,
            ]
        ],
    )


@nox.session(
    venv_backend="none",
    requires=["mine", "data", "train", "fuse", "quantize", "eval", "docs"],
)
def phase24(session: nox.Session) -> None:
    """The whole phase: mine → data → train → fuse → quantize → eval → docs."""
    o = _options(session)
    session.log(
        f"phase 24 finished for profile {o.profile!r}: run {o.rundir}, documents in {o.docs}"
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
