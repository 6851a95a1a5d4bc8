"""Documentation sections: Markdown/MyST and reST, restated whole with their code examples."""

from pathlib import Path

from punie_mine.docs import split_sections
from punie_mine.envs import declared_dependencies, python_version
from punie_mine.index import build_index

MYST = """# Guide

## Registering services

Register a factory, then ask the container for it:

```python
registry.register_factory(Db, make_db)
db = container.get(Db)
```

The container caches the instance for the request.

```{note}
Factories run lazily.
```

## Snippet from elsewhere

The setup looks like this:

```{example-snippet} basic/setup.py#registry
```

## Trailing colon

Here is how it starts:
"""

RST = """=====
Title
=====

Intro paragraph that is long enough to count as a real paragraph of prose.

Injecting services
------------------

Use ``Inject`` on a field::

    @dataclass
    class Greeting:
        db: Inject[Db]

Then render it.

.. code-block:: python

   html(t"<{Greeting} />")

Included code
-------------

.. literalinclude:: ../examples/app.py
"""


def test_myst_section_is_restated_whole_with_code_and_notes() -> None:
    sections = {s.heading: s for s in split_sections("docs/guide.md", MYST)}
    text = sections["Registering services"].answer_text()
    assert text is not None
    assert text.index("Register a factory") < text.index("```python\nregistry.register_factory")
    assert text.endswith("Factories run lazily.")
    assert "The container caches the instance" in text


def test_sections_whose_code_lives_elsewhere_or_that_stop_on_a_colon_are_not_used() -> None:
    sections = {s.heading: s for s in split_sections("docs/guide.md", MYST)}
    assert sections["Snippet from elsewhere"].opaque
    assert sections["Snippet from elsewhere"].answer_text() is None
    assert sections["Trailing colon"].answer_text() is None


def test_rst_titles_literal_blocks_and_code_blocks() -> None:
    sections = split_sections("docs/index.rst", RST)
    assert [(s.heading, s.level, s.line) for s in sections] == [
        ("Title", 1, 2),
        ("Injecting services", 2, 7),
        ("Included code", 2, 22),
    ]
    text = sections[1].answer_text()
    assert text is not None
    assert "Use ``Inject`` on a field:\n\n```python\n@dataclass\nclass Greeting:" in text
    assert text.endswith('```python\nhtml(t"<{Greeting} />")\n```')
    assert sections[2].answer_text() is None  # an include: the code is not in the section


def test_maintainer_notes_are_not_user_docs(minirepo: Path) -> None:
    (minirepo / "docs" / "research").mkdir()
    (minirepo / "docs" / "research" / "plan.md").write_text(
        "# Plan\n\nA long enough plan paragraph, for maintainers only.\n"
    )
    (minirepo / "docs" / "guide.rst").write_text(RST)
    paths = {s.path for s in build_index(minirepo).docs}
    assert "docs/guide.rst" in paths and "docs/components.md" in paths
    assert not any("research" in p for p in paths)


def test_declared_dependencies_are_pinned_from_uv_lock(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\nrequires-python = ">=3.14"\n'
        'dependencies = ["svcs", "tdom>=0.1", "markupsafe; python_version < \'3.15\'", "app"]\n'
    )
    (tmp_path / "uv.lock").write_text(
        '[[package]]\nname = "svcs"\nversion = "25.1.0"\nsource = { registry = "https://pypi.org/simple" }\n\n'
        '[[package]]\nname = "tdom"\nversion = "0.1.19"\nsource = { editable = "../tdom" }\n'
    )
    requirements, version = declared_dependencies(tmp_path)
    assert version == "3.14"
    assert requirements == ["svcs==25.1.0", "tdom>=0.1", "markupsafe; python_version < '3.15'"]


def test_python_version_defaults() -> None:
    assert python_version({}) == "3.11"
    assert python_version({"project": {"requires-python": ">=3.12,<4"}}) == "3.12"


def test_requirements_the_index_lacks_are_left_out_and_named(tmp_path: Path, monkeypatch) -> None:
    """Stands in for uv (no network in tests); the real install runs in every mining run."""
    from punie_mine import envs

    asked: list[list[str]] = []

    def install(requirements: list[str], version: str, target: Path) -> str | None:
        asked.append(list(requirements))
        if any(r.startswith("svcs-hopscotch") for r in requirements):
            return "Because svcs-hopscotch was not found in the package registry and you require it"
        target.mkdir(parents=True)
        (target / "svcs").mkdir()
        return None

    monkeypatch.setattr(envs, "_install", install)
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "pyproject.toml").write_text(
        '[project]\nname = "x"\nrequires-python = ">=3.14"\ndependencies = ["svcs", "svcs-hopscotch"]\n'
    )
    workspace = tmp_path / "ws"
    workspace.mkdir()
    env = envs.prepare_deps_env(tmp_path / "repo", workspace, tmp_path / "cache")
    assert env.status == "installed, except svcs-hopscotch (not on the index)" and env.ok
    assert asked == [["svcs", "svcs-hopscotch"], ["svcs"]]
    assert (workspace / ".venv" / "lib" / "python3.14" / "site-packages" / "svcs").is_dir()
    assert "version_info = 3.14.0" in (workspace / ".venv" / "pyvenv.cfg").read_text()
    again = tmp_path / "ws2"
    again.mkdir()
    assert envs.prepare_deps_env(tmp_path / "repo", again, tmp_path / "cache").ok
    assert len(asked) == 2  # cached: installed once
