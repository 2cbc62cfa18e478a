"""Discovered files in, per-file facts out: byte prefilter, cache, parallel parse.

Only files that can bind or mention a name of interest are parsed. The set of names grows
to a fixed point: a module that re-exports an *alias* of the symbol does not contain the
symbol's own name, so each alias found (``Engine = ExecutionEngine``, ``import S as E``)
widens the byte scan until no new name appears. Star imports and module ``__getattr__``
provide names they never spell, so files with either are always parsed.

The files are read, and tested for the names, by `prefilter`; `parse_pool`'s `Parser`
parses them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence

from ssot_migrate.index.byte_scan import chain_spelled
from ssot_migrate.index.cache import FactsCache, ModuleRoots, StatKey, Summary
from ssot_migrate.index.facts import (
    Index,
    ModuleFacts,
    ParseFailure,
    Progress,
    SourceFile,
    absolute_module,
)
from ssot_migrate.index.parse_pool import Parser
from ssot_migrate.index.prefilter import Sources


def build_index(
    files: Sequence[SourceFile],
    names: Iterable[str] | None,
    cache: FactsCache,
    jobs: int = 0,
    always: Iterable[str] = (),
    progress: Progress | None = None,
    live: set[str] | None = None,
    save: bool = True,
    stats: Mapping[str, StatKey] | None = None,
    chains: Collection[str] | None = None,
) -> Index:
    """Index `files`; with `names` only those that may bind or mention them (see module doc).

    `always` names modules parsed whatever they contain (the canonical modules, whose
    definitions the config checks are reported against). `live`: the files whose cache
    states are kept (default `files`; more when `files` is a part of the tree). `save`:
    write the cache now (False when the caller indexes more parts and saves once).
    `stats`: the files' stats by `rel`, taken by the caller this run (a file missing
    there is stat'ed here). `chains`, with `names` None: the names whose attribute chains
    the facts must hold (None: every chain; the import graph reads none).
    """
    modules = {f.module: f for f in files if f.module is not None}
    namespaces = namespace_packages(modules)
    parser = Parser(jobs, progress)
    parsed: dict[str, bytes] = {}  # rel -> content key; facts stay in the cache until used
    try:
        if names is None:
            sources = Sources(files, cache, progress=progress, stats=stats)
            _parse_into(parsed, sources.readable(), sources, cache, parser, chains)
        else:
            wanted, first = set(always), set(names)
            forced = {f.rel for f in files if f.module in wanted}

            def parse_early(sources: Sources, rel: str) -> None:
                # Round one's files are known as soon as they are read: parsing them
                # while the rest is still being read keeps every core busy.
                if rel in forced or sources.is_candidate(rel, first):
                    _submit(rel, sources, cache, parser, first)

            sources = Sources(_nearest_first(files, wanted), cache, parse_early, progress, stats)
            missing = _MissingModuleNames(files, modules, namespaces)
            _parse_to_fixed_point(parsed, first, sources, cache, parser, sorted(forced), missing)
    finally:
        parser.close()
    if save:
        cache.save(live={f.rel for f in files} if live is None else live)
    good = {rel: key for rel, key in parsed.items() if not _summary(cache, key).failed}
    failures = {rel: cache.get(key) for rel, key in parsed.items() if rel not in good}
    return Index(
        files=tuple(files),
        facts=LazyFacts(good, cache),
        failures={rel: f for rel, f in failures.items() if isinstance(f, ParseFailure)},
        unreadable=dict(sources.unreadable),
        modules=modules,
        complete=names is None,
        namespaces=namespaces,
        content_keys=dict(parsed),
    )


def _nearest_first(files: Sequence[SourceFile], modules: Collection[str]) -> list[SourceFile]:
    """`files`, those in the top-level packages of `modules` first: a symbol's importers
    cluster around its definition, and read early, they keep the parser busy while the
    rest of the tree is read (in path order, a package sorting last left it idle)."""
    tops = {m.partition(".")[0] for m in modules}
    near = [f for f in files if f.module is not None and f.module.partition(".")[0] in tops]
    if not near:
        return list(files)
    chosen = {f.rel for f in near}
    return [*near, *(f for f in files if f.rel not in chosen)]


class LazyFacts(Mapping[str, ModuleFacts]):
    """Parsed files' facts by `rel`, decoded from the cache on first access only."""

    def __init__(self, keys: dict[str, bytes], cache: FactsCache) -> None:
        self._keys = keys
        self._cache = cache

    def __getitem__(self, rel: str) -> ModuleFacts:
        entry = self._cache.get(self._keys[rel])
        if not isinstance(entry, ModuleFacts):  # the cache lost it: a programming error
            raise KeyError(rel)
        return entry

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, rel: object) -> bool:
        return rel in self._keys


def _summary(cache: FactsCache, key: bytes) -> Summary:
    summary = cache.summary(key)
    assert summary is not None, "every parsed key has an entry"
    return summary


def namespace_packages(modules: Iterable[str]) -> frozenset[str]:
    """Packages of `modules` that are not among them: folders without ``__init__.py``."""
    known = set(modules)
    return frozenset(prefix for name in known for prefix in _prefixes(name) if prefix not in known)


def _prefixes(module: str) -> Iterable[str]:
    parts = module.split(".")
    return (".".join(parts[:i]) for i in range(1, len(parts)))


def _parse_to_fixed_point(
    parsed: dict[str, bytes],
    names: set[str],
    sources: Sources,
    cache: FactsCache,
    parser: Parser,
    forced: list[str],
    missing: _MissingModuleNames,
) -> None:
    pending = [rel for rel in forced if rel not in sources.unreadable]
    pending += sources.dynamic()
    handles = frozenset(names)
    fresh = set(names)
    while fresh:
        pending += sources.mentioning(fresh, parsed)
        todo = list(dict.fromkeys(r for r in pending if r not in parsed))
        pending = []
        _parse_into(parsed, todo, sources, cache, parser, frozenset(names))
        # Every parsed file, not only this round's: a file read for one name may alias a
        # name learned only now (``from m import S as _S`` then ``T = _S``).
        found = {
            bound
            for key in parsed.values()
            for bound, spelled in _summary(cache, key).aliases
            if spelled in names
        }
        # ``from m import Other as Thing`` binds a symbol's own name to whatever `m` binds
        # as Other: the files spelling Other must be read to tell what it is (a different
        # object, or the symbol), not to report it as bound nowhere.
        found |= {
            spelled
            for key in parsed.values()
            for bound, spelled in _summary(cache, key).aliases
            if bound in handles
        }
        # ``from pkg import gone`` then ``gone.S``, where pkg has no submodule `gone`: the
        # files that may bind `gone` in pkg need not spell S, and must be read to tell a
        # re-exported module from a missing one.
        found |= {
            name
            for rel, key in parsed.items()
            for name in missing.names(rel, _summary(cache, key).module_roots, names)
        }
        fresh = found - names
        names |= fresh
    _cover(parsed, names, sources, cache, parser)


def _cover(
    parsed: dict[str, bytes],
    names: set[str],
    sources: Sources,
    cache: FactsCache,
    parser: Parser,
) -> None:
    """Make every parsed file's facts hold the chains of all `names`, the later rounds'
    too: a file that spells none of a name's chains (``.name``, ``name.``) has the same
    facts for it (they are marked as holding them); the others are parsed again, for all
    the names."""
    again = []
    for rel, key in parsed.items():
        summary = _summary(cache, key)
        if summary.covers(names):
            continue
        assert summary.chains_for is not None
        missing = names.difference(summary.chains_for)
        if sources.spells_any(rel, missing) and chain_spelled(sources.data(rel), missing):
            again.append(rel)
            continue
        entry = cache.get(key)
        if isinstance(entry, ModuleFacts):
            cache.put(key, entry._replace(chains_for=tuple(sorted({*summary.chains_for, *names}))))
    _parse_into(parsed, again, sources, cache, parser, frozenset(names))


def _submit(
    rel: str, sources: Sources, cache: FactsCache, parser: Parser, names: Collection[str] | None
) -> None:
    """Hand `rel` to the parser unless the cache's facts for it do for `names` (None:
    every chain); facts the cache holds for other names are widened to theirs too."""
    if parser.has(rel):
        return
    summary = cache.summary(sources.key(rel))
    if summary is not None and summary.covers(names):
        return
    interest = None
    if names is not None:
        held = () if summary is None else summary.chains_for or ()
        interest = frozenset({*names, *held})
    parser.submit(rel, sources.data(rel), interest)


class _MissingModuleNames:
    """Names that ``from m import name`` uses as a module object though `m` has no such
    submodule: `m` binds them some other way (an alias, a re-exported module), or nothing
    binds them and the import is broken; either way the files spelling them matter."""

    def __init__(
        self,
        files: Sequence[SourceFile],
        modules: Mapping[str, SourceFile],
        namespaces: Collection[str],
    ) -> None:
        self._files = {f.rel: f for f in files}
        self._modules = modules
        self._namespaces = namespaces
        self._tops = frozenset(m.partition(".")[0] for m in modules)

    def names(self, rel: str, roots: ModuleRoots, wanted: Collection[str]) -> Iterator[str]:
        source = self._files.get(rel)
        if source is None:
            return
        for level, module, name, last in roots:
            if last not in wanted:
                continue
            parent = absolute_module(source, module, level)
            if parent is None or parent.partition(".")[0] not in self._tops:
                continue
            dotted = f"{parent}.{name}"
            if dotted not in self._modules and dotted not in self._namespaces:
                yield name


def _parse_into(
    parsed: dict[str, bytes],
    rels: Sequence[str],
    sources: Sources,
    cache: FactsCache,
    parser: Parser,
    names: Collection[str] | None,
) -> None:
    """Parse `rels` for the chains of `names` (None: every chain) unless the cache has
    their facts; record each file's content key in `parsed`."""
    for rel in rels:
        parsed[rel] = sources.key(rel)
        _submit(rel, sources, cache, parser, names)
    for rel, entry in parser.collect().items():
        cache.put(sources.key(rel), entry)
