"""Branches are what their commits say: `run PHASE --symbol S` names only S (branch and
title) and a later `--symbol T` run gets a branch of its own; `status` and `rollback
--branches` find a phase's branches by their trailers, whatever they are called, and a
rolled-back branch is not counted as merged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_git_flow import _hermetic_git, cli, git, heads, make_repo, status

__all__ = ["_hermetic_git", "cli"]  # the fixtures, used by name

TWO_SYMBOLS = """\
[tool.ssot-migrate]
branch-prefix = "ssot"
[[tool.ssot-migrate.phases]]
name = "phase2"
title = "Engine and Helper consolidation"
symbols = [
  { name = "Engine", canonical = "app.engine.Engine" },
  { name = "Helper", canonical = "app.engine.Helper" },
]
"""
FILES = {
    "pyproject.toml": TWO_SYMBOLS.encode(),
    "app/__init__.py": b"from .engine import Engine, Helper\n",
    "app/engine.py": b"class Engine:\n    pass\n\n\nclass Helper:\n    pass\n",
    "svc/__init__.py": b"",
    "svc/one.py": b"from app import Engine, Helper\n\n\ndef f():\n    return Engine(), Helper()\n",
}


def subject(repo: Path, rev: str) -> str:
    return git(repo, "log", "-1", "--format=%s", rev)


def test_a_symbol_run_names_only_its_symbol_and_the_next_one_does_not_collide(
    tmp_path: Path, cli: Any
) -> None:
    repo = make_repo(tmp_path, files=FILES)
    first = cli(repo, "run", "phase2", "--symbol", "Engine", "--no-shims")
    assert first.code == 0, first.err
    assert subject(repo, "ssot/phase2-Engine") == "ssot-migrate phase2: Engine"
    second = cli(repo, "run", "phase2", "--symbol", "Helper", "--no-shims")
    assert second.code == 0, second.err
    assert subject(repo, "ssot/phase2-Helper") == "ssot-migrate phase2: Helper"
    both = cli(repo, "run", "phase2", "--no-shims")
    assert both.code == 0, both.err
    assert subject(repo, "ssot/phase2") == "ssot-migrate phase2: Engine and Helper consolidation"


def test_status_and_rollback_find_a_branch_named_with_branch(tmp_path: Path, cli: Any) -> None:
    repo = make_repo(tmp_path)
    assert cli(repo, "run", "phase2", "--branch", "review/engine").code == 0
    assert status(cli, repo)["branches"] == [
        {"name": "review/engine", "merged": False, "reverted": False}
    ]
    deleted = cli(repo, "rollback", "phase2", "--branches", "--yes")
    assert deleted.code == 0, deleted.err
    assert "review/engine" not in heads(repo)


def test_a_rolled_back_branch_is_not_counted_as_merged(tmp_path: Path, cli: Any) -> None:
    repo = make_repo(tmp_path)
    assert cli(repo, "run", "phase2").code == 0
    git(repo, "merge", "--no-edit", "ssot/phase2")
    assert status(cli, repo)["branches"] == [
        {"name": "ssot/phase2", "merged": True, "reverted": False}
    ]
    assert cli(repo, "rollback", "phase2").code == 0
    assert status(cli, repo)["branches"] == [
        {"name": "ssot/phase2", "merged": False, "reverted": True}
    ]
    printed = cli(repo, "status").out
    assert "0 branches merged" in printed
    assert "reverted: ssot/phase2" in printed
    assert "unmerged" not in printed
