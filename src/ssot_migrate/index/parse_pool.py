"""Source bytes to facts, in worker processes once there is enough work for them: the
`Parser` hands work out in small batches as it is submitted, to a process pool kept for
the life of the process.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING

from ssot_migrate.index.cache import Entry
from ssot_migrate.index.facts import Progress

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

_PARALLEL_THRESHOLD = 48


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
