import pytest

from sensorflow.pipeline import ConfigError, Pipeline, build, summary_lines
from sensorflow.steps import drop_missing

CONFIG = [
    {"step": "dedupe"},
    {"step": "convert", "from": "F", "to": "C"},
    {"step": "remove_spikes", "threshold": 5},
    {"step": "fill_gaps"},
    {"step": "drop_missing"},
]


def test_build_and_run(readings):
    result, reports = build(CONFIG).run(readings)
    assert [r.value for r in result if r.sensor == "greenhouse"] == [20.0, 22.0, 22.5]
    assert [(r.name, r.before, r.after) for r in reports] == [
        ("dedupe", 9, 8),
        ("convert", 8, 8),
        ("remove_spikes", 8, 5),
        ("fill_gaps", 5, 5),
        ("drop_missing", 5, 5),
    ]


def test_summary_lines_align():
    _, reports = Pipeline().add("drop_missing", drop_missing).run([])
    assert summary_lines(reports) == ["drop_missing      0 ->     0  (-0)"]


@pytest.mark.parametrize(
    "config",
    [
        [{"step": "explode"}],
        [{"step": "clip", "low": "0", "high": 5}],
        [{"step": "resample", "minutes": True}],
    ],
    ids=["unknown-step", "text-number", "boolean-number"],
)
def test_bad_config(config):
    with pytest.raises(ConfigError):
        build(config)
