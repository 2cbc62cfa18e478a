"""Git, through GitPython (which only vcs, vcs_commits and vcs_history import): the
repository a run works in and its state (HEAD, status, branches, the work tree against HEAD).

Phases are built from the base commit without touching the user's branch, index, working
tree or stash: read from the work tree itself when every file a run reads matches HEAD
there (`head_match`), else from a temporary `git worktree` checked out at the base; their
commits are made through a temporary index, and branches outlive any worktree.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import git

from ssot_migrate.base.errors import Problem, UsageError


@dataclass(frozen=True, slots=True)
class Base:
    """The commit a phase starts from, and where the repository is."""

    repo: git.Repo
    top: Path
    """The work tree's top folder."""
    sha: str
    name: str
    """The branch the user is on (or the tag/sha naming a detached HEAD)."""


def _refuse(what: str, fix: str | None = None) -> UsageError:
    return UsageError([Problem("git", what, fix)])


def refuse_bare(root: Path) -> None:
    """A bare repository has no work tree to migrate: say so before anything else."""
    try:
        bare = git.Git(root).rev_parse("--is-bare-repository").strip() == "true"
    except (git.GitCommandError, OSError):
        return
    if bare:
        raise _refuse(f"{root} is a bare repository: there is no work tree to migrate",
                      "run ssot-migrate in a clone with a work tree")  # fmt: skip


def open_base(root: Path) -> Base:
    """The repository holding `root`, checked for a state a phase can start from.

    Found the way git finds it (`rev-parse`), so GIT_CEILING_DIRECTORIES is honoured.
    """
    refuse_bare(root)
    try:
        top = git.Git(root).rev_parse("--show-toplevel").strip()
        repo = git.Repo(top)
    except (git.GitCommandError, git.InvalidGitRepositoryError, git.NoSuchPathError, OSError):
        raise _refuse(
            f"{root} is not a git repository (or any parent up to the filesystem root)",
            "run `git init` and commit, or pass --no-commit to write the files in place",
        ) from None
    git_dir = Path(repo.git_dir)
    for marker, doing in (
        ("MERGE_HEAD", "a merge"),
        ("rebase-merge", "a rebase"),
        ("rebase-apply", "a rebase"),
        ("CHERRY_PICK_HEAD", "a cherry-pick"),
        ("REVERT_HEAD", "a revert"),
    ):
        if (git_dir / marker).exists():
            raise _refuse(f"{doing} is in progress", "finish or abort it, then run again")
    try:
        sha = repo.head.commit.hexsha
    except ValueError:
        raise _refuse("HEAD has no commit yet", "commit something first") from None
    return Base(repo, Path(repo.working_tree_dir or root), sha, _head_name(repo, sha))


def find_repository(root: Path) -> Base | None:
    """The repository holding `root`, at its HEAD, for reading: None outside one (or before
    its first commit). Unlike `open_base`, no state is refused."""
    try:
        top = git.Git(root).rev_parse("--show-toplevel").strip()
        repo = git.Repo(top)
        sha = repo.head.commit.hexsha
    except (git.GitCommandError, git.InvalidGitRepositoryError, git.NoSuchPathError, OSError):
        return None
    except ValueError:  # HEAD has no commit yet
        return None
    name = sha if repo.head.is_detached else repo.active_branch.name
    return Base(repo, Path(repo.working_tree_dir or top), sha, name)


def parent(base: Base, sha: str) -> str | None:
    """The first parent of `sha`; None for a root commit (or one a shallow clone cut off)."""
    try:
        found: str = base.repo.git.rev_parse("--verify", "--quiet", f"{sha}^1^{{commit}}")
    except git.GitCommandError:
        return None
    return found.strip() or None


def _head_name(repo: git.Repo, sha: str) -> str:
    if not repo.head.is_detached:
        return repo.active_branch.name
    for ref in (*repo.branches, *repo.tags):
        if ref.commit.hexsha == sha:
            return ref.name
    raise _refuse(
        "HEAD is detached at a commit no branch or tag names",
        "check out a branch (or tag the commit) so the phase has a named base",
    )


def branch_exists(base: Base, name: str) -> bool:
    return name in {b.name for b in base.repo.branches}


def checked_out(base: Base) -> dict[str, str]:
    """Branches checked out in a worktree of the repository (the main one included), and
    where: git refuses to move them, and a phase must not."""
    found: dict[str, str] = {}
    folder = ""
    for line in base.repo.git.worktree("list", "--porcelain").splitlines():
        if line.startswith("worktree "):
            folder = line.removeprefix("worktree ")
        elif line.startswith("branch refs/heads/"):
            found[line.removeprefix("branch refs/heads/")] = folder
    return found


def check_ref_name(base: Base, name: str) -> None:
    try:
        base.repo.git.check_ref_format("--branch", name)
    except git.GitCommandError:
        raise _refuse(f"{name!r} is not a valid branch name") from None


class Started:
    """A git command running while the caller goes on; `output` waits for it. Started
    with the environment GitPython gives its own commands."""

    def __init__(
        self,
        cwd: Path,
        args: Sequence[str],
        env: dict[str, str] | None = None,
        stdin: IO[bytes] | None = None,
    ) -> None:
        self.command = [git.Git.GIT_PYTHON_GIT_EXECUTABLE or "git", *args]
        self._process = subprocess.Popen(
            self.command,
            cwd=cwd,
            env={**os.environ, "LANGUAGE": "C", "LC_ALL": "C", **(env or {})},
            stdin=stdin if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def output(self) -> str:
        out, err = self._process.communicate()  # once: `stop` then has nothing to do
        if self._process.returncode:
            raise git.GitCommandError(self.command, self._process.returncode, err)
        text = out.decode("utf-8", "surrogateescape")
        return text[:-1] if text.endswith("\n") else text  # as GitPython returns it

    def stop(self) -> None:
        """End it if it still runs (the caller no longer wants its output)."""
        if self._process.returncode is None:
            self._process.kill()
            self._process.communicate()


class DirtyPaths:
    """``git status`` in the background: `paths()` waits for the paths (from the top)
    with uncommitted changes, staged or not, or untracked (unless not `untracked`: git
    then does not walk the tree for them, a third of the time)."""

    def __init__(self, base: Base, untracked: bool = True) -> None:
        self._started = Started(base.top, _status_args(untracked))

    def paths(self) -> set[str]:
        try:
            return {paths[0] for paths in _status_entries(self._started.output())}
        finally:
            self.stop()

    def stop(self) -> None:
        self._started.stop()


def dirty_paths(base: Base, untracked: bool = True) -> set[str]:
    """`DirtyPaths`, waited for."""
    return {paths[0] for paths in _status(base, untracked)}


def _status_args(untracked: bool) -> list[str]:
    return ["status", "--porcelain", "-z", f"--untracked-files={'all' if untracked else 'no'}"]


def _status(base: Base, untracked: bool = True) -> Iterator[list[str]]:
    return _status_entries(base.repo.git.status(*_status_args(untracked)[1:]))


def _status_entries(out: str) -> Iterator[list[str]]:
    """The paths of each entry ``git status -z`` lists: one, or a rename's or copy's
    destination and then its source."""
    entries = out.split("\0")
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        paths = [entry[3:]]
        if entry[0] in "RC":  # a rename or copy names its source next
            paths.append(entries[index])
            index += 1
        yield paths


@dataclass(frozen=True, slots=True)
class HeadMatch:
    """The work tree against HEAD, for the files a run reads (see `head_match`)."""

    tracked: frozenset[str]
    """Every tracked path (from the top)."""
    attributes: tuple[str, ...]
    """The tracked ``.gitattributes`` files."""


def head_match(
    base: Base, wanted: Callable[[str], bool], meanwhile: Callable[[], object] | None = None
) -> HeadMatch | None:
    """Whether every file `wanted` accepts holds in the work tree what HEAD holds: none is
    modified, staged, added, deleted, renamed or untracked (``git status``), and none is
    marked skip-worktree or assume-unchanged (which status would not show). None when
    one differs; a run must then read HEAD from a worktree of its own. A file no status
    lists, ignored through ``.git/info/exclude`` or a global excludes file, is the
    caller's to check against `tracked`. `meanwhile`: the caller's work, done while git
    walks the tree (what it finds must not count until the answer is known)."""
    status = Started(base.top, _status_args(untracked=True))
    listing = Started(base.top, ["ls-files", "-z", "-v"])
    try:
        if meanwhile is not None:
            meanwhile()
        if any(wanted(path) for paths in _status_entries(status.output()) for path in paths):
            return None
        rows = listing.output()
    finally:
        status.stop()
        listing.stop()
    tracked: set[str] = set()
    for row in rows.split("\0"):
        if not row:
            continue
        tag, path = row[:1], row[2:]
        if tag != "H" and wanted(path):
            return None
        tracked.add(path)
    attributes = tuple(sorted(p for p in tracked if p.rpartition("/")[2] == ".gitattributes"))
    return HeadMatch(frozenset(tracked), attributes)


def git_dir(base: Base) -> Path:
    return Path(base.repo.git_dir)


def is_clean(base: Base) -> bool:
    return not base.repo.is_dirty(index=True, working_tree=True, untracked_files=False)
