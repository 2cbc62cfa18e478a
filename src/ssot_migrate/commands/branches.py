"""The branch a landing commits on: a usable name, not there already (unless forced), and
not checked out anywhere when it must move."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ssot_migrate.base.errors import Problem, UsageError
from ssot_migrate.io import vcs, vcs_commits


def refuse_existing(base: Any, name: str, names: Sequence[str], force: bool, batched: bool) -> None:

    for branch in names:
        vcs.check_ref_name(base, branch)
    clashing = [n for n in names if vcs.branch_exists(base, n)]
    if batched and vcs.branch_exists(base, name):
        clashing.append(name)  # git cannot hold both `x` and `x/batch-1`
    if clashing and not force:
        listed = ", ".join(repr(n) for n in clashing)
        raise UsageError([Problem("--branch", f"branch {listed} already exists",
                                  "pass --force-branch to move it, or --branch NAME")])  # fmt: skip
    busy = vcs.checked_out(base) if clashing else {}
    held = [n for n in clashing if n in busy]
    if held:
        raise UsageError([Problem("--force-branch", f"branch {held[0]!r} is checked out in "
                                  f"{busy[held[0]]}", "switch that worktree to another "
                                  "branch, or pass --branch NAME")])  # fmt: skip
    if clashing and batched and vcs.branch_exists(base, name):
        vcs_commits.delete_branches(base, [name])
