"""What each command does, minus the terminal: options in, results and exit codes out."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ssot_migrate import __version__
from ssot_migrate.analysis import baseline as ratchet
from ssot_migrate.analysis.audit import BY_DECLARATION, SHIM_EXCLUDED, SymbolAudit
from ssot_migrate.analysis.auditor import audit_symbol
from ssot_migrate.analysis.candidates import Candidate, discover_candidates
from ssot_migrate.analysis.grouping import find_codeowners, parse_group_by
from ssot_migrate.base.errors import ConfigError, Problem, UsageError
from ssot_migrate.base.exit_codes import EXIT_CHECK_FAILED, EXIT_OK, EXIT_PARTIAL
from ssot_migrate.base.wording import counted
from ssot_migrate.commands.project import (
    Project,
    RunOptions,
    load,
    open_files,
    open_project,
    phase_of,
    project_files,
    select_symbols,
)
from ssot_migrate.config.load import PYPROJECT_NAME
from ssot_migrate.config.model import Config, SymbolSpec
from ssot_migrate.index.cache import FACTS_FORMAT, FactsCache, listing
from ssot_migrate.index.facts import SourceFile, absolute_module
from ssot_migrate.io import workspace
from ssot_migrate.render.report import AuditRun, Skipped

if TYPE_CHECKING:  # LibCST costs ~0.3 s to import, GitPython ~0.1 s: only their users pay
    from ssot_migrate.index.facts import ModuleFacts
    from ssot_migrate.io import vcs, vcs_commits
    from ssot_migrate.rewrite.apply import FileChange, Note


@dataclass(frozen=True, slots=True)
class AuditResult:
    run: AuditRun
    exit_code: int
    messages: tuple[str, ...]
    """Check failures and notes, for stderr (skipped files are in `run.skipped`)."""
    gate: bool = False
    """A `--check` run: the files it could not parse go to stderr whatever the format."""


def audit(
    options: RunOptions,
    symbols: Sequence[str],
    phase: str | None,
    group_by: str | None,
    baseline_path: Path | None,
    check: bool,
    strict: bool = False,
) -> AuditResult:
    """The audit, and its exit code: with `check`, a gate (0 passes, 1 fails) that files it
    could not parse fail only when `strict`; without, 3 when some were skipped."""
    config = load(options)
    specs = select_symbols(config, symbols, phase)
    group_key = None
    if group_by is not None:
        owners = find_codeowners(config.root)
        group_key = parse_group_by(group_by, workspace.read_text(owners) if owners else None)
    old = _read_baseline(baseline_path) if (check and baseline_path is not None) else None
    audits, skipped, files, parsed = _audit_counts(options, config, specs)
    run = AuditRun(
        audits=audits,
        phases=phase_of(config),
        skipped=skipped,
        files=files,
        parsed=parsed,
        group_key=group_key,
        group_by=group_by,
    )
    messages: list[str] = []
    failed = False
    if old is not None:
        for r in ratchet.regressions(audits, old):
            messages.append(f"{r.symbol}: {r.count} rose from {r.before} to {r.now} (baseline)")
            failed = True
    elif check:
        for a in audits:
            if a.above_target:
                messages.append(
                    f"{a.spec.name}: {counted(len(a.variations), 'variation')}, "
                    f"target {a.spec.target}"
                )
                failed = True
    if baseline_path is not None and not check:
        import json

        data = json.dumps(ratchet.baseline_counts(audits), indent=2) + "\n"
        workspace.write_atomic(baseline_path, data.encode())
        messages.append(f"baseline written to {baseline_path}")
    if check and strict and run.skipped:
        messages.append(f"--strict: {counted(len(run.skipped), 'file')} could not be parsed")
        failed = True
    # A gate that passed passes: what it could not parse is listed, not a failure.
    partial = EXIT_PARTIAL if run.skipped and not check else EXIT_OK
    return AuditResult(run, EXIT_CHECK_FAILED if failed else partial, tuple(messages), check)


_Counted = tuple[tuple[SymbolAudit, ...], tuple[Skipped, ...], int, int]


def _audit_counts(options: RunOptions, config: Config, specs: tuple[SymbolSpec, ...]) -> _Counted:
    """(audits, skipped files, files, files parsed) of `specs`. When no file was added,
    removed or touched since the last audit of the same question (same tool, config and
    specs), its answer is reused without reading the cache of facts: a warm rerun costs a
    walk and a stat of each file."""
    files = project_files(config)
    cache = FactsCache(config.root, enabled=options.use_cache)
    question = audit_question(config, specs)
    listed = listing(question, [(f.rel, f.abspath) for f in files]) if cache.enabled else None
    if listed is not None:
        remembered = cache.listed_get(listed)
        if _is_counted(remembered):
            return remembered  # type: ignore[no-any-return]
    stats = listed.stats if listed is not None else None
    project = open_project(options, config, specs, files, cache, stats)
    parsed = len(project.index.facts) + len(project.index.failures)
    counted = (_audits(project, specs), project.skipped(), len(files), parsed)
    if listed is not None:
        cache.listed_put(listed, counted)
    return counted


def audit_question(config: Config, specs: tuple[SymbolSpec, ...]) -> str:
    """What an audit answers, besides the files: the tool, the whole config, the specs (a
    repr of tuples and paths: the same in every process, whatever the hash seed)."""
    return repr((__version__, FACTS_FORMAT, "audit", config, specs))


def _is_counted(value: object) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 4
        and isinstance(value[0], tuple)
        and all(isinstance(a, SymbolAudit) for a in value[0])
    )


def _audits(project: Project, specs: tuple[SymbolSpec, ...]) -> tuple[SymbolAudit, ...]:
    """Audit `specs`, or reuse the last audit when nothing it depends on changed."""
    fingerprint = project.fingerprint(specs)
    remembered = project.cache.memo_get(fingerprint)
    if isinstance(remembered, tuple) and all(isinstance(a, SymbolAudit) for a in remembered):
        return remembered
    audits = tuple(
        audit_symbol(project.index, project.resolver, spec, project.context(spec)) for spec in specs
    )
    project.cache.memo_put(fingerprint, audits)
    return audits


def _read_baseline(path: Path) -> Mapping[str, Mapping[str, int]]:
    try:
        text = workspace.read_text(path)
    except FileNotFoundError:
        raise UsageError(
            [
                Problem(
                    "--baseline",
                    f"no baseline at {path}",
                    "create it first with `ssot-migrate audit --baseline FILE` (without --check)",
                )
            ]
        ) from None
    return ratchet.parse_baseline(text, str(path))


def discover(options: RunOptions, top: int) -> list[Candidate]:
    config = load(options)
    return _candidates(options, config)[:top]


def _candidates(options: RunOptions, config: Config) -> list[Candidate]:
    """Every candidate symbol, never proposing a path through a `shim-exclude` file."""
    from ssot_migrate.index.discovery import IgnoreRules

    project = open_project(options, config, None)
    excluded = IgnoreRules(config.shim_exclude)
    return discover_candidates(
        project.index, project.resolver, excluded=lambda rel: bool(excluded.decides(rel))
    )


@dataclass(frozen=True, slots=True)
class InitResult:
    path: Path
    """The pyproject.toml the section goes into."""
    text: str
    """Its whole new text."""
    notes: tuple[str, ...]
    """Close calls between two public paths, for the user to check before running."""


def init_text(options: RunOptions, top: int, section_only: bool = False) -> InitResult:
    """The pyproject.toml path and its new text with a starter section; `section_only`:
    the section alone (to print: then settings that exist already are no obstacle)."""
    config = load(options)
    if config.config_file is not None and not section_only:
        raise ConfigError(
            [
                Problem(
                    str(config.config_file),
                    "ssot-migrate is already configured",
                    "edit that file, or remove its section and run init again",
                )
            ]
        )
    chosen: dict[str, str] = {}
    notes: list[str] = []
    for candidate in _candidates(options, config):
        if candidate.name not in chosen:
            chosen[candidate.name] = candidate.canonical
            if candidate.close:
                notes.append(close_call(candidate))
        if len(chosen) >= top:
            break
    path = config.root / PYPROJECT_NAME
    text = workspace.read_text(path) if path.exists() and not section_only else ""
    from ssot_migrate.config.starter import add_init_section

    section = add_init_section(text, list(chosen.items()), str(path))
    return InitResult(path, section, tuple(notes))


def close_call(candidate: Candidate) -> str:
    """One line on a close choice between two public paths."""
    assert candidate.close is not None
    ours, theirs = candidate.sites_of(candidate.canonical), candidate.sites_of(candidate.close)
    return (
        f"{candidate.name}: canonical {candidate.canonical} ({ours} sites) was a close call "
        f"against {candidate.close} ({theirs} sites)"
    )


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
    return _plan_phase(options, phase, symbols, strings, shims).result


@dataclass(frozen=True, slots=True)
class _Planned:
    result: RunResult
    project: Project
    """The project it was planned on."""
    cycles: CycleRecord | None
    """The cycle record of the project, when asked for."""


def _plan_phase(
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
    from ssot_migrate.index.build import Parser
    from ssot_migrate.rewrite.apply import apply_plan, plan_rewrites

    config = load(options)
    _check_phase(config, phase)
    specs = select_symbols(config, symbols, phase)
    project = open_project(options, config, specs, files, save=not landing)
    audits = _audits(project, specs)
    planned_shims = _plan_shims(project, audits, phase) if shims else _PlannedShims()
    taken = {t.rel: frozenset(m.name for m in t.names) for t in planned_shims.unbinding}
    plan = plan_rewrites(project.index, audits, strings, taken)
    wanted = plan.files.keys() | {t.rel for t in planned_shims.targets}
    contents = {s.rel: workspace.read_bytes(s.path) for s in project.files if s.rel in wanted}
    if read_done is not None:
        read_done()
    relative = config.relative_imports == "keep"
    finder = _name_finder(project)

    # A landing keeps the cycles through the phase's modules as they were (for `verify`),
    # unless nothing would land. They are found first: their few parses then get the
    # pool before the rewritten files' (after them, the main process would sit waiting
    # for the whole re-parse); the cache is saved while the workers parse those.
    record = None
    if landing and (plan.files or planned_shims.targets):
        record = _cycle_record(project, audits)

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
        shim_changes, shim_refused = _shim_changes(
            project, planned_shims, contents, by_rel, refused_rels
        )
        by_rel.update((c.rel, c) for c in shim_changes)
        shimmed = _why_shimmed(project, shim_changes, audits)
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
    )
    return _Planned(planned, project, record)


def _why_shimmed(
    project: Project, shims: Sequence[FileChange], audits: Sequence[SymbolAudit]
) -> list[Note]:
    """Why each shimmed module is a public legacy path (the reason of its first path)."""
    from ssot_migrate.rewrite.apply import Note

    reasons: dict[str, str] = {}
    for audit in audits:
        for path in audit.legacy_paths:
            if path.path in audit.declared:
                reasons.setdefault(path.path.rpartition(".")[0], path.reason)
    modules = {f.rel: f.module for f in project.files}
    return [
        Note(change.rel, 1, reasons.get(str(modules.get(change.rel)), "public legacy path"))
        for change in shims
    ]


def _name_finder(project: Project) -> Callable[[str, str], bool]:
    """`used_elsewhere(module, name)`: could another file import `name` from `module`
    (``from …module import …name``, ``module.name``)? A byte search over every file,
    read once; it errs towards "yes", which only keeps an object bound.

    Each name's files are searched once, for every module they spell it through (the last
    component of ``from a.b import name`` and of ``b.name``); the answers for all modules
    come from that one pass, so the work grows with the distinct names asked for, not with
    the number of questions times the number of files.
    """
    import re

    contents: dict[str, bytes] = {}
    spelled: dict[str, dict[bytes, set[str | None]] | None] = {}
    """name -> the last module components it is imported or read through -> the modules
    of the files doing so; None when a file could not be read (every answer is then yes)."""
    statement = re.compile(rb"from\s+[\w.]+\s+import\s")

    def search(name: str) -> dict[bytes, set[str | None]] | None:
        word = re.escape(name.encode())
        through = re.compile(rb"from\s+([\w.]+)\s+import\s+(?:\([^)]*|[^\n]*)\b" + word + rb"\b")
        attribute = re.compile(rb"\b(\w+)\." + word + rb"\b")
        found: dict[bytes, set[str | None]] = {}
        for source in project.files:
            data = contents.get(source.rel)
            if data is None:
                try:
                    data = contents[source.rel] = workspace.read_bytes(source.path)
                except OSError:
                    return None
            if name.encode() not in data:
                continue
            lasts = {m.group(1) for m in attribute.finditer(data)}
            # Each statement on its own (match, not finditer): a match spanning several
            # statements must not hide the module of a later one.
            for start in statement.finditer(data):
                match = through.match(data, start.start())
                if match is not None:
                    lasts.add(_last_component(source, match.group(1)))
            for last in lasts:
                found.setdefault(last, set()).add(source.module)
        return found

    def used_elsewhere(module: str, name: str) -> bool:
        if name not in spelled:
            spelled[name] = search(name)
        found = spelled[name]
        if found is None:
            return True
        readers = found.get(module.rpartition(".")[2].encode(), set()) | found.get(b"", set())
        return bool(readers - {module})

    return used_elsewhere


def _last_component(source: SourceFile, spelled: bytes) -> bytes:
    """The last component of the module ``from <spelled> import`` names in `source`:
    ``from .. import name`` in ``pkg/sub/m.py`` names ``pkg``. b"" when a relative import
    cannot be placed (it then counts as naming any module)."""
    dots = len(spelled) - len(spelled.lstrip(b"."))
    if not dots:
        return spelled.rpartition(b".")[2]
    module = absolute_module(source, spelled[dots:].decode("ascii", "replace"), dots)
    return module.rpartition(".")[2].encode() if module else b""


def _check_phase(config: Config, phase: str) -> None:
    if phase not in {p.name for p in config.phases}:
        valid = ", ".join(p.name for p in config.phases) or "(none configured)"
        raise UsageError([Problem("PHASE", f"unknown phase {phase!r}", f"valid: {valid}")])


def shim_phase(options: RunOptions, phase: str | None, symbols: Sequence[str]) -> RunResult:
    """Generate or refresh the shims of a phase (of every phase without one), in memory."""
    config = load(options)
    specs = select_symbols(config, symbols, phase)
    project = open_project(options, config, specs)
    audits = _audits(project, specs)
    planned = _plan_shims(project, audits, phase)
    contents = {
        t.rel: workspace.read_bytes(project.index.modules[t.module].path) for t in planned.targets
    }
    changes, refused = _shim_changes(project, planned, contents, {}, set())
    label = phase or "all phases"
    refused = [*planned.refused, *refused]
    return RunResult(label, specs, tuple(changes), tuple(refused), tuple(planned.notes), ())


@dataclass(frozen=True, slots=True)
class _PlannedShims:
    """The shims a phase makes, before any text is rendered."""

    targets: tuple[Any, ...] = ()
    """`shims.ShimTarget`s with the names each serves (those the module's own
    ``__getattr__`` already deprecates taken out)."""
    unbinding: tuple[Any, ...] = ()
    """The targets whose shim takes the names out of the module's namespace (a
    ``__getattr__`` serves them); the others keep them bound behind a module class."""
    origins: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    """`shims.ShimOrigin` by target `rel`: the phase that makes it and its settings."""
    notes: tuple[Note, ...] = ()
    refused: tuple[Note, ...] = ()
    """Modules that cannot take a shim (the block would not run on the project's oldest
    Python, say): importers like any other, whose imports the run rewrites."""


def _plan_shims(
    project: Project, audits: tuple[SymbolAudit, ...], phase: str | None
) -> _PlannedShims:
    """A shim for every module of a public legacy path (see `audit`), minus the names its
    own ``__getattr__`` already deprecates."""
    from ssot_migrate.config.target_python import target_python
    from ssot_migrate.rewrite.apply import Note
    from ssot_migrate.shims.legacy_module import (
        ShimOrigin,
        ShimRefused,
        deprecated_by_own_getattr,
        plan_shims,
        shim_module,
        unbinds_names,
    )

    config = project.config
    titles = {p.name: p.title for p in config.phases}
    owner = phase_of(config)
    by_spec = {a.spec.canonical: a.spec.name for a in audits}
    targets, planned_notes = plan_shims(project.index, audits)
    notes = [Note(n.rel, 1, n.reason) for n in planned_notes]
    for audit in audits:  # shim-exclude wins over code importing through the path: say so
        for path in audit.legacy_paths:
            source = project.index.modules.get(path.path.rpartition(".")[0])
            if path.reason.startswith(SHIM_EXCLUDED) and (path.sites or path.strings):
                used = f"imported through at {path.sites + path.strings} place(s)"
                notes.append(Note(source.rel if source else path.path, 1,
                                  f"{SHIM_EXCLUDED}: {path.path} is {used}, and gets no shim"))  # fmt: skip
    if not targets:
        return _PlannedShims(notes=tuple(notes))
    oldest = target_python(config)  # every shim must run on it
    kept: list[Any] = []
    unbinding: list[Any] = []
    refused: list[Note] = []
    origins: dict[str, Any] = {}
    plan_file = config.config_file.name if config.config_file else "the default settings"
    for target in targets:
        before = workspace.read_bytes(project.index.modules[target.module].path)
        # A name the module's own __getattr__ already serves keeps its own warning.
        own = deprecated_by_own_getattr(before, (m.name for m in target.names))
        for name in sorted(own):
            left = f"already deprecated by its module's own __getattr__: {target.module}.{name}"
            notes.append(Note(target.rel, 1, f"{left}, left as is"))
        names = tuple(m for m in target.names if m.name not in own)
        if not names:
            continue
        target = dataclasses.replace(target, names=names)
        first = names[0]
        name = phase or owner.get(by_spec.get(f"{first.module}.{first.attribute}", ""), "")
        origin = ShimOrigin(
            name,
            titles.get(name, ""),
            config.shims.category,
            config.shims.removal,
            plan_file,
            oldest.version,
            oldest.source,
        )
        # A module that cannot take a shim (its Python too old for the block, say) is an
        # importer like any other: its imports are rewritten, not left for a shim to remove.
        try:
            shim_module(before, names, origin)
        except (ShimRefused, ValueError, SyntaxError) as error:
            refused.append(Note(target.rel, 1, f"no shim: {error}"))
            continue
        kept.append(target)
        origins[target.rel] = origin
        if unbinds_names(before, names):
            unbinding.append(target)
    return _PlannedShims(tuple(kept), tuple(unbinding), origins, tuple(notes), tuple(refused))


def _shim_changes(
    project: Project,
    planned: _PlannedShims,
    contents: Mapping[str, bytes],
    rewritten: Mapping[str, FileChange],
    refused_rels: set[str],
) -> tuple[list[FileChange], list[Note]]:
    """The verified shims of `planned`, each made from its module's rewritten text when the
    rewrite changed it (`rewritten`), and checked against the module as it was."""
    from ssot_migrate.index.extract import extract_facts
    from ssot_migrate.index.facts import ModuleFacts
    from ssot_migrate.rewrite.apply import FileChange, Note, module_bindings_changed, resolver_with
    from ssot_migrate.shims.legacy_module import ShimRefused, shim_module

    changes: list[FileChange] = []
    refused: list[Note] = []
    by_rel = {f.rel: f for f in project.files}
    for target in planned.targets:
        if target.rel in refused_rels:
            continue  # its rewrite was refused: the file stays as it is, shim included
        source = by_rel[target.rel]
        before = contents[target.rel]
        rewrite = rewritten.get(target.rel)
        try:
            after = shim_module(
                rewrite.after if rewrite else before, target.names, planned.origins[target.rel]
            )
        except (ShimRefused, ValueError, SyntaxError) as error:
            refused.append(Note(target.rel, 1, f"no shim: {error}"))
            continue
        old, new = project.index.facts.get(target.rel), extract_facts(after, whole=True)
        if not (isinstance(old, ModuleFacts) and isinstance(new, ModuleFacts)):
            refused.append(Note(target.rel, 1, "no shim: the module could not be re-read"))
            continue
        after_resolver = resolver_with(project.resolver, source, new)
        changed = module_bindings_changed(source, old, new, project.resolver, after_resolver)
        if changed:
            refused.append(Note(target.rel, 1, f"no shim: it would change what {changed} is"))
        elif after != before:
            sites = len(target.names) + (rewrite.sites if rewrite else 0)
            forms = {**(rewrite.forms if rewrite else {}), "shim": 1}
            changes.append(FileChange(target.rel, before, after, sites, forms, new))
    return changes, refused


def write_changes(
    root: Path, changes: Sequence[FileChange], scratch: bool = False
) -> tuple[list[str], list[Note]]:
    """Write `changes` atomically, each only if its file still holds what was read
    (`scratch`: in place, in a tree the tool made and deletes; see overwrite_scratch)."""
    from ssot_migrate.rewrite.apply import Note

    written: list[str] = []
    refused: list[Note] = []
    for change in changes:
        path = root / change.rel
        refused_because = workspace.refusal(path)
        if refused_because:
            refused.append(Note(change.rel, 1, f"not written: it {refused_because}"))
            continue
        if not scratch:
            workspace.remove_stale_temps(path)
        try:
            current = workspace.read_bytes(path)
        except OSError as error:
            refused.append(Note(change.rel, 1, f"cannot read it again: {error.strerror}"))
            continue
        if current != change.before:
            refused.append(Note(change.rel, 1, "changed on disk during the run: left as it is"))
            continue
        try:
            if scratch:
                workspace.overwrite_scratch(path, change.after)
            else:
                workspace.write_atomic(path, change.after)
        except OSError as error:
            refused.append(Note(change.rel, 1, f"cannot write it: {error.strerror}"))
            continue
        written.append(change.rel)
    return written, refused


def _served_paths(project: Project) -> dict[str, str]:
    """Legacy path -> canonical path, for every name a generated shim block on disk serves
    (its `_SSOT_MOVED`, see `shims.served_names`), whether or not anyone still imports it."""
    from ssot_migrate.shims.legacy_module import served_names

    served: dict[str, str] = {}
    for module in sorted(_shimmed_modules(project)):
        source = project.index.modules[module]
        for moved in served_names(workspace.read_bytes(source.path)):
            served[f"{module}.{moved.name}"] = f"{moved.module}.{moved.attribute}"
    return served


def _served_by_symbol(project: Project, audits: Sequence[SymbolAudit]) -> dict[str, set[str]]:
    """Symbol name -> the legacy paths generated blocks on disk serve as its canonical
    object (alias paths included, where no import and no re-export names them any more)."""
    served = _served_paths(project)
    return {
        a.spec.name: {path for path, target in served.items() if target == a.spec.canonical}
        for a in audits
    }


def _own_deprecations(project: Project, audits: Sequence[SymbolAudit]) -> set[str]:
    """Legacy paths whose module's own ``__getattr__`` serves and deprecates the name (the
    shims leave them to it; see `shims.deprecated_by_own_getattr`)."""
    from ssot_migrate.shims.legacy_module import deprecated_by_own_getattr

    paths = {path for a in audits for path in a.all_legacy_paths}
    by_module: dict[str, set[str]] = {}
    for path in paths:
        module, _, name = path.rpartition(".")
        by_module.setdefault(module, set()).add(name)
    found: set[str] = set()
    for module, names in by_module.items():
        source = project.index.modules.get(module)
        if source is None:
            continue
        try:
            data = workspace.read_bytes(source.path)
        except OSError:
            continue
        found |= {f"{module}.{n}" for n in deprecated_by_own_getattr(data, names)}
    return found


def _shimmed_modules(project: Project) -> set[str]:
    """Modules that already hold a generated shim block: both kinds bind `_SSOT_MOVED` (see
    `ModuleFacts.shim_served`; a module class serves the names it warns about without a
    __getattr__)."""
    from ssot_migrate.shims.legacy_module import BEGIN

    found = set()
    for source in project.files:
        facts = project.index.facts.get(source.rel)
        if facts is None or source.module is None:
            continue
        if facts.shim_served and BEGIN.encode() in workspace.read_bytes(source.path):
            found.add(str(source.module))
    return found


def registry_page(options: RunOptions) -> str:
    """The SSOT import registry (Markdown) for every configured symbol."""
    from ssot_migrate.render.registry import render_registry

    config = load(options)
    specs = select_symbols(config, [], None)
    project = open_project(options, config, specs)
    audits = _audits(project, specs)
    where = config.config_file.name if config.config_file else "the default settings"
    return render_registry(config, audits, _served_paths(project), where)


CYCLES_FILE = "cycles-before-{phase}.json"


def _phase_modules(audits: Sequence[SymbolAudit]) -> set[str]:
    modules = set()
    for audit in audits:
        modules.add(audit.spec.canonical_module)
        for path in audit.all_legacy_paths:
            modules.add(path.rpartition(".")[0])
    return modules


def _cycles(project: Project, modules: set[str]) -> list[list[str]]:
    """The import cycles through `modules`.

    A cycle through a module passes only through modules it imports, directly or not: so
    only those are parsed, from `modules` outwards (not the whole tree). The cache is not
    saved here.
    """
    from ssot_migrate.checks.verification import cycles_through
    from ssot_migrate.commands.project import import_graph_from

    graph = import_graph_from(project, modules, save=False)
    return sorted(sorted(c) for c in cycles_through(graph, modules))


CycleRecord = dict[str, list[Any]]


def _cycle_record(project: Project, audits: Sequence[SymbolAudit]) -> CycleRecord:
    """The import cycles through a phase's modules (its canonical and legacy modules) in
    the tree `project` indexed; the cache then holds what was parsed for them (unsaved)."""
    modules = _phase_modules(audits)
    return {"modules": sorted(modules), "cycles": _cycles(project, modules)}


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
    already found on it (`_cycle_record`)."""
    import json

    config = load(options)
    if record is None:
        if project is None:
            project = open_project(options, config, result.specs)
        record = _cycle_record(project, _audits(project, result.specs))
        project.cache.save(live={f.rel for f in project.files})
    try:
        folder = workspace.ensure_cache_dir((store or config.root) / ".ssot-migrate-cache")
        path = folder / CYCLES_FILE.format(phase=result.phase)
        workspace.write_atomic(path, (json.dumps(record, indent=2) + "\n").encode())
    except OSError:
        return  # a record that cannot be kept: `verify` then says it has none to compare


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
    import sys

    from ssot_migrate.checks.verification import check_legacy_paths

    config = load(options)
    specs = select_symbols(config, symbols, phase)
    project = open_project(options, config, specs)
    audits = _audits(project, specs)
    served = _served_by_symbol(project, audits)
    lines: list[str] = []
    failed = False
    for finding in check_legacy_paths(project.resolver, audits, served):
        failed |= not finding.ok
        mark = "ok  " if finding.ok else "FAIL"
        lines.append(f"{mark} {finding.legacy}: {finding.detail}")
    modules = _phase_modules(audits)
    now = _cycles(project, modules)
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
        from ssot_migrate.checks.runtime import PathCheck, check_paths, format_results
        from ssot_migrate.commands.project import source_roots

        elsewhere = _landed_elsewhere(config, phases, audits, served)
        phase_of_symbol = phase_of(config)
        for name, (where, holders) in sorted(elsewhere.items()):
            failed = True
            lines.append(
                f"FAIL {name} has not landed on {where}: it is on {', '.join(holders)} "
                "(merge it, or check it out, then verify --runtime)"
            )
        own = _own_deprecations(project, audits)
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
    return VerifyResult(tuple(lines), failed)


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
    import json

    from ssot_migrate.io import vcs_commits

    recorded: list[list[str]] | None = None
    for name in phases:
        path = config.root / ".ssot-migrate-cache" / CYCLES_FILE.format(phase=name)
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
        return _cycles(old, modules), ""


def _compare_with_base(
    config: Config, project: Project, phases: Sequence[str], python: str
) -> tuple[list[str], bool]:
    """`verify --runtime`: every module holding a generated shim, imported from the tree
    before the phase and from the current tree (`runtime_check.compare_modules`): whatever
    it had before is still reachable, the same object. The base is the parent of the oldest
    commit of `phases` on this branch (reverted ones aside), else HEAD when a shimmed
    module has uncommitted changes (`run --no-commit`). Lines, and whether one failed."""
    from ssot_migrate.checks.runtime import compare_modules, format_comparisons
    from ssot_migrate.commands.project import source_roots
    from ssot_migrate.io import vcs_commits
    from ssot_migrate.shims.legacy_module import served_names

    shimmed = _shimmed_modules(project)
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


@dataclass(frozen=True, slots=True)
class LandedBranch:
    name: str
    sha: str
    label: str
    files: tuple[str, ...]
    """The rewritten importers of this branch's slice (shims are in every branch)."""
    pr_path: Path
    pr_text: str
    committed: int = 0
    """Files in the commit: the slice plus the shims."""


@dataclass(frozen=True, slots=True)
class LandResult:
    run: RunResult
    branches: tuple[LandedBranch, ...]
    base_name: str
    base_sha: str
    dirty_overlap: tuple[str, ...]
    """Files the phase rewrites that have uncommitted changes in the user's tree."""
    refused: tuple[str, ...] = ()
    """Batches not committed because they did not pass their own verify."""

    @property
    def exit_code(self) -> int:
        return EXIT_PARTIAL if self.refused else self.run.exit_code


def land_phase(
    options: RunOptions,
    phase: str,
    symbols: Sequence[str],
    *,
    strings: bool = True,
    shims: bool = True,
    branch: str | None = None,
    force_branch: bool = False,
    batch_size: int | None = None,
    batch_by: str | None = None,
    say: Callable[[str], object] | None = None,
) -> LandResult:
    """Build the phase from HEAD and commit it on new branch(es). `say`: told first, before
    any git work, when the repository's top level is not the root (the commits go to a
    repository the user may not have meant).

    Read in place when every file a run reads holds in the user's tree what HEAD holds
    (nothing is written there but the tool's cache; the commits are hashed from a scratch
    folder holding only the rewritten files), else in a temporary worktree at HEAD. The
    user's branch, index, working tree and stash are never touched.
    """
    from ssot_migrate.io import vcs, vcs_commits

    vcs.refuse_bare(options.root)
    config = load(options)
    _check_phase(config, phase)
    specs = select_symbols(config, symbols, phase)  # usage errors before any git work
    base = vcs.open_base(config.root)
    root_rel = config.root.resolve().relative_to(base.top.resolve())
    name = branch or default_branch(config, phase, specs)
    if root_rel != Path(".") and say is not None:
        say(
            f"committing in the git repository at {base.top} (--root is its folder "
            f"{root_rel.as_posix()}/): branch {name} from {base.name}"
        )
    landing = _Landing(
        options, config, base, root_rel, phase, symbols, strings, shims,
        name, force_branch, batch_size, batch_by,
    )  # fmt: skip
    discovered: list[tuple[SourceFile, ...]] = []

    def discover() -> None:  # while git walks the tree for its status
        if config.root == base.top / root_rel:  # the paths the landing reads in place
            discovered.append(project_files(config))

    match = vcs.head_match(base, read_by_a_run, discover)
    if match is not None:
        try:
            return landing.land(base.top, match, discovered[0] if discovered else None)
        except _NeedsWorktree:
            pass  # nothing was committed: build it again from a worktree
    with vcs_commits.worktree(base, only=read_by_a_run) as tree:
        return landing.land(tree, None)


class _NeedsWorktree(Exception):
    """Reading in place cannot decide the phase: it must be built in a worktree."""


class _GitAhead:
    """A landing's git commands, started before their answers are needed so that git
    works while the main process plans, verifies and renders: once the tree is read, the
    status of the user's tree (if read in place: what changed since the read) and the
    first batch's tree (a temporary index read from the base); each next batch's before
    the one at hand is verified; the status at the end (the files the phase rewrites
    that have uncommitted changes) with the last batch. Stopped, and their scratch
    removed, by `close`."""

    def __init__(self, base: vcs.Base, tree: Path, in_place: bool) -> None:
        self._base, self._tree, self._in_place = base, tree, in_place
        self._status: vcs.DirtyPaths | None = None
        self._final: vcs.DirtyPaths | None = None
        self._next: vcs_commits.TreeBuilder | None = None  # the next batch's
        self._open: list[vcs_commits.TreeBuilder] = []

    def start(self) -> None:
        from ssot_migrate.io import vcs, vcs_commits

        if self._in_place:
            self._status = vcs.DirtyPaths(self._base, untracked=False)
        self._next = self._track(vcs_commits.TreeBuilder(self._tree, self._base.sha))

    def dirty_after_read(self) -> set[str]:
        assert self._status is not None, "started in place"
        return self._status.paths()

    def builder(self, last: bool) -> vcs_commits.TreeBuilder:
        """The batch at hand's tree (started, with the next one's if not
        `last`; with the status at the end if `last`)."""
        from ssot_migrate.io import vcs, vcs_commits

        current = self._next or self._track(vcs_commits.TreeBuilder(self._tree, self._base.sha))
        self._next = None
        if last:
            self._final = vcs.DirtyPaths(self._base, untracked=False)
        else:
            self._next = self._track(vcs_commits.TreeBuilder(self._tree, self._base.sha))
        return current

    def dirty_at_end(self) -> set[str]:
        from ssot_migrate.io import vcs

        if self._final is None:  # no batch
            return vcs.dirty_paths(self._base, untracked=False)
        return self._final.paths()

    def _track(self, builder: vcs_commits.TreeBuilder) -> vcs_commits.TreeBuilder:
        self._open.append(builder)
        return builder

    def close(self) -> None:
        for builder in self._open:
            builder.close()
        for status in (self._status, self._final):
            if status is not None:
                status.stop()


@dataclass(frozen=True, slots=True)
class _Landing:
    options: RunOptions
    config: Config
    base: Any  # vcs.Base (GitPython is imported only by commands that use git)
    root_rel: Path
    phase: str
    symbols: Sequence[str]
    strings: bool
    shims: bool
    name: str
    force_branch: bool
    batch_size: int | None
    batch_by: str | None

    def from_top(self, rel: str) -> str:
        """A path from the root (``rel``, posix) as git names it: from the top."""
        top = self.root_rel.as_posix()  # string work: 20,000 Path joins take ~0.1 s
        return rel if top == "." else f"{top}/{rel}"

    def land(
        self, tree: Path, match: Any, files: tuple[SourceFile, ...] | None = None
    ) -> LandResult:
        """Plan the phase in `tree` and commit its batches. `match` (a vcs.HeadMatch):
        `tree` is the user's own, whose files a run reads match HEAD; it is read only;
        `files`: its source files, if discovered already. Raises _NeedsWorktree, before
        any commit, when that cannot decide the phase."""
        ahead = _GitAhead(self.base, tree, match is not None)
        try:
            return self._land(tree, match, ahead, files)
        finally:
            ahead.close()

    def _land(
        self, tree: Path, match: Any, ahead: _GitAhead, files: tuple[SourceFile, ...] | None
    ) -> LandResult:
        from ssot_migrate.base.templating import render as render_template
        from ssot_migrate.commands.batching import split_batches
        from ssot_migrate.io import vcs, vcs_commits, vcs_history

        base, config, phase, symbols = self.base, self.config, self.phase, self.symbols
        tree_root = tree / self.root_rel
        opts = dataclasses.replace(self.options, root=tree_root, config_file=config.config_file)
        # The cache is saved once, with the cycle record (or here, with nothing to do).
        planned = _plan_phase(
            opts, phase, symbols, self.strings, self.shims, True, ahead.start, files
        )
        result, project = planned.result, planned.project
        if match is not None:
            listed = {self.from_top(f.rel) for f in project.files}
            if not listed <= match.tracked:  # a source git ignores only locally
                raise _NeedsWorktree
        if not result.changes:
            project.cache.save(live={f.rel for f in project.files})
            return LandResult(result, (), base.name, base.sha, ())
        prefilter = _prefilter_names(project, result.specs)
        if match is not None:
            touched = {self.from_top(c.rel) for c in result.changes}
            if touched & ahead.dirty_after_read() or _needs_reindex(
                project, result.changes, prefilter
            ):
                raise _NeedsWorktree  # edited since the plan read it; or _batch_unverified
        # The base's cycles, for `verify` after merging.
        record_cycles(opts, result, store=config.root, project=project, record=planned.cycles)
        by_rel = {c.rel: c for c in result.changes}
        shim_rels = sorted(c.rel for c in result.changes if "shim" in c.forms)
        owners = find_codeowners(tree_root)
        batches = split_batches(
            [r for r in by_rel if r not in shim_rels],
            self.batch_size,
            self.batch_by,
            workspace.read_text(owners) if owners else None,
        )
        names = [f"{self.name}/{label}" if label else self.name for label, _ in batches]
        _refuse_existing(
            base,
            self.name,
            names,
            self.force_branch,
            batched=len(batches) > 1 or bool(self.batch_by or self.batch_size),
        )
        known = {  # the legacy paths before the phase: every batch must keep them working
            a.spec.name: set(a.all_legacy_paths) for a in _audits(project, result.specs)
        }
        landed: list[LandedBranch] = []
        refusals: list[str] = []
        for number, ((label, rels), branch_name) in enumerate(zip(batches, names, strict=True)):
            batch = [by_rel[r] for r in (*shim_rels, *rels)]
            builder = ahead.builder(last=number == len(batches) - 1)
            with self._written(tree, tree_root, match, batch) as (selected, files_from, left):
                refusals.extend(left)
                paths = [self.from_top(c.rel) for c in selected]
                builder.add(paths, files_from)  # hashed while the batch is verified
                broken = _batch_unverified(
                    project, opts, phase, symbols, selected, known, prefilter, match is None
                )
                if broken:  # a batch that does not pass its own verify is not committed
                    builder.close()
                    refusals.append(f"{branch_name}: not committed, verify fails: {broken[0]}")
                    continue
                context = {
                    "phase": phase,
                    "title": _phase_title(config, phase, result.specs),
                    "batch": label,
                    "specs": result.specs,
                    "sites": sum(c.sites for c in selected if c.rel not in shim_rels),
                    "files": len(selected),
                    "shims": shim_rels,
                    "symbols": ", ".join(s.name for s in result.specs),
                    "phase_trailer": vcs_history.PHASE_TRAILER,
                    "symbols_trailer": vcs_history.SYMBOLS_TRAILER,
                    "batch_trailer": vcs_history.BATCH_TRAILER,
                }
                message = render_template("commit.txt.j2", **context)
                sha = vcs_commits.commit_branch(
                    tree, base.sha, branch_name, message, builder.tree(), self.force_branch
                )
            pr_text = render_template(
                "pr.md.j2",
                **{**context, "files": [c.rel for c in selected], "branch": branch_name,
                   "base_name": base.name, "base_sha": base.sha},
            )  # fmt: skip
            pr_path = vcs.git_dir(base) / "ssot-migrate" / f"{branch_name}.md"
            workspace.write_atomic(pr_path, pr_text.encode())
            landed.append(
                LandedBranch(branch_name, sha, label, tuple(rels), pr_path, pr_text, len(selected))
            )
        touched = {self.from_top(c.rel) for c in result.changes}
        # What the phase rewrites was in HEAD: tracked, so no walk for untracked files.
        overlap = tuple(sorted(touched & ahead.dirty_at_end()))
        return LandResult(result, tuple(landed), base.name, base.sha, overlap, tuple(refusals))

    @contextlib.contextmanager
    def _written(
        self, tree: Path, tree_root: Path, match: Any, batch: Sequence[FileChange]
    ) -> Iterator[tuple[list[FileChange], Path | None, list[str]]]:
        """The batch's changes as files to commit: (those written, the folder holding
        them if not `tree`, why each other one is not committed). In a worktree they are
        written in place (the worktree is scratch) and put back afterwards, so the tree
        is at the base commit between batches without a checkout of the whole tree; in
        the user's tree (`match`) they go to a scratch folder instead, with the tracked
        ``.gitattributes``."""
        if match is None:
            written, _ = write_changes(tree_root, batch, scratch=True)
            kept = set(written)
            selected = [c for c in batch if c.rel in kept]
            try:
                yield selected, None, []
            finally:
                _put_back(tree, tree_root, self.base.sha, selected)
            return
        with workspace.scratch_folder("ssot-migrate-batch-") as scratch:
            for rel in match.attributes:
                workspace.copy_into_scratch(tree / rel, scratch / rel)
            selected, left = [], []
            for change in batch:
                source = tree_root / change.rel
                try:
                    if workspace.read_bytes(source) != change.before:
                        left.append(f"{change.rel}: changed during the run: not committed")
                        continue
                    target = scratch / self.root_rel / change.rel
                    workspace.write_scratch_copy(target, change.after, like=source)
                except OSError as error:
                    left.append(f"{change.rel}: {error.strerror or error}: not committed")
                    continue
                selected.append(change)
            yield selected, scratch, left


_READ_BY_A_RUN = (".py", ".pyi", ".toml", ".cfg")
_READ_BY_NAME = frozenset({".gitignore", ".gitattributes", "CODEOWNERS"})


def read_by_a_run(path: str) -> bool:
    """Whether a run (`run`, not `verify --runtime`, which imports the tree) may read the
    repository file `path`: sources, TOML and setup.cfg configuration (pyproject.toml,
    ssot-migrate.toml, ruff.toml; setup.py is a source), .gitignore files (discovery
    honours them), .gitattributes (what a commit stores) and CODEOWNERS (batches by owner).
    The scratch worktree of a landed phase holds only these."""
    name = path.rpartition("/")[2]
    return name.endswith(_READ_BY_A_RUN) or name in _READ_BY_NAME


def _put_back(tree: Path, tree_root: Path, sha: str, changes: Sequence[FileChange]) -> None:
    """Restore the files of `changes` to what they held; if one cannot be, check out the
    whole tree at `sha` (slow, but the next batch must start from the base)."""
    from ssot_migrate.io import vcs_commits
    from ssot_migrate.rewrite.apply import FileChange

    undo = [FileChange(c.rel, c.after, c.before, c.sites, c.forms) for c in changes]
    _, refused = write_changes(tree_root, undo, scratch=True)
    if refused:
        vcs_commits.reset(tree, sha)


def _batch_unverified(
    project: Project,
    options: RunOptions,
    phase: str,
    symbols: Sequence[str],
    changes: Sequence[FileChange],
    known: Mapping[str, set[str]],
    names: set[str],
    on_disk: bool = True,
) -> list[str]:
    """Legacy paths (found after `changes`, or `known` before them, by symbol name) that do
    not reach their canonical object once `changes` are made to the tree `project`
    indexed: the facts of the rewritten bytes (those their own verification extracted, or
    parsed here) are resolved in place of the old ones, and the rest of the index is
    reused.

    Overlaying the new facts is exact when every rewritten file was parsed before and none
    binds a new alias of the prefilter's `names` (a file the index skipped might use it);
    otherwise the tree, where `changes` are written (`on_disk`), is indexed again from
    disk. Without `on_disk` (`_needs_reindex` said no batch would need it) that is an
    error.
    """
    from ssot_migrate.analysis.resolve import Resolver
    from ssot_migrate.checks.validate import check_canonicals
    from ssot_migrate.checks.verification import check_legacy_paths
    from ssot_migrate.index.cache import content_key
    from ssot_migrate.index.extract import extract_facts
    from ssot_migrate.index.facts import ModuleFacts
    from ssot_migrate.rewrite.apply import overlay_index

    index = project.index
    replaced: dict[str, ModuleFacts] = {}
    keys = dict(index.content_keys)
    for change in changes:
        new = change.facts or extract_facts(change.after, whole=True)
        if not isinstance(new, ModuleFacts):
            return [f"{change.rel} does not parse (line {new.line}: {new.reason})"]
        if change.rel not in index.facts or _widens_prefilter(new, names):
            if not on_disk:
                raise _NeedsWorktree
            return _unverified(options, phase, symbols, known)
        replaced[change.rel] = new
        keys[change.rel] = content_key(change.after)
    after = dataclasses.replace(overlay_index(index, replaced), content_keys=keys)
    resolver = Resolver(after, project.resolver.declared, like=project.resolver)
    specs = select_symbols(project.config, symbols, phase)
    problems = check_canonicals(project.config, specs, after, resolver)
    if problems:
        return [f"{p.where}: {p.what}" for p in problems]
    audits = tuple(audit_symbol(after, resolver, spec, project.context(spec)) for spec in specs)
    found = check_legacy_paths(resolver, audits, known)
    return [f"{f.legacy} {f.detail}" for f in found if not f.ok]


def _prefilter_names(project: Project, specs: Sequence[SymbolSpec]) -> set[str]:
    """The names the index's byte prefilter looked for: the symbols' spellings and, to a
    fixed point, every alias bound to one of them in a parsed file (see `index`)."""
    from ssot_migrate.commands.project import spelled_names

    names = {n for s in specs for n in spelled_names(s)}
    aliases: list[tuple[str, str]] = []
    for key in project.index.content_keys.values():
        summary = project.cache.summary(key)
        aliases += summary.aliases if summary is not None else ()
    fresh = {bound for bound, spelled in aliases if spelled in names} - names
    while fresh:
        names |= fresh
        fresh = {bound for bound, spelled in aliases if spelled in names} - names
    return names


def _needs_reindex(project: Project, changes: Sequence[FileChange], names: set[str]) -> bool:
    """Whether verifying a batch of `changes` must index the tree again from disk (see
    `_batch_unverified`): a rewritten file the index had not parsed, or one that binds a
    new alias of the prefilter's `names`."""
    from ssot_migrate.index.extract import extract_facts
    from ssot_migrate.index.facts import ModuleFacts

    for change in changes:
        if change.rel not in project.index.facts:
            return True
        new = change.facts or extract_facts(change.after, whole=True)
        if isinstance(new, ModuleFacts) and _widens_prefilter(new, names):
            return True
    return False


def _widens_prefilter(new: ModuleFacts, names: set[str]) -> bool:
    """Whether `new` binds an alias of one of `names` that is not among them: the index
    would then have to look for it in files it skipped."""
    from ssot_migrate.index.cache import summarize

    return any(s in names and b not in names for b, s in summarize(new).aliases)


def _unverified(
    options: RunOptions, phase: str, symbols: Sequence[str], known: Mapping[str, set[str]]
) -> list[str]:
    """Legacy paths (found there, or `known` by symbol name) that do not reach their
    canonical object in the tree at `options`."""
    from ssot_migrate.checks.verification import check_legacy_paths

    config = load(options)
    specs = select_symbols(config, symbols, phase)
    project = open_project(options, config, specs)
    audits = tuple(
        audit_symbol(project.index, project.resolver, spec, project.context(spec)) for spec in specs
    )
    found = check_legacy_paths(project.resolver, audits, known)
    return [f"{f.legacy} {f.detail}" for f in found if not f.ok]


def _phase_title(config: Config, phase: str, specs: Sequence[SymbolSpec]) -> str:
    """The phase's title, unless `specs` are only some of its symbols: their names then
    (a title would claim the others moved too)."""
    title = next((p.title for p in config.phases if p.name == phase), "")
    if title and not _only_some(config, phase, specs):
        return title
    return ", ".join(s.name for s in specs)


def default_branch(config: Config, phase: str, specs: Sequence[SymbolSpec]) -> str:
    """``PREFIX/PHASE``; for only some of its symbols (``--symbol``), ``PREFIX/PHASE-S1-S2``:
    a later run for the others gets a branch of its own."""
    name = f"{config.branch_prefix}/{phase}"
    if _only_some(config, phase, specs):
        name += "".join(f"-{s.name}" for s in specs)
    return name


def _only_some(config: Config, phase: str, specs: Sequence[SymbolSpec]) -> bool:
    chosen = next((p for p in config.phases if p.name == phase), None)
    return chosen is not None and {s.name for s in specs} < {s.name for s in chosen.symbols}


def _refuse_existing(
    base: Any, name: str, names: Sequence[str], force: bool, batched: bool
) -> None:
    from ssot_migrate.io import vcs, vcs_commits

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


def _audits_by_name(options: RunOptions, config: Config) -> dict[str, SymbolAudit]:
    """Every configured symbol's audit, by its handle."""
    specs = config.all_symbols()
    if not specs:
        return {}
    return {a.spec.name: a for a in _audits(open_project(options, config, specs), specs)}


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
                        }
                        for name, sha, tip in mine
                    ],
                    "variations": len(audits[spec.name].variations)
                    if spec.name in audits
                    else None,
                }
            )
        phases.append({"name": phase.name, "symbols": symbols})
    return {"schema": "ssot-migrate/status", "version": 1, "branch": base.name, "phases": phases}


@dataclass(frozen=True, slots=True)
class RollbackPlan:
    base: Any
    commits: tuple[str, ...]
    branches: tuple[str, ...]


def plan_rollback(options: RunOptions, phase: str, branches: bool) -> RollbackPlan:
    """The phase commits to revert on the current branch and its unmerged batch branches."""
    from ssot_migrate.io import vcs, vcs_history

    config = load(options)
    _check_phase(config, phase)
    base = vcs.open_base(config.root)
    undone = vcs_history.reverted(base)
    commits = tuple(
        c.sha for c in vcs_history.landed(base) if c.phase == phase and c.sha not in undone
    )
    unmerged = []
    if branches:
        for name, (sha, tip) in sorted(
            vcs_history.phase_branches(base, config.branch_prefix).items()
        ):
            if tip.phase == phase and not vcs_history.is_merged(base, sha):
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
