import pytest

from sensorflow.readings import Reading, read_csv

EXPORT = """time,sensor,value,unit
2024-03-01T00:00,greenhouse,68.0,F
2024-03-01T00:10,greenhouse,NA,F
2024-03-01T00:20,greenhouse,71.6,F
2024-03-01T00:30,greenhouse,150.0,F
2024-03-01T00:40,greenhouse,72.5,F
2024-03-01T00:00,shed,12.0,C
2024-03-01T00:20,shed,13.0,C
2024-03-01T00:20,shed,13.5,C
2024-03-01T01:00,shed,,C
yesterday,shed,1.0,C
2024-03-01T01:10,,3.0,C
"""


@pytest.fixture
def readings() -> list[Reading]:
    found, _ = read_csv(EXPORT)
    return found
