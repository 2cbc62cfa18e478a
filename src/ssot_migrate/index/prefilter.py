"""The byte prefilter: each file's contents read at most once, and only when the cache
cannot answer for it, and the byte tests that tell whether a file may bind or mention a
name: it spells the name outside comments, or it binds names it never spells (a star
import, a module ``__getattr__``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection, Mapping, Sequence

from ssot_migrate.index.byte_scan import whole_words
from ssot_migrate.index.cache import FactsCache, FileState, StatKey, content_key
from ssot_migrate.index.facts import Progress, SourceFile
from ssot_migrate.io import workspace

_STAR_IMPORT = re.compile(rb"import[ \t]*\*")


class Sources:
    """File contents read at most once, and only when the cache cannot answer for them."""

    def __init__(
        self,
        files: Sequence[SourceFile],
        cache: FactsCache,
        on_read: Callable[[Sources, str], None] | None = None,
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
