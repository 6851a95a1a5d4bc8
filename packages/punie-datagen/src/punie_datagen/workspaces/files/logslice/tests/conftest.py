from pathlib import Path

import pytest

SAMPLE: str = """\
2024-06-03 09:00:01,120 INFO app.web: started on port 8080
2024-06-03 09:05:12,004 DEBUG app.db: pool size 4
2024-06-03 09:17:40,310 WARNING app.db: slow query took 2.4s
2024-06-03 10:02:03,777 ERROR app.web: request failed
Traceback (most recent call last):
  ValueError: bad header
2024-06-03 10:30:00,000 INFO worker: job 17 done
2024-06-03 10:45:09,512 CRITICAL app.db: connection lost
"""


@pytest.fixture
def sample_lines() -> list[str]:
    return SAMPLE.splitlines(keepends=True)


@pytest.fixture
def sample_file(tmp_path: Path) -> Path:
    path = tmp_path / "app.log"
    path.write_text(SAMPLE, encoding="utf-8")
    return path
