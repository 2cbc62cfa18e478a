"""Branches are what their commits say: `run PHASE --symbol S` names only S (branch and
title) and a later `--symbol T` run gets a branch of its own; `status` and `rollback
--branches` find a phase's branches by their trailers, whatever they are called; a
rolled-back branch is not counted as merged; `verify --runtime` where the phase has not
landed names the branch holding it; a run committing above its root says where first."""

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
        {"name": "review/engine", "merged": False, "reverted": False, "retire": False}
    ]
    deleted = cli(repo, "rollback", "phase2", "--branches", "--yes")
    assert deleted.code == 0, deleted.err
    assert "review/engine" not in heads(repo)


def test_a_rolled_back_branch_is_not_counted_as_merged(tmp_path: Path, cli: Any) -> None:
    repo = make_repo(tmp_path)
    assert cli(repo, "run", "phase2").code == 0
    git(repo, "merge", "--no-edit", "ssot/phase2")
    assert status(cli, repo)["branches"] == [
        {"name": "ssot/phase2", "merged": True, "reverted": False, "retire": False}
    ]
    assert cli(repo, "rollback", "phase2").code == 0
    assert status(cli, repo)["branches"] == [
        {"name": "ssot/phase2", "merged": False, "reverted": True, "retire": False}
    ]
    printed = cli(repo, "status").out
    assert "0 branches merged" in printed
    assert "reverted: ssot/phase2" in printed
    assert "unmerged" not in printed


def test_verify_runtime_where_the_phase_has_not_landed_names_the_branch_holding_it(
    tmp_path: Path, cli: Any
) -> None:
    repo = make_repo(tmp_path)
    assert cli(repo, "run", "phase2").code == 0
    result = cli(repo, "verify", "--phase", "phase2", "--runtime")
    assert result.code == 1
    said = [line for line in result.out.splitlines() if "has not landed" in line]
    assert said == [
        "FAIL phase2 has not landed on main: it is on ssot/phase2 "
        "(merge it, or check it out, then verify --runtime)"
    ]
    assert "no warning" not in result.out
    git(repo, "merge", "--no-edit", "ssot/phase2")
    merged = cli(repo, "verify", "--phase", "phase2", "--runtime")
    assert merged.code == 0, merged.out
    assert "has not landed" not in merged.out


def test_a_run_that_commits_above_its_root_says_where_first(tmp_path: Path, cli: Any) -> None:
    """The tour's mistake: --root pointing into another repository (here, a folder of it)."""
    from test_git_flow import FILES as ONE_SYMBOL

    repo = make_repo(tmp_path, files={f"project/{rel}": data for rel, data in ONE_SYMBOL.items()})
    result = cli(repo / "project", "run", "phase2")
    assert result.code == 0, result.err
    first = result.err.splitlines()[0]
    assert first == (
        f"committing in the git repository at {repo.resolve()} (--root is its folder "
        "project/): branch ssot/phase2 from main"
    )
    assert "ssot/phase2" in heads(repo)
    at_top = cli(make_repo(tmp_path, "top"), "run", "phase2")
    assert "committing in the git repository" not in at_top.err
