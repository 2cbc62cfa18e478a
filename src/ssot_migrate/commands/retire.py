"""`retire PHASE`: the last step of a migration, planned in memory. Each legacy path a
generated shim serves for the phase's symbols goes when no code of the tree or of the
configured consumer trees reaches it any more and its removal has come (`--force` skips
that last condition); its shim block goes with it (rendered again for the names left), the
name leaves ``__all__``, and a compatibility module left serving nothing is deleted when
nobody imports the module itself. Nothing is written here (`retire_land` commits, the CLI
writes in place)."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ssot_migrate.analysis.audit import SymbolAudit
from ssot_migrate.analysis.retirement import (
    Decision,
    ShimmedPath,
    decide,
    located,
    module_loads,
    quoted_module,
    reaching_lines,
    references,
)
from ssot_migrate.base.dotted import split_path
from ssot_migrate.base.errors import ConfigError, Problem, UsageError
from ssot_migrate.base.exit_codes import EXIT_CHECK_FAILED, EXIT_OK, EXIT_PARTIAL
from ssot_migrate.base.outcomes import Note, NoteKind
from ssot_migrate.base.source_text import decode_source
from ssot_migrate.base.wording import counted
from ssot_migrate.commands.project import (
    Project,
    RunOptions,
    check_phase,
    load,
    open_audited,
    phase_of,
    project_files,
)
from ssot_migrate.commands.shimming import shim_origin
from ssot_migrate.config.load import setting_location
from ssot_migrate.config.model import Config, SymbolSpec
from ssot_migrate.config.project_version import project_version
from ssot_migrate.config.removal import ProjectVersion, removal_due
from ssot_migrate.config.target_python import target_python
from ssot_migrate.index.discovery import auto_source_roots, discover_files
from ssot_migrate.index.extract import extract_facts
from ssot_migrate.index.facts import ModuleFacts, SiteForm, SourceFile
from ssot_migrate.io import workspace
from ssot_migrate.rewrite.outcomes import RETIRED_FORM, FileChange
from ssot_migrate.shims.block import (
    BEGIN,
    MovedName,
    ShimRefused,
    removal_of,
    served_anywhere,
    without_block,
)
from ssot_migrate.shims.retire import block_problem, keeps_names_bound, only_loads, retire_names


@dataclass(frozen=True, slots=True)
class RetireResult:
    """What a retire would change; nothing is written until the caller writes or commits."""

    phase: str
    specs: tuple[SymbolSpec, ...]
    decisions: tuple[Decision, ...]
    changes: tuple[FileChange, ...]
    """The edited legacy modules, and the deleted ones (`FileChange.deleted`)."""
    refused: tuple[Note, ...] = ()
    """Modules whose shim could not be taken away safely: left as they are."""
    kept_modules: tuple[Note, ...] = ()
    """Compatibility modules left with nothing to serve but still imported as modules."""
    check: bool = False
    """``--check``: a path kept before its removal counts as left too."""

    @property
    def retired(self) -> tuple[Decision, ...]:
        """The paths that go (those of refused modules aside)."""
        refused = {n.rel for n in self.refused}
        return tuple(d for d in self.decisions if d.goes and d.rel not in refused)

    @property
    def left(self) -> tuple[Decision, ...]:
        """Paths that stay although due (or, with `check`, that stay at all)."""
        refused = {n.rel for n in self.refused}
        return tuple(
            d
            for d in self.decisions
            if (not d.goes or d.rel in refused) and (d.due or self.check or d.rel in refused)
        )

    @property
    def exit_code(self) -> int:
        if self.left:
            return EXIT_CHECK_FAILED
        return EXIT_PARTIAL if self.refused else EXIT_OK


History = Callable[[str], str | None]
"""What git says of a phase whose shims are not in the tree: why (its commit is on another
branch, or it was retired already), or None when it never landed."""


def plan_retire(
    options: RunOptions,
    phase: str,
    symbols: Sequence[str],
    *,
    force: bool = False,
    check: bool = False,
    today: dt.date | None = None,
    history: History | None = None,
) -> RetireResult:
    """Decide each shimmed legacy path of the phase, and make the edits of those that go."""
    config = load(options)
    check_phase(config, phase)
    consumers = _consumer_roots(config)
    specs, project, audits = open_audited(options, config, symbols, phase)
    version = project_version(config.root)
    day = today or dt.date.today()
    shimmed, texts = _shimmed_paths(project, specs, config, version, day)
    if not shimmed:
        left = sum(len(a.variations) for a in audits)
        if not left:  # every import is canonical: retired already (or never shimmed)
            return RetireResult(phase, specs, (), (), check=check)
        said = history(phase) if history is not None else None
        why = said or (f"{counted(left, 'import')} still go through legacy paths, and no "
                       "generated shim serves them: the phase has not run here")  # fmt: skip
        raise UsageError([Problem("PHASE", f"phase {phase!r} has no shim to retire: {why}",
                                  f"run it first (`ssot-migrate run {phase}`), or merge its "
                                  "branch")])  # fmt: skip
    paths = [s.path for s in shimmed]
    importers = _importers(project, audits, paths, texts)
    trees = [(root, discover_files(root, auto_source_roots(root), ())) for root in consumers]
    for tree in trees:
        for path, found in _consumer_importers(tree, config, paths).items():
            importers.setdefault(path, []).extend(found)
    decisions = decide(shimmed, importers, force, _star_links(project, audits, paths))
    changes, refused, kept = _edits(project, config, decisions, texts, trees)
    return RetireResult(phase, specs, decisions, changes, refused, kept, check)


def _consumer_roots(config: Config) -> list[Path]:
    """The configured consumer trees (checked before anything is read)."""
    roots, problems = [], []
    for index, entry in enumerate(config.consumers):
        path = (config.root / entry).resolve()
        if not path.is_dir():
            where = setting_location(config, ("consumers", index))
            problems.append(Problem(where, f"'{entry}' is not a directory (from {config.root})",
                                    "list the folders of trees checked out beside this one, "
                                    "relative to the root"))  # fmt: skip
        roots.append(path)
    if problems:
        raise ConfigError(problems)
    return roots


def _shimmed_paths(
    project: Project,
    specs: Sequence[SymbolSpec],
    config: Config,
    version: ProjectVersion,
    today: dt.date,
) -> tuple[list[ShimmedPath], dict[str, str]]:
    """Every legacy path a generated block serves as one of `specs`, and the text of each
    module holding one (by `rel`)."""
    wanted = {(s.canonical_module, s.canonical_name) for s in specs}
    found: list[ShimmedPath] = []
    texts: dict[str, str] = {}
    for source in project.files:
        facts = project.index.facts.get(source.rel)
        if facts is None or not facts.shim_served or source.module is None:
            continue
        text = decode_source(workspace.read_bytes(source.path), errors="replace")
        mine = [m for m in served_anywhere(text) if (m.module, m.attribute) in wanted]
        if not mine:
            continue
        texts[source.rel] = text
        problem = block_problem(text)
        due = removal_due(removal_of(text) or config.shims.removal, version, today)
        keeps = problem is None and keeps_names_bound(text)
        for moved in mine:
            path = f"{source.module}.{moved.name}"
            found.append(ShimmedPath(path, source.rel, due, problem, keeps))
    return found, texts


def _importers(
    project: Project,
    audits: Sequence[SymbolAudit],
    paths: Sequence[str],
    texts: Mapping[str, str],
) -> dict[str, list[str]]:
    """``file:line`` of the tree's code that still reaches each path: the audit's sites
    and strings through it, and `references` / `dynamic_references` in every parsed file
    but the path's own module."""
    wanted = set(paths)
    owner = {path: split_path(path)[0] for path in paths}
    found: dict[str, set[str]] = {path: set() for path in paths}
    for audit in audits:
        for site in audit.sites:
            if site.path in wanted and not site.canonical:
                found[site.path].add(f"{site.rel}:{site.line}")
        for string in audit.strings:
            if string.path in wanted:
                found[string.path].add(f"{string.rel}:{string.line}")
    by_rel = {f.rel: f for f in project.files}
    for rel, facts in project.index.facts.items():
        source = by_rel[rel]
        text = _text(source, texts)
        for path in paths:
            if source.module != owner[path]:
                found[path].update(located(rel, reaching_lines(source, facts, text, path)))
    return {path: sorted(found[path], key=_by_place) for path in paths}


def _star_links(
    project: Project, audits: Sequence[SymbolAudit], paths: Sequence[str]
) -> dict[str, dict[str, str]]:
    """Per path, its star importers whose own module's path of the name is shimmed too
    (``file:line`` -> that path): see `retirement.decide`."""
    wanted = set(paths)
    by_rel = {f.rel: f for f in project.files}
    links: dict[str, dict[str, str]] = {}
    for audit in audits:
        for site in audit.sites:
            if site.form is not SiteForm.STAR_IMPORT or site.path not in wanted:
                continue
            linked = f"{by_rel[site.rel].module}.{split_path(site.path)[1]}"
            if linked in wanted and site.scope == "module":
                links.setdefault(site.path, {})[f"{site.rel}:{site.line}"] = linked
    return links


def _text(source: SourceFile, texts: Mapping[str, str]) -> str:
    """A file's text without its own shim block (its table spells every name it serves)."""
    text = texts.get(source.rel)
    if text is None:
        try:
            text = decode_source(workspace.read_bytes(source.path), errors="replace")
        except OSError:
            return ""
    try:
        return without_block(text)
    except ShimRefused:
        return text


def _by_place(where: str) -> tuple[str, int]:
    rel, _, line = where.rpartition(":")
    return rel, int(line) if line.isdigit() else 0


Tree = tuple[Path, tuple[SourceFile, ...]]
"""A consumer tree: its folder and its source files (discovered once per retire)."""


def _consumer_importers(tree: Tree, config: Config, paths: Sequence[str]) -> dict[str, list[str]]:
    """``file:line`` (shown from the config root) of a consumer tree's code reaching each
    path, its files parsed whole when their bytes spell a path's name."""
    root, files = tree
    found: dict[str, list[str]] = {}
    for source, data, facts in _parsed(files, {split_path(p)[1] for p in paths}):
        shown = _shown(config.root, root, source.rel)
        text = decode_source(data, errors="replace")
        for path in paths:
            found.setdefault(path, []).extend(
                located(shown, reaching_lines(source, facts, text, path))
            )
    return found


def _parsed(
    files: Iterable[SourceFile], words: Iterable[str]
) -> Iterable[tuple[SourceFile, bytes, ModuleFacts | None]]:
    """The `files` whose bytes spell one of `words`, with their facts (None: it does not
    parse, and counts as reaching everything)."""
    spelled = re.compile(rb"\b(?:" + b"|".join(re.escape(w.encode()) for w in words) + rb")\b")
    for source in files:
        try:
            data = workspace.read_bytes(source.path)
        except OSError:
            continue
        if spelled.search(data) is None:
            continue
        facts = extract_facts(data, True)
        yield source, data, facts if isinstance(facts, ModuleFacts) else None


def _shown(config_root: Path, root: Path, rel: str) -> str:
    """A consumer's file as seen from the config root (``../other/svc/x.py``)."""
    return Path(os.path.relpath(root / rel, config_root)).as_posix()


def _edits(
    project: Project,
    config: Config,
    decisions: Sequence[Decision],
    texts: Mapping[str, str],
    consumers: Sequence[Tree],
) -> tuple[tuple[FileChange, ...], tuple[Note, ...], tuple[Note, ...]]:
    """The retired modules' new bytes; the modules refused, with why; the compatibility
    modules kept although they serve nothing, with who imports them."""
    going: dict[str, list[str]] = {}
    for decision in decisions:
        if decision.goes:
            going.setdefault(decision.rel, []).append(split_path(decision.path)[1])
    by_rel = {f.rel: f for f in project.files}
    owner = phase_of(config)
    oldest = target_python(config)
    phase_of_canonical = {s.canonical: owner.get(s.name, "") for s in config.all_symbols()}
    changes: list[FileChange] = []
    refused: list[Note] = []
    kept: list[Note] = []
    for rel, names in sorted(going.items()):
        source = by_rel[rel]
        before = workspace.read_bytes(source.path)
        rest = [m for m in served_anywhere(texts[rel]) if m.name not in names]
        origin = shim_origin(config, _phase_of_rest(rest, phase_of_canonical), oldest)
        try:
            after = retire_names(before, set(names), origin)
        except (ShimRefused, ValueError, SyntaxError) as error:
            refused.append(Note(rel, 1, f"not retired: {error}", NoteKind.NOT_REWRITTEN))
            continue
        forms = {RETIRED_FORM: len(names)}
        if not rest and not source.is_package and only_loads(after):
            users = _module_importers(project, str(source.module), consumers, config.root)
            if not users:
                changes.append(FileChange(rel, before, b"", len(names), forms, deleted=True))
                continue
            shown = ", ".join(users[:5]) + (f" (+{len(users) - 5} more)" if len(users) > 5 else "")
            why = f"serves nothing any more, kept: imported as a module at {shown}"
            kept.append(Note(rel, 1, why, NoteKind.LEGACY_MODULE))
        changes.append(FileChange(rel, before, after, len(names), forms))
    return tuple(changes), tuple(refused), tuple(kept)


def _phase_of_rest(rest: Sequence[MovedName], phase_of_canonical: Mapping[str, str]) -> str:
    """The phase a block keeps serving its names for (the first left name's)."""
    for moved in rest:
        found = phase_of_canonical.get(f"{moved.module}.{moved.attribute}")
        if found:
            return found
    return ""


def _module_importers(
    project: Project, module: str, consumers: Sequence[Tree], config_root: Path
) -> list[str]:
    """``file:line`` of the code importing `module` itself (any name from it, the module,
    or its name in a string), in the tree and the consumer trees: every file whose bytes
    spell the module's last name is parsed whole for it."""
    last = module.rpartition(".")[2]
    found: list[str] = []
    for root, files in [(config_root, project.files), *consumers]:
        for source, data, facts in _parsed(files, [last]):
            if source.module == module:
                continue
            lines = references(source, facts, module, named=False) if facts else [1]
            text = decode_source(data, errors="replace")
            lines += module_loads(source, text, module) + quoted_module(text, module)
            found += located(_shown(config_root, root, source.rel), sorted(set(lines)))
    return found


@dataclass(frozen=True, slots=True)
class DueShim:
    """A generated shim whose removal has come (`due_shims`)."""

    rel: str
    paths: tuple[str, ...]
    """The legacy paths it serves."""
    phases: tuple[str, ...]
    """The phases whose symbols it serves (`retire PHASE` takes it away)."""
    reason: str


def due_shims(options: RunOptions, today: dt.date | None = None) -> list[DueShim]:
    """`audit --due`: every module holding a generated shim whose removal has come, in
    path order: the CI reminder that the last step of a migration is owed."""
    config = load(options)
    version = project_version(config.root)
    day = today or dt.date.today()
    owner = phase_of(config)
    phase_of_canonical = {s.canonical: owner.get(s.name, "") for s in config.all_symbols()}
    found = []
    for source in project_files(config):
        try:
            data = workspace.read_bytes(source.path)
        except OSError:
            continue
        if BEGIN.encode() not in data:
            continue
        text = decode_source(data, errors="replace")
        due = removal_due(removal_of(text) or config.shims.removal, version, day)
        if not due.due:
            continue
        served = served_anywhere(text)
        paths = tuple(f"{source.module}.{m.name}" for m in served)
        phases = sorted({phase_of_canonical.get(f"{m.module}.{m.attribute}", "") for m in served})
        found.append(DueShim(source.rel, paths, tuple(p for p in phases if p), due.reason))
    return found
