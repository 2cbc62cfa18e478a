"""One run's view of the repository: config, files, index and resolver, built once."""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from ssot_migrate import __version__
from ssot_migrate.analysis.audit import AuditContext, SymbolAudit
from ssot_migrate.analysis.auditor import audit_symbol
from ssot_migrate.analysis.resolve import Resolver
from ssot_migrate.base.errors import ConfigError, Problem, UsageError
from ssot_migrate.checks.validate import check_canonicals, check_legacy
from ssot_migrate.checks.verification import import_edges
from ssot_migrate.config.load import load_config
from ssot_migrate.config.model import Config, SymbolSpec
from ssot_migrate.index.build import build_index, namespace_packages
from ssot_migrate.index.cache import FACTS_FORMAT, FactsCache, StatKey
from ssot_migrate.index.discovery import IgnoreRules, auto_source_roots, discover_files
from ssot_migrate.index.facts import Index, ModuleFacts, Progress, SourceFile
from ssot_migrate.render.report import Skipped


@dataclass(frozen=True, slots=True)
class RunOptions:
    root: Path
    config_file: Path | None = None
    jobs: int = 0
    use_cache: bool = True
    progress: Progress | None = None
    rename: bool = False
    """``run --rename``: every symbol of the run as if its plan said ``rename = true``."""


@dataclass(frozen=True, slots=True)
class Project:
    config: Config
    files: tuple[SourceFile, ...]
    index: Index
    resolver: Resolver
    cache: FactsCache
    load_time: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Per canonical module: the modules it imports at import time (see `load_time_closures`)."""
    shim_excluded: frozenset[str] = frozenset()
    """Parsed files that `shim-exclude` keeps from ever getting a shim."""

    def context(self, spec: SymbolSpec) -> AuditContext:
        """What an audit of `spec` needs beyond the index."""
        return AuditContext(
            self.load_time.get(spec.canonical_module, frozenset()), self.shim_excluded
        )

    def fingerprint(self, specs: Sequence[SymbolSpec]) -> bytes:
        """A digest of everything an audit of `specs` depends on: the tool, the specs, the
        legacy paths declared to the resolver, the content of every parsed file, the module
        list (submodules and namespace packages resolve through it) and the audit contexts.
        Equal fingerprints, equal audits."""
        declared = sorted(self.resolver.declared.items())
        # Sorted: a frozenset's order (and so its repr) changes with the hash seed.
        contexts = [
            (sorted(c.load_time), sorted(c.shim_excluded)) for c in map(self.context, specs)
        ]
        key = (__version__, FACTS_FORMAT, tuple(specs), declared, contexts)
        digest = hashlib.blake2b(repr(key).encode())
        keys = self.index.content_keys
        digest.update(b"".join(rel.encode() + b"\0" + keys[rel] for rel in sorted(keys)))
        listing = "\n".join(f"{f.rel}\0{f.module}\0{f.is_package}" for f in self.files)
        digest.update(listing.encode())
        return digest.digest()

    def skipped(self) -> tuple[Skipped, ...]:
        failures = [Skipped(rel, f.line, f.col, f.reason) for rel, f in self.index.failures.items()]
        unreadable = [Skipped(rel, 1, 0, why) for rel, why in self.index.unreadable.items()]
        return tuple(sorted(failures + unreadable, key=lambda s: s.rel))


def load(options: RunOptions) -> Config:
    return load_config(options.root, options.config_file)


def source_roots(config: Config) -> tuple[Path, ...]:
    if config.source_roots in ((), (config.root,)):
        return auto_source_roots(config.root)
    return config.source_roots


def project_files(config: Config) -> tuple[SourceFile, ...]:
    return discover_files(config.root, source_roots(config), config.exclude)


def open_project(
    options: RunOptions,
    config: Config,
    specs: Sequence[SymbolSpec] | None,
    files: tuple[SourceFile, ...] | None = None,
    cache: FactsCache | None = None,
    stats: Mapping[str, StatKey] | None = None,
    save: bool = True,
) -> Project:
    """Index the repository for `specs` (None: everything, for discovery); `files` and
    their `stats` (by `rel`), when the caller has discovered and stat'ed them already."""
    files = project_files(config) if files is None else files
    cache = FactsCache(config.root, enabled=options.use_cache) if cache is None else cache
    declared = {path: s.canonical for s in specs or () for path in s.legacy}
    if specs is None:
        index = build_index(files, None, cache, options.jobs, progress=options.progress)
        resolver = Resolver(index, declared)
    else:
        index, resolver = _index_for(files, specs, cache, options, declared, stats)
    project = Project(config, files, index, resolver, cache)
    if not specs:
        return project
    try:
        problems = check_canonicals(config, tuple(specs), index, project.resolver)
        problems += check_legacy(config, tuple(specs), index, project.resolver)
        if problems:
            raise ConfigError(problems)
        modules = {s.canonical_module for s in specs}
        load_time = load_time_closures(project, modules)
    finally:  # once for the index and the import graph (each save encodes and writes all)
        if save:  # (unless the caller saves once more, later: see `_Landing.land`)
            cache.save(live={f.rel for f in files})
    excluded = IgnoreRules(config.shim_exclude)
    shim_excluded = frozenset(rel for rel in index.facts if excluded.decides(rel))
    return Project(config, files, index, resolver, cache, load_time, shim_excluded)


def open_files(options: RunOptions, config: Config) -> Project:
    """The repository's files with nothing parsed yet: for walks that parse only what they
    reach (`import_graph_from`), not a prefilter's or the whole tree's worth."""
    files = discover_files(config.root, source_roots(config), config.exclude)
    modules = {f.module: f for f in files if f.module is not None}
    index = Index(
        files=tuple(files),
        facts={},
        failures={},
        unreadable={},
        modules=modules,
        complete=False,
        namespaces=namespace_packages(modules),
    )
    cache = FactsCache(config.root, enabled=options.use_cache)
    return Project(config, tuple(files), index, Resolver(index), cache)


def _index_for(
    files: Sequence[SourceFile],
    specs: Sequence[SymbolSpec],
    cache: FactsCache,
    options: RunOptions,
    declared: Mapping[str, str],
    stats: Mapping[str, StatKey] | None = None,
) -> tuple[Index, Resolver]:
    """The index of the files that may bind or mention `specs`: their spelled names, and
    the names and modules on the way from each canonical path to what it is bound to (an
    alias canonical, ``Public = _Impl``, is imported as ``_Impl`` too; a facade's chain
    runs through modules that need not spell the public name)."""
    names = {n for s in specs for n in spelled_names(s)}
    modules = {s.canonical_module for s in specs}
    _follow_canonical_bindings(files, specs, cache, declared, names, modules)
    while True:  # once, unless the whole tree shows a step the chain's modules did not
        index = build_index(
            files, names, cache, options.jobs, modules, options.progress, save=False, stats=stats
        )
        resolver = Resolver(index, declared)
        steps = _binding_steps(resolver, specs)
        more_names = {name for _, name in steps} - names
        more_modules = {module for module, _ in steps if module in index.modules} - modules
        if not more_names and not more_modules:
            return index, resolver
        names |= more_names
        modules |= more_modules


def _follow_canonical_bindings(
    files: Sequence[SourceFile],
    specs: Sequence[SymbolSpec],
    cache: FactsCache,
    declared: Mapping[str, str],
    names: set[str],
    modules: set[str],
) -> None:
    """Add to `names` and `modules` the steps from each canonical path to what it is bound
    to, found by parsing only the modules on the way (a handful), so that the tree is
    read and filtered once, with every name it must be searched for, instead of once
    more for each name a step adds (``Matrix = MutableDenseMatrix``)."""
    by_module = {f.module: f for f in files if f.module is not None}
    namespaces = namespace_packages(by_module)
    while True:
        chain = [by_module[m] for m in sorted(modules) if m in by_module]
        part = build_index(chain, None, cache, 1, save=False)
        index = dataclasses.replace(
            part, files=tuple(files), modules=by_module, namespaces=namespaces, complete=False
        )
        steps = _binding_steps(Resolver(index, declared), specs)
        names.update(name for _, name in steps)
        more = {module for module, _ in steps if module in by_module} - modules
        if not more:
            return
        modules.update(more)


def _binding_steps(resolver: Resolver, specs: Sequence[SymbolSpec]) -> set[tuple[str, str]]:
    """(module, name) of every step from each canonical path to what it is bound to."""
    return {step for s in specs for step in resolver.binding_steps(s.canonical)}


def load_time_closures(project: Project, modules: Iterable[str]) -> dict[str, frozenset[str]]:
    """For each of `modules`, the modules importing it runs: its module-level imports
    outside ``if TYPE_CHECKING:``, transitively, and the packages whose ``__init__`` runs
    on the way (those of the importing module itself, and of it, already ran). One
    import graph serves them all: a module's edges do not depend on where the walk began."""
    starts = sorted(set(modules))
    graph = import_graph_from(project, starts, parents=True, save=False)
    closures = {}
    for module in starts:
        seen = {module}
        pending = [module]
        while pending:
            for target in graph.get(pending.pop(), ()):
                if target not in seen:
                    seen.add(target)
                    pending.append(target)
        closures[module] = frozenset(seen - {module} - set(_ancestors(module)))
    return closures


def import_graph_from(
    project: Project, starts: Iterable[str], parents: bool = False, save: bool = True
) -> dict[str, set[str]]:
    """Module -> the modules its import-time imports load, for `starts` and every module
    reachable from them (each parsed once, from the index or the cache: not the whole
    tree). `parents`: count the packages an import runs on the way (``import a.b.c`` runs
    ``a`` and ``a.b``) unless the importer's own packages, which ran before it. `save`:
    write the cache (False when the caller saves once for all)."""
    modules, index = project.index.modules, project.index
    live = {f.rel for f in project.files}
    graph: dict[str, set[str]] = {}
    frontier = {m for m in starts if m in modules}
    while frontier:
        batch = [modules[m] for m in sorted(frontier)]
        unparsed = [s for s in batch if s.rel not in index.facts]
        found: dict[str, ModuleFacts] = {}
        if unparsed:
            part = build_index(unparsed, None, project.cache, 0, live=live, save=False, chains=())
            found = dict(part.facts)
        for source in batch:
            facts = index.facts.get(source.rel) if source.rel in index.facts else None
            facts = facts or found.get(source.rel)
            edges = set() if facts is None else import_edges(source, facts, index.is_module)
            if parents:
                own = set(_ancestors(str(source.module)))
                edges |= {p for e in edges for p in _ancestors(e) if p in modules} - own
            graph[str(source.module)] = edges
        frontier = {m for edges in graph.values() for m in edges if m in modules} - graph.keys()
    if save:
        project.cache.save(live=live)
    return graph


def _ancestors(module: str) -> list[str]:
    """``a.b.c`` -> ``["a", "a.b"]``."""
    parts = module.split(".")
    return [".".join(parts[:cut]) for cut in range(1, len(parts))]


def spelled_names(spec: SymbolSpec) -> set[str]:
    return {spec.name, spec.canonical_name, *(p.rpartition(".")[2] for p in spec.legacy)}


def select_symbols(
    config: Config, symbols: Sequence[str], phase: str | None
) -> tuple[SymbolSpec, ...]:
    """The symbols a command works on; unknown names are a usage error listing valid ones."""
    problems: list[Problem] = []
    pool = config.all_symbols()
    if phase is not None:
        chosen = next((p for p in config.phases if p.name == phase), None)
        if chosen is None:
            problems.append(_unknown("--phase", phase, [p.name for p in config.phases], "phase"))
        else:
            pool = chosen.symbols
    by_name = {s.name: s for s in pool}
    for name in symbols:
        if name not in by_name:
            problems.append(_unknown("--symbol", name, list(by_name), "symbol"))
    if problems:
        raise UsageError(problems)
    if not pool and not problems:
        where = config.config_file or config.root / "pyproject.toml"
        raise UsageError(
            [
                Problem(
                    str(where),
                    "no symbols are configured",
                    "run `ssot-migrate init`, or `ssot-migrate audit --discover` "
                    "to find candidates",
                )
            ]
        )
    return tuple(by_name[n] for n in symbols) if symbols else tuple(pool)


def _unknown(option: str, value: str, valid: list[str], what: str) -> Problem:
    close = difflib.get_close_matches(value, valid, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    listed = ", ".join(valid) if valid else "(none configured)"
    return Problem(option, f"unknown {what} {value!r}", f"{hint}valid: {listed}")


def phase_of(config: Config) -> dict[str, str]:
    return {s.name: p.name for p in reversed(config.phases) for s in p.symbols}


class Audited(NamedTuple):
    specs: tuple[SymbolSpec, ...]
    project: Project
    audits: tuple[SymbolAudit, ...]


def open_audited(
    options: RunOptions,
    config: Config,
    symbols: Sequence[str],
    phase: str | None,
    files: tuple[SourceFile, ...] | None = None,
    save: bool = True,
) -> Audited:
    """What every command that audits starts from: the symbols asked for (`select_symbols`),
    the project opened on them (`files`, `save`: see `open_project`), and their audits."""
    specs = select_symbols(config, symbols, phase)
    project = open_project(options, config, specs, files, save=save)
    return Audited(specs, project, audit_all(project, specs))


def audit_all(project: Project, specs: tuple[SymbolSpec, ...]) -> tuple[SymbolAudit, ...]:
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


def check_phase(config: Config, phase: str) -> None:
    if phase not in {p.name for p in config.phases}:
        valid = ", ".join(p.name for p in config.phases) or "(none configured)"
        raise UsageError([Problem("PHASE", f"unknown phase {phase!r}", f"valid: {valid}")])
