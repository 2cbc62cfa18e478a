"""What a run remembers between runs, in a folder that ignores itself (as ruff's does).

- facts by content hash: an unchanged file is never parsed twice;
- file states by path: (mtime, size, inode) -> content hash and the answers of the byte
  prefilter, so a warm run does not even read files that did not change. An entry whose
  mtime is too close to when the cache was written is not trusted ("racily clean", as git
  calls it): the file could have changed within the clock's resolution.

A corrupt or foreign cache file is ignored and rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import pickle
import sys
import time
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from ssot_migrate.index.facts import (
    AttributeUse,
    Binding,
    ImportFact,
    ModuleFacts,
    ParseFailure,
    Span,
    StringRef,
)
from ssot_migrate.io import workspace

FACTS_FORMAT = 21
RACY_SECONDS = 2.0

Entry = ModuleFacts | ParseFailure
StatKey = tuple[int, int, int]


def content_key(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class Listing(NamedTuple):
    """Every discovered file's name and stat, digested with whatever else a result depends
    on: equal listings, equal results, as long as no file changed racily (`listed_get`)."""

    digest: bytes
    newest_mtime_ns: int
    started: float
    """When the run began (before any file was stat'ed or read)."""
    stats: dict[str, StatKey]
    """Each file's stat by `rel`, for the index to use rather than stat it again."""


def listing(key: object, files: Sequence[tuple[str, str]]) -> Listing | None:
    """The `Listing` of (rel, abspath) `files` under `key` (a repr-stable value: the tool,
    the config, the question asked); None when a file cannot be stat'ed (the caller's
    own run reports it)."""
    started = time.time()
    digest = hashlib.blake2b(repr(key).encode(), digest_size=16)
    newest = 0
    rows = []
    stats: dict[str, StatKey] = {}
    for rel, path in files:
        try:
            st = os.stat(path)
        except OSError:
            return None
        newest = max(newest, st.st_mtime_ns)
        stats[rel] = (st.st_mtime_ns, st.st_size, st.st_ino)
        rows.append(f"{rel}\0{st.st_mtime_ns}\0{st.st_size}\0{st.st_ino}\n")
    digest.update("".join(rows).encode())
    return Listing(digest.digest(), newest, started, stats)


class FileState(NamedTuple):
    """A NamedTuple (fast to unpickle); `words` is filled in place as names are asked for."""

    stat: StatKey
    key: bytes | None
    """Content hash; None until the file is first parsed (most files never are)."""
    dynamic: bool
    """Has ``import *`` or a ``__getattr__``: always parsed."""
    words: dict[str, bool | None]
    """Per name asked for: spelled as a word (True), only inside a longer word or a comment
    (False), or not even a substring (None)."""


Aliases = tuple[tuple[str, str], ...]
"""(bound name, spelled name) of a module's ``X = m.Y`` and ``from m import Y as X``."""


ModuleRoots = tuple[tuple[int, str, str, str], ...]
"""(level, module, name, last attribute) of ``from module import name`` whose local name
roots an attribute chain ``name.….last``: `name` is used as a module object."""


class Summary(NamedTuple):
    """What the byte prefilter's fixed point needs of a parsed file, without its facts."""

    failed: bool
    aliases: Aliases
    module_roots: ModuleRoots
    chains_for: tuple[str, ...] | None = None
    """See `ModuleFacts.chains_for` (None for a failure: it has no chains to miss)."""

    def covers(self, names: Collection[str] | None) -> bool:
        """Whether the facts hold every chain the `names` of interest need (None: every
        chain)."""
        if names is None or self.chains_for is None:
            return self.chains_for is None
        return set(names).issubset(self.chains_for)


def summarize(entry: Entry) -> Summary:
    if isinstance(entry, ParseFailure):
        return Summary(True, (), ())
    aliases = []
    for binding in entry.bindings:
        if binding.kind == "alias":
            aliases.append((binding.name, binding.target.rpartition(".")[2]))
        elif binding.kind == "import-from" and binding.imported is not None:
            aliases.append((binding.name, binding.imported))
    imported = {i.local_name: i for i in entry.imports if i.kind == "from"}
    roots: dict[tuple[int, str, str, str], None] = {}
    for use in entry.attributes:
        root, _, rest = use.dotted.partition(".")
        fact = imported.get(root)
        if fact is not None and fact.name is not None and rest:
            roots[(fact.level, fact.module, fact.name, rest.rpartition(".")[2])] = None
    return Summary(False, tuple(aliases), tuple(roots), entry.chains_for)


class FactsCache:
    """Facts by content hash, file states by path, and finished audits by fingerprint.

    Facts are decoded on first use only: a warm run whose audit is memoised decodes none.
    """

    def __init__(self, root: Path, enabled: bool = True) -> None:
        tag = f"py{sys.version_info.major}{sys.version_info.minor}"
        self.folder = root / workspace.CACHE_DIR_NAME
        self.facts_path = self.folder / f"facts-v{FACTS_FORMAT}-{tag}.marshal"
        self.state_path = self.folder / f"files-v{FACTS_FORMAT}-{tag}.marshal"
        self.memo_path = self.folder / f"audits-v{FACTS_FORMAT}-{tag}.pickle"
        self.listed_path = self.folder / f"listed-v{FACTS_FORMAT}-{tag}.pickle"
        self.enabled = enabled
        self._rows: dict[bytes, Any] | None = None if enabled else {}
        """Encoded facts, read from disk on the first lookup (a memoised audit needs none)."""
        self._entries: dict[bytes, Entry] = {}
        self._unsaved: set[bytes] = set()
        """Keys put since the last save: only their entries need encoding."""
        self._written_at = 0.0
        self._states: dict[str, FileState] = {}
        self._summaries: dict[bytes, Summary] = {}
        self._states_loaded = not enabled
        """File states load on first use: an audit answered by its listing needs none."""
        self._facts_dirty = False
        self._state_dirty = False
        self._memo: tuple[bytes, Any] | None = None
        """The last result put or got: a run asks for its audit again (to land it, to
        record its cycles), and reading it back from disk costs an unpickling each time."""

    def _load_rows(self) -> dict[bytes, Any]:
        try:
            rows = marshal.loads(workspace.read_bytes(self.facts_path))
        except Exception:  # missing, truncated or written by another version: rebuild
            return {}
        return rows if isinstance(rows, dict) else {}

    def _load(self) -> None:
        if not self._states_loaded:
            self._written_at, self._states, self._summaries = self._load_states()
            self._states_loaded = True

    def _load_states(self) -> tuple[float, dict[str, FileState], dict[bytes, Summary]]:
        # marshal, not pickle: 50,000 small tuples load several times faster.
        try:
            written_at, rows, summaries = marshal.loads(workspace.read_bytes(self.state_path))
            states = {rel: _new(FileState, row) for rel, row in rows.items()}
            return float(written_at), states, {k: _new(Summary, v) for k, v in summaries.items()}
        except Exception:  # missing, truncated or from another version: rebuild
            return 0.0, {}, {}

    # facts by content -------------------------------------------------------------------

    def get(self, key: bytes) -> Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            rows = self._encoded()
            row = rows.get(key)
            if row is None:
                return None
            try:
                entry = self._entries[key] = decode_entry(row)
            except Exception:  # a row from a corrupt file: parse the source again
                del rows[key]
                return None
        return entry

    def _encoded(self) -> dict[bytes, Any]:
        if self._rows is None:
            self._rows = self._load_rows()
        return self._rows

    def summary(self, key: bytes) -> Summary | None:
        self._load()
        summary = self._summaries.get(key)
        if summary is None:
            entry = self.get(key)
            if entry is None:
                return None
            summary = self._summaries[key] = summarize(entry)
            self._state_dirty = True
        return summary

    def put(self, key: bytes, entry: Entry) -> None:
        self._load()
        self._entries[key] = entry
        self._unsaved.add(key)
        self._summaries[key] = summarize(entry)
        if self.enabled:
            self._facts_dirty = self._state_dirty = True

    # file states by path ------------------------------------------------------------------

    def state(self, rel: str, stat: StatKey) -> FileState | None:
        """The remembered state of `rel` if its stat matches and is not racily clean."""
        self._load()
        state = self._states.get(rel)
        if state is None or state.stat != stat:
            return None
        if stat[0] / 1e9 >= self._written_at - RACY_SECONDS:
            return None
        return state

    def remember(self, rel: str, state: FileState) -> None:
        self._load()
        if self.enabled:
            self._states[rel] = state
            self._state_dirty = True

    # finished audits by fingerprint ---------------------------------------------------------

    def memo_get(self, fingerprint: bytes) -> Any:
        """A result stored under `fingerprint` (a digest of every input), or None."""
        if not self.enabled:
            return None
        if self._memo is not None and self._memo[0] == fingerprint:
            return self._memo[1]
        try:
            memo = pickle.loads(workspace.read_bytes(self.memo_path))
        except Exception:  # missing or unreadable: compute again
            return None
        if not (isinstance(memo, tuple) and memo[0] == fingerprint):
            return None
        self._memo = (fingerprint, memo[1])
        return memo[1]

    def memo_put(self, fingerprint: bytes, value: Any) -> None:
        """Keep one result: the latest audit is the one a rerun asks for."""
        if not self.enabled:
            return
        self._memo = (fingerprint, value)
        try:
            workspace.ensure_cache_dir(self.folder)
            workspace.write_atomic(self.memo_path, pickle.dumps((fingerprint, value), protocol=5))
        except OSError:
            return

    # audits by listing --------------------------------------------------------------------

    def listed_get(self, listing: Listing) -> Any:
        """The result stored under `listing`'s digest, if every file it lists was last
        changed well before the run that stored it began (else a file could have changed
        again within the clock's resolution after that run read it)."""
        if not self.enabled:
            return None
        try:
            digest, started, value = pickle.loads(workspace.read_bytes(self.listed_path))
        except Exception:  # missing, unreadable or another layout: compute again
            return None
        if digest != listing.digest or listing.newest_mtime_ns / 1e9 >= started - RACY_SECONDS:
            return None
        return value

    def listed_put(self, listing: Listing, value: Any) -> None:
        if not self.enabled:
            return
        payload = (listing.digest, listing.started, value)
        try:
            workspace.ensure_cache_dir(self.folder)
            workspace.write_atomic(self.listed_path, pickle.dumps(payload, protocol=5))
        except OSError:
            return

    # persistence --------------------------------------------------------------------------

    def save(self, live: set[str] | None = None) -> None:
        """Write what changed. States of files no longer present are dropped, and so are
        facts and summaries no present file's content has any more."""
        if not self.enabled or not self._states_loaded:
            return  # nothing was read, so nothing changed
        if live is not None and not live.issuperset(self._states):
            self._states = {rel: s for rel, s in self._states.items() if rel in live}
            self._state_dirty = True
        try:
            if self._facts_dirty or self._state_dirty:
                workspace.ensure_cache_dir(self.folder)
            used = {s.key for s in self._states.values() if s.key is not None}
            # What is dropped from the files is dropped from memory too: a summary kept here
            # would vouch for facts no longer on disk, and a later use of the key would
            # skip the parse that must write them again.
            self._entries = {k: e for k, e in self._entries.items() if k in used}
            self._summaries = {k: v for k, v in self._summaries.items() if k in used}
            if self._facts_dirty:
                rows = {k: r for k, r in self._encoded().items() if k in used}
                fresh = {k: self._entries[k] for k in self._unsaved if k in self._entries}
                rows.update({k: encode_entry(e) for k, e in fresh.items()})
                self._rows = rows
                self._unsaved.clear()
                workspace.write_atomic(self.facts_path, marshal.dumps(rows))
            if self._state_dirty:
                states = {rel: tuple(state) for rel, state in self._states.items()}
                summaries = {k: tuple(v) for k, v in self._summaries.items()}
                payload = (time.time(), states, summaries)
                workspace.write_atomic(self.state_path, marshal.dumps(payload))
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
        tuple(
            (*i[:5], tuple(i.span), tuple(i.stmt), i.scope, i.guard, i.block, i.namespace)
            for i in entry.imports
        ),
        tuple(tuple(b) for b in entry.bindings),
        tuple((a.dotted, tuple(a.span), a.scope, a.binder) for a in entry.attributes),
        tuple((s.value, tuple(s.span)) for s in entry.strings),
        entry.dunder_all,
        entry.has_getattr,
        entry.reexport_only,
        entry.parser,
        entry.unread,
        entry.shim_served,
        entry.chains_for,
        entry.unbound,
    )


def decode_entry(row: tuple[Any, ...]) -> Entry:
    if row[0] == "failure":
        return _new(ParseFailure, row[1])
    # The scalar fields after the four collections are stored as they are.
    _, imports, bindings, attributes, strings, *scalars = row
    return _new(
        ModuleFacts,
        (
            tuple(
                _new(ImportFact, (k, m, lv, n, a, _new(Span, sp), _new(Span, st), sc, g, b, ns))
                for k, m, lv, n, a, sp, st, sc, g, b, ns in imports
            ),
            tuple(_new(Binding, b) for b in bindings),
            tuple(_new(AttributeUse, (d, _new(Span, sp), sc, bd)) for d, sp, sc, bd in attributes),
            tuple(_new(StringRef, (v, _new(Span, sp))) for v, sp in strings),
            *scalars,
        ),
    )
