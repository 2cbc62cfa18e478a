"""Discovered files in, per-file facts out: byte prefilter, cache, parallel parse.

Only files that can bind or mention a name of interest are parsed. The set of names grows
to a fixed point: a module that re-exports an *alias* of the symbol does not contain the
symbol's own name, so each alias found (``Engine = ExecutionEngine``, ``import S as E``)
widens the byte scan until no new name appears. Star imports and module ``__getattr__``
provide names they never spell, so files with either are always parsed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

from ssot_migrate import workspace
from ssot_migrate.cache import Entry, FactsCache, FileState, Summary, content_key
from ssot_migrate.facts import Index, ModuleFacts, ParseFailure, SourceFile

_STAR_IMPORT = re.compile(rb"import[ \t]*\*")
_PARALLEL_THRESHOLD = 48


def build_index(
    files: Sequence[SourceFile],
    names: Iterable[str] | None,
    cache: FactsCache,
    jobs: int = 0,
    always: Iterable[str] = (),
) -> Index:
    """Index `files`; with `names` only those that may bind or mention them (see module doc).

    `always` names modules parsed whatever they contain (the canonical modules, whose
    definitions the config checks are reported against).
    """
    sources = _Sources(files, cache)
    parsed: dict[str, bytes] = {}  # rel -> content key; facts stay in the cache until used
    if names is None:
        _parse_into(parsed, sources.readable(), sources, cache, jobs)
    else:
        wanted = set(always)
        forced = [f.rel for f in files if f.module in wanted]
        _parse_to_fixed_point(parsed, set(names), sources, cache, jobs, forced)
    cache.save(live={f.rel for f in files})
    modules = {f.module: f for f in files if f.module is not None}
    namespaces = {prefix for name in modules for prefix in _prefixes(name) if prefix not in modules}
    good = {rel: key for rel, key in parsed.items() if not _summary(cache, key).failed}
    failures = {rel: cache.get(key) for rel, key in parsed.items() if rel not in good}
    return Index(
        files=tuple(files),
        facts=LazyFacts(good, cache),
        failures={rel: f for rel, f in failures.items() if isinstance(f, ParseFailure)},
        unreadable=dict(sources.unreadable),
        modules=modules,
        complete=names is None,
        namespaces=frozenset(namespaces),
        content_keys=dict(parsed),
    )


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


def _prefixes(module: str) -> Iterable[str]:
    parts = module.split(".")
    return (".".join(parts[:i]) for i in range(1, len(parts)))


class _Sources:
    """File contents read at most once, and only when the cache cannot answer for them."""

    def __init__(self, files: Sequence[SourceFile], cache: FactsCache) -> None:
        self.cache = cache
        self.unreadable: dict[str, str] = {}
        self._data: dict[str, bytes] = {}
        self._paths: dict[str, str] = {}
        self._states: dict[str, FileState] = {}
        for source in files:
            self._stat(source)

    def _stat(self, source: SourceFile) -> None:
        try:
            st = os.stat(source.abspath)
        except OSError as error:
            self.unreadable[source.rel] = error.strerror or str(error)
            return
        stat = (st.st_mtime_ns, st.st_size, st.st_ino)
        state = self.cache.state(source.rel, stat)
        if state is None:
            try:
                data = workspace.read_bytes(source.abspath)
            except OSError as error:
                self.unreadable[source.rel] = error.strerror or str(error)
                return
            self._data[source.rel] = data
            state = FileState(stat, None, _is_dynamic(data), {})
            self.cache.remember(source.rel, state)
        self._states[source.rel] = state
        self._paths[source.rel] = source.abspath

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


def _learn_words(data: bytes, names: list[str], words: dict[str, bool]) -> None:
    """Record for each name whether `data` spells it as a word. Names come shortest
    first, so a name absent as a substring rules out every longer name containing it
    (aliases often share a stem: Engine, CoreEngine, LegacyEngine)."""
    absent: list[str] = []
    for name in names:
        if any(short in name for short in absent):
            words[name] = False
            continue
        word = name.encode()
        if word not in data:
            absent.append(name)
            words[name] = False
        else:
            words[name] = _spells(data, word)


def _is_dynamic(data: bytes) -> bool:
    """Binds names it never spells: ``from m import *`` or a module ``__getattr__``."""
    if b"import *" in data or b"__getattr__" in data:
        return True
    # Rare spellings (`import  *`, a tab): the regex runs only when they are possible.
    return (b"import  " in data or b"import\t" in data) and _STAR_IMPORT.search(data) is not None


def _spells(data: bytes, word: bytes) -> bool:
    """`word` occurs in `data` with no identifier character on either side."""
    start = data.find(word)
    while start != -1:
        end = start + len(word)
        before = data[start - 1 : start] if start else b" "
        after = data[end : end + 1] or b" "
        if not (before.isalnum() or before == b"_" or after.isalnum() or after == b"_"):
            return True
        start = data.find(word, start + 1)
    return False


def _parse_to_fixed_point(
    parsed: dict[str, bytes],
    names: set[str],
    sources: _Sources,
    cache: FactsCache,
    jobs: int,
    forced: list[str],
) -> None:
    pending = [rel for rel in forced if rel not in sources.unreadable]
    pending += sources.dynamic()
    fresh = set(names)
    while fresh:
        pending += sources.mentioning(fresh, parsed)
        todo = list(dict.fromkeys(r for r in pending if r not in parsed))
        pending = []
        _parse_into(parsed, todo, sources, cache, jobs)
        # Every parsed file, not only this round's: a file read for one name may alias a
        # name learned only now (``from m import S as _S`` then ``T = _S``).
        found = {
            bound
            for key in parsed.values()
            for bound, spelled in _summary(cache, key).aliases
            if spelled in names
        }
        fresh = found - names
        names |= fresh


def _parse_into(
    parsed: dict[str, bytes],
    rels: Sequence[str],
    sources: _Sources,
    cache: FactsCache,
    jobs: int,
) -> None:
    missing: list[str] = []
    for rel in rels:
        key = parsed[rel] = sources.key(rel)
        if cache.summary(key) is None:
            missing.append(rel)
    results = _extract_all([sources.data(rel) for rel in missing], jobs)
    for rel, entry in zip(missing, results, strict=True):
        cache.put(parsed[rel], entry)


_WORK: list[bytes] = []


def _extract_slice(bounds: tuple[int, int]) -> list[Entry]:
    from ssot_migrate.extract import extract_facts

    return [extract_facts(data) for data in _WORK[bounds[0] : bounds[1]]]


def _extract_all(sources: list[bytes], jobs: int) -> list[Entry]:
    if not sources:
        return []
    # Imported on first use: a warm run parses nothing and skips the parser's import.
    from ssot_migrate.extract import extract_facts

    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    if workers <= 1 or len(sources) < _PARALLEL_THRESHOLD:
        return [extract_facts(data) for data in sources]
    # Forked workers inherit the bytes; only the (small) facts travel back. Imported here:
    # a warm run parses nothing and should not pay for multiprocessing's import.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _WORK
    _WORK = sources
    try:
        size = max(8, len(sources) // (workers * 4))
        bounds = [(i, min(i + size, len(sources))) for i in range(0, len(sources), size)]
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return [entry for chunk in pool.map(_extract_slice, bounds) for entry in chunk]
    finally:
        _WORK = []
