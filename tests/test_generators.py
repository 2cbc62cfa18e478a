"""The fixture generators: the synthetic monorepo and the committed example repo."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
import generate_example  # noqa: E402
import generate_monorepo  # noqa: E402

EXAMPLE = FIXTURES / "example_monorepo"
IGNORED_PARTS = {"__pycache__", ".ssot-migrate-cache"}
"""Left behind by running the example (both gitignored); not part of what is committed."""

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="imports each module in a fork")

IMPORT_EACH = """
import compileall, importlib, os, sys, traceback
import dataclasses, enum, logging, unittest.mock  # stdlib only: shared by every fork
root, names = sys.argv[1], sys.argv[2:]
sys.path.insert(0, root)
compileall.compile_dir(root, quiet=2)  # once, into -X pycache_prefix, not into the tree
failed = []
for name in names:
    pid = os.fork()
    if pid == 0:
        try:
            importlib.import_module(name)
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]):
        failed.append(name)
print(" ".join(failed))
"""
"""Imports every module in its own fork of a clean interpreter, so no module passes only
because another one was imported first; prints the names that failed."""

RESOLVE_PATHS = """
import importlib, sys
root, canonical, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
sys.path.insert(0, root)
def load(path):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)
target = load(canonical)
print(" ".join(path for path in paths if load(path) is not target))
"""
"""Prints the dotted paths that do not reach the same object as the canonical path."""


def python(tmp_path: Path, script: str, *args: str) -> str:
    argv = [sys.executable, "-I", "-X", f"pycache_prefix={tmp_path / 'pyc'}", "-c", script]
    done = subprocess.run([*argv, *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def module_names(root: Path, skip: frozenset[str] = frozenset()) -> list[str]:
    names = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.as_posix() in skip:
            continue
        parts = list(relative.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not IGNORED_PARTS & set(path.relative_to(root).parts)
    }


# --- the synthetic monorepo -----------------------------------------------------------------


@pytest.fixture(scope="module")
def small_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("synthetic") / "tree"
    generate_monorepo.generate(root, 60, seed=3)
    return root


def test_synthetic_tree_is_byte_identical_for_the_same_arguments(
    small_tree: Path, tmp_path: Path
) -> None:
    generate_monorepo.generate(tmp_path / "again", 60, seed=3)
    assert tree_bytes(tmp_path / "again") == tree_bytes(small_tree)


def test_another_seed_gives_another_tree(small_tree: Path, tmp_path: Path) -> None:
    generate_monorepo.generate(tmp_path / "other", 60, seed=4)
    assert tree_bytes(tmp_path / "other") != tree_bytes(small_tree)


def test_synthetic_tree_has_exactly_the_requested_python_files(small_tree: Path) -> None:
    assert len(list(small_tree.rglob("*.py"))) == 60
    assert (small_tree / "pyproject.toml").is_file()


def test_every_synthetic_file_parses(small_tree: Path) -> None:
    for path in small_tree.rglob("*.py"):
        ast.parse(path.read_bytes(), filename=str(path))


def test_synthetic_modules_are_100_to_400_lines(small_tree: Path) -> None:
    plan = generate_monorepo.plan_tree(60, 3)
    for module in plan.modules:
        path = generate_monorepo.module_file(small_tree, module.dotted)
        lines = path.read_text(encoding="utf-8").count("\n")
        assert 100 <= lines <= 400, (path, lines)


def test_synthetic_plan_mixes_every_form_and_decoy_in_the_promised_shares() -> None:
    modules = generate_monorepo.plan_tree(3000, 1).modules
    forms = Counter(usage.form for module in modules for usage in module.usages)
    decoys = Counter(module.decoy for module in modules if module.decoy)
    expected = {form for form, _ in generate_monorepo.FORMS} | {"mock_patch"}
    assert set(forms) == expected
    assert set(decoys) == set(generate_monorepo.DECOYS)
    assert 0.06 < sum(1 for m in modules if m.usages) / len(modules) < 0.10
    assert 0.02 < sum(decoys.values()) / len(modules) < 0.04


@needs_fork
def test_every_module_of_a_300_file_tree_imports(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    generate_monorepo.generate(root, 300, seed=11)
    assert python(tmp_path, IMPORT_EACH, str(root), *module_names(root)) == ""


def test_every_legacy_path_of_the_synthetic_tree_reaches_the_definition(
    small_tree: Path, tmp_path: Path
) -> None:
    paths = [*generate_monorepo.LEGACY_PATHS, f"{generate_monorepo.DECOY_MODULE}.ExecutionEngine"]
    not_reaching = python(
        tmp_path, RESOLVE_PATHS, str(small_tree), generate_monorepo.CANONICAL, *paths
    )
    assert not_reaching == f"{generate_monorepo.DECOY_MODULE}.ExecutionEngine"


def test_relative_module() -> None:
    relative = generate_monorepo.relative_module
    assert relative("app.x.y", "app.agents") == "...agents"
    assert relative("app.agents.sub", "app.agents") == ".."
    assert relative("app.agents", "app.agents.engine") == ".engine"
    with pytest.raises(ValueError, match="outside"):
        relative("billing.api", "app.agents")


# --- the committed example ------------------------------------------------------------------


def test_committed_example_is_what_the_generator_writes(tmp_path: Path) -> None:
    generate_example.write_example(tmp_path / "example")
    expected, committed = tree_bytes(tmp_path / "example"), tree_bytes(EXAMPLE)
    stale = sorted(
        p for p in expected.keys() | committed.keys() if expected.get(p) != committed.get(p)
    )
    assert not stale, f"run `python fixtures/generate_example.py`; out of date: {stale[:10]}"


def test_example_rewrite_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(FileExistsError):
        generate_example.write_example(tmp_path)
    assert (tmp_path / "precious.txt").is_file()


def test_only_the_broken_module_of_the_example_fails_to_parse() -> None:
    broken = []
    for path in sorted(EXAMPLE.rglob("*.py")):
        try:
            ast.parse(path.read_bytes(), filename=str(path))
        except SyntaxError:
            broken.append(path.relative_to(EXAMPLE).as_posix())
    assert broken == [generate_example.SYNTAX_ERROR_FILE]


@needs_fork
def test_every_example_module_but_the_broken_one_imports(tmp_path: Path) -> None:
    names = module_names(EXAMPLE, skip=frozenset({generate_example.SYNTAX_ERROR_FILE}))
    assert len(names) > 200
    assert python(tmp_path, IMPORT_EACH, str(EXAMPLE), *names) == ""
    assert not list(EXAMPLE.rglob("__pycache__"))


@pytest.mark.parametrize("symbol", sorted(generate_example.CANONICAL_PATHS))
def test_example_legacy_paths_reach_the_canonical_class(symbol: str, tmp_path: Path) -> None:
    canonical = generate_example.CANONICAL_PATHS[symbol]
    paths = generate_example.LEGACY_PATHS[symbol]
    assert python(tmp_path, RESOLVE_PATHS, str(EXAMPLE), canonical, *paths) == ""


def test_example_same_named_class_is_a_different_object(tmp_path: Path) -> None:
    canonical = generate_example.CANONICAL_PATHS["WebSocketManager"]
    other = "notifications.websocket_manager.WebSocketManager"
    assert python(tmp_path, RESOLVE_PATHS, str(EXAMPLE), canonical, other) == other


def test_example_config_declares_both_phases_and_excludes_backups() -> None:
    config = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))
    settings = config["tool"]["ssot-migrate"]
    assert settings["exclude"] == ["backups/**"]
    assert settings["shims"] == {"category": "DeprecationWarning", "removal": "2026.06"}
    symbols = {s["name"]: s["canonical"] for p in settings["phases"] for s in p["symbols"]}
    assert symbols == generate_example.CANONICAL_PATHS
    assert (EXAMPLE / generate_example.EXCLUDED_COPY).is_file()
