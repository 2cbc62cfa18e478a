"""`status`, `rollback`, `plan` and `registry`: where each phase stands, undoing one, and the
documents that describe the migration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ssot_migrate.analysis.audit import BY_DECLARATION, SymbolAudit
from ssot_migrate.base.errors import Problem, UsageError
from ssot_migrate.commands.project import (
    RunOptions,
    audit_all,
    check_phase,
    load,
    open_project,
)
from ssot_migrate.config.model import Config


def _audits_by_name(options: RunOptions, config: Config) -> dict[str, SymbolAudit]:
    """Every configured symbol's audit, by its handle."""
    specs = config.all_symbols()
    if not specs:
        return {}
    return {a.spec.name: a for a in audit_all(open_project(options, config, specs), specs)}


def status(options: RunOptions) -> dict[str, Any]:
    """What each phase has landed (commit trailers on the current branch, batch branches)
    and the variations left, as a JSON-ready document (schema ssot-migrate/status)."""
    from ssot_migrate.io import vcs, vcs_history

    config = load(options)
    base = vcs.open_base(config.root)
    undone = vcs_history.reverted(base)
    on_head = [c for c in vcs_history.landed(base) if c.sha not in undone]
    branches = [
        (name, sha, tip)
        for name, (sha, tip) in sorted(
            vcs_history.phase_branches(base, config.branch_prefix).items()
        )
    ]
    audits = _audits_by_name(options, config)
    phases = []
    for phase in config.phases:
        symbols = []
        for spec in phase.symbols:
            mine = [b for b in branches if b[2].phase == phase.name and spec.name in b[2].symbols]
            symbols.append(
                {
                    "name": spec.name,
                    "landed": [
                        c.sha for c in on_head if c.phase == phase.name and spec.name in c.symbols
                    ],
                    "branches": [  # merged, then reverted by a rollback: not merged
                        {
                            "name": name,
                            "merged": tip.sha not in undone and vcs_history.is_merged(base, sha),
                            "reverted": tip.sha in undone,
                            "retire": bool(tip.retired),
                        }
                        for name, sha, tip in mine
                    ],
                    "variations": len(audits[spec.name].variations)
                    if spec.name in audits
                    else None,
                }
            )
        retired = sorted({p for c in on_head if c.phase == phase.name for p in c.retired})
        phases.append({"name": phase.name, "symbols": symbols, "retired": retired})
    return {"schema": "ssot-migrate/status", "version": 1, "branch": base.name, "phases": phases}


@dataclass(frozen=True, slots=True)
class RollbackPlan:
    base: Any
    commits: tuple[str, ...]
    branches: tuple[str, ...]


def plan_rollback(
    options: RunOptions, phase: str, branches: bool, retire_only: bool = False
) -> RollbackPlan:
    """The phase commits to revert on the current branch and its unmerged batch branches
    (`retire_only`: only its `retire` commits and branches, bringing the shims back)."""
    from ssot_migrate.io import vcs, vcs_history

    config = load(options)
    check_phase(config, phase)
    base = vcs.open_base(config.root)
    undone = vcs_history.reverted(base)
    commits = tuple(
        c.sha
        for c in vcs_history.landed(base)
        if c.phase == phase and c.sha not in undone and (c.retired or not retire_only)
    )
    unmerged = []
    if branches:
        for name, (sha, tip) in sorted(
            vcs_history.phase_branches(base, config.branch_prefix).items()
        ):
            wanted = tip.phase == phase and (bool(tip.retired) or not retire_only)
            if wanted and not vcs_history.is_merged(base, sha):
                unmerged.append(name)
    if commits and not vcs.is_clean(base):
        raise UsageError([Problem("git", "the working tree has uncommitted changes",
                                  "commit or stash them: a revert needs a clean tree")])  # fmt: skip
    if not commits and not unmerged:
        raise UsageError([Problem("PHASE", f"nothing of {phase!r} has landed on {base.name}",
                                  "see `ssot-migrate status`")])  # fmt: skip
    return RollbackPlan(base, commits, tuple(unmerged))


def rollback(plan: RollbackPlan, delete_branches: bool) -> tuple[list[str], list[str]]:
    """Revert the phase's commits (newest first), then delete its unmerged branches."""
    from ssot_migrate.io import vcs_commits

    made = vcs_commits.revert(plan.base, plan.commits)
    deleted = list(plan.branches) if delete_branches else []
    vcs_commits.delete_branches(plan.base, deleted)
    return made, deleted


def plan_document(options: RunOptions) -> dict[str, Any]:
    """Phases, symbols, canonical and legacy paths, and how far each symbol is."""
    config = load(options)
    audits = _audits_by_name(options, config)
    phases = []
    for phase in config.phases:
        symbols = []
        for spec in phase.symbols:
            audit = audits.get(spec.name)
            legacy = sorted(audit.all_legacy_paths) if audit else []
            left = len(audit.variations) if audit else None
            lazy = [p.path for p in audit.legacy_paths if p.kind == BY_DECLARATION] if audit else []
            symbols.append(
                {
                    "name": spec.name,
                    "canonical": spec.canonical,
                    "legacy_paths": legacy,
                    "by_declaration": sorted(lazy),
                    "variations": left,
                    "target": spec.target,
                    "status": "done" if left is not None and left <= spec.target else "to do",
                }
            )
        phases.append({"name": phase.name, "title": phase.title, "symbols": symbols})
    return {"schema": "ssot-migrate/plan", "version": 1, "phases": phases}
