"""Definitions that hold nothing the facts need, stubbed out before parsing.

A file's facts come from its imports, its module-level bindings, and the lines where the
bytes show a dotted use of an imported name or a quoted dotted path (see `extract`). A
top-level ``def`` or ``class``, or a method of a top-level class, with none of those lines
contributes at most the binding of its name; parsing its body adds nothing, and function
bodies are most of what the parser reads (on the real-code corpus of `make bench`,
stubbing them takes 7.5 of the 24.5 MB the audit parses out of the parser's way).
Such a statement is replaced by a one-line stub binding the same name on the same line,
its other lines left empty, so every line number and every other byte stays put.

The cut must be sound: a stub has to stand where a top-level statement starts and its
statement has to end where the next begins. Two checks see to it, and when either fails
the caller parses the file as written:

- the statement's own text closes every string and bracket it opens (`_self_contained`);
- the parsed skeleton shows each stub as the definition it stands for, on its line (at the
  top level, or in its class): a stub that fell inside a string left open before it
  would not be one (`Skeleton.confirmed`).

What this does not do: see a syntax error inside a stubbed body. Such a file gets facts
where a whole parse would give a ParseFailure, as a file the prefilter never reads does;
the commands that rewrite a file parse all of it (LibCST, then `extract_facts(whole=True)`
to verify), so no file is rewritten on the strength of a skeleton.
"""

from __future__ import annotations

import ast
import bisect
import re
import sys
from typing import NamedTuple

from ssot_migrate.byte_scan import NAME_BYTES, SourceScan, lines_of

_HEADER = re.compile(rb"(?:async[ \t]+)?(def|class)[ \t]+(" + NAME_BYTES + rb")[ \t]*[(:\[]")
"""The first line of a definition, after its indentation: its keyword and name."""
_FIRST_BYTES = frozenset((b"@", b"d", b"a", b"c"))
"""What a definition's first line starts with after its indentation: a decorator, def,
async, class."""
_DECORATOR_GOES_ON = (b" ", b"\t", b")", b"]", b"}", b"@")
"""What a line between a decorator and its definition starts with after the indentation."""
_DEEPER = frozenset((b" ", b"\t"))
_NAME = re.compile(NAME_BYTES)
_LINE_REST = re.compile(rb"[^\r\n\\]*(?:\\(?:\r\n|[\s\S])[^\r\n\\]*)*")
_SPECIAL = re.compile(rb"[#\\\"']")
_LINE_END = re.compile(rb"[\r\n]")
_BRACKETS = ((b"(", b")"), (b"[", b"]"), (b"{", b"}"))
_PREFIX_LETTERS = frozenset(b"rRbBuUfF")
_STRING_END = {
    b'"': re.compile(rb'[^"\\\r\n]*(?:\\[\s\S][^"\\\r\n]*)*"'),
    b"'": re.compile(rb"[^'\\\r\n]*(?:\\[\s\S][^'\\\r\n]*)*'"),
    b'"""': re.compile(rb'[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*"""'),
    b"'''": re.compile(rb"[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*'''"),
}
"""The rest of a string after its opening quote (unrolled loops: linear on any input)."""
_NESTED_FSTRINGS = sys.version_info >= (3, 12)
"""PEP 701: an f-string's replacement fields may hold its own quote, which the lexing
below does not follow; on such an interpreter a definition with an f-string is kept."""


class Skeleton(NamedTuple):
    text: bytes
    stubs: tuple[tuple[int, int, str], ...]
    """(line, column, name) of each stub (none: `text` is the source)."""
    scan: SourceScan
    """The byte searches made to find the cold definitions, for the collector to reuse."""

    def confirmed(self, tree: ast.Module) -> bool:
        """Every stub parsed as the definition it stands for: at the module's top level,
        or in the body of a top-level class."""
        found = set()
        for node in tree.body:
            if isinstance(node, _DEFINITIONS):
                found.add((node.lineno, node.col_offset, node.name))
            if isinstance(node, ast.ClassDef):
                found.update(
                    (inner.lineno, inner.col_offset, inner.name)
                    for inner in node.body
                    if isinstance(inner, _DEFINITIONS)
                )
        return all(stub in found for stub in self.stubs)


_DEFINITIONS = (ast.FunctionDef, ast.ClassDef)


def skeleton(source: bytes) -> Skeleton | None:
    """`source` with its cold top-level definitions, and the cold methods of its other
    top-level classes, stubbed; None when its bytes could fail to decode (a stub must
    not hide an undecodable byte)."""
    if b"\0" in source or not _plainly_decodable(source):
        return None
    lines = source.splitlines(keepends=True)
    scan = SourceScan(source)
    cutter = _Cutter(lines, _hot_lines(scan))
    cutter.definitions(0, len(lines), b"")
    text = b"".join(cutter.out) if cutter.stubs else source
    return Skeleton(text, tuple(cutter.stubs), scan)


class _Cutter:
    """Copies `lines` to `out`, stubbing cold definitions (see `skeleton`)."""

    def __init__(self, lines: list[bytes], hot: list[int]) -> None:
        self.lines = lines
        self.hot = hot
        self.out: list[bytes] = []
        self.stubs: list[tuple[int, int, str]] = []

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
                if not (after in _DEEPER and lines[stop].startswith(indent)) and not _blank(
                    lines[stop]
                ):
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
        if not _holds(self.hot, start + 1, stop):
            if _self_contained(b"".join(lines[start:stop])):
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
        self.out.extend(lines[start:stop])


def _holds(lines: list[int], first: int, last: int) -> bool:
    """Whether sorted `lines` has one in [first, last]."""
    at = bisect.bisect_left(lines, first)
    return at < len(lines) and lines[at] <= last


def _plainly_decodable(source: bytes) -> bool:
    """ASCII, or UTF-8 without a coding declaration (which could name a codec the bytes
    fail in): then no stubbed byte could have made the whole file undecodable."""
    if source.isascii():
        return True
    first = source.find(b"\n")
    second = source.find(b"\n", first + 1) if first != -1 else -1
    if b"coding" in (source if second == -1 else source[:second]):  # PEP 263: lines 1-2
        return False
    try:
        source.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


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


def _hot_lines(scan: SourceScan) -> list[int]:
    """A superset of the lines `extract` reads in definition bodies: every line spelling
    ``import``, every quoted dotted path, and every dotted use of a word that any import
    statement's text holds (the names imports bind are among those words)."""
    imports = scan.imports()
    return lines_of(scan.source, [*imports, *scan.hot(_imported_words(scan.source, imports))])


def _imported_words(source: bytes, offsets: list[int]) -> set[str]:
    words: set[str] = set()
    for offset in offsets:
        position = offset + len(b"import")
        while source[position : position + 1] in (b" ", b"\t"):
            position += 1
        if source[position : position + 1] == b"(":
            close = source.find(b")", position)
            tail = source[position : close if close != -1 else len(source)]
        else:
            tail = _logical_line_rest(source, position)
        words.update(match.decode("utf-8", "replace") for match in _NAME.findall(tail))
    return words


def _logical_line_rest(source: bytes, position: int) -> bytes:
    """From `position` to the end of its line, and on through backslash continuations."""
    match = _LINE_REST.match(source, position)
    assert match is not None  # the pattern matches the empty string
    return match.group()


def _self_contained(text: bytes) -> bool:
    """Whether `text`, lexed from a statement start, closes every string and bracket it
    opens and does not end in a backslash continuation. Only strings, comments and
    backslashes are visited one by one; brackets are counted in the code between them."""
    code: list[bytes] = []
    position = 0
    continued_to = -1
    while (match := _SPECIAL.search(text, position)) is not None:
        at = match.start()
        code.append(text[position:at])
        char = text[at : at + 1]
        if char == b"#":
            end = _LINE_END.search(text, at)
            position = end.start() if end is not None else len(text)
        elif char == b"\\":
            follows = text[at + 1 : at + 3]
            if follows.startswith(b"\r\n"):
                position = at + 3
            elif follows[:1] in (b"\n", b"\r"):
                position = at + 2
            else:
                return False  # outside a string a backslash continues a line, or is an error
            continued_to = position
        else:
            if _NESTED_FSTRINGS and _is_fstring(text, at):
                return False
            quote = char * 3 if text.startswith(char * 3, at) else char
            end = _STRING_END[quote].match(text, at + len(quote))
            if end is None:
                return False  # unterminated here: the statement runs on past this text
            position = end.end()
    code.append(text[position:])
    joined = b"".join(code)
    for opening, closing in _BRACKETS:
        if joined.count(opening) != joined.count(closing):
            return False
    return continued_to == -1 or bool(text[continued_to:].strip())


def _is_fstring(text: bytes, quote_at: int) -> bool:
    start = quote_at
    while start > 0 and text[start - 1] in _PREFIX_LETTERS and quote_at - start < 2:
        start -= 1
    return b"f" in text[start:quote_at].lower()
