"""add_init_section: a starter section appended without touching any other byte."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from ssot_migrate.base.errors import ConfigError
from ssot_migrate.config.load import load_config
from ssot_migrate.config.model import Phase, SymbolSpec
from ssot_migrate.config.starter import add_init_section

CANDIDATES = [("ExecutionEngine", "app.agents.engine.ExecutionEngine"), ("Registry", "app.reg.R")]

SECTION = """\
[tool.ssot-migrate]
source-roots = ["."]  # sys.path entries holding packages
exclude = []  # gitignore-style globs, relative to the root

[[tool.ssot-migrate.phases]]
name = "phase1"
title = "Consolidate imports"
symbols = [
    {name = "ExecutionEngine", canonical = "app.agents.engine.ExecutionEngine"},
    {name = "Registry", canonical = "app.reg.R"},
]
"""

EMPTY_SECTION = """\
[tool.ssot-migrate]
source-roots = ["."]  # sys.path entries holding packages
exclude = []  # gitignore-style globs, relative to the root

[[tool.ssot-migrate.phases]]
name = "phase1"
title = "Consolidate imports"
symbols = [
    # { name = "Engine", canonical = "app.engine.Engine" },
]
"""

ODD_PYPROJECT = """\
# a comment that must survive
[project]
name    =   "demo"   # odd spacing
version = '1.0'
dependencies = [
  "a",   # trailing comma and comment
]

[tool.ruff]
line-length=100
\t
"""


def test_exact_section_after_the_original_bytes() -> None:
    result = add_init_section(ODD_PYPROJECT, CANDIDATES)
    assert result == ODD_PYPROJECT + "\n" + SECTION


def test_original_is_a_prefix_and_other_tables_are_unchanged() -> None:
    result = add_init_section(ODD_PYPROJECT, CANDIDATES)
    assert result.startswith(ODD_PYPROJECT)
    before, after = tomllib.loads(ODD_PYPROJECT), tomllib.loads(result)
    assert after["project"] == before["project"]
    assert after["tool"]["ruff"] == before["tool"]["ruff"]


def test_without_candidates_writes_a_commented_example() -> None:
    result = add_init_section("", [])
    assert result == EMPTY_SECTION
    assert tomllib.loads(result)["tool"]["ssot-migrate"]["phases"][0]["symbols"] == []


def test_crlf_file_gets_crlf_lines() -> None:
    original = '[project]\r\nname = "demo"\r\n'
    result = add_init_section(original, CANDIDATES)
    assert result.startswith(original)
    added = result[len(original) :]
    assert added == "\r\n" + SECTION.replace("\n", "\r\n")
    assert "\n" not in added.replace("\r\n", "")
    assert tomllib.loads(result)["tool"]["ssot-migrate"]["source-roots"] == ["."]


def test_missing_final_newline_is_added() -> None:
    original = '[project]\nname = "demo"'
    result = add_init_section(original, CANDIDATES)
    assert result == original + "\n\n" + SECTION


def test_missing_final_newline_in_crlf_file() -> None:
    original = '[project]\r\nname = "demo"'
    result = add_init_section(original, [])
    assert result == original + "\r\n\r\n" + EMPTY_SECTION.replace("\n", "\r\n")


def test_existing_blank_line_is_not_doubled() -> None:
    original = '[project]\nname = "demo"\n\n'
    assert add_init_section(original, CANDIDATES) == original + SECTION


def test_existing_tool_tables_can_be_extended() -> None:
    original = "tool.black.line-length = 100\n[tool.ruff]\nx = 1\n"
    parsed = tomllib.loads(add_init_section(original, CANDIDATES))
    assert parsed["tool"]["black"] == {"line-length": 100}
    assert parsed["tool"]["ssot-migrate"]["phases"][0]["name"] == "phase1"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('[project]\nname = "x"\n\n[tool.ssot-migrate]\nexclude = []\n', ":4"),
        ("[tool.ssot-migrate.shims]\nremoval = '1'\n", ":1"),
        ("[[tool.ssot-migrate.phases]]\nname = 'p'\n", ":1"),
        ("[tool]\nssot-migrate = {}\n", ""),
        ("tool.ssot-migrate.exclude = []\n", ""),
    ],
)
def test_existing_section_is_refused(text: str, line: str) -> None:
    with pytest.raises(ConfigError) as caught:
        add_init_section(text, CANDIDATES, "repo/pyproject.toml")
    (problem,) = caught.value.problems
    assert problem.where == f"repo/pyproject.toml{line}: tool.ssot-migrate"
    assert problem.what == "already has a [tool.ssot-migrate] section"
    assert problem.fix == "edit it, or remove it and run init again"


def test_invalid_toml_is_refused_with_line_and_column() -> None:
    with pytest.raises(ConfigError) as caught:
        add_init_section('[project]\nname = "x\n', CANDIDATES, "pyproject.toml")
    (problem,) = caught.value.problems
    assert problem.where == "pyproject.toml:2:10"
    assert problem.what.startswith("invalid TOML: ")


def test_tool_that_is_not_a_table_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        add_init_section("tool = 3\n", CANDIDATES)
    (problem,) = caught.value.problems
    assert (problem.where, problem.what) == (
        "pyproject.toml",
        "tool: expected a table, got integer 3",
    )


def test_inline_tool_table_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        add_init_section("tool = { ruff = { x = 1 } }\n", CANDIDATES)
    (problem,) = caught.value.problems
    assert problem.where == "pyproject.toml"
    assert problem.what.startswith("cannot append a [tool.ssot-migrate] table")


@pytest.mark.parametrize(
    "candidate",
    [
        ("1A", "m.A"),
        ("a.B", "m.B"),
        ("class", "m.C"),
        ("A", "A"),
        ("A", "m..A"),
        ("A", 'm.A"]\nx = ['),
    ],
)
def test_invalid_candidates_are_a_programming_error(candidate: tuple[str, str]) -> None:
    with pytest.raises(ValueError, match="candidate"):
        add_init_section("", [candidate])


def test_same_candidate_twice_is_written_once() -> None:
    result = add_init_section("", [("A", "m.A"), ("A", "m.A")])
    assert result.count('name = "A"') == 1


def test_one_name_with_two_canonicals_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="two canonical paths"):
        add_init_section("", [("A", "m.A"), ("A", "n.A")])


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_result_loads_with_load_config(tmp_path: Path, newline: str) -> None:
    original = f'[project]{newline}name = "demo"'
    text = add_init_section(original, CANDIDATES, str(tmp_path / "pyproject.toml"))
    (tmp_path / "pyproject.toml").write_bytes(text.encode())
    config = load_config(tmp_path)
    assert config.config_file == (tmp_path / "pyproject.toml").resolve()
    assert config.source_roots == (tmp_path.resolve(),)
    assert config.exclude == ()
    assert config.phases == (
        Phase(
            name="phase1",
            title="Consolidate imports",
            symbols=(
                SymbolSpec("ExecutionEngine", "app.agents.engine.ExecutionEngine"),
                SymbolSpec("Registry", "app.reg.R"),
            ),
        ),
    )


def test_result_without_candidates_loads_with_load_config(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(add_init_section("", []), encoding="utf-8")
    assert load_config(tmp_path).phases == (Phase("phase1", "Consolidate imports", ()),)
