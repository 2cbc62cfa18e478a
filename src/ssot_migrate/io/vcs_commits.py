"""Git writes, through GitPython: temporary worktrees, trees hashed through a temporary
index, the phase commits and their branches, reverts and branch deletion."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO

import git

from ssot_migrate.io.vcs import Base, Started

_IDENTITY = {
    "GIT_AUTHOR_NAME": "ssot-migrate",
    "GIT_AUTHOR_EMAIL": "ssot-migrate@localhost",
    "GIT_COMMITTER_NAME": "ssot-migrate",
    "GIT_COMMITTER_EMAIL": "ssot-migrate@localhost",
}


@contextlib.contextmanager
def worktree(
    base: Base, sha: str | None = None, only: Callable[[str], bool] | None = None
) -> Iterator[Path]:
    """A temporary detached worktree at the base commit (or `sha`), removed afterwards.

    With `only`, just the files whose repository path it accepts are written (the index
    holds them all): a tree read for its Python sources need not write a large
    repository's data files, which cost more than the sources themselves.
    """
    folder = Path(tempfile.mkdtemp(prefix="ssot-migrate-"))
    path = folder / "tree"
    commit = sha or base.sha
    if only is None:
        base.repo.git.worktree("add", "--detach", "--quiet", str(path), commit)
    else:
        base.repo.git.worktree("add", "--detach", "--no-checkout", "--quiet", str(path), commit)
        tree = git.Repo(path)
        tree.git.read_tree(commit)
        listed = tree.git.ls_files("-z").split("\0")
        wanted = b"".join(name.encode() + b"\0" for name in listed if name and only(name))
        with _stdin(wanted) as stdin:
            tree.git.checkout_index("-z", "--stdin", istream=stdin)
    try:
        yield path
    finally:
        with contextlib.suppress(git.GitCommandError):
            base.repo.git.worktree("remove", "--force", str(path))
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(git.GitCommandError):
            base.repo.git.worktree("prune")


def reset(tree: Path, sha: str) -> None:
    """Put the worktree back at `sha`: no change, no untracked file."""
    repo = git.Repo(tree)
    repo.git.checkout("--detach", "--force", "--quiet", sha)
    repo.git.clean("-fdq")


class TreeBuilder:
    """The tree of commit `base_sha` with some files replaced, hashed in the background
    through a temporary index (``read-tree``, then ``update-index`` of the files, then
    ``write-tree``) while the caller goes on: neither the worktree's own index nor its
    HEAD nor any other file is read or written, and nothing scans the whole tree.

    `add` the files (``update-index`` hashes them as ``git add`` would, filters and modes
    included), then `tree` waits for the tree's sha; `close` always.
    """

    def __init__(self, tree: Path, base_sha: str) -> None:
        self._tree = tree
        self._scratch = Path(tempfile.mkdtemp(prefix="ssot-migrate-index-"))
        self._env = {
            "GIT_INDEX_FILE": str(self._scratch / "index"),  # git writes it
            "GIT_DIR": str(Path(git.Repo(tree).git_dir).resolve()),
        }
        self._running: list[Started] = [Started(tree, ["read-tree", base_sha], self._env)]

    def add(self, paths: Sequence[str], files_from: Path | None = None) -> None:
        """Hash `paths` (from the top) from the worktree, or from `files_from`: a folder
        holding them (and the tracked ``.gitattributes``, for the filters) instead, the
        worktree then not being read at all."""
        self._wait()
        if not paths:
            return
        env = {**self._env, "GIT_WORK_TREE": str(files_from or self._tree)}
        with _stdin(b"".join(p.encode() + b"\0" for p in paths)) as stdin:
            # --remove: a path the tree no longer holds (a module `retire` deleted) goes.
            command = ["update-index", "--add", "--remove", "-z", "--stdin"]
            self._running.append(Started(files_from or self._tree, command, env, stdin))

    def tree(self) -> str:
        self._wait()
        return Started(self._tree, ["write-tree"], self._env).output()

    def close(self) -> None:
        for started in self._running:
            started.stop()
        shutil.rmtree(self._scratch, ignore_errors=True)

    def _wait(self) -> None:
        running, self._running = self._running, []
        for started in running:
            started.output()


def commit_branch(
    tree: Path, base_sha: str, branch: str, message: str, tree_sha: str, force: bool
) -> str:
    """Commit `tree_sha` (a `TreeBuilder`'s) on top of `base_sha` as new branch `branch`;
    the sha. The branch is made with `git branch`, which refuses to move a branch checked
    out anywhere."""
    repo = git.Repo(tree)
    env = _identity_env(repo)
    with _stdin(message.encode()) as stdin:  # what `git commit -m` does to it (whitespace)
        cleaned = repo.git.stripspace(istream=stdin)
    sha: str = repo.git.commit_tree(tree_sha, "-p", base_sha, "-m", cleaned, env=env)
    repo.git.branch(*(["--force"] if force else []), branch, sha)
    return sha


@contextlib.contextmanager
def _stdin(data: bytes) -> Iterator[IO[bytes]]:
    """`data` as a command's standard input (GitPython takes a file with a descriptor)."""
    with tempfile.TemporaryFile() as stream:
        stream.write(data)
        stream.seek(0)
        yield stream


def _identity_env(repo: git.Repo) -> dict[str, str]:
    """The fallback identity for what the user's own does not cover."""
    return {k: v for k, v in _IDENTITY.items() if not _configured(repo, k)}


def _configured(repo: git.Repo, variable: str) -> bool:
    """Whether the user's identity covers an environment variable of _IDENTITY."""
    if variable in os.environ:
        return True
    key = "user.email" if variable.endswith("EMAIL") else "user.name"
    try:
        return bool(repo.git.config("--get", key))
    except git.GitCommandError:
        return False


def revert(base: Base, shas: Sequence[str]) -> list[str]:
    """Revert `shas` (newest first) on the current branch, one revert commit each."""
    env = _identity_env(base.repo)
    made = []
    for sha in shas:
        base.repo.git.revert("--no-edit", sha, env=env)
        made.append(base.repo.head.commit.hexsha)
    return made


def delete_branches(base: Base, names: Sequence[str]) -> None:
    for name in names:
        base.repo.git.branch("-D", name)
