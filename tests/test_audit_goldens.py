"""Every golden case's ``[audit]`` expectation (`fixtures/cases/<case>/`): the audit output of
`before/` (and its error messages, when the case names a stderr file), byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from goldens import Case, copy_case, load_cases, prune_expected, snapshot

from ssot_migrate.cli.main import main

CASES = load_cases("audit")


@pytest.mark.parametrize("case", CASES, ids=[c.folder.name for c in CASES])
def test_audit_golden(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str], update_goldens: bool
) -> None:
    repo = copy_case(case, tmp_path)
    before = snapshot(repo)
    if update_goldens:
        prune_expected(case.folder)
    for attempt in (1, 2):  # the second run is served from the cache and must agree
        code = main(["--root", str(repo), *case.args])
        out, err = capsys.readouterr()
        assert code == case.exit_code, f"run {attempt}: exit {code}\n{out}{err}"
        assert snapshot(repo) == before, "audit must not write into the repository"
        assert case.stdout is not None
        expected_file = case.folder / case.stdout
        if update_goldens and attempt == 1:
            expected_file.write_text(out)
        assert out == expected_file.read_text(), f"run {attempt} differs from {expected_file}"
        if case.stderr is not None:
            expected_err = case.folder / case.stderr
            if update_goldens and attempt == 1:
                expected_err.write_text(err.replace(str(repo), "<repo>"))
            assert err.replace(str(repo), "<repo>") == expected_err.read_text()
