"""The phase history in git, through GitPython: commits carrying the phase trailers, the
branches holding them, whether one is merged, and the commits reverts name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import git

from ssot_migrate.io.vcs import Base

PHASE_TRAILER = "SSOT-Migrate-Phase"
SYMBOLS_TRAILER = "SSOT-Migrate-Symbols"
BATCH_TRAILER = "SSOT-Migrate-Batch"
RETIRED_TRAILER = "SSOT-Migrate-Retired"
"""On a `retire` commit: the legacy paths whose shims it took away."""


@dataclass(frozen=True, slots=True)
class Landed:
    sha: str
    phase: str
    symbols: tuple[str, ...]
    batch: str | None
    retired: tuple[str, ...] = ()
    """The legacy paths a `retire` commit took away (empty for a phase's run)."""


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
            retired = _symbols(",".join(values.get(RETIRED_TRAILER, [])))
            found[name] = (sha, Landed(sha, phase, symbols, batch, retired))
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


_TRAILER_KEYS = (PHASE_TRAILER, SYMBOLS_TRAILER, BATCH_TRAILER, RETIRED_TRAILER)


def _landed(repo: git.Repo, revs: Sequence[str]) -> list[Landed]:
    fields = [f"%(trailers:key={key},valueonly,separator=%x1e)" for key in _TRAILER_KEYS]
    fmt = "%H%x1f" + "%x1f".join(fields) + "%x1d"
    out = repo.git.log(f"--format={fmt}", *revs)
    found = []
    for record in out.split("\x1d"):
        # Not str.strip(): Python counts the \x1c-\x1f separators as whitespace.
        parts = [part.strip(" \n") for part in record.strip("\n").split("\x1f")]
        if len(parts) < 5 or not parts[1]:
            continue
        found.append(
            Landed(parts[0], parts[1], _symbols(parts[2]), parts[3] or None, _symbols(parts[4]))
        )
    return found


def _symbols(listed: str) -> tuple[str, ...]:
    return tuple(s.strip(" \n") for s in listed.split(",") if s.strip(" \n"))


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
