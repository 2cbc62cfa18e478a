"""The skeleton's text edit: a file's lines copied with its cold definitions, and the
cold statements of the hot functions it keeps, replaced by stubs that stand on the same
lines (see `skeleton` for which are cold, and for the checks that make the cut sound).
"""

from __future__ import annotations

import bisect
import itertools
import re
from typing import NamedTuple

from ssot_migrate.index.byte_scan import NAME_BYTES
from ssot_migrate.index.lexing import LEXEMES, START, is_fstring, lex, self_contained
from ssot_migrate.index.tree_walk import overlaps

_HEADER = re.compile(rb"(?:async[ \t]+)?(def|class)[ \t]+(" + NAME_BYTES + rb")[ \t]*[(:\[]")
"""The first line of a definition, after its indentation: its keyword and name."""
_FIRST_BYTES = frozenset((b"@", b"d", b"a", b"c"))
"""What a definition's first line starts with after its indentation: a decorator, def,
async, class."""
_DECORATOR_GOES_ON = (b" ", b"\t", b")", b"]", b"}", b"@")
"""What a line between a decorator and its definition starts with after the indentation."""
_DEEPER = frozenset((b" ", b"\t"))
_CLOSING = frozenset((b")", b"]", b"}"))
"""What a line of a definition starts with at its indentation: the bracket closing a
signature split over lines (black's style), as no statement can start."""


class PassStub(NamedTuple):
    """Cold statements of a function body the facts read, stubbed as one ``pass``."""

    line: int
    column: int
    end_line: int
    """The last line the statements stood on."""


class Cutter:
    """Copies `lines` to `out`, stubbing cold definitions (see `skeleton`)."""

    def __init__(self, lines: list[bytes], soft: list[int], hard: list[int]) -> None:
        """`soft`: sorted offsets of the spellings that make a line hot and that a string
        or a comment may hold (``import``, a dotted use); `hard`: the lines of quoted
        dotted paths. A definition hot only for spellings inside its strings and comments
        (a docstring's ``>>> from m import x``) is cold all the same."""
        self.lines = lines
        self._starts = [0, *itertools.accumulate(map(len, lines))]
        soft_lines = [bisect.bisect_right(self._starts, offset) for offset in soft]
        self.hot = sorted({*soft_lines, *hard})
        self.out: list[bytes] = []
        self.stubs: list[tuple[int, int, str]] = []
        self.passes: list[PassStub] = []
        self._soft = soft
        self._hard = hard

    def _hot_code(self, start: int, stop: int) -> bool:
        """Whether lines start..stop-1 (0-based) hold a hot line outside their strings and
        comments (as lexed from `start`: a definition's own text)."""
        if not overlaps(self.hot, start + 1, stop):
            return False
        if overlaps(self._hard, start + 1, stop):
            return True
        begin, end = self._starts[start], self._starts[stop]
        first = bisect.bisect_left(self._soft, begin)
        last = bisect.bisect_left(self._soft, end)
        if first == last:
            return True  # hot for a reason this does not know: keep it
        text = b"".join(self.lines[start:stop])
        spans = [m.span() for m in LEXEMES.finditer(text)]
        opens = [span[0] for span in spans]
        for offset in self._soft[first:last]:
            at = bisect.bisect_right(opens, offset - begin) - 1
            if at < 0 or spans[at][1] <= offset - begin:
                return True
            if is_fstring(text, opens[at]):
                return True  # its replacement fields are code
        return False

    def definitions(self, start: int, end: int, indent: bytes) -> None:
        """Lines start..end-1, whose statements stand at `indent` (b"": the module's)."""
        lines, out, width, index = self.lines, self.out, len(indent), start
        while index < end:
            line = lines[index]
            # Inline: this loop sees every line of the file.
            if line[width : width + 1] not in _FIRST_BYTES or not line.startswith(indent):
                out.append(line)
                index += 1
                continue
            header = _header_line(lines, index, end, indent)
            if header is None:
                out.append(line)
                index += 1
                continue
            stop = header + 1
            while stop < end:
                after = lines[stop][width : width + 1]
                if not (
                    (after in _DEEPER or after in _CLOSING) and lines[stop].startswith(indent)
                ) and not _blank(lines[stop]):
                    break
                stop += 1
            self._definition(index, header, stop, indent)
            index = stop

    def _definition(self, start: int, header: int, stop: int, indent: bytes) -> None:
        """Lines start..stop-1 (0-based) hold one definition; hot lines are 1-based."""
        lines = self.lines
        match = _HEADER.match(lines[header], len(indent))
        assert match is not None
        keyword, name = match.group(1), match.group(2)
        if not self._hot_code(start, stop):
            if self_contained(b"".join(lines[start:stop])):
                head = (
                    b"class " + name + b": pass"
                    if keyword == b"class"
                    else b"def " + name + b"(): pass"
                )
                self.out.append(b"\n" * (header - start))
                self.out.append(indent + head + b"\n")
                self.out.append(b"\n" * (stop - header - 1))
                self.stubs.append((header + 1, len(indent), name.decode("utf-8")))
                return
        elif keyword == b"class" and not indent and _opens_body(lines[header]):
            # A hot class: its cold methods can still go. Each stub is checked on its own
            # (its text self-contained, and parsed as a method of this class).
            body = _body_indent(lines, header + 1, stop)
            if body is not None:
                self.out.extend(lines[start : header + 1])
                self.definitions(header + 1, stop, body)
                return
        elif keyword == b"def" and self._function(start, header, stop):
            return
        self.out.extend(lines[start:stop])

    def _function(self, start: int, header: int, stop: int) -> bool:
        """A hot function on lines start..stop-1: copy its header, then its body with the
        cold statements stubbed; False (nothing copied) when its body cannot be found."""
        lines = self.lines
        first, last = bisect.bisect_left(self.hot, header + 2), bisect.bisect_right(self.hot, stop)
        if (last - first) * _SPARSE > stop - header:
            return False  # hot lines all over: reading its statements costs what it saves
        opened = _header_end(lines, header, stop)
        if opened is None:
            return False
        body = _body_indent(lines, opened + 1, stop)
        if body is None:
            return False
        self.out.extend(lines[start : opened + 1])
        self.statements(opened + 1, stop, body)
        return True

    def statements(self, start: int, end: int, indent: bytes) -> None:
        """Lines start..end-1 of a function body whose statements stand at `indent`. A
        statement runs from a line at `indent` to the next one that neither goes deeper
        nor continues it (a closing bracket, ``else``/``elif``/``except``/``finally``, the
        definition under a decorator); blank and comment lines go with the one before.

        The cold statements between two hot ones are stubbed as one: the run from here
        to the statement holding the next hot line is lexed once, and if it closes all it
        opens, it ends where a statement starts (the one found at `indent` above the hot
        line). Only where it does not is the body read statement by statement."""
        lines, width, index = self.lines, len(indent), start
        while index < end:
            line = lines[index]
            if not line.startswith(indent) or line[width : width + 1] in _DEEPER or _blank(line):
                self.out.append(line)
                index += 1
                continue
            after = bisect.bisect_left(self.hot, index + 1)
            hot = self.hot[after] - 1 if after < len(self.hot) else end
            cold_to = self._holder(index, hot, indent) if hot < end else end
            if cold_to > index and self_contained(b"".join(lines[index:cold_to])):
                self._stub(index, cold_to, indent)
                index = cold_to
                continue
            stop = self._statement_end(index, end, indent)
            text = b"".join(lines[index:stop])
            lexed = START if self_contained(text) else lex(text)
            # A string or bracket left open runs on into what the indentation took for
            # the next statements (a docstring's lines, a call's arguments): join them.
            while lexed is not None and not lexed.closed and stop < end:
                more = self._statement_end(stop, end, indent)
                lexed = lex(b"".join(lines[stop:more]), lexed)
                stop = more
            if lexed is None or not lexed.closed:
                self.out.extend(lines[index:end])  # the rest is copied as written
                return
            self._statement(index, stop, indent)
            index = stop

    def _holder(self, start: int, hot: int, indent: bytes) -> int:
        """The last line in start+1..hot at `indent` that could start a statement (not
        one continuing another, and above its decorators): where the statement holding
        line `hot` starts, if the lines from `start` close all they open; `start` if no
        such line."""
        lines, width = self.lines, len(indent)
        index = hot
        while index > start:
            line = lines[index]
            if (
                line.startswith(indent)
                and line[width : width + 1] not in _DEEPER
                and not _blank(line)
                and not _CONTINUES.match(line, width)
            ):
                while index > start and lines[index - 1].startswith(indent + b"@"):
                    index -= 1
                return index
            index -= 1
        return start

    def _statement_end(self, start: int, end: int, indent: bytes) -> int:
        """Where the statement that lines[start] begins (at `indent`) ends: see
        `statements`."""
        lines, width = self.lines, len(indent)
        stop = start + 1
        decorated = lines[start][width : width + 1] == b"@"
        while stop < end:
            following = lines[stop]
            if _blank(following):
                stop += 1
                continue
            if not following.startswith(indent):
                break
            rest = following[width:]
            if rest[:1] in _DEEPER or decorated or _CONTINUES.match(rest):
                if decorated and _HEADER.match(rest):
                    decorated = False
                stop += 1
                continue
            break
        return stop

    def _statement(self, start: int, stop: int, indent: bytes) -> None:
        """Lines start..stop-1 hold one statement of a function body, lexed as closing
        all it opens (or what the byte rules took for one: `Skeleton.confirmed` checks
        each stub after parsing)."""
        lines = self.lines
        if not overlaps(self.hot, start + 1, stop):
            self._stub(start, stop, indent)
            return
        header = _header_line(lines, start, stop, indent)
        match = None if header is None else _HEADER.match(lines[header], len(indent))
        if (
            header is None
            or match is None
            or match.group(1) != b"def"
            or not self._function(start, header, stop)
        ):
            self.out.extend(lines[start:stop])

    def _stub(self, start: int, stop: int, indent: bytes) -> None:
        """Lines start..stop-1, whole statements at `indent`, become one ``pass``."""
        self.out.append(indent + b"pass\n")
        self.out.append(b"\n" * (stop - start - 1))
        self.passes.append(PassStub(start + 1, len(indent), stop))


def _header_line(lines: list[bytes], start: int, end: int, indent: bytes) -> int | None:
    """The index of the ``def``/``class`` line of a definition standing at `indent` that
    starts at `start` (after its decorators and their continuation lines), or None if
    none starts there."""
    first = lines[start]
    width = len(indent)
    if not first.startswith(indent) or first[width : width + 1] not in _FIRST_BYTES:
        return None
    index = start
    while index < end:
        line = lines[index]
        if line.startswith(indent) and _HEADER.match(line, width):
            return index
        if index == start:
            if first[width : width + 1] != b"@":
                return None
        elif not (line.startswith(indent) and line[width : width + 1] in _DECORATOR_GOES_ON):
            return None
        index += 1
    return None


def _blank(line: bytes) -> bool:
    """Whitespace only, or a comment."""
    stripped = line.lstrip(b" \t\f")
    return not stripped or stripped[:1] in (b"#", b"\r", b"\n")


def _opens_body(header: bytes) -> bool:
    """A one-line ``class`` header ending in its colon (its body on the lines below); one
    with quotes is not read."""
    if b'"' in header or b"'" in header:
        return False
    return header.split(b"#", 1)[0].rstrip().endswith(b":")


def _body_indent(lines: list[bytes], start: int, end: int) -> bytes | None:
    """The indentation of the first statement of a body on lines start..end-1."""
    for line in lines[start:end]:
        if _blank(line):
            continue
        indent = line[: len(line) - len(line.lstrip(b" \t"))]
        return indent if indent and b"\f" not in indent else None
    return None


def _header_end(lines: list[bytes], header: int, stop: int) -> int | None:
    """The index of the line where the ``def`` header on line `header` ends with its
    colon (black splits a long signature over lines), or None when it is not found among
    the next few lines or the body stands on the same line."""
    for last in range(header, min(stop, header + _HEADER_LINES)):
        lexed = lex(b"".join(lines[header : last + 1]))
        if lexed is None:
            return None
        if lexed.closed:
            return last if lexed.tail.rstrip().endswith(b":") else None
    return None


_HEADER_LINES = 64
_SPARSE = 8
"""A hot function's statements are read (to stub the cold ones) when at most one line in
this many is hot: reading a statement costs about what parsing a line does."""
_CONTINUES = re.compile(rb"[)\]}]|(?:else|elif|except|finally)(?![\w\x80-\xff])")
"""How a line at a body's indentation goes on with the statement above it."""
