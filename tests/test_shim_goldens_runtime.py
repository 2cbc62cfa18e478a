"""The generated shims of `fixtures/shims/<case>/after/`, imported for real: every legacy
path the case lists is the canonical object and warns exactly once, at the importer's line."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from goldens import FIXTURES

from ssot_migrate.runtime_check import PathCheck, check_paths

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
