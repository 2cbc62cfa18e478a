"""Git, through GitPython: the only module that imports it.

Phases are built from the base commit without touching the user's branch, index, working
tree or stash: read from the work tree itself when every file a run reads matches HEAD
there (`head_match`), else from a temporary `git worktree` checked out at the base; their
commits are made through a temporary index, and branches outlive any worktree.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import git

from ssot_migrate.base.errors import Problem, UsageError

PHASE_TRAILER = "SSOT-Migrate-Phase"
SYMBOLS_TRAILER = "SSOT-Migrate-Symbols"
BATCH_TRAILER = "SSOT-Migrate-Batch"
_IDENTITY = {
    "GIT_AUTHOR_NAME": "ssot-migrate",
    "GIT_AUTHOR_EMAIL": "ssot-migrate@localhost",
    "GIT_COMMITTER_NAME": "ssot-migrate",
    "GIT_COMMITTER_EMAIL": "ssot-migrate@localhost",
}


@dataclass(frozen=True, slots=True)
class Base:
    """The commit a phase starts from, and where the repository is."""

    repo: git.Repo
    top: Path
    """The work tree's top folder."""
    sha: str
    name: str
    """The branch the user is on (or the tag/sha naming a detached HEAD)."""


@dataclass(frozen=True, slots=True)
class Landed:
    sha: str
    phase: str
    symbols: tuple[str, ...]
    batch: str | None


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


class _Started:
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
        self._started = _Started(base.top, _status_args(untracked))

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
    status = _Started(base.top, _status_args(untracked=True))
    listing = _Started(base.top, ["ls-files", "-z", "-v"])
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
        self._running: list[_Started] = [_Started(tree, ["read-tree", base_sha], self._env)]

    def add(self, paths: Sequence[str], files_from: Path | None = None) -> None:
        """Hash `paths` (from the top) from the worktree, or from `files_from`: a folder
        holding them (and the tracked ``.gitattributes``, for the filters) instead, the
        worktree then not being read at all."""
        self._wait()
        if not paths:
            return
        env = {**self._env, "GIT_WORK_TREE": str(files_from or self._tree)}
        with _stdin(b"".join(p.encode() + b"\0" for p in paths)) as stdin:
            command = ["update-index", "--add", "-z", "--stdin"]
            self._running.append(_Started(files_from or self._tree, command, env, stdin))

    def tree(self) -> str:
        self._wait()
        return _Started(self._tree, ["write-tree"], self._env).output()

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
    env = {k: v for k, v in _IDENTITY.items() if not _configured(repo, k)}
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


def _configured(repo: git.Repo, variable: str) -> bool:
    """Whether the user's identity covers an environment variable of _IDENTITY."""
    if variable in os.environ:
        return True
    key = "user.email" if variable.endswith("EMAIL") else "user.name"
    try:
        return bool(repo.git.config("--get", key))
    except git.GitCommandError:
        return False


def landed(base: Base, rev: str = "HEAD") -> list[Landed]:
    """Commits reachable from `rev` that carry the phase trailer, newest first."""
    return _landed(base.repo, [rev])


def phase_branches(base: Base, prefix: str) -> dict[str, tuple[str, Landed]]:
    """Local branches holding a phase's work, by name: (their head sha, the newest phase
    commit on them). Found by the commit trailers, not the name: a branch counts when its
    tip is a phase commit (as `run` leaves every branch it makes, ``--branch NAME``
    included) or, under `prefix/`, when a phase commit is on it (commits added on top). The
    branch checked out is not one."""
    # for-each-ref's %(trailers) ignores key= before git 2.4x: read them all, pick ours.
    fmt = "%(refname:short)%1f%(objectname)%1f%(trailers:only,unfold)%1d"
    out = base.repo.git.for_each_ref("refs/heads", f"--format={fmt}")
    found: dict[str, tuple[str, Landed]] = {}
    for record in out.split("\x1d"):
        parts = record.strip("\n").split("\x1f")
        if len(parts) < 3:
            continue
        name, sha, block = parts[0], parts[1], parts[2]
        if name == base.name:
            continue  # the branch the phase lands on (a fast-forward merge makes its tip one)
        values: dict[str, list[str]] = {}
        for line in block.splitlines():
            key, _, value = line.partition(":")
            values.setdefault(key.strip(), []).append(value.strip())
        phase = ", ".join(values.get(PHASE_TRAILER, []))
        if phase:
            symbols = _symbols(",".join(values.get(SYMBOLS_TRAILER, [])))
            batch = ", ".join(values.get(BATCH_TRAILER, [])) or None
            found[name] = (sha, Landed(sha, phase, symbols, batch))
        elif name == prefix or name.startswith(prefix + "/"):
            commits = _landed(base.repo, [name])
            if commits:
                found[name] = (sha, commits[0])
    return found


def is_merged(base: Base, sha: str, into: str = "HEAD") -> bool:
    try:
        base.repo.git.merge_base("--is-ancestor", sha, into)
    except git.GitCommandError:
        return False
    return True


def branch_commits(base: Base, branch: str) -> list[Landed]:
    """Phase commits on `branch` that the current HEAD does not have."""
    return _landed(base.repo, [branch, "--not", "HEAD"])


_TRAILER_KEYS = (PHASE_TRAILER, SYMBOLS_TRAILER, BATCH_TRAILER)


def _landed(repo: git.Repo, revs: Sequence[str]) -> list[Landed]:
    fields = [f"%(trailers:key={key},valueonly,separator=%x1e)" for key in _TRAILER_KEYS]
    fmt = "%H%x1f" + "%x1f".join(fields) + "%x1d"
    out = repo.git.log(f"--format={fmt}", *revs)
    found = []
    for record in out.split("\x1d"):
        # Not str.strip(): Python counts the \x1c-\x1f separators as whitespace.
        parts = [part.strip(" \n") for part in record.strip("\n").split("\x1f")]
        if len(parts) < 4 or not parts[1]:
            continue
        found.append(Landed(parts[0], parts[1], _symbols(parts[2]), parts[3] or None))
    return found


def _symbols(listed: str) -> tuple[str, ...]:
    return tuple(s.strip(" \n") for s in listed.split(",") if s.strip(" \n"))


def revert(base: Base, shas: Sequence[str]) -> list[str]:
    """Revert `shas` (newest first) on the current branch, one revert commit each."""
    env = {k: v for k, v in _IDENTITY.items() if not _configured(base.repo, k)}
    made = []
    for sha in shas:
        base.repo.git.revert("--no-edit", sha, env=env)
        made.append(base.repo.head.commit.hexsha)
    return made


def delete_branches(base: Base, names: Sequence[str]) -> None:
    for name in names:
        base.repo.git.branch("-D", name)


def git_dir(base: Base) -> Path:
    return Path(base.repo.git_dir)


def is_clean(base: Base) -> bool:
    return not base.repo.is_dirty(index=True, working_tree=True, untracked_files=False)


def reverted(base: Base, rev: str = "HEAD") -> set[str]:
    """Shas that a revert commit reachable from `rev` names ("This reverts commit X.")."""
    out = base.repo.git.log("--format=%B%x1d", "--grep=This reverts commit", rev)
    return {
        word.rstrip(".,")
        for message in out.split("\x1d")
        for line in message.splitlines()
        if line.startswith("This reverts commit ")
        for word in line.split()[3:4]
    }
