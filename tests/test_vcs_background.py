"""Git commands a landing starts ahead of need (`vcs_commits.TreeBuilder`, `vcs.DirtyPaths`)
answer what the same commands run in the foreground would, on real repositories."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import git
import pytest

from ssot_migrate.io import vcs, vcs_commits


def _git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, env={**os.environ, **(env or {})}
    )
    return done.stdout.decode().strip()


@pytest.fixture(autouse=True)
def _hermetic_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", os.path.realpath(tmp_path))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    top = tmp_path / "repo"
    top.mkdir()
    _git(top, "init", "-q", "-b", "main")
    _git(top, "config", "user.email", "t@example.com")
    _git(top, "config", "user.name", "t")
    (top / "pkg").mkdir()
    (top / "pkg/a.py").write_bytes(b"A = 1\n")
    (top / "pkg/b.py").write_bytes(b"B = 1\r\n")
    (top / "run.py").write_bytes(b"print(1)\n")
    (top / ".gitattributes").write_bytes(b"*.py text eol=lf\n")
    _git(top, "add", "-A")
    _git(top, "commit", "-q", "-m", "base")
    return top


def _tree_git_add_makes(repo: Path, paths: list[str], tmp_path: Path) -> str:
    index = {"GIT_INDEX_FILE": str(tmp_path / "expected-index")}
    _git(repo, "read-tree", "HEAD", env=index)
    _git(repo, "add", "--", *paths, env=index)
    return _git(repo, "write-tree", env=index)


def test_tree_builder_hashes_the_files_as_git_add_does(repo: Path, tmp_path: Path) -> None:
    """Modes and the eol filter included; nothing but the named files changes."""
    (repo / "pkg/a.py").write_bytes(b"A = 2\r\n")  # the filter stores LF
    (repo / "run.py").chmod(0o755)
    (repo / "pkg/b.py").write_bytes(b"left out\n")  # changed, but not asked for
    base = _git(repo, "rev-parse", "HEAD")
    builder = vcs_commits.TreeBuilder(repo, base)
    try:
        builder.add(["pkg/a.py", "run.py"])
        built = builder.tree()
    finally:
        builder.close()
    assert built == _tree_git_add_makes(repo, ["pkg/a.py", "run.py"], tmp_path)
    assert _git(repo, "show", f"{built}:pkg/a.py") == "A = 2"
    assert _git(repo, "show", f"{built}:pkg/b.py") == "B = 1"
    assert _git(repo, "status", "--porcelain") != ""  # the user's index was not touched


def test_tree_builder_reads_files_from_another_folder(repo: Path, tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    (scratch / "pkg").mkdir(parents=True)
    (scratch / "pkg/a.py").write_bytes(b"A = 3\n")
    (scratch / ".gitattributes").write_bytes((repo / ".gitattributes").read_bytes())
    builder = vcs_commits.TreeBuilder(repo, _git(repo, "rev-parse", "HEAD"))
    try:
        builder.add(["pkg/a.py"], files_from=scratch)
        built = builder.tree()
    finally:
        builder.close()
    assert _git(repo, "show", f"{built}:pkg/a.py") == "A = 3"
    assert (repo / "pkg/a.py").read_bytes() == b"A = 1\n"


def test_a_failing_background_command_is_a_git_error_and_leaves_no_scratch(repo: Path) -> None:
    builder = vcs_commits.TreeBuilder(repo, "0" * 40)
    scratch = builder._scratch
    with pytest.raises(git.GitCommandError):
        builder.add(["pkg/a.py"])
    builder.close()
    assert not scratch.exists()


def test_dirty_paths_in_the_background_lists_what_status_does(repo: Path) -> None:
    _git(repo, "mv", "pkg/b.py", "pkg/renamed.py")
    (repo / "pkg/a.py").write_bytes(b"A = 5\n")
    (repo / "new.py").write_bytes(b"\n")
    base = vcs.open_base(repo)
    for untracked in (True, False):
        started = vcs.DirtyPaths(base, untracked=untracked)
        assert started.paths() == vcs.dirty_paths(base, untracked=untracked)
    assert vcs.DirtyPaths(base).paths() == {"pkg/a.py", "pkg/renamed.py", "new.py"}
    assert vcs.DirtyPaths(base, untracked=False).paths() == {"pkg/a.py", "pkg/renamed.py"}
