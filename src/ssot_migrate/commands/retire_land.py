"""`retire` through git: the retirement planned in a temporary worktree at HEAD and
committed on its own branch (``PREFIX/PHASE-retire``) with the phase trailers and
``SSOT-Migrate-Retired``, without touching the user's branch, index, working tree or
stash; and what git says of a phase that has no shim in the tree (`phase_history`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ssot_migrate.base.templating import render as render_template
from ssot_migrate.commands.branches import refuse_existing
from ssot_migrate.commands.project import (
    RunOptions,
    check_phase,
    load,
    read_by_a_run,
    select_symbols,
)
from ssot_migrate.commands.retire import RetireResult, plan_retire
from ssot_migrate.config.model import Config
from ssot_migrate.io import vcs, vcs_commits, vcs_history
from ssot_migrate.io.writing import write_changes


@dataclass(frozen=True, slots=True)
class RetireLanded:
    result: RetireResult
    branch: str
    sha: str | None
    """The commit (None: nothing went, nothing was committed)."""
    committed: int = 0
    base_name: str = ""

    @property
    def exit_code(self) -> int:
        return self.result.exit_code


def land_retire(
    options: RunOptions,
    phase: str,
    symbols: Sequence[str],
    *,
    force: bool = False,
    check: bool = False,
    branch: str | None = None,
    force_branch: bool = False,
    say: Callable[[str], object] | None = None,
) -> RetireLanded:
    """Plan the retirement from HEAD in a temporary worktree and commit it on a new branch."""
    vcs.refuse_bare(options.root)
    config = load(options)
    check_phase(config, phase)
    base = vcs.open_base(config.root)
    root_rel = config.root.resolve().relative_to(base.top.resolve())
    specs = select_symbols(config, symbols, phase)  # usage errors before any git work
    name = branch or retire_branch(config, phase, [s.name for s in specs])
    refuse_existing(base, name, [name], force_branch, batched=False)
    if root_rel != Path(".") and say is not None:
        say(f"committing in the git repository at {base.top} (--root is its folder "
            f"{root_rel.as_posix()}/): branch {name} from {base.name}")  # fmt: skip
    with vcs_commits.worktree(base, only=read_by_a_run) as tree:
        tree_root = tree / root_rel
        opts = dataclasses.replace(options, root=tree_root, config_file=config.config_file)
        result = plan_retire(
            opts, phase, symbols, force=force, check=check, history=phase_history(base, config)
        )
        going = [c for c in result.changes if c.rel not in {n.rel for n in result.refused}]
        if not going:
            return RetireLanded(result, name, None, base_name=base.name)
        written, _ = write_changes(tree_root, going, scratch=True)
        top = root_rel.as_posix()
        paths = [rel if top == "." else f"{top}/{rel}" for rel in written]
        builder = vcs_commits.TreeBuilder(tree, base.sha)
        try:
            builder.add(paths)
            kept = set(written)
            message = render_template(
                "retire_commit.txt.j2",
                phase=phase,
                title=_title(config, phase),
                retired=[d.path for d in result.retired if d.rel in kept],
                deleted=[c.rel for c in going if c.deleted and c.rel in kept],
                symbols=", ".join(s.name for s in result.specs),
                phase_trailer=vcs_history.PHASE_TRAILER,
                symbols_trailer=vcs_history.SYMBOLS_TRAILER,
                retired_trailer=vcs_history.RETIRED_TRAILER,
            )
            sha = vcs_commits.commit_branch(
                tree, base.sha, name, message, builder.tree(), force_branch
            )
        finally:
            builder.close()
    return RetireLanded(result, name, sha, len(written), base.name)


def retire_branch(config: Config, phase: str, symbols: Sequence[str]) -> str:
    """``PREFIX/PHASE-retire``; for only some of its symbols, ``PREFIX/PHASE-retire-S1-S2``."""
    name = f"{config.branch_prefix}/{phase}-retire"
    every = next((p.symbols for p in config.phases if p.name == phase), ())
    if set(symbols) < {s.name for s in every}:
        name += "".join(f"-{s}" for s in symbols)
    return name


def _title(config: Config, phase: str) -> str:
    return next((p.title for p in config.phases if p.name == phase and p.title), phase)


def phase_history(base: Any, config: Config) -> Callable[[str], str | None]:
    """What git says of a phase with no shim in the tree (see `retire.History`)."""

    def said(phase: str) -> str | None:
        undone = vcs_history.reverted(base)
        commits = [c for c in vcs_history.landed(base) if c.phase == phase and c.sha not in undone]
        retired = [c for c in commits if c.retired]
        if retired:
            return f"retired in {retired[0].sha[:12]}"
        if commits:
            return (f"its commit {commits[0].sha[:12]} is on {base.name}, but no generated "
                    "shim serves its symbols (was it run with --no-shims?)")  # fmt: skip
        branches = [
            name
            for name, (_, tip) in sorted(
                vcs_history.phase_branches(base, config.branch_prefix).items()
            )
            if tip.phase == phase and not tip.retired
        ]
        if branches:
            return f"its shims are on {', '.join(branches)}, not merged into {base.name}"
        return None

    return said


def history_of(options: RunOptions) -> Callable[[str], str | None] | None:
    """`phase_history` of the repository holding the root, or None outside one."""
    config = load(options)
    base = vcs.find_repository(config.root)
    return None if base is None else phase_history(base, config)
