"""`verify`: legacy paths still reach the canonical objects and no import cycle is new
(static); with `--runtime`, the same proven in the target's interpreter, and each shimmed
module compared with the tree before the phase."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ssot_migrate.analysis.audit import SymbolAudit
from ssot_migrate.base.errors import ConfigError, UsageError
from ssot_migrate.checks.runtime import check_paths, compare_modules, import_failures
from ssot_migrate.checks.runtime_results import PathCheck, format_comparisons, format_results
from ssot_migrate.checks.verification import check_legacy_paths
from ssot_migrate.commands.cycles import CYCLES_FILE, cycles, phase_modules
from ssot_migrate.commands.project import (
    Project,
    RunOptions,
    load,
    open_audited,
    open_files,
    phase_of,
    read_by_a_run,
    source_roots,
)
from ssot_migrate.commands.shimming import own_deprecations, served_by_symbol, shimmed_modules
from ssot_migrate.config.model import Config
from ssot_migrate.io import workspace
from ssot_migrate.shims.block import served_names


@dataclass(frozen=True, slots=True)
class VerifyResult:
    lines: tuple[str, ...]
    failed: bool


def verify(
    options: RunOptions,
    phase: str | None,
    symbols: Sequence[str],
    runtime: bool,
    python: str | None,
) -> VerifyResult:
    """Static: legacy paths reach the canonical objects; no import cycle through the
    phase's modules that the recorded pre-run state did not have. Runtime: each legacy
    path imported in a fresh interpreter is the canonical object and warns at the importer,
    and each shimmed module still has what it had before the phase (`_compare_with_base`)."""

    config = load(options)
    _, project, audits = open_audited(options, config, symbols, phase)
    served = served_by_symbol(project, audits)
    lines: list[str] = []
    failed = False
    for finding in check_legacy_paths(project.resolver, audits, served):
        failed |= not finding.ok
        mark = "ok  " if finding.ok else "FAIL"
        lines.append(f"{mark} {finding.legacy}: {finding.detail}")
    retired = _retired(config, [phase] if phase else [p.name for p in config.phases])
    for path, sha in sorted(retired.items()):
        reached = project.resolver.resolve_path(path)
        failed |= reached.found
        if reached.found:
            lines.append(f"FAIL {path}: retired in {sha[:12]}, but it still reaches "
                         f"{reached.kind} {reached.path}")  # fmt: skip
        else:
            lines.append(f"ok   {path}: retired in {sha[:12]}, no longer resolves")
    modules = phase_modules(audits)
    now = cycles(project, modules)
    phases = [phase] if phase else [p.name for p in config.phases]
    before, why = _cycles_before(options, config, project, phases, modules) if now else ([], "")
    for cycle in now:
        # A cycle within one that was there before (fewer modules) is not new.
        new = before is not None and not any(set(cycle) <= set(old) for old in before)
        failed |= new
        label = "FAIL new import cycle" if new else "note import cycle (was there before)"
        if before is None:
            label = f"note import cycle (nothing to compare with: {why})"
        lines.append(f"{label} among {_modules_shown(cycle)}")
    if runtime:
        elsewhere = _landed_elsewhere(config, phases, audits, served)
        phase_of_symbol = phase_of(config)
        for name, (where, holders) in sorted(elsewhere.items()):
            failed = True
            lines.append(
                f"FAIL {name} has not landed on {where}: it is on {', '.join(holders)} "
                "(merge it, or check it out, then verify --runtime)"
            )
        own = own_deprecations(project, audits)
        # Public legacy paths warn; incidental ones only keep the object (checked above).
        checks = [
            PathCheck(path, audit.spec.canonical, path in own, path in own | shimmed)
            for audit in audits
            if phase_of_symbol.get(audit.spec.name) not in elsewhere
            for shimmed in [served[audit.spec.name]]
            for path in sorted(audit.declared | shimmed)
        ]
        results = check_paths(list(source_roots(config)), checks, python or sys.executable)
        failed |= not all(r.ok for r in results)
        lines += format_results(results)
        compared, lost = _compare_with_base(config, project, phases, python or sys.executable)
        failed |= lost
        lines += compared
        compared, lost = _compare_retired(config, project, retired, python or sys.executable)
        failed |= lost
        lines += compared
    return VerifyResult(tuple(lines), failed)


def _retired(config: Config, phases: Sequence[str]) -> dict[str, str]:
    """The legacy paths the `retire` commits of `phases` on this branch took away (reverted
    ones aside), with the sha of the commit that took each."""
    from ssot_migrate.io import vcs, vcs_history

    base = vcs.find_repository(config.root)
    if base is None:
        return {}
    undone = vcs_history.reverted(base)
    found: dict[str, str] = {}
    for commit in reversed(vcs_history.landed(base)):  # oldest first: the newest one wins
        if commit.phase in phases and commit.retired and commit.sha not in undone:
            found.update(dict.fromkeys(commit.retired, commit.sha))
    return found


def _compare_retired(
    config: Config, project: Project, retired: Mapping[str, str], python: str
) -> tuple[list[str], bool]:
    """`verify --runtime` after a retire: each module a retire commit touched, imported
    from the tree before the oldest of them and from the current tree. Every name it had
    is still there, the same object, except the retired ones, which must fail to import;
    a module the retire deleted must fail to import as a whole. Lines, and whether one
    failed."""
    from ssot_migrate.io import vcs, vcs_commits

    if not retired:
        return [], False
    head = vcs.find_repository(config.root)
    if head is None:
        return [], False
    oldest = min(retired.values(), key=lambda sha: _commit_order(head, sha))
    base = vcs.parent(head, oldest)
    if base is None:
        return [f"note retired paths not compared: {oldest[:12]} has no parent commit"], False
    gone: dict[str, set[str]] = {}
    for path in retired:
        module, _, name = path.rpartition(".")
        gone.setdefault(module, set()).add(name)
    top = head.top.resolve()
    roots = source_roots(config)
    with vcs_commits.worktree(head, base) as tree:
        before = [_in_tree(root, top, tree) for root in roots]
        served = {m: sorted(names) for m, names in gone.items()}
        comparisons = compare_modules(before, roots, sorted(gone), served, python)
    failures = import_failures(roots, sorted(retired), python)
    lines = [f"note retired modules compared with {base[:12]}, the parent of {oldest[:12]}"]
    failed = False
    for path in sorted(retired):
        error = failures.get(path)
        failed |= error is None
        if error is None:
            lines.append(f"FAIL {path}: retired, but it still imports")
        else:
            lines.append(f"ok   {path}: retired, importing it fails as expected ({error})")
    for found in comparisons:
        if project.index.modules.get(found.module) is None and found.error is not None:
            lines.append(f"ok   {found.module}: deleted by the retire, as expected")
            continue
        kept = [c for c in found.changes if not _shim_machinery(c.attribute, gone[found.module])]
        taken = len(found.changes) - len(kept)  # the shim's own names went with it
        others = dataclasses.replace(found, changes=tuple(kept), compared=found.compared - taken)
        failed |= not others.ok and others.note is None
        lines += format_comparisons([others], before="the retire")
    return lines, failed


_SHIM_DUNDERS = frozenset({"__getattr__", "__dir__", "__all__"})
"""What a shim block defines or rewrites in its module: the retire takes them with it
(``__all__`` loses the retired names, or goes when the block made it)."""


def _shim_machinery(attribute: str, retired: set[str]) -> bool:
    """A name a retire takes away on purpose: a retired one, or the shim block's own."""
    return (
        attribute in retired
        or attribute in _SHIM_DUNDERS
        or attribute.startswith(("_ssot_", "_SSOT_"))
    )


def _commit_order(head: Any, sha: str) -> int:
    """How many commits `sha` has behind it (older commits have fewer)."""
    return int(head.repo.git.rev_list("--count", sha))


def _landed_elsewhere(
    config: Config,
    phases: Sequence[str],
    audits: Sequence[SymbolAudit],
    served: Mapping[str, set[str]],
) -> dict[str, tuple[str, list[str]]]:
    """The phases of `phases` whose commit is on a branch but not on HEAD (nor reverted),
    and whose shims this tree does not hold either (``run --no-commit`` writes them in
    place): phase -> (HEAD's branch, the branches holding it). Their legacy paths cannot
    warn here; checking them at runtime would only say so once per path."""
    from ssot_migrate.io import vcs, vcs_history

    base = vcs.find_repository(config.root)
    if base is None:
        return {}
    undone = vcs_history.reverted(base)
    here = {c.phase for c in vcs_history.landed(base) if c.sha not in undone}
    of = phase_of(config)
    in_tree = {of.get(a.spec.name) for a in audits if served.get(a.spec.name)}
    holders: dict[str, list[str]] = {}
    for name, (_, tip) in sorted(vcs_history.phase_branches(base, config.branch_prefix).items()):
        if tip.phase in phases and tip.phase not in here | in_tree and tip.sha not in undone:
            holders.setdefault(tip.phase, []).append(name)
    return {phase: (base.name, names) for phase, names in holders.items()}


def _modules_shown(modules: Sequence[str], most: int = 12) -> str:
    """``{a, b, c}``; past `most` modules the first ones and how many there are in all (a
    cycle through a whole package can hold hundreds: sympy's holds 333)."""
    if len(modules) <= most:
        return "{" + ", ".join(modules) + "}"
    return "{" + ", ".join(modules[:most]) + f", ... ({len(modules)} modules)}}"


def _cycles_before(
    options: RunOptions,
    config: Config,
    project: Project,
    phases: Sequence[str],
    modules: set[str],
) -> tuple[list[list[str]] | None, str]:
    """The import cycles through `modules` before `phases` ran: the record their run kept
    in this checkout's cache, else those of the tree before the phase (`_phase_base`),
    checked out in a temporary worktree and parsed outwards from `modules` (a fresh clone,
    as CI has, keeps no cache); or None and why neither is at hand."""

    from ssot_migrate.io import vcs_commits

    recorded: list[list[str]] | None = None
    for name in phases:
        path = config.root / workspace.CACHE_DIR_NAME / CYCLES_FILE.format(phase=name)
        if path.is_file():
            recorded = (recorded or []) + json.loads(workspace.read_text(path))["cycles"]
    if recorded is not None:
        return recorded, ""
    changed = [f.rel for f in project.files if f.module in modules]
    found = _phase_base(config, phases, changed)
    if isinstance(found, str):
        return None, found
    head, base, _ = found
    top = head.top.resolve()
    with vcs_commits.worktree(head, base, only=read_by_a_run) as tree:
        there = tree / config.root.resolve().relative_to(top)
        config_file = config.config_file and _in_tree(config.config_file, top, tree)
        opts = RunOptions(there, config_file or None, options.jobs, options.use_cache)
        try:
            old = open_files(opts, load(opts))
        except (ConfigError, UsageError) as error:
            return None, f"the tree before the phase ({base[:12]}): {error.problems[0].what}"
        return cycles(old, modules), ""


def _compare_with_base(
    config: Config, project: Project, phases: Sequence[str], python: str
) -> tuple[list[str], bool]:
    """`verify --runtime`: every module holding a generated shim, imported from the tree
    before the phase and from the current tree (`runtime_check.compare_modules`): whatever
    it had before is still reachable, the same object. The base is the parent of the oldest
    commit of `phases` on this branch (reverted ones aside), else HEAD when a shimmed
    module has uncommitted changes (`run --no-commit`). Lines, and whether one failed."""
    from ssot_migrate.io import vcs_commits

    shimmed = shimmed_modules(project)
    if not shimmed:
        return [], False
    files = [f for f in project.files if f.module in shimmed]
    found = _phase_base(config, phases, [f.rel for f in files])
    if isinstance(found, str):
        return [f"{_NOT_COMPARED}: {found}"], False
    head, base, where = found
    top = head.top.resolve()
    served = {
        str(f.module): [m.name for m in served_names(workspace.read_bytes(f.path))] for f in files
    }
    roots = source_roots(config)
    with vcs_commits.worktree(head, base) as tree:
        before = [_in_tree(root, top, tree) for root in roots]
        comparisons = compare_modules(before, roots, sorted(shimmed), served, python)
    lines = [f"note shimmed modules compared with {base[:12]}, {where}"]
    return lines + format_comparisons(comparisons), not all(c.ok for c in comparisons)


_NOT_COMPARED = "note shimmed modules not compared with the tree before the phase"


def _phase_base(
    config: Config, phases: Sequence[str], rels: Sequence[str]
) -> tuple[Any, str, str] | str:
    """(repository, sha, description) of the tree before `phases`: the parent of the oldest
    of their commits on this branch (reverted ones aside), else HEAD when one of `rels`
    (relative to the config root) has uncommitted changes (`run --no-commit`); or why there
    is none."""
    from ssot_migrate.io import vcs, vcs_history

    head = vcs.find_repository(config.root)
    if head is None:
        return f"{config.root} is not in a git repository with a commit"
    root_rel = config.root.resolve().relative_to(head.top.resolve())
    reverted = vcs_history.reverted(head)
    landed = [c for c in vcs_history.landed(head) if c.phase in phases and c.sha not in reverted]
    if landed:
        oldest = landed[-1]
        base = vcs.parent(head, oldest.sha)
        if base is None:
            return f"{oldest.sha[:12]} has no parent commit"
        return (
            head,
            base,
            f"the parent of {oldest.sha[:12]}, the oldest {oldest.phase} commit on {head.name}",
        )
    if {(root_rel / rel).as_posix() for rel in rels} & vcs.dirty_paths(head):
        return head, head.sha, "HEAD: the phase is not committed yet"
    return f"no commit of {', '.join(phases)} on {head.name}, no uncommitted change of it"


def _in_tree(path: Path, top: Path, tree: Path) -> Path:
    """`path` of the repository whose top folder is `top`, in its checkout at `tree`."""
    try:
        return tree / path.resolve().relative_to(top)
    except ValueError:  # outside the repository: the same folder for both trees
        return path
