"""What a run remembers between runs, in a folder that ignores itself (as ruff's does).

- facts by content hash: an unchanged file is never parsed twice;
- file states by path: (mtime, size, inode) -> content hash and the answers of the byte
  prefilter, so a warm run does not even read files that did not change. An entry whose
  mtime is too close to when the cache was written is not trusted ("racily clean", as git
  calls it): the file could have changed within the clock's resolution.

A corrupt or foreign cache file is ignored and rebuilt, never trusted.
"""

from __future__ import annotations

import marshal
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple

from ssot_migrate import workspace
from ssot_migrate.facts import (
    AttributeUse,
    Binding,
    ImportFact,
    ModuleFacts,
    ParseFailure,
    Span,
    StringRef,
)

FACTS_FORMAT = 3
CACHE_DIR_NAME = ".ssot-migrate-cache"
RACY_SECONDS = 2.0

Entry = ModuleFacts | ParseFailure
StatKey = tuple[int, int, int]


def content_key(data: bytes) -> bytes:
    import hashlib  # only files the cache cannot vouch for are hashed

    return hashlib.blake2b(data, digest_size=16).digest()


class FileState(NamedTuple):
    """A NamedTuple (fast to unpickle); `words` is filled in place as names are asked for."""

    stat: StatKey
    key: bytes | None
    """Content hash; None until the file is first parsed (most files never are)."""
    dynamic: bool
    """Has ``import *`` or a ``__getattr__``: always parsed."""
    words: dict[str, bool]


class FactsCache:
    def __init__(self, root: Path, enabled: bool = True) -> None:
        tag = f"py{sys.version_info.major}{sys.version_info.minor}"
        self.folder = root / CACHE_DIR_NAME
        self.facts_path = self.folder / f"facts-v{FACTS_FORMAT}-{tag}.marshal"
        self.state_path = self.folder / f"files-v{FACTS_FORMAT}.marshal"
        self.enabled = enabled
        self._entries: dict[bytes, Entry] = self._load_facts() if enabled else {}
        self._written_at, self._states = self._load_states() if enabled else (0.0, {})
        self._facts_dirty = False
        self._state_dirty = False

    def _load_facts(self) -> dict[bytes, Entry]:
        try:
            rows = marshal.loads(workspace.read_bytes(self.facts_path))
            return {key: decode_entry(row) for key, row in rows.items()}
        except Exception:  # missing, truncated or written by another version: rebuild
            return {}

    def _load_states(self) -> tuple[float, dict[str, FileState]]:
        # marshal, not pickle: 50,000 small tuples load several times faster.
        try:
            written_at, rows = marshal.loads(workspace.read_bytes(self.state_path))
            return float(written_at), {rel: _new(FileState, row) for rel, row in rows.items()}
        except Exception:  # missing, truncated or from another version: rebuild
            return 0.0, {}

    # facts by content -------------------------------------------------------------------

    def get(self, key: bytes) -> Entry | None:
        return self._entries.get(key)

    def put(self, key: bytes, entry: Entry) -> None:
        if self.enabled:
            self._entries[key] = entry
            self._facts_dirty = True

    # file states by path ------------------------------------------------------------------

    def state(self, rel: str, stat: StatKey) -> FileState | None:
        """The remembered state of `rel` if its stat matches and is not racily clean."""
        state = self._states.get(rel)
        if state is None or state.stat != stat:
            return None
        if stat[0] / 1e9 >= self._written_at - RACY_SECONDS:
            return None
        return state

    def remember(self, rel: str, state: FileState) -> None:
        if self.enabled:
            self._states[rel] = state
            self._state_dirty = True

    def save(self, live: set[str] | None = None) -> None:
        """Write what changed; states of files no longer present are dropped."""
        if not self.enabled:
            return
        if live is not None and not live.issuperset(self._states):
            self._states = {rel: s for rel, s in self._states.items() if rel in live}
            self._state_dirty = True
        try:
            if self._facts_dirty or self._state_dirty:
                workspace.ensure_cache_dir(self.folder)
            if self._facts_dirty:
                facts = {key: encode_entry(entry) for key, entry in self._entries.items()}
                workspace.write_atomic(self.facts_path, marshal.dumps(facts))
            if self._state_dirty:
                states = {rel: tuple(state) for rel, state in self._states.items()}
                workspace.write_atomic(self.state_path, marshal.dumps((time.time(), states)))
        except OSError:
            return  # a cache that cannot be written only costs time next run
        self._facts_dirty = self._state_dirty = False


# Facts are stored as plain tuples with marshal (several times faster to load than pickle)
# and rebuilt with tuple.__new__, which skips the NamedTuple's Python-level __new__.
_new = tuple.__new__


def encode_entry(entry: Entry) -> tuple[Any, ...]:
    if isinstance(entry, ParseFailure):
        return ("failure", tuple(entry))
    return (
        "facts",
        tuple((*i[:5], tuple(i.span), tuple(i.stmt), i.scope, i.guard) for i in entry.imports),
        tuple(tuple(b) for b in entry.bindings),
        tuple((a.dotted, tuple(a.span), a.scope) for a in entry.attributes),
        tuple((s.value, tuple(s.span)) for s in entry.strings),
        entry.dunder_all,
        entry.has_getattr,
        entry.parser,
    )


def decode_entry(row: tuple[Any, ...]) -> Entry:
    if row[0] == "failure":
        return _new(ParseFailure, row[1])
    _, imports, bindings, attributes, strings, dunder_all, has_getattr, parser = row
    return _new(
        ModuleFacts,
        (
            tuple(
                _new(ImportFact, (k, m, lv, n, a, _new(Span, sp), _new(Span, st), sc, g))
                for k, m, lv, n, a, sp, st, sc, g in imports
            ),
            tuple(_new(Binding, b) for b in bindings),
            tuple(_new(AttributeUse, (d, _new(Span, sp), sc)) for d, sp, sc in attributes),
            tuple(_new(StringRef, (v, _new(Span, sp))) for v, sp in strings),
            dunder_all,
            has_getattr,
            parser,
        ),
    )
