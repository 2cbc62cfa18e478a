"""`run PHASE` and `shim`: a phase's rewrite and its shims, planned and verified in memory
(nothing is written here: `io.writing` writes, `land` commits)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ssot_migrate.base.exit_codes import EXIT_OK, EXIT_PARTIAL
from ssot_migrate.base.outcomes import Note
from ssot_migrate.commands.cycles import CYCLES_FILE, CycleRecord, cycle_record
from ssot_migrate.commands.project import (
    Project,
    RunOptions,
    audit_all,
    check_phase,
    load,
    open_audited,
    open_project,
)
from ssot_migrate.commands.shimming import (
    PlannedShims,
    plan_phase_shims,
    rendered_shims,
    why_shimmed,
)
from ssot_migrate.commands.write_order import write_order
from ssot_migrate.config.model import SymbolSpec
from ssot_migrate.index.facts import SourceFile
from ssot_migrate.index.name_search import name_finder
from ssot_migrate.index.parse_pool import Parser
from ssot_migrate.io import workspace
from ssot_migrate.render.report import Skipped
from ssot_migrate.rewrite.apply import apply_plan
from ssot_migrate.rewrite.outcomes import FileChange
from ssot_migrate.rewrite.plan import plan_rewrites


@dataclass(frozen=True, slots=True)
class RunResult:
    """What a phase would change; nothing is written until the CLI calls write_changes."""

    phase: str
    specs: tuple[SymbolSpec, ...]
    changes: tuple[FileChange, ...]
    refused: tuple[Note, ...]
    notes: tuple[Note, ...]
    skipped: tuple[Skipped, ...]
    unrewritten: tuple[Note, ...] = ()
    """Unresolved and different-object imports of the symbols' names: reported by the
    audit, left as they are, and not a failure of the run."""
    shimmed: tuple[Note, ...] = ()
    """One per shim in `changes`: why the module is a legacy path a shim owns rather than
    an importer to rewrite (a package re-export, `__all__`, a compatibility module, ...)."""
    write_order: tuple[str, ...] = ()
    """The `rel` of each change in the order to write them in place (`write_order`)."""

    def in_write_order(self, changes: Sequence[FileChange]) -> list[FileChange]:
        """`changes` (some of `self.changes`) in `write_order`."""
        rank = {rel: number for number, rel in enumerate(self.write_order)}
        return sorted(changes, key=lambda change: rank.get(change.rel, len(rank)))

    @property
    def exit_code(self) -> int:
        return EXIT_PARTIAL if self.refused or self.skipped else EXIT_OK


def run_phase(
    options: RunOptions,
    phase: str,
    symbols: Sequence[str],
    strings: bool = True,
    shims: bool = True,
) -> RunResult:
    """Plan and verify a phase's rewrite (and its shims) in memory."""
    return plan_phase(options, phase, symbols, strings, shims).result


@dataclass(frozen=True, slots=True)
class _Planned:
    result: RunResult
    project: Project
    """The project it was planned on."""
    cycles: CycleRecord | None
    """The cycle record of the project, when asked for."""


def plan_phase(
    options: RunOptions,
    phase: str,
    symbols: Sequence[str],
    strings: bool,
    shims: bool,
    landing: bool = False,
    read_done: Callable[[], object] | None = None,
    files: tuple[SourceFile, ...] | None = None,
) -> _Planned:
    """`run_phase`, with the project it was planned on. `landing`: with the phase's cycle
    record, found on the base before any write, and the cache saved once. `read_done`:
    called once nothing more is read from the tree (the caller's git can start). `files`:
    the tree's source files, if discovered already.

    Shims are planned first: a module whose shim takes a name out of its namespace keeps
    its import of that name for the shim to remove (so the shim keeps what that import
    loaded); every other import of the module is rewritten, and the shim is made from the
    rewritten text.
    """

    config = load(options)
    check_phase(config, phase)
    specs, project, audits = open_audited(options, config, symbols, phase, files, not landing)
    planned_shims = plan_phase_shims(project, audits, phase) if shims else PlannedShims()
    taken = {t.rel: frozenset(m.name for m in t.names) for t in planned_shims.unbinding}
    plan = plan_rewrites(project.index, audits, strings, taken, options.rename)
    wanted = plan.files.keys() | {t.rel for t in planned_shims.targets}
    contents = {s.rel: workspace.read_bytes(s.path) for s in project.files if s.rel in wanted}
    if read_done is not None:
        read_done()
    relative = config.relative_imports == "keep"
    finder = name_finder(project.files)

    # A landing keeps the cycles through the phase's modules as they were (for `verify`),
    # unless nothing would land. They are found first: their few parses then get the
    # pool before the rewritten files' (after them, the main process would sit waiting
    # for the whole re-parse); the cache is saved while the workers parse those.
    record = None
    if landing and (plan.files or planned_shims.targets):
        record = cycle_record(project, audits)

    def save_cache() -> None:
        project.cache.save(live={f.rel for f in project.files})

    parsing = Parser(options.jobs, options.progress, whole=True)
    try:
        result = apply_plan(
            plan, contents, project.resolver, relative, finder, options.progress, parsing,
            save_cache if record is not None else None,
        )  # fmt: skip
    finally:
        parsing.close()
    by_rel = {c.rel: c for c in result.changes}
    refused = [*result.refused, *planned_shims.refused]
    notes = [*result.notes, *planned_shims.notes]
    shimmed: list[Note] = []
    if shims:
        refused_rels = {n.rel for n in refused}
        shim_changes, shim_refused = rendered_shims(
            project, planned_shims, contents, by_rel, refused_rels
        )
        by_rel.update((c.rel, c) for c in shim_changes)
        shimmed = why_shimmed(project, shim_changes, audits)
        refused += shim_refused
    planned = RunResult(
        phase,
        specs,
        tuple(by_rel[rel] for rel in sorted(by_rel)),
        tuple(refused),
        tuple(notes),
        project.skipped(),
        plan.unrewritten,
        tuple(shimmed),
        write_order(project.index.modules, audits, list(by_rel.values())),
    )
    return _Planned(planned, project, record)


def shim_phase(options: RunOptions, phase: str | None, symbols: Sequence[str]) -> RunResult:
    """Generate or refresh the shims of a phase (of every phase without one), in memory."""
    config = load(options)
    specs, project, audits = open_audited(options, config, symbols, phase)
    planned = plan_phase_shims(project, audits, phase)
    contents = {
        t.rel: workspace.read_bytes(project.index.modules[t.module].path) for t in planned.targets
    }
    changes, refused = rendered_shims(project, planned, contents, {}, set())
    label = phase or "all phases"
    refused = [*planned.refused, *refused]
    order = write_order(project.index.modules, audits, changes)
    return RunResult(
        label, specs, tuple(changes), tuple(refused), tuple(planned.notes), (), write_order=order
    )


def record_cycles(
    options: RunOptions,
    result: RunResult,
    store: Path | None = None,
    project: Project | None = None,
    record: CycleRecord | None = None,
) -> None:
    """Before a phase writes: the import cycles through its modules, for `verify` (kept in
    the cache of `store`, default the analysed root). `project`: the one `result` was
    planned on, if at hand (else the tree is indexed again); `record`: the cycles, if
    already found on it (`cycle_record`)."""

    config = load(options)
    if record is None:
        if project is None:
            project = open_project(options, config, result.specs)
        record = cycle_record(project, audit_all(project, result.specs))
        project.cache.save(live={f.rel for f in project.files})
    try:
        folder = workspace.ensure_cache_dir((store or config.root) / workspace.CACHE_DIR_NAME)
        path = folder / CYCLES_FILE.format(phase=result.phase)
        workspace.write_atomic(path, (json.dumps(record, indent=2) + "\n").encode())
    except OSError:
        return  # a record that cannot be kept: `verify` then says it has none to compare
