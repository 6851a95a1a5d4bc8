from pathlib import Path

import pytest

collect_ignore_glob = ["fixtures/*"]

FIXTURE = Path(__file__).parent / "fixtures" / "minirepo"


@pytest.fixture
def minirepo(tmp_path: Path) -> Path:
    """A private copy of the fixture repository (tests may tamper with it)."""
    import shutil

    target = tmp_path / "minirepo"
    shutil.copytree(FIXTURE, target)
    return target
