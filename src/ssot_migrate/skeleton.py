"""Top-level defs and classes that hold nothing the facts need, stubbed out before parsing.

A file's facts come from its imports, its module-level bindings, and the lines where the
bytes show a dotted use of an imported name or a quoted dotted path (see `extract`). A
top-level ``def`` or ``class`` with none of those lines contributes one fact, the binding
of its name; parsing its body adds nothing, and function bodies are most of what the
parser reads (on the real-code corpus of `make bench`, stubbing them halves `ast.parse`).
Such a statement is replaced by a one-line stub binding the same name on the same line,
its other lines left empty, so every line number and every other byte stays put.

The cut must be sound: a stub has to stand where a top-level statement starts and its
statement has to end where the next begins. Two checks see to it, and when either fails
the caller parses the file as written:

- the statement's own text closes every string and bracket it opens (`_self_contained`);
- the parsed skeleton shows each stub as a top-level definition on its line: a stub that
  fell inside a string left open before it would not be one (`Skeleton.confirmed`).

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
"""The first line of a top-level definition: its keyword and name."""
_STATEMENT_START = frozenset(b"@dac")
"""First bytes of a line that can start a definition: a decorator, def, async, class."""
_CONTINUATION_START = frozenset(b" \t\r\n#")
"""First bytes of a line that cannot start the next top-level statement."""
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
    stubs: tuple[tuple[int, str], ...]
    """(line, name) of each stub (none: `text` is the source)."""
    scan: SourceScan
    """The byte searches made to find the cold definitions, for the collector to reuse."""

    def confirmed(self, tree: ast.Module) -> bool:
        """Every stub parsed as the top-level definition it stands for."""
        found = {
            (node.lineno, node.name)
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.col_offset == 0
        }
        return all(stub in found for stub in self.stubs)


def skeleton(source: bytes) -> Skeleton | None:
    """`source` with its cold top-level definitions stubbed; None when its bytes could fail
    to decode (a stub must not hide an undecodable byte)."""
    if b"\0" in source or not _plainly_decodable(source):
        return None
    lines = source.splitlines(keepends=True)
    scan = SourceScan(source)
    hot = _hot_lines(scan)
    out: list[bytes] = []
    stubs: list[tuple[int, str]] = []
    index, count = 0, len(lines)
    while index < count:
        line = lines[index]
        if not line or line[0] not in _STATEMENT_START:
            out.append(line)
            index += 1
            continue
        header = _header_line(lines, index)
        if header is None:
            out.append(line)
            index += 1
            continue
        end = header + 1
        while end < count and (not lines[end] or lines[end][0] in _CONTINUATION_START):
            end += 1
        # Lines index..end-1 (0-based) hold the definition; hot lines are 1-based.
        cold = not _holds(hot, index + 1, end)
        if cold and _self_contained(b"".join(lines[index:end])):
            match = _HEADER.match(lines[header])
            assert match is not None
            keyword, name = match.group(1), match.group(2)
            stub = (
                b"class " + name + b": pass"
                if keyword == b"class"
                else b"def " + name + b"(): pass"
            )
            out.append(b"\n" * (header - index))
            out.append(stub + b"\n")
            out.append(b"\n" * (end - header - 1))
            stubs.append((header + 1, name.decode("utf-8")))
        else:
            out.extend(lines[index:end])
        index = end
    text = b"".join(out) if stubs else source
    return Skeleton(text, tuple(stubs), scan)


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


def _header_line(lines: list[bytes], start: int) -> int | None:
    """The index of the ``def``/``class`` line of a definition starting at `start` (after
    its decorators and their continuation lines), or None if none starts there."""
    index = start
    while index < len(lines):
        line = lines[index]
        if _HEADER.match(line):
            return index
        if index > start and line and line[0] not in b" \t)]}@":
            return None
        if index == start and line[0] != ord("@"):
            return None
        index += 1
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
