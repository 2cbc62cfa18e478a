"""The generated shims of `fixtures/shims/<case>/after/`, imported for real: every legacy
path the case lists is the canonical object and warns exactly once, at the importer's line."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from goldens import FIXTURES

from ssot_migrate.runtime_check import PathCheck, check_paths, compare_modules, format_comparisons
from ssot_migrate.shims import BEGIN, served_names

CANONICAL = "app.agents.execution_engine.ExecutionEngine"
CASES = sorted(p for p in (FIXTURES / "shims").iterdir() if (p / "case.toml").is_file())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_shim_golden_serves_the_same_object_and_warns_at_the_importer(case: Path) -> None:
    """`legacy` paths of case.toml; optional `canonical` (default: CANONICAL) and the
    `category` of the one warning (default: DeprecationWarning)."""
    spec = tomllib.loads((case / "case.toml").read_text())
    legacy, canonical = spec["legacy"], spec.get("canonical", CANONICAL)
    category = spec.get("category", "DeprecationWarning")
    tree = case / "after" if (case / "after").is_dir() else case / "before"
    results = check_paths([tree], [PathCheck(path, canonical) for path in legacy])
    assert [(r.legacy, r.same_object, r.warned_at_importer, r.error) for r in results] == [
        (path, True, True, None) for path in legacy
    ]
    assert [[w[0] for w in r.warnings] for r in results] == [[category] for _ in legacy]


def shimmed_modules(tree: Path) -> list[str]:
    """The modules of `tree` that hold a generated shim block."""
    return sorted(
        ".".join(path.relative_to(tree).with_suffix("").parts).removesuffix(".__init__")
        for path in tree.rglob("*.py")
        if BEGIN in path.read_text()
    )


SHIMMED = [c for c in CASES if (c / "after").is_dir() and shimmed_modules(c / "after")]


@pytest.mark.parametrize("case", SHIMMED, ids=[c.name for c in SHIMMED])
def test_shim_golden_modules_keep_every_attribute_they_had_before(case: Path) -> None:
    """Each shimmed module of `after/`, imported beside its `before/` self: every attribute
    it had is still reachable and the same object (a submodule its removed import loaded
    included); `verify --runtime`'s own comparison."""
    after = case / "after"
    modules = shimmed_modules(after)
    served = {
        module: [m.name for m in served_names(path.read_bytes())]
        for module in modules
        for path in [
            after / module.replace(".", "/") / "__init__.py",
            after / f"{module.replace('.', '/')}.py",
        ]
        if path.is_file()
    }
    found = compare_modules([case / "before"], [after], modules, served)
    assert format_comparisons([c for c in found if not c.ok]) == []
    assert all(c.note is None and c.compared for c in found)
