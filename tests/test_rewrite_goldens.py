"""Every golden case's ``[run]`` and ``[retire]`` expectation (`fixtures/cases/<case>/`): the
command turns `before/` into `after/` byte for byte, every rewritten file still parses, and
a second run changes nothing (idempotence)."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest
from goldens import Case, copy_case, import_every_module, load_cases, prune_expected, snapshot

from ssot_migrate.cli.main import main

CASES = load_cases("run") + load_cases("retire")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_rewrite_golden(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str], update_goldens: bool
) -> None:
    repo = copy_case(case, tmp_path)
    before = snapshot(repo)
    code = main(["--root", str(repo), *case.args])
    out, err = capsys.readouterr()
    assert code == case.exit_code, out
    after_dir = case.folder / "after"
    if update_goldens:
        _write_tree(after_dir, snapshot(repo), before)
        prune_expected(case.folder)
    expected = snapshot(after_dir) if after_dir.is_dir() else before
    assert snapshot(repo) == expected
    if case.stdout is not None:
        expected_out = case.folder / case.stdout
        if update_goldens:
            expected_out.write_text(out)
        assert out == expected_out.read_text()
    if case.stderr is not None:
        expected_err = case.folder / case.stderr
        if update_goldens:
            expected_err.write_text(err)
        assert err == expected_err.read_text()
    for rel, data in snapshot(repo).items():
        if rel.endswith(".py") and data != before.get(rel):
            ast.parse(data)  # every rewritten file parses
    if case.importable:
        assert import_every_module(repo) == ""
    # Idempotence: the migrated tree is already canonical.
    assert main(["--root", str(repo), *case.args]) == case.exit_code
    capsys.readouterr()
    assert snapshot(repo) == expected, "a second run changed the tree"


def _write_tree(folder: Path, files: dict[str, bytes], before: dict[str, bytes]) -> None:
    """`files` as `folder`, and nothing else (a file the run no longer writes goes); no
    folder at all when the run left the tree as it was."""
    if folder.is_dir():
        shutil.rmtree(folder)
    if files == before:
        return
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
