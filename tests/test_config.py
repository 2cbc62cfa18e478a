"""load_config: where settings come from, and one precise problem per bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssot_migrate.base.command_names import COMMANDS
from ssot_migrate.base.errors import ConfigError, Problem, UsageError
from ssot_migrate.config.load import load_config
from ssot_migrate.config.model import Config, Phase, ShimSettings, SymbolSpec

PREFIX = "[tool.ssot-migrate]\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(root: Path, config_file: Path | None = None) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        load_config(root, config_file)
    return list(caught.value.problems)


def only_problem(root: Path, config_file: Path | None = None) -> Problem:
    problems = problems_of(root, config_file)
    assert len(problems) == 1, [p.render() for p in problems]
    return problems[0]


def pyproject(root: Path, body: str) -> str:
    """Write pyproject.toml with `body` after a [tool.ssot-migrate] header; return its path."""
    return str(write(root, "pyproject.toml", PREFIX + body))


# --------------------------------------------------------------------------- root and --config


def test_nonexistent_root_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        load_config(tmp_path / "missing")
    (problem,) = caught.value.problems
    assert problem.where == "--root"
    assert problem.what == f"{tmp_path / 'missing'} does not exist"
    assert problem.fix is not None
    assert "--root" in problem.fix


def test_root_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    file = write(tmp_path, "file.txt", "")
    with pytest.raises(UsageError) as caught:
        load_config(file)
    (problem,) = caught.value.problems
    assert (problem.where, problem.what) == ("--root", f"{file} is not a directory")


def test_missing_config_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        load_config(tmp_path, tmp_path / "nope.toml")
    (problem,) = caught.value.problems
    assert (problem.where, problem.what) == ("--config", f"{tmp_path / 'nope.toml'} does not exist")


def test_config_option_naming_a_directory_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        load_config(tmp_path, tmp_path)
    (problem,) = caught.value.problems
    assert (problem.where, problem.what) == ("--config", f"{tmp_path} is not a file")


def test_usage_and_config_errors_exit_with_2(tmp_path: Path) -> None:
    assert UsageError([]).exit_code == 2
    assert ConfigError([]).exit_code == 2


# --------------------------------------------------------------------------- syntax


def test_toml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "pyproject.toml", '[project]\nname = "x"\nversion = = 1\n')
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:3:11"
    assert problem.what == "invalid TOML: Invalid value"
    assert problem.fix is not None


def test_toml_syntax_error_at_end_of_document(tmp_path: Path) -> None:
    path = write(tmp_path, "ssot-migrate.toml", 'exclude = ["a"]\nbranch-prefix =')
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:2:16"
    assert problem.what.startswith("invalid TOML at the end of the file")


def test_syntax_error_in_pyproject_without_settings_is_still_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "pyproject.toml", "[project\n")
    assert only_problem(tmp_path).where.startswith(f"{path}:1:")


def test_non_utf8_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "ssot-migrate.toml"
    path.write_bytes(b'branch-prefix = "\xff"\n')
    problem = only_problem(tmp_path)
    assert problem.where == str(path)
    assert problem.what.startswith("is not UTF-8 text")


# --------------------------------------------------------------------------- unknown keys


def test_unknown_top_level_key_suggests_the_right_one(tmp_path: Path) -> None:
    path = pyproject(tmp_path, 'sourceroots = ["."]\n')
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:2: tool.ssot-migrate.sourceroots"
    assert problem.what == "unknown key 'sourceroots'"
    assert problem.fix == "did you mean 'source-roots'?"


def test_snake_case_key_suggests_the_kebab_case_one(tmp_path: Path) -> None:
    pyproject(tmp_path, 'branch_prefix = "x"\n')
    assert only_problem(tmp_path).fix == "did you mean 'branch-prefix'?"


def test_unknown_key_without_a_close_match_lists_the_known_keys(tmp_path: Path) -> None:
    pyproject(tmp_path, "zzz = 1\n")
    problem = only_problem(tmp_path)
    assert problem.what == "unknown key 'zzz'"
    assert problem.fix == (
        "remove it; known keys here: "
        "source-roots, exclude, shim-exclude, branch-prefix, relative-imports, target-version, "
        "shims, phases, consumers"
    )


def test_unknown_key_in_a_phase(tmp_path: Path) -> None:
    path = pyproject(tmp_path, '[[tool.ssot-migrate.phases]]\nname = "p1"\ntitel = "x"\n')
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:4: tool.ssot-migrate.phases[0].titel"
    assert problem.fix == "did you mean 'title'?"


def test_unknown_key_in_a_symbol(tmp_path: Path) -> None:
    path = pyproject(
        tmp_path,
        '[[tool.ssot-migrate.phases]]\nname = "p1"\n'
        'symbols = [{ name = "A", canonical = "m.A" }, { name = "B", canonical = "m.B", '
        'legacyy = ["old.B"] }]\n',
    )
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:4: tool.ssot-migrate.phases[0].symbols[1].legacyy"
    assert problem.fix == "did you mean 'legacy'?"


def test_unknown_key_in_shims(tmp_path: Path) -> None:
    path = pyproject(tmp_path, '[tool.ssot-migrate.shims]\ncategroy = "DeprecationWarning"\n')
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:3: tool.ssot-migrate.shims.categroy"
    assert problem.fix == "did you mean 'category'?"


def test_key_assigned_on_several_lines_gets_no_line_number(tmp_path: Path) -> None:
    path = pyproject(
        tmp_path,
        '[[tool.ssot-migrate.phases]]\nname = "p1"\n'
        '[[tool.ssot-migrate.phases]]\nname = "p2"\nsymbols = 3\n'
        '[[tool.ssot-migrate.phases]]\nname = "p3"\nsymbols = []\n',
    )
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}: tool.ssot-migrate.phases[1].symbols"


# --------------------------------------------------------------------------- types and values


def test_source_roots_must_be_a_list(tmp_path: Path) -> None:
    path = pyproject(tmp_path, 'source-roots = "."\n')
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:2: tool.ssot-migrate.source-roots"
    assert problem.what == 'expected an array of strings, got string "."'
    assert problem.fix == 'write it as source-roots = ["."]'


def test_source_roots_items_must_be_strings(tmp_path: Path) -> None:
    path = pyproject(tmp_path, 'source-roots = [".", 1]\n')
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:2: tool.ssot-migrate.source-roots[1]"
    assert problem.what == "expected a string, got integer 1"


def test_source_root_must_exist_under_root(tmp_path: Path) -> None:
    path = pyproject(tmp_path, 'source-roots = ["src"]\n')
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:2: tool.ssot-migrate.source-roots[0]"
    assert problem.what == f"'src' is not a directory under the root {tmp_path.resolve()}"


def test_source_root_outside_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (tmp_path / "other").mkdir()
    pyproject(root, 'source-roots = ["../other"]\n')
    assert only_problem(root).what == f"'../other' is outside the root {root.resolve()}"


def test_source_roots_must_not_be_empty(tmp_path: Path) -> None:
    pyproject(tmp_path, "source-roots = []\n")
    assert only_problem(tmp_path).what == "is empty"


def test_exclude_must_hold_strings(tmp_path: Path) -> None:
    path = pyproject(tmp_path, 'exclude = ["ok/**", 3]\n')
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:2: tool.ssot-migrate.exclude[1]"
    assert problem.what == "expected a string, got integer 3"


def test_exclude_empty_pattern_is_refused(tmp_path: Path) -> None:
    path = pyproject(tmp_path, 'exclude = ["ok/**", " "]\n')
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:2: tool.ssot-migrate.exclude[1]"
    assert problem.what == "is an empty pattern (it matches nothing)"


@pytest.mark.parametrize(
    ("prefix", "reason"),
    [
        ("a b", "it contains ' '"),
        ("a..b", "it contains '..'"),
        ("ssot~1", "it contains '~'"),
        ("x:y", "it contains ':'"),
        ("-ssot", "it starts with '-' or '/'"),
        ("/ssot", "it starts with '-' or '/'"),
        ("ssot/", "it ends with '/' or '.', or has '//'"),
        ("a/.b", "a part starts with '.' or ends with '.lock'"),
        ("", "it is empty"),
    ],
)
def test_branch_prefix_must_be_a_valid_ref_component(
    tmp_path: Path, prefix: str, reason: str
) -> None:
    path = pyproject(tmp_path, f'branch-prefix = "{prefix}"\n')
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:2: tool.ssot-migrate.branch-prefix"
    assert problem.what == f"'{prefix}' is not usable in a branch name: {reason}"


def test_branch_prefix_with_slash_is_fine(tmp_path: Path) -> None:
    pyproject(tmp_path, 'branch-prefix = "team/ssot-v2"\n')
    assert load_config(tmp_path).branch_prefix == "team/ssot-v2"


def test_relative_imports_must_be_keep_or_absolute(tmp_path: Path) -> None:
    path = pyproject(tmp_path, 'relative-imports = "relative"\n')
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:2: tool.ssot-migrate.relative-imports"
    assert problem.what == "'relative' is not one of: keep, absolute"


def test_target_version_is_read_as_major_minor(tmp_path: Path) -> None:
    pyproject(tmp_path, 'target-version = "3.10"\n')
    assert load_config(tmp_path).target_version == (3, 10)
    pyproject(tmp_path, "")
    assert load_config(tmp_path).target_version is None


@pytest.mark.parametrize(
    ("value", "what", "fix"),
    [
        ('"py38"', "'py38' is not a Python version", 'did you mean "3.8"?'),
        ('">=3.9"', "'>=3.9' is not a Python version", 'did you mean "3.9"?'),
        ('"3.8.18"', "'3.8.18' is not a Python version", 'did you mean "3.8"?'),
        ('"python3.10"', "'python3.10' is not a Python version", 'did you mean "3.10"?'),
        ('"three"', "'three' is not a Python version", 'write it as target-version = "3.8"'),
        (
            '"2.7"',
            "'2.7' is not a Python 3 version",
            "ssot-migrate's shims run on Python 3.7 or newer",
        ),
        ("3.8", "expected a string, got float 3.8", 'quote the value, e.g. target-version = "3.8"'),
    ],
)
def test_bad_target_version(tmp_path: Path, value: str, what: str, fix: str) -> None:
    path = pyproject(tmp_path, f"target-version = {value}\n")
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:2: tool.ssot-migrate.target-version"
    assert problem.what.startswith(what)
    assert problem.fix == fix


def test_misspelled_target_version_key(tmp_path: Path) -> None:
    pyproject(tmp_path, 'target_version = "3.8"\n')
    assert only_problem(tmp_path).fix == "did you mean 'target-version'?"


def test_bad_target_version_exits_with_2(tmp_path: Path) -> None:
    from ssot_migrate.cli.main import main

    pyproject(tmp_path, 'target-version = "py38"\n')
    assert main(["--root", str(tmp_path), "plan"]) == 2


def test_shims_must_be_a_table(tmp_path: Path) -> None:
    path = pyproject(tmp_path, 'shims = "yes"\n')
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:2: tool.ssot-migrate.shims"
    assert problem.what == 'expected a table, got string "yes"'


def test_unquoted_removal_version_is_refused_with_a_quote_hint(tmp_path: Path) -> None:
    path = pyproject(tmp_path, "[tool.ssot-migrate.shims]\nremoval = 2026.06\n")
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:3: tool.ssot-migrate.shims.removal"
    assert problem.what == "expected a string, got float 2026.06"
    assert problem.fix == 'quote the value, e.g. removal = "2026.06"'


def test_shim_category_must_be_dotted(tmp_path: Path) -> None:
    pyproject(tmp_path, '[tool.ssot-migrate.shims]\ncategory = "Deprecation Warning"\n')
    assert only_problem(tmp_path).what == "'Deprecation Warning' is not a dotted Python name"


def test_phases_must_be_an_array_of_tables(tmp_path: Path) -> None:
    path = pyproject(tmp_path, '[tool.ssot-migrate.phases]\nname = "p1"\n')
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}: tool.ssot-migrate.phases"
    assert problem.what == "expected an array of tables, got table"


def phase_with(root: Path, symbols: str, name: str = "p1") -> str:
    return pyproject(
        root, f'[[tool.ssot-migrate.phases]]\nname = "{name}"\nsymbols = [\n{symbols}\n]\n'
    )


def test_symbols_must_be_a_list(tmp_path: Path) -> None:
    path = pyproject(
        tmp_path,
        '[[tool.ssot-migrate.phases]]\nname = "p1"\nsymbols = { name = "A", canonical = "m.A" }\n',
    )
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:4: tool.ssot-migrate.phases[0].symbols"
    assert problem.what == "expected an array of tables, got table"


def test_symbol_entry_must_be_a_table(tmp_path: Path) -> None:
    path = phase_with(tmp_path, '"m.A",')
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:4: tool.ssot-migrate.phases[0].symbols[0]"
    assert problem.what == 'expected a table, got string "m.A"'


def test_negative_target_is_refused(tmp_path: Path) -> None:
    path = phase_with(tmp_path, '{ name = "A", canonical = "m.A", target = -1 },')
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:5: tool.ssot-migrate.phases[0].symbols[0].target"
    assert problem.what == "expected an integer >= 0, got -1"


@pytest.mark.parametrize(
    ("value", "shown"), [('"3"', 'string "3"'), ("true", "boolean true"), ("1.5", "float 1.5")]
)
def test_target_must_be_an_integer(tmp_path: Path, value: str, shown: str) -> None:
    path = phase_with(tmp_path, f'{{ name = "A", canonical = "m.A", target = {value} }},')
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:5: tool.ssot-migrate.phases[0].symbols[0].target"
    assert problem.what == f"expected an integer >= 0, got {shown}"


def test_legacy_must_be_a_list(tmp_path: Path) -> None:
    path = phase_with(tmp_path, '{ name = "A", canonical = "m.A", legacy = "old.A" },')
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:5: tool.ssot-migrate.phases[0].symbols[0].legacy"
    assert problem.what == 'expected an array of strings, got string "old.A"'


# --------------------------------------------------------------------------- names and paths


@pytest.mark.parametrize("name", ["a.B", "1A", "class", "A B"])
def test_symbol_name_must_be_an_identifier(tmp_path: Path, name: str) -> None:
    path = phase_with(tmp_path, f'{{ name = "{name}", canonical = "m.A" }},')
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}: tool.ssot-migrate.phases[0].symbols[0].name"
    assert problem.what == f"'{name}' is not a Python identifier"


@pytest.mark.parametrize("canonical", ["m..A", ".m.A", "m.class", "m.1A", "m/A"])
def test_canonical_must_be_a_dotted_identifier(tmp_path: Path, canonical: str) -> None:
    path = phase_with(tmp_path, f'{{ name = "A", canonical = "{canonical}" }},')
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:5: tool.ssot-migrate.phases[0].symbols[0].canonical"
    assert problem.what == f"'{canonical}' is not a dotted Python path"


def test_canonical_needs_a_module_part(tmp_path: Path) -> None:
    phase_with(tmp_path, '{ name = "A", canonical = "A" },')
    problem = only_problem(tmp_path)
    assert problem.what == "'A' has no module part (expected module.Name)"
    assert problem.fix == 'write the full path, e.g. canonical = "app.engine.Engine"'


@pytest.mark.parametrize(
    ("legacy", "what"),
    [
        ("old..A", "'old..A' is not a dotted Python path"),
        ("A", "'A' has no module part (expected module.Name)"),
        ("m.A", "'m.A' is the canonical path itself"),
    ],
)
def test_bad_legacy_path(tmp_path: Path, legacy: str, what: str) -> None:
    path = phase_with(
        tmp_path, f'{{ name = "A", canonical = "m.A", legacy = ["old.A", "{legacy}"] }},'
    )
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:5: tool.ssot-migrate.phases[0].symbols[0].legacy[1]"
    assert problem.what == what


def test_legacy_path_listed_twice(tmp_path: Path) -> None:
    phase_with(tmp_path, '{ name = "A", canonical = "m.A", legacy = ["old.A", "old.A"] },')
    assert only_problem(tmp_path).what == "'old.A' is listed twice"


def test_missing_symbol_keys(tmp_path: Path) -> None:
    path = phase_with(tmp_path, '{ name = "A" },\n{ canonical = "m.B" },')
    problems = problems_of(tmp_path)
    assert [(p.where, p.what) for p in problems] == [
        (f"{path}:4: tool.ssot-migrate.phases[0].symbols[0]", "missing required key 'canonical'"),
        (f"{path}:4: tool.ssot-migrate.phases[0].symbols[1]", "missing required key 'name'"),
    ]


def test_missing_phase_name(tmp_path: Path) -> None:
    path = pyproject(tmp_path, '[[tool.ssot-migrate.phases]]\ntitle = "t"\n')
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}: tool.ssot-migrate.phases[0]"
    assert problem.what == "missing required key 'name'"
    assert problem.fix == 'add name = "phase1"'


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_phase_named_like_a_command_is_refused(tmp_path: Path, name: str) -> None:
    path = phase_with(tmp_path, "", name=name)
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:3: tool.ssot-migrate.phases[0].name"
    assert problem.what == (
        f"'{name}' is also an ssot-migrate command, so `ssot-migrate {name}` is ambiguous"
    )


def test_cli_commands_match_the_design() -> None:
    assert {"init", "audit", "plan", "run", "shim", "status", "verify", "registry"} < set(COMMANDS)
    assert "rollback" in COMMANDS


@pytest.mark.parametrize("name", ["-p", "phase 1", "_p", "p/1", ""])
def test_phase_name_must_match_the_pattern(tmp_path: Path, name: str) -> None:
    phase_with(tmp_path, "", name=name)
    assert only_problem(tmp_path).what == f"'{name}' is not a valid phase name"


# --------------------------------------------------------------------------- cross-checks


def two_phases(root: Path, first: str, second: str, second_name: str = "p2") -> str:
    return pyproject(
        root,
        f'[[tool.ssot-migrate.phases]]\nname = "p1"\nsymbols = [{first}]\n'
        f'[[tool.ssot-migrate.phases]]\nname = "{second_name}"\nsymbols = [{second}]\n',
    )


def test_two_phases_with_the_same_name(tmp_path: Path) -> None:
    path = two_phases(tmp_path, "", "", second_name="p1")
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}: tool.ssot-migrate.phases[1].name"
    assert problem.what == "phase name 'p1' is already used by tool.ssot-migrate.phases[0]"


def test_same_symbol_with_different_canonicals_in_two_phases(tmp_path: Path) -> None:
    path = two_phases(
        tmp_path, '{ name = "A", canonical = "m.A" }', '{ name = "A", canonical = "n.A" }'
    )
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}: tool.ssot-migrate.phases[1].symbols[0].canonical"
    assert problem.what == (
        "symbol 'A' has canonical 'n.A' here but 'm.A' in tool.ssot-migrate.phases[0].symbols[0]"
    )


def test_same_symbol_with_the_same_canonical_in_two_phases_is_fine(tmp_path: Path) -> None:
    two_phases(tmp_path, '{ name = "A", canonical = "m.A" }', '{ name = "A", canonical = "m.A" }')
    config = load_config(tmp_path)
    assert [p.name for p in config.phases] == ["p1", "p2"]
    assert config.all_symbols() == (SymbolSpec("A", "m.A"),)


def test_same_symbol_twice_in_one_phase(tmp_path: Path) -> None:
    path = phase_with(
        tmp_path, '{ name = "A", canonical = "m.A" },\n{ name = "A", canonical = "m.A" },'
    )
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}: tool.ssot-migrate.phases[0].symbols[1].name"
    assert problem.what == (
        "symbol 'A' is listed twice in this phase (also tool.ssot-migrate.phases[0].symbols[0])"
    )


def test_duplicate_is_found_even_when_another_field_is_bad(tmp_path: Path) -> None:
    phase_with(
        tmp_path,
        '{ name = "A", canonical = "m.A", target = -1 },\n{ name = "A", canonical = "m.A" },',
    )
    whats = [p.what for p in problems_of(tmp_path)]
    assert whats == [
        "expected an integer >= 0, got -1",
        "symbol 'A' is listed twice in this phase (also tool.ssot-migrate.phases[0].symbols[0])",
    ]


def test_legacy_path_claimed_by_two_canonicals(tmp_path: Path) -> None:
    path = phase_with(
        tmp_path,
        '{ name = "A", canonical = "m.A", legacy = ["old.X"] },\n'
        '{ name = "B", canonical = "m.B", legacy = ["old.X"] },',
    )
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}: tool.ssot-migrate.phases[0].symbols[1].legacy[0]"
    assert problem.what == (
        "legacy path 'old.X' is also listed by tool.ssot-migrate.phases[0].symbols[0] "
        "with canonical 'm.A'"
    )


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = pyproject(
        tmp_path,
        'sourceroots = ["."]\n'
        'branch-prefix = "a b"\n'
        "[tool.ssot-migrate.shims]\nremoval = 1\n"
        '[[tool.ssot-migrate.phases]]\nname = "run"\n'
        'symbols = [{ name = "A", canonical = "A", target = -2 }]\n',
    )
    problems = problems_of(tmp_path)
    assert [p.where for p in problems] == [
        f"{path}:2: tool.ssot-migrate.sourceroots",
        f"{path}:3: tool.ssot-migrate.branch-prefix",
        f"{path}:5: tool.ssot-migrate.shims.removal",
        f"{path}: tool.ssot-migrate.phases[0].name",
        f"{path}:8: tool.ssot-migrate.phases[0].symbols[0].canonical",
        f"{path}:8: tool.ssot-migrate.phases[0].symbols[0].target",
    ]
    message = str(ConfigError(problems))
    assert "did you mean 'source-roots'?" in message
    assert message.count("hint:") == 6


# --------------------------------------------------------------------------- valid configs

FULL_BODY = """\
source-roots = ["src", "libs"]
exclude = ["backups/**"]
branch-prefix = "team/ssot"
relative-imports = "absolute"

[{table}shims]
category = "warnings.DeprecationWarning"
removal = "2026.06"

[[{table}phases]]
name = "phase2"
title = "ExecutionEngine and AgentRegistry consolidation"
symbols = [
  {{ name = "ExecutionEngine", canonical = "app.agents.execution_engine.ExecutionEngine" }},
  {{ name = "AgentRegistry", canonical = "app.agents.registry.AgentRegistry", target = 3, legacy = ["app.registry.AgentRegistry"] }},
]

[[{table}phases]]
name = "phase3"
"""


def expected_full(root: Path, config_file: Path) -> Config:
    root = root.resolve()
    return Config(
        root=root,
        config_file=config_file,
        source_roots=(root / "src", root / "libs"),
        exclude=("backups/**",),
        branch_prefix="team/ssot",
        relative_imports="absolute",
        shims=ShimSettings(category="warnings.DeprecationWarning", removal="2026.06"),
        phases=(
            Phase(
                name="phase2",
                title="ExecutionEngine and AgentRegistry consolidation",
                symbols=(
                    SymbolSpec("ExecutionEngine", "app.agents.execution_engine.ExecutionEngine"),
                    SymbolSpec(
                        "AgentRegistry",
                        "app.agents.registry.AgentRegistry",
                        legacy=("app.registry.AgentRegistry",),
                        target=3,
                    ),
                ),
            ),
            Phase(name="phase3", title="", symbols=()),
        ),
    )


def make_repo(root: Path) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "libs").mkdir()
    return root


def test_valid_pyproject(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    path = write(
        root,
        "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.ruff]\nline-length = 100\n\n'
        + PREFIX
        + FULL_BODY.format(table="tool.ssot-migrate."),
    )
    assert load_config(root) == expected_full(root, path.resolve())


def test_valid_ssot_migrate_toml_top_level(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    path = write(root, "ssot-migrate.toml", FULL_BODY.format(table=""))
    assert load_config(root) == expected_full(root, path.resolve())


def test_valid_ssot_migrate_toml_tool_table(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    path = write(root, "ssot-migrate.toml", PREFIX + FULL_BODY.format(table="tool.ssot-migrate."))
    assert load_config(root) == expected_full(root, path.resolve())


def test_top_level_messages_have_no_tool_prefix(tmp_path: Path) -> None:
    path = write(tmp_path, "ssot-migrate.toml", "[[phases]]\nname = 1\n")
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}:2: phases[0].name"
    assert problem.what == "expected a string, got integer 1"


def test_ssot_migrate_toml_wins_over_pyproject(tmp_path: Path) -> None:
    own = write(tmp_path, "ssot-migrate.toml", 'branch-prefix = "own"\n')
    pyproject(tmp_path, 'branch-prefix = "py"\n')
    config = load_config(tmp_path)
    assert (config.config_file, config.branch_prefix) == (own.resolve(), "own")


def test_settings_both_at_top_level_and_in_tool_table_are_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path, "ssot-migrate.toml", 'exclude = []\n[tool.ssot-migrate]\nexclude = ["a"]\n'
    )
    problem = only_problem(tmp_path)
    assert problem.where == f"{path}: exclude"
    assert "also has a [tool.ssot-migrate] table" in problem.what


def test_config_outside_the_repo_uses_paths_relative_to_root(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    elsewhere = tmp_path / "settings"
    path = write(elsewhere, "migration.toml", FULL_BODY.format(table=""))
    (elsewhere / "only-here").mkdir()
    assert load_config(root, path) == expected_full(root, path.resolve())


def test_config_outside_the_repo_does_not_resolve_paths_next_to_itself(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    elsewhere = tmp_path / "settings"
    (elsewhere / "only-here").mkdir(parents=True)
    path = write(elsewhere, "migration.toml", 'source-roots = ["only-here"]\n')
    problem = only_problem(root, path)
    assert problem.where == f"{path.resolve()}:1: source-roots[0]"
    assert problem.fix == "paths are relative to the root (--root), not to the config file"


def test_top_level_settings_next_to_other_tool_tables(tmp_path: Path) -> None:
    path = write(tmp_path, "ssot-migrate.toml", 'exclude = ["a/**"]\n[tool.ruff]\nx = 1\n')
    problem = only_problem(tmp_path)
    assert (problem.where, problem.what) == (f"{path}: tool", "unknown key 'tool'")


def test_config_option_accepts_a_tool_table(tmp_path: Path) -> None:
    path = write(tmp_path / "cfg", "any.toml", PREFIX + 'branch-prefix = "b"\n')
    assert load_config(tmp_path, path).branch_prefix == "b"


def test_config_option_with_other_tools_only_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "other.toml", "[tool.ruff]\nline-length = 100\n")
    problem = only_problem(tmp_path, path)
    assert (problem.where, problem.what) == (
        str(path.resolve()),
        "holds no [tool.ssot-migrate] table",
    )


def test_defaults_when_there_is_no_config(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    assert load_config(tmp_path) == Config(root=root, config_file=None, source_roots=(root,))


def test_defaults_when_pyproject_has_no_section(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n[tool.ruff]\nline-length = 1\n')
    config = load_config(tmp_path)
    assert config.config_file is None
    assert config.source_roots == (tmp_path.resolve(),)


def test_top_level_keys_in_pyproject_are_not_settings(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", 'branch-prefix = "x"\n')
    assert load_config(tmp_path).branch_prefix == "ssot"


def test_empty_section_gives_defaults_with_the_file(tmp_path: Path) -> None:
    path = pyproject(tmp_path, "")
    config = load_config(tmp_path)
    root = tmp_path.resolve()
    assert config == Config(root=root, config_file=Path(path), source_roots=(root,))


def test_relative_root_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "src").mkdir()
    pyproject(tmp_path, 'source-roots = ["src", "./src/"]\n')
    monkeypatch.chdir(tmp_path)
    config = load_config(Path("."))
    assert config.root == tmp_path.resolve()
    assert config.source_roots == (tmp_path.resolve() / "src",)


def test_section_that_is_not_a_table(tmp_path: Path) -> None:
    path = write(tmp_path, "pyproject.toml", '[tool]\nssot-migrate = "on"\n')
    problem = only_problem(tmp_path)
    assert problem.where == str(path.resolve())
    assert problem.what == 'tool.ssot-migrate: expected a table, got string "on"'
