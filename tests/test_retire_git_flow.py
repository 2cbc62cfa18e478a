"""`retire` through git, end to end against real `git` in a throwaway repository (the
helpers and the hermetic git configuration of test_git_flow): a phase run and merged, then
retired on its own branch (``ssot/p1-retire``) without touching the user's branch, index
or working tree; the retire merged (the retired paths no longer import, every other module
does); and `rollback` reverting the retire and the run alike, back to the tree before the
phase."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from goldens import import_every_module
from test_git_flow import (
    _hermetic_git,
    changed_files,
    cli,
    git,
    git_run,
    heads,
    make_repo,
    show,
    snapshot,
    trailers,
)

__all__ = ["_hermetic_git", "cli"]  # the fixtures, used by name

PYPROJECT = """\
[project]
name = "retire-flow"
version = "2.0"

[tool.ssot-migrate]
branch-prefix = "ssot"

[tool.ssot-migrate.shims]
removal = "2.0"

[[tool.ssot-migrate.phases]]
name = "p1"
title = "Engine from app.core.engine"
symbols = [{ name = "Engine", canonical = "app.core.engine.Engine" }]
"""
FILES: dict[str, bytes] = {
    "pyproject.toml": PYPROJECT.encode(),
    "NOTES.md": b"# Notes\n",
    "app/__init__.py": b'"""The app package."""\nfrom .core.engine import Engine\n',
    "app/core/__init__.py": b"",
    "app/core/engine.py": b'class Engine:\n    def start(self) -> str:\n        return "started"\n',
    "app/compat.py": b'"""The engine used to live here."""\nfrom app.core.engine import Engine\n',
    "svc/__init__.py": b"",
    "svc/one.py": b"from app import Engine\n\n\ndef make():\n    return Engine()\n",
    "svc/two.py": b"from app.compat import Engine\n\n\ndef build():\n    return Engine().start()\n",
}
SHIMS = {"app/__init__.py", "app/compat.py"}
RETIRE = "ssot/p1-retire"
MARKER = b"# >>> ssot-migrate shim >>>"


def landed_phase(tmp_path: Path, cli: Any) -> Path:
    """The project committed on main, `run p1` landed and merged into main (a merge commit)."""
    repo = make_repo(tmp_path, files=FILES)
    ran = cli(repo, "run", "p1")
    assert ran.code == 0, ran.err
    git(repo, "merge", "--no-ff", "--no-edit", "ssot/p1")
    assert all(MARKER in (repo / rel).read_bytes() for rel in SHIMS), "the phase shimmed both"
    return repo


def python(repo: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-B", "-W", "ignore", "-c", code],
        cwd=repo, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip


def test_retire_commits_one_commit_on_its_branch_with_the_retired_paths_as_trailers(
    tmp_path: Path, cli: Any
) -> None:
    repo = landed_phase(tmp_path, cli)
    main_head = git(repo, "rev-parse", "HEAD")

    result = cli(repo, "retire", "p1")

    assert result.code == 0, result.err
    assert set(heads(repo)) == {"main", "ssot/p1", RETIRE}
    assert git(repo, "rev-parse", f"{RETIRE}^") == main_head, "one commit on top of HEAD"
    found = trailers(repo, RETIRE)
    assert found.get("SSOT-Migrate-Phase") == ["p1"]
    assert found.get("SSOT-Migrate-Symbols") == ["Engine"]
    assert found.get("SSOT-Migrate-Retired") == ["app.Engine, app.compat.Engine"]
    assert changed_files(repo, main_head, RETIRE) == SHIMS
    status = git(repo, "diff", "--name-status", "--no-renames", main_head, RETIRE)
    assert sorted(status.splitlines()) == ["D\tapp/compat.py", "M\tapp/__init__.py"]
    package = show(repo, RETIRE, "app/__init__.py")
    assert MARKER not in package and b"__getattr__" not in package
    assert b"__import__" in package, "the load of app.core.engine stays"
    assert f"committed {git(repo, 'rev-parse', '--short=12', RETIRE)} on {RETIRE}" in result.err


def test_retire_leaves_the_users_branch_index_and_working_tree_as_they_were(
    tmp_path: Path, cli: Any
) -> None:
    repo = landed_phase(tmp_path, cli)
    (repo / "NOTES.md").write_bytes(b"# Notes\n\nwork in progress, not committed\n")
    (repo / "TODO.txt").write_bytes(b"staged, not committed\n")
    git(repo, "add", "TODO.txt")

    def state() -> dict[str, Any]:
        return {
            "files": snapshot(repo),
            "status": git_run(repo, "status", "--porcelain=v1", "--untracked-files=all").stdout,
            "index": git(repo, "ls-files", "--stage"),
            "HEAD": git(repo, "rev-parse", "HEAD"),
            "branch": git(repo, "symbolic-ref", "HEAD"),
        }

    before = state()
    assert before["status"] == " M NOTES.md\nA  TODO.txt\n", "the setup is dirty"

    result = cli(repo, "retire", "p1")

    assert result.code == 0, result.err
    after = state()
    for key, value in before.items():
        assert after[key] == value, f"{key} changed"
    assert changed_files(repo, "HEAD", RETIRE) == SHIMS, "the user's changes are not in it"
    assert show(repo, RETIRE, "NOTES.md") == FILES["NOTES.md"]
    assert git(repo, "ls-tree", "--name-only", RETIRE, "TODO.txt") == ""


def test_once_the_retire_is_merged_every_module_imports_and_the_retired_paths_do_not(
    tmp_path: Path, cli: Any
) -> None:
    repo = landed_phase(tmp_path, cli)
    assert cli(repo, "retire", "p1").code == 0
    git(repo, "merge", "--no-ff", "--no-edit", RETIRE)
    assert not (repo / "app/compat.py").exists()
    assert git(repo, "status", "--porcelain") == ""

    assert import_every_module(repo) == ""
    assert python(repo, "from svc.two import build; assert build() == 'started'").returncode == 0
    compat = python(repo, "from app.compat import Engine")
    assert compat.returncode != 0
    assert "ModuleNotFoundError: No module named 'app.compat'" in compat.stderr
    package = python(repo, "from app import Engine")
    assert package.returncode != 0
    assert "ImportError: cannot import name 'Engine' from 'app'" in package.stderr


def test_rollback_after_the_retire_is_merged_brings_back_the_tree_before_the_phase(
    tmp_path: Path, cli: Any
) -> None:
    repo = landed_phase(tmp_path, cli)
    base = git(repo, "rev-parse", "HEAD^1")  # the initial commit, before the phase's merge
    shimmed = git(repo, "rev-parse", "HEAD^{tree}")
    assert cli(repo, "retire", "p1").code == 0
    git(repo, "merge", "--no-ff", "--no-edit", RETIRE)
    retired = git(repo, "rev-parse", "HEAD")

    result = cli(repo, "rollback", "p1")

    assert result.code == 0, result.err
    assert git(repo, "rev-list", "--count", f"{retired}..HEAD") == "2", "two revert commits"
    # The retire is reverted first: its shims and the compatibility module are back...
    assert git(repo, "rev-parse", "HEAD^^{tree}") == shimmed
    assert MARKER in show(repo, "HEAD^", "app/compat.py")
    # ... then the run: the old imports are back, and no shim is left.
    assert git(repo, "rev-parse", "HEAD^{tree}") == git(repo, "rev-parse", f"{base}^{{tree}}")
    assert snapshot(repo) == FILES
    assert git(repo, "status", "--porcelain") == ""
    assert import_every_module(repo) == ""
