"""Byte-level searches of Python source: what can be found without parsing it.

Each answer is a superset the parser then confirms: a quoted dotted path, a dotted use of a
name, a whole word, the line of an offset (as Python numbers lines).
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Collection, Iterator

NAME_BYTES = rb"[A-Za-z_\x80-\xff][\w\x80-\xff]*"  # UTF-8 letters are identifier characters
QUOTED_DOTTED = re.compile(
    rb"[\"']" + NAME_BYTES + rb"(?:\." + NAME_BYTES + rb")*(?:\." + NAME_BYTES + rb"|\.)[\"']"
)
"""A quoted dotted path, or its first part ending in a dot (``"pkg.mod." "Name"``, a
string concatenated over lines)."""
IDENTIFIER_BYTES = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
_WORD_BYTES_ONLY = bytes(b if b in IDENTIFIER_BYTES else 32 for b in range(256))
"""A `bytes.translate` table turning every byte but ASCII identifier characters into a space."""


class SourceScan:
    """The byte searches of one file, each run once and shared by whoever asks (the
    skeleton, then the collector): where ``import`` is spelled, where quoted dotted paths
    start, and where each word asked for is used dotted."""

    def __init__(self, source: bytes) -> None:
        self.source = source
        self._imports: list[int] | None = None
        self._quoted: list[int] | None = None
        self._dotted: dict[str, list[int]] = {}
        self._focused: dict[frozenset[str], list[int]] = {}

    def imports(self) -> list[int]:
        """Offsets of every ``import`` (a substring: ``important`` too)."""
        if self._imports is None:
            self._imports = word_offsets(self.source, b"import")
        return self._imports

    def hot(self, roots: Collection[str]) -> list[int]:
        """Where a quoted dotted path, or a dotted use of one of `roots`, starts."""
        return [*self.quoted(), *self.dotted(roots)]

    def quoted(self) -> list[int]:
        """Where a quoted dotted path starts."""
        if self._quoted is None:
            self._quoted = [m.start() for m in QUOTED_DOTTED.finditer(self.source)]
        return self._quoted

    def focus(self, names: Collection[str], roots: Collection[str] = ()) -> list[int]:
        """Where the chains that name one of `names` can stand: each ``.name`` (a dot, then
        the name as a word), and every dotted use of a name of interest or of a word found
        rooting a ``.name`` chain (`chain_roots`) or given in `roots`: every chain rooted
        there, whatever it names, so the uses of a module a symbol is read through are
        all seen (see `extract.extract_facts`)."""
        return [*self._named(names), *self.dotted(self.focus_roots(names, roots))]

    def focus_roots(self, names: Collection[str], roots: Collection[str] = ()) -> set[str]:
        """The words whose dotted uses `focus` finds."""
        return {*names, *roots, *chain_roots(self.source, self._named(names))}

    def _named(self, names: Collection[str]) -> list[int]:
        key = frozenset(names)
        found = self._focused.get(key)
        if found is None:
            found = self._focused[key] = named_attributes(self.source, names)
        return found

    def dotted(self, words: Collection[str]) -> list[int]:
        """Offsets of `words` used as ``word.attr`` (see `dotted_uses`)."""
        missing = [w for w in words if w not in self._dotted]
        if missing:
            for word in missing:
                self._dotted[word] = []
            for word, offset in dotted_uses(self.source, missing):
                self._dotted[word].append(offset)
        return [offset for word in words for offset in self._dotted[word]]


def dotted_uses(source: bytes, words: Collection[str]) -> list[tuple[str, int]]:
    """(word, offset) of each of `words` used as ``word.attr`` (spaces or tabs may stand
    before the dot). One pass over the file's dots for all words: the file is split at
    every ``.`` (in C) and the identifier ending each piece is looked up, which costs the
    same for 3 imported names as for 70; a byte search per word scanned the file 70 times."""
    if not words:
        return []
    wanted = {w.encode(): w for w in words}
    found: list[tuple[str, int]] = []
    position = 0
    pieces = source.split(b".")
    for index in range(len(pieces) - 1):
        piece = pieces[index]
        trimmed = piece.rstrip(b" \t")
        head = trimmed.rstrip(IDENTIFIER_BYTES)
        if len(head) != len(trimmed) and (head or index == 0):
            word = wanted.get(trimmed[len(head) :])
            if word is not None:
                found.append((word, position + len(head)))
        position += len(piece) + 1
    return found


def named_attributes(source: bytes, names: Collection[str]) -> list[int]:
    """Offsets of the dots of ``.name`` for each of `names` (spaces, tabs, line ends,
    comments and backslash continuations may stand between: brackets let a chain go over
    lines)."""
    if not names:
        return []
    return [match.start() for match in re.finditer(_after_dot(names), source)]


_GAP = rb"(?:[ \t\r\n]|\\(?:\r\n|\r|\n)|#[^\r\n]*+)*+"
"""What may stand between the parts of a chain in brackets: spaces, line ends, backslash
continuations, comments. Possessive: a comment is taken to its line end once, never
split (no backtracking)."""


def _after_dot(names: Collection[str]) -> bytes:
    """A regex matching one of `names` as an attribute: after a dot (and a `_GAP`)."""
    return rb"\." + _GAP + _any_of(names) + rb"(?![\w\x80-\xff])"


def _any_of(names: Collection[str]) -> bytes:
    """A regex group matching any of `names` (longest first)."""
    ordered = sorted(names, key=len, reverse=True)
    return rb"(?:" + b"|".join(re.escape(n.encode()) for n in ordered) + rb")"


def chain_spelled(source: bytes, names: Collection[str]) -> bool:
    """Whether a dotted chain could stand in `source` with one of `names` in it: as its
    root (``name.``) or after a dot (``.name``), whitespace, comments and backslash
    continuations allowed between."""
    if not names:
        return False
    as_root = rb"(?<![\w\x80-\xff])" + _any_of(names) + _GAP + rb"\."
    return re.search(_after_dot(names) + rb"|" + as_root, source) is not None


_BACK_SPACE = re.compile(rb"(?:[ \t\r\n]|\\(?:\r\n|\r|\n))*+\Z")


def chain_roots(source: bytes, dots: list[int]) -> set[str]:
    """The first name of the dotted chain each dot at `dots` stands in: ``a.b . c`` for
    the dot before ``c`` gives ``a``. A chain that starts with a call, a subscript or a
    literal (``f().c``) has none: no fact records it."""
    roots: set[str] = set()
    for dot in dots:
        root = None
        position = dot
        while True:
            end = _space_before(source, position)
            start = end
            while start > 0 and (
                source[start - 1] in IDENTIFIER_BYTES or source[start - 1] >= 0x80
            ):
                start -= 1
            if start == end or source[start] in b"0123456789":
                break
            root = source[start:end]
            before = _space_before(source, start)
            if before == 0 or source[before - 1 : before] != b".":
                break
            position = before - 1
        if root is not None:
            roots.add(root.decode("utf-8", "replace"))
    return roots


def _space_before(source: bytes, position: int) -> int:
    """Where the whitespace (and backslash continuations) ending at `position` starts."""
    floor = max(0, position - 256)
    match = _BACK_SPACE.search(source, floor, position)
    return match.start() if match is not None else position


def lines_of(source: bytes, offsets: list[int]) -> list[int]:
    """The sorted, distinct 1-based line numbers of byte `offsets`, as Python numbers
    lines (a lone ``\\r`` ends one too: such a file is indexed once by `Lines`)."""
    numbered = Lines(source) if b"\r" in source else None
    lines: list[int] = []
    line, last = 1, 0
    for offset in sorted(offsets):
        if numbered is not None:
            line = numbered.start_of(offset)[0]
        else:
            line += source.count(b"\n", last, offset)
            last = offset
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def word_offsets(source: bytes, word: bytes) -> list[int]:
    offsets: list[int] = []
    start = source.find(word)
    while start != -1:
        offsets.append(start)
        start = source.find(word, start + len(word))
    return offsets


class Lines:
    """Line numbers (1-based, as Python counts them: a lone ``\r`` ends a line too) of
    byte offsets: the line starts are found once, on the first question, then each answer
    is a bisection (counting from the top for each of a file's many offsets was
    quadratic)."""

    def __init__(self, source: bytes) -> None:
        self.source = source
        self._starts: list[int] | None = None

    def start_of(self, offset: int) -> tuple[int, int]:
        """(line number, offset where that line starts)."""
        starts = self._line_starts()
        line = bisect.bisect_right(starts, offset)
        return line, starts[line - 1]

    def text(self, first: int, last: int) -> bytes:
        """Lines `first` to `last` (1-based, both included), with their line ends."""
        starts = self._line_starts()
        return self.source[starts[first - 1] : starts[min(last, len(starts) - 1)]]

    def _line_starts(self) -> list[int]:
        starts = self._starts
        if starts is None:
            # bytes.splitlines breaks at \r\n, \r and \n only: Python's own line ends.
            lengths = map(len, self.source.splitlines(keepends=True))
            starts = self._starts = [0, *itertools.accumulate(lengths)]
        return starts

    def words_outside(self, quiet: set[int]) -> set[str]:
        """The ASCII identifier words on the lines not in `quiet` (any other byte splits
        words, as in `whole_words`), comments and strings included."""
        starts = self._line_starts()
        kept = [
            self.source[starts[line - 1] : starts[line]]
            for line in range(1, len(starts))
            if line not in quiet
        ]
        return set(b"".join(kept).translate(_WORD_BYTES_ONLY).decode("ascii").split())


def whole_words(data: bytes, word: bytes) -> Iterator[int]:
    """Offsets where `word` stands with no identifier character on either side."""
    start = data.find(word)
    while start != -1:
        end = start + len(word)
        before = data[start - 1 : start] if start else b" "
        after = data[end : end + 1] or b" "
        if not (before.isalnum() or before == b"_" or after.isalnum() or after == b"_"):
            yield start
        start = data.find(word, start + 1)
