"""Every `fixtures/audit/<case>/` golden: the audit JSON of `before/`, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from goldens import Case, copy_case, load_cases, snapshot

from ssot_migrate.cli import main

CASES = load_cases("audit")


@pytest.mark.parametrize("case", CASES, ids=[c.folder.name for c in CASES])
def test_audit_golden(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str], update_goldens: bool
) -> None:
    repo = copy_case(case, tmp_path)
    before = snapshot(repo)
    for attempt in (1, 2):  # the second run is served from the cache and must agree
        code = main(["--root", str(repo), *case.args])
        out = capsys.readouterr().out
        assert code == case.exit_code, f"run {attempt}: exit {code}\n{out}"
        assert snapshot(repo) == before, "audit must not write into the repository"
        assert case.stdout is not None
        expected_file = case.folder / case.stdout
        if update_goldens and attempt == 1:
            expected_file.write_text(out)
        assert out == expected_file.read_text(), f"run {attempt} differs from {expected_file}"
