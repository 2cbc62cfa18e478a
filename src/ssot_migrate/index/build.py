"""Discovered files in, per-file facts out: byte prefilter, cache, parallel parse.

Only files that can bind or mention a name of interest are parsed. The set of names grows
to a fixed point: a module that re-exports an *alias* of the symbol does not contain the
symbol's own name, so each alias found (``Engine = ExecutionEngine``, ``import S as E``)
widens the byte scan until no new name appears. Star imports and module ``__getattr__``
provide names they never spell, so files with either are always parsed.
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from ssot_migrate.index.byte_scan import chain_spelled, whole_words
from ssot_migrate.index.cache import (
    Entry,
    FactsCache,
    FileState,
    ModuleRoots,
    StatKey,
    Summary,
    content_key,
)
from ssot_migrate.index.facts import (
    Index,
    ModuleFacts,
    ParseFailure,
    Progress,
    SourceFile,
    absolute_module,
)
from ssot_migrate.io import workspace

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

_STAR_IMPORT = re.compile(rb"import[ \t]*\*")
_PARALLEL_THRESHOLD = 48


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
            sources = _Sources(files, cache, progress=progress, stats=stats)
            _parse_into(parsed, sources.readable(), sources, cache, parser, chains)
        else:
            wanted, first = set(always), set(names)
            forced = {f.rel for f in files if f.module in wanted}

            def parse_early(sources: _Sources, rel: str) -> None:
                # Round one's files are known as soon as they are read: parsing them
                # while the rest is still being read keeps every core busy.
                if rel in forced or sources.is_candidate(rel, first):
                    _submit(rel, sources, cache, parser, first)

            sources = _Sources(_nearest_first(files, wanted), cache, parse_early, progress, stats)
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


class _Sources:
    """File contents read at most once, and only when the cache cannot answer for them."""

    def __init__(
        self,
        files: Sequence[SourceFile],
        cache: FactsCache,
        on_read: Callable[[_Sources, str], None] | None = None,
        progress: Progress | None = None,
        stats: Mapping[str, StatKey] | None = None,
    ) -> None:
        self.cache = cache
        self._stats = stats or {}
        self.unreadable: dict[str, str] = {}
        self._data: dict[str, bytes] = {}
        self._paths: dict[str, str] = {}
        self._states: dict[str, FileState] = {}
        for number, source in enumerate(files, start=1):
            if self._stat(source) and on_read is not None:
                on_read(self, source.rel)
            if progress is not None and number % 500 == 0:
                progress("reading files", number, len(files))
        if progress is not None:
            progress("reading files", len(files), len(files))

    def _stat(self, source: SourceFile) -> bool:
        """Register one file; True when its bytes had to be read (the cache had no state)."""
        stat = self._stats.get(source.rel)
        if stat is None:
            try:
                st = os.stat(source.abspath)
            except OSError as error:
                self.unreadable[source.rel] = error.strerror or str(error)
                return False
            stat = (st.st_mtime_ns, st.st_size, st.st_ino)
        state = self.cache.state(source.rel, stat)
        read = state is None
        if state is None:
            try:
                data = workspace.read_bytes(source.abspath)
            except OSError as error:
                self.unreadable[source.rel] = error.strerror or str(error)
                return False
            self._data[source.rel] = data
            state = FileState(stat, None, _is_dynamic(data), {})
            self.cache.remember(source.rel, state)
        self._states[source.rel] = state
        self._paths[source.rel] = source.abspath
        return read

    def readable(self) -> list[str]:
        return list(self._states)

    def key(self, rel: str) -> bytes:
        """The content hash, computed only for files that get parsed."""
        state = self._states[rel]
        if state.key is not None:
            return state.key
        key = content_key(self.data(rel))
        self._states[rel] = state._replace(key=key)
        self.cache.remember(rel, self._states[rel])
        return key

    def data(self, rel: str) -> bytes:
        data = self._data.get(rel)
        if data is None:
            data = workspace.read_bytes(self._paths[rel])
            self._data[rel] = data
        return data

    def dynamic(self) -> list[str]:
        return [rel for rel, state in self._states.items() if state.dynamic]

    def is_candidate(self, rel: str, names: set[str]) -> bool:
        """Dynamic (star import, __getattr__), or spells one of `names` as a word."""
        return self._states[rel].dynamic or self.spells_any(rel, names)

    def spells_any(self, rel: str, names: Collection[str]) -> bool:
        """Whether `rel` spells one of `names` as a word (answers remembered per name)."""
        state = self._states[rel]
        words = state.words
        missing = [n for n in sorted(names, key=len) if n not in words]
        if missing:
            _learn_words(self.data(rel), missing, words)
            self.cache.remember(rel, state)
        return any(words[n] for n in names)

    def mentioning(self, names: set[str], skip: Mapping[str, object]) -> list[str]:
        """Files that spell one of `names` as a whole word (answers remembered per name)."""
        found = []
        wanted = sorted(names, key=len)  # shortest first: see _learn_words
        for rel, state in self._states.items():
            if rel in skip:
                continue
            words = state.words
            missing = [n for n in wanted if n not in words]
            if missing:
                _learn_words(self.data(rel), missing, words)
                self.cache.remember(rel, state)
            if any(words[n] for n in wanted):
                found.append(rel)
        return found


def _learn_words(data: bytes, names: list[str], words: dict[str, bool | None]) -> None:
    """Record for each name whether `data` spells it as a word (None: not even as a
    substring). Names come shortest first, so a name absent as a substring rules out
    every longer name containing it (aliases often share a stem: Engine, CoreEngine,
    LegacyEngine), and so does one found absent in an earlier round: the aliases a later
    round adds (``ImmutableMatrix`` after ``Matrix``) need no scan of most files."""
    absent = [known for known, spelled in words.items() if spelled is None]
    for name in names:
        if any(short in name for short in absent):
            words[name] = None
            continue
        word = name.encode()
        if word not in data:
            absent.append(name)
            words[name] = None
        else:
            words[name] = _spells(data, word)


def _is_dynamic(data: bytes) -> bool:
    """Binds names it never spells: ``from m import *`` or a module ``__getattr__``."""
    if b"import *" in data:
        return True
    # Rare spellings (`import  *`, a tab): the full regex runs only when they are possible.
    if (b"import  " in data or b"import\t" in data) and _STAR_IMPORT.search(data) is not None:
        return True
    return b"__getattr__" in data and _module_getattr_possible(data)


_METHOD_GETATTR = re.compile(
    rb"def[ \t]+__getattr__[ \t]*\([ \t]*\w+[ \t]*(?::[^,()=\n]*)?,[ \t]*\w+[ \t]*(?::[^,()=\n]*)?[,)]"
)
"""``def __getattr__(self, name)``: two parameters before any default, so Python's call of
a module's ``__getattr__`` with one name could not bind it; a method's, not a module's."""
_ATTRIBUTE_CALL = re.compile(rb"\.[ \t]*__getattr__[ \t]*\(")
"""``super().__getattr__(name)``, ``object.__getattr__(self, name)``: a call, not a binding."""


def _module_getattr_possible(data: bytes) -> bool:
    """Whether some ``__getattr__`` in `data` could be a module's (PEP 562). Most files
    spelling it define a class's: ``def __getattr__(self, name)``, or call one through an
    attribute. Any other spelling (``__getattr__ = f``, one parameter, a mention in a
    comment, an annotation this does not read) counts, so the answer errs towards parsing."""
    explained = 0
    for pattern in (_METHOD_GETATTR, _ATTRIBUTE_CALL):
        explained += sum(1 for _ in pattern.finditer(data))
    return data.count(b"__getattr__") > explained


def _spells(data: bytes, word: bytes) -> bool:
    """`word` occurs in `data` with no identifier character on either side, and not in a
    comment (``# Copyright Twisted Matrix Laboratories`` heads every file of some projects).
    Strings still count: a dotted string is a fact."""
    for start in whole_words(data, word):
        line_start = max(data.rfind(b"\n", 0, start), data.rfind(b"\r", 0, start)) + 1
        if data.find(b"#", line_start, start) == -1 or not _in_comment(data, line_start, start):
            return True
    return False


def _in_comment(data: bytes, line_start: int, offset: int) -> bool:
    """Whether a ``#`` outside the strings begun on the line comes before `offset`. A line
    that continues a string from an earlier line is read as if it did not: text of a
    multi-line string is no fact either way, so the answer matters only for code."""
    quote = b""
    index = line_start
    while index < offset:
        char = data[index : index + 1]
        if quote:
            if char == b"\\":
                index += 2
                continue
            if data.startswith(quote, index):
                index += len(quote)
                quote = b""
                continue
        elif char in (b"'", b'"'):
            triple = char * 3
            quote = triple if data.startswith(triple, index) else char
            index += len(quote)
            continue
        elif char == b"#":
            return True
        index += 1
    return False


def _parse_to_fixed_point(
    parsed: dict[str, bytes],
    names: set[str],
    sources: _Sources,
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
    sources: _Sources,
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
    rel: str, sources: _Sources, cache: FactsCache, parser: Parser, names: Collection[str] | None
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
    sources: _Sources,
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


Work = tuple[bytes, frozenset[str] | None, frozenset[str]]
"""A file's bytes and the chains its facts are for: names of interest, roots (see
`extract.extract_facts`)."""


def _extract_batch(sources: list[Work], whole: bool = False) -> list[Entry]:
    """Facts of each source, with the cyclic garbage collector paused: a syntax tree holds
    no reference cycles (reference counting frees it), yet its hundreds of thousands of
    new objects set off collections that walk every live object, a third of the time
    `ast.parse` takes on large files."""
    from ssot_migrate.index.extract import extract_facts

    paused = gc.isenabled()
    gc.disable()
    try:
        return [extract_facts(data, whole, interest, roots) for data, interest, roots in sources]
    finally:
        if paused:
            gc.enable()


class Parser:
    """Source bytes to facts, in worker processes once there is enough work for them.

    Work is handed out in small batches as it is submitted, so parsing overlaps whatever
    the caller does next (reading the rest of the tree); `collect` gathers it all.
    """

    _BATCH = 16

    def __init__(self, jobs: int, progress: Progress | None = None, whole: bool = False) -> None:
        self.workers = jobs if jobs > 0 else (os.cpu_count() or 1)
        self.progress = progress
        self.whole = whole
        self._batch: list[tuple[str, Work]] = []
        self._queued: list[tuple[str, Work]] = []  # submitted before the pool was worth it
        self._futures: list[tuple[list[str], Future[list[Entry]]]] = []
        self._submitted: set[str] = set()
        self._pool: ProcessPoolExecutor | None = None

    def has(self, rel: str) -> bool:
        return rel in self._submitted

    def submit(
        self,
        rel: str,
        data: bytes,
        interest: Collection[str] | None = None,
        roots: Collection[str] = (),
    ) -> None:
        """Parse `data` for the chains of `interest` and `roots` (see
        `extract.extract_facts`)."""
        self._submitted.add(rel)
        names = None if interest is None else frozenset(interest)
        self._batch.append((rel, (data, names, frozenset(roots))))
        if len(self._batch) >= self._BATCH:
            self._flush()

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        if not batch:
            return
        if self.workers <= 1:
            self._queued.extend(batch)
            return
        if self._pool is None:
            self._queued.extend(batch)
            if len(self._queued) < _PARALLEL_THRESHOLD and self.workers not in _POOLS:
                return  # a few files parse faster here than a pool starts
            batch, self._queued = self._queued, []
            self._pool = _start_pool(self.workers)
        for start in range(0, len(batch), self._BATCH):
            part = batch[start : start + self._BATCH]
            future = self._pool.submit(_extract_batch, [data for _, data in part], self.whole)
            self._futures.append(([rel for rel, _ in part], future))

    def collect(self) -> dict[str, Entry]:
        return dict(self.ready())

    def ready(self) -> Iterator[tuple[str, Entry]]:
        """Every submitted file's facts, each batch as soon as it is parsed (in the order
        submitted), so the caller's work on them overlaps the parsing of the rest."""
        self._flush()
        done = 0
        if self._queued:
            queued, self._queued = self._queued, []
            entries = _extract_batch([data for _, data in queued], self.whole)
            done += len(entries)
            yield from zip([rel for rel, _ in queued], entries, strict=True)
        total = len(self._submitted)
        futures, self._futures = self._futures, []
        self._submitted.clear()
        for rels, future in futures:
            entries = future.result()
            done += len(entries)
            if self.progress is not None:
                self.progress("parsing", done, total)
            yield from zip(rels, entries, strict=True)

    def close(self) -> None:
        """Drop this parser's pending work; the shared pool stays up for the next one."""
        for _, future in self._futures:
            future.cancel()
        self._futures = []
        self._pool = None


_POOLS: dict[int, ProcessPoolExecutor] = {}
"""One pool per worker count, started on first use and kept for the process's life: a
run parses in several rounds (the index, the modules an import loads, the rewritten
files), and each new pool forked a process the size of the run's memory."""


def _start_pool(workers: int) -> ProcessPoolExecutor:
    pool = _POOLS.get(workers)
    if pool is None or getattr(pool, "_broken", False):  # a worker died: never reuse it
        pool = _POOLS[workers] = _new_pool(workers)
    return pool


def _new_pool(workers: int) -> ProcessPoolExecutor:
    # Imported here: a warm run parses nothing and should not pay for the import.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
