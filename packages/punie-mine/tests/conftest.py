import shutil
import subprocess
from pathlib import Path

import pytest

collect_ignore_glob = ["fixtures/*"]

FIXTURE = Path(__file__).parent / "fixtures" / "minirepo"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.org",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.org",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
    "PATH": "/usr/bin:/bin:/usr/local/bin",
}


@pytest.fixture
def minirepo(tmp_path: Path) -> Path:
    """A private copy of the fixture repository (tests may tamper with it)."""
    target = tmp_path / "minirepo"
    shutil.copytree(FIXTURE, target)
    return target


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, env=GIT_ENV, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture
def bare_repo(tmp_path: Path) -> tuple[Path, list[str]]:
    """A local bare repository holding the fixture in two commits: (path, [first, second])."""
    work = tmp_path / "work"
    shutil.copytree(FIXTURE, work)
    git("init", "-q", "-b", "main", cwd=work)
    git("add", ".", cwd=work)
    git("commit", "-qm", "first", cwd=work)
    first = git("rev-parse", "HEAD", cwd=work)
    (work / "src" / "minirepo" / "extra.py").write_text('def extra():\n    return "x"\n')
    git("add", ".", cwd=work)
    git("commit", "-qm", "second", cwd=work)
    second = git("rev-parse", "HEAD", cwd=work)
    bare = tmp_path / "minirepo.git"
    git("clone", "-q", "--bare", str(work), str(bare), cwd=tmp_path)
    shutil.rmtree(work)
    return bare, [first, second]
