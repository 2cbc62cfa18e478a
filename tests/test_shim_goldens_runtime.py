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
    legacy = tomllib.loads((case / "case.toml").read_text())["legacy"]
    results = check_paths([case / "after"], [PathCheck(path, CANONICAL) for path in legacy])
    assert [(r.legacy, r.same_object, r.warned_at_importer, r.error) for r in results] == [
        (path, True, True, None) for path in legacy
    ]
