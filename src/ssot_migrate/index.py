"""Discovered files in, per-file facts out: byte prefilter, cache, parallel parse.

Only files that can bind or mention a name of interest are parsed. The set of names grows
to a fixed point: a module that re-exports an *alias* of the symbol does not contain the
symbol's own name, so each alias found (``Engine = ExecutionEngine``, ``import S as E``)
widens the byte scan until no new name appears. Star imports re-export names they never
spell, so files with ``import *`` are always parsed.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor

from ssot_migrate import workspace
from ssot_migrate.cache import Entry, FactsCache, content_key
from ssot_migrate.extract import extract_facts
from ssot_migrate.facts import Index, ModuleFacts, ParseFailure, SourceFile

_STAR_IMPORT = re.compile(rb"\bimport[ \t]*\*")
_PARALLEL_THRESHOLD = 48

Progress = Callable[[int, int], None]


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
    contents: dict[str, bytes] = {}
    unreadable: dict[str, str] = {}
    for source in files:
        try:
            contents[source.rel] = workspace.read_bytes(source.path)
        except OSError as error:
            unreadable[source.rel] = error.strerror or str(error)
    parsed: dict[str, Entry] = {}
    if names is None:
        _parse_into(parsed, list(contents), contents, cache, jobs)
    else:
        wanted = set(always)
        forced = [f.rel for f in files if f.module in wanted and f.rel in contents]
        _parse_to_fixed_point(parsed, set(names), contents, cache, jobs, forced)
    cache.save()
    modules = {f.module: f for f in files if f.module is not None}
    return Index(
        files=tuple(files),
        facts={rel: e for rel, e in parsed.items() if isinstance(e, ModuleFacts)},
        failures={rel: e for rel, e in parsed.items() if isinstance(e, ParseFailure)},
        unreadable=unreadable,
        modules=modules,
        complete=names is None,
    )


def _parse_to_fixed_point(
    parsed: dict[str, Entry],
    names: set[str],
    contents: Mapping[str, bytes],
    cache: FactsCache,
    jobs: int,
    forced: list[str],
) -> None:
    pending = forced + [
        rel for rel, data in contents.items() if b"*" in data and _STAR_IMPORT.search(data)
    ]
    fresh = set(names)
    while fresh:
        needles = [n.encode() for n in fresh]
        pending += [
            rel
            for rel, data in contents.items()
            if rel not in parsed and any(n in data for n in needles)
        ]
        todo = list(dict.fromkeys(r for r in pending if r not in parsed))
        pending = []
        _parse_into(parsed, todo, contents, cache, jobs)
        found = {name for rel in todo for name in _aliases_of(parsed[rel], names)}
        fresh = found - names
        names |= fresh


def _aliases_of(entry: Entry, names: set[str]) -> Iterable[str]:
    """Names this module binds to something spelled with a name of interest."""
    if not isinstance(entry, ModuleFacts):
        return
    for binding in entry.bindings:
        if (binding.kind == "alias" and binding.target.rpartition(".")[2] in names) or (
            binding.kind == "import-from" and binding.imported in names
        ):
            yield binding.name


def _parse_into(
    parsed: dict[str, Entry],
    rels: Sequence[str],
    contents: Mapping[str, bytes],
    cache: FactsCache,
    jobs: int,
) -> None:
    missing: list[tuple[str, bytes]] = []
    for rel in rels:
        key = content_key(contents[rel])
        hit = cache.get(key)
        if hit is not None:
            parsed[rel] = hit
        else:
            missing.append((rel, key))
    results = _extract_all([contents[rel] for rel, _ in missing], jobs)
    for (rel, key), entry in zip(missing, results, strict=True):
        parsed[rel] = entry
        cache.put(key, entry)


_WORK: list[bytes] = []


def _extract_slice(bounds: tuple[int, int]) -> list[Entry]:
    return [extract_facts(data) for data in _WORK[bounds[0] : bounds[1]]]


def _extract_all(sources: list[bytes], jobs: int) -> list[Entry]:
    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    if workers <= 1 or len(sources) < _PARALLEL_THRESHOLD:
        return [extract_facts(data) for data in sources]
    # Forked workers inherit the bytes; only the (small) facts travel back.
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
