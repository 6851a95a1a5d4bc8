"""The derived-result tables (memo.py): keyed by content and code version, saved atomically,
never trusted blindly. Unit checks need no tools; the build check reuses the session build."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from shared_build import LIMIT, SCALE, SUITE

from punie_datagen.build import build
from punie_datagen.memo import Derived, Memo, code_version, digest, is_int


def test_a_saved_table_is_read_back_and_keys_depend_on_content_and_version(tmp_path: Path) -> None:
    memo = Memo(tmp_path, "tokens", "v1", is_int)
    key = memo.key("some text")
    assert memo.get(key) is None
    assert memo.compute(key, lambda: 7) == 7
    memo.save()
    again = Memo(tmp_path, "tokens", "v1", is_int)
    assert again.get(key) == 7 and again.stats() == {"hits": 1, "computed": 0}
    assert again.key("other text") != key  # another input
    assert Memo(tmp_path, "tokens", "v2", is_int).key("some text") != key  # another code version
    assert Memo(tmp_path, "shapes", "v1", is_int).key("some text") != key  # another kind
    # no temporary files are left beside the table
    assert [p.name for p in (tmp_path / "derived").iterdir()] == ["tokens.json"]


def test_corrupt_tables_and_entries_are_computed_again_and_overwritten(tmp_path: Path) -> None:
    memo = Memo(tmp_path, "tokens", "v1", is_int)
    good, bad = memo.key("a"), memo.key("b")
    memo.put(good, 1)
    memo.put(bad, 2)
    memo.save()
    path = tmp_path / "derived" / "tokens.json"
    raw = json.loads(path.read_text())
    raw["entries"][bad] = "not a count"  # an entry of the wrong shape
    path.write_text(json.dumps(raw))
    memo = Memo(tmp_path, "tokens", "v1", is_int)
    assert memo.get(good) == 1 and memo.get(bad) is None
    assert memo.compute(bad, lambda: 2) == 2
    memo.save()
    assert json.loads(path.read_text())["entries"][bad] == 2
    for damage in ("{truncated", '{"format": 1, "kind": "shapes", "entries": {}}', "[]"):
        path.write_text(damage)  # unparseable, another table's file, not a table
        memo = Memo(tmp_path, "tokens", "v1", is_int)
        assert memo.get(good) is None
        memo.put(good, 1)
        memo.save()
        assert Memo(tmp_path, "tokens", "v1", is_int).get(good) == 1


def test_code_version_follows_the_source_of_the_modules() -> None:
    from punie_datagen import clairvoyance, shapes

    assert code_version(shapes) == code_version("punie_datagen.shapes")
    assert code_version(shapes) != code_version(clairvoyance)
    assert digest("ab", "c") != digest("a", "bc")  # parts are length-prefixed


def test_a_warm_build_remembers_everything_and_recomputes_what_was_damaged(
    built: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    out, session_cache, _ = built
    cache = tmp_path / "cache"
    shutil.copytree(session_cache, cache)

    def again(name: str) -> dict:
        manifest = build(tmp_path / name, scale=SCALE, cache_dir=cache, verify_sample=5,
                         suite=SUITE, max_seq_length=LIMIT).manifest  # fmt: skip
        for split in ("train.jsonl", "valid.jsonl", "test.jsonl"):
            assert (tmp_path / name / split).read_bytes() == (out / split).read_bytes(), split
        return manifest

    warm = again("warm")
    assert warm["tool_cache"]["generation"] == "remembered"
    assert all(s["computed"] == 0 for s in warm["derived_cache"].values()), warm["derived_cache"]
    assert warm["verify"]["remembered"] == warm["verify"]["checked"] == 5
    # damage: the remembered examples' bytes, one table unparseable, every clairvoyance finding
    # of the wrong shape; the build notices each, computes again, and writes the same splits
    derived = cache / "derived"
    generated = next((derived / "generated").glob("*.jsonl"))
    generated.write_bytes(generated.read_bytes().replace(b'"role"', b'"rolE"', 1))
    (derived / "tokens.json").write_text("{")
    table = json.loads((derived / "clairvoyance.json").read_text())
    table["entries"] = {k: "clean" for k in table["entries"]}
    (derived / "clairvoyance.json").write_text(json.dumps(table))
    damaged = again("damaged")
    assert damaged["tool_cache"]["runs"] == 0 and "generation" not in damaged["tool_cache"]
    stats = damaged["derived_cache"]
    assert stats["tokens"]["hits"] == 0 and stats["tokens"]["computed"] > 0
    # the regenerated examples' own clairvoyance checks replaced every damaged finding
    entries = json.loads((derived / "clairvoyance.json").read_text())["entries"]
    assert stats["clairvoyance"]["hits"] > 0 and "clean" not in entries.values()
    assert stats["shapes"]["computed"] == 0  # undamaged tables still serve
    assert Derived(cache).load_generated(generated.stem) is not None  # rewritten whole
