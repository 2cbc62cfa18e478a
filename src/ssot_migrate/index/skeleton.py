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
import itertools
import re
import sys
from collections.abc import Collection
from typing import NamedTuple

from ssot_migrate.index.byte_scan import NAME_BYTES, SourceScan, lines_of

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
_NAME = re.compile(NAME_BYTES)
_LINE_REST = re.compile(rb"[^\r\n\\]*(?:\\(?:\r\n|[\s\S])[^\r\n\\]*)*")
_SPECIAL = re.compile(rb"[#\\\"']")
_LINE_END = re.compile(rb"[\r\n]")
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


class PassStub(NamedTuple):
    """Cold statements of a function body the facts read, stubbed as one ``pass``."""

    line: int
    column: int
    end_line: int
    """The last line the statements stood on."""


def may_bind(text: bytes, name: str) -> bool:
    """Whether statements `text` spell `name` where a statement could bind or declare it:
    anywhere but called, subscripted or dotted (``name(``, ``name[``, ``name.``), unless
    after ``def`` or ``class``. False is sure; True is for a parse to tell."""
    word = re.escape(name.encode())
    if re.search(rb"(?:def|class)[ \t]+" + word + rb"(?![\w\x80-\xff])", text):
        return True
    spelled = rb"(?<![\w\x80-\xff])" + word + rb"(?![\w\x80-\xff])(?![ \t]*[(\[.])"
    return re.search(spelled, text) is not None


class Skeleton(NamedTuple):
    text: bytes
    stubs: tuple[tuple[int, int, str], ...]
    """(line, column, name) of each definition stub (none, and no `passes`: `text` is the
    source)."""
    scan: SourceScan
    """The byte searches made to find the cold definitions, for the collector to reuse."""
    passes: tuple[PassStub, ...] = ()

    def confirmed(self, tree: ast.Module) -> bool:
        """Every stub parsed as what it stands for: a definition at the module's top level
        or in the body of a top-level class; a ``pass`` statement on its line and column
        (`pass` is a keyword: it parses as nothing else, and not at all inside brackets,
        so a stub that fell inside a string or a bracket left open is caught)."""
        if self.passes:
            statements: set[tuple[int, int]] = set()
            _pass_positions(tree.body, statements)
            if any((p.line, p.column) not in statements for p in self.passes):
                return False
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


def _pass_positions(body: list[ast.stmt], found: set[tuple[int, int]]) -> None:
    """(line, column) of every ``pass`` statement in `body` and the blocks below it."""
    for node in body:
        if isinstance(node, ast.Pass):
            found.add((node.lineno, node.col_offset))
            continue
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(node, field, None)
            if isinstance(inner, list):
                _pass_positions(inner, found)
        for block in (*getattr(node, "handlers", ()), *getattr(node, "cases", ())):
            _pass_positions(block.body, found)


def skeleton(
    source: bytes, interest: Collection[str] | None = None, roots: Collection[str] = ()
) -> Skeleton | None:
    """`source` with its cold definitions, and the cold statements of the functions it
    keeps, stubbed; None when its bytes could fail to decode (a stub must not hide an
    undecodable byte). `interest` and `roots`: the chains the facts are for (see
    `extract.extract_facts`); None: every chain of an imported name."""
    if b"\0" in source or not _plainly_decodable(source):
        return None
    lines = source.splitlines(keepends=True)
    scan = SourceScan(source)
    imports = scan.imports()
    words = _imported_words(source, imports)
    if interest is None:
        soft = [*imports, *scan.dotted(words)]
    else:
        soft = [*imports, *scan.focus(interest, roots)]
    quoted = scan.quoted()
    cutter = _Cutter(lines, sorted(soft), lines_of(source, quoted))
    cutter.definitions(0, len(lines), b"")
    text = b"".join(cutter.out) if cutter.stubs or cutter.passes else source
    return Skeleton(text, tuple(cutter.stubs), scan, tuple(cutter.passes))


class _Cutter:
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
        if not _holds(self.hot, start + 1, stop):
            return False
        if _holds(self._hard, start + 1, stop):
            return True
        begin, end = self._starts[start], self._starts[stop]
        first = bisect.bisect_left(self._soft, begin)
        last = bisect.bisect_left(self._soft, end)
        if first == last:
            return True  # hot for a reason this does not know: keep it
        text = b"".join(self.lines[start:stop])
        spans = [m.span() for m in _LEXEMES.finditer(text)]
        opens = [span[0] for span in spans]
        for offset in self._soft[first:last]:
            at = bisect.bisect_right(opens, offset - begin) - 1
            if at < 0 or spans[at][1] <= offset - begin:
                return True
            if _is_fstring(text, opens[at]):
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
            if cold_to > index and _self_contained(b"".join(lines[index:cold_to])):
                self._stub(index, cold_to, indent)
                index = cold_to
                continue
            stop = self._statement_end(index, end, indent)
            text = b"".join(lines[index:stop])
            lexed = _START if _self_contained(text) else _lex(text)
            # A string or bracket left open runs on into what the indentation took for
            # the next statements (a docstring's lines, a call's arguments): join them.
            while lexed is not None and not lexed.closed and stop < end:
                more = self._statement_end(stop, end, indent)
                lexed = _lex(b"".join(lines[stop:more]), lexed)
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
        if not _holds(self.hot, start + 1, stop):
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


def _header_end(lines: list[bytes], header: int, stop: int) -> int | None:
    """The index of the line where the ``def`` header on line `header` ends with its
    colon (black splits a long signature over lines), or None when it is not found among
    the next few lines or the body stands on the same line."""
    for last in range(header, min(stop, header + _HEADER_LINES)):
        lexed = _lex(b"".join(lines[header : last + 1]))
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
    opens and does not end in a backslash continuation.

    One substitution in C takes out its strings and comments (each leaves a placeholder);
    a quote left is a string not closed, a backslash left must end a line with code after
    it. `_lex` walks the same way in Python, where the state it stops in matters."""
    if _NESTED_FSTRINGS:
        lexed = _lex(text)
        return lexed is not None and lexed.closed
    code = _LEXEMES.sub(b"S", text)
    if b"'" in code or b'"' in code:
        return False
    if b"\\" in code and not _continued_lines_closed(code):
        return False
    return _balance(code, 0, 0, 0) == (0, 0, 0)


_LEXEMES = re.compile(
    rb"'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*'''"
    rb'|"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*"""'
    rb"|'[^'\\\r\n]*(?:\\[\s\S][^'\\\r\n]*)*'"
    rb'|"[^"\\\r\n]*(?:\\[\s\S][^"\\\r\n]*)*"'
    rb"|#[^\r\n]*"
)
"""A string (triple-quoted first, as the tokenizer reads three quotes) or a comment."""


def _continued_lines_closed(code: bytes) -> bool:
    """Every backslash of `code` (strings and comments out) ends a line, and code follows
    the last one."""
    at = code.find(b"\\")
    end = at
    while at != -1:
        after = _after_line_end(code, at + 1)
        if after is None:
            return False
        end = after
        at = code.find(b"\\", end)
    return bool(code[end:].strip())


def _after_line_end(text: bytes, at: int) -> int | None:
    """Where the text after the line end at `at` starts (None: no line ends there)."""
    if text.startswith(b"\r\n", at):
        return at + 2
    return at + 1 if text[at : at + 1] in (b"\n", b"\r") else None


class _Lexed(NamedTuple):
    """Where lexing a text from a statement start left off."""

    quote: bytes
    """The quote of a string still open at the end (b"": none)."""
    balance: tuple[int, int, int]
    """Opened minus closed (), [] and {} outside strings and comments."""
    continued: bool
    """The text ends in a backslash continuation."""
    tail: bytes
    """The last piece of code (not string or comment) holding more than whitespace."""

    @property
    def closed(self) -> bool:
        return not self.quote and self.balance == (0, 0, 0) and not self.continued


_START = _Lexed(b"", (0, 0, 0), False, b"")


def _lex(text: bytes, state: _Lexed = _START) -> _Lexed | None:
    """Lex `text` on from `state` (a string left open, brackets counted so far); None if
    a backslash stands outside a string not at a line end (an error), or on 3.12+ an
    f-string, whose end this lexing cannot find. Only strings, comments and backslashes
    are visited one by one; brackets are counted in the code between them."""
    code: list[bytes] = []
    position = 0
    tail, continued = state.tail, state.continued
    if state.quote:
        end = _STRING_END[state.quote].match(text)
        if end is None:
            return state._replace(continued=False)  # all of `text` is in the string
        position, continued = end.end(), False
    quote = b""
    while (match := _SPECIAL.search(text, position)) is not None:
        at = match.start()
        if at > position:
            piece = text[position:at]
            code.append(piece)
            if not piece.isspace():
                tail, continued = piece, False
        char = text[at : at + 1]
        if char == b"#":
            end = _LINE_END.search(text, at)
            position = end.start() if end is not None else len(text)
            continued = False
        elif char == b"\\":
            after = _after_line_end(text, at + 1)
            if after is None:
                return None  # outside a string a backslash continues a line, or is an error
            position, continued = after, True
        else:
            if _NESTED_FSTRINGS and _is_fstring(text, at):
                return None
            quote = char * 3 if text.startswith(char * 3, at) else char
            end = _STRING_END[quote].match(text, at + len(quote))
            continued = False
            if end is None:
                break  # open at the end: the statement runs on past this text
            position, quote = end.end(), b""
    else:
        piece = text[position:]
        code.append(piece)
        if piece and not piece.isspace():
            tail, continued = piece, False
    return _Lexed(quote, _balance(b"".join(code), *state.balance), continued, tail)


def _balance(code: bytes, round: int, square: int, curly: int) -> tuple[int, int, int]:
    """The bracket counts after `code`, from those before it."""
    return (
        round + code.count(b"(") - code.count(b")"),
        square + code.count(b"[") - code.count(b"]"),
        curly + code.count(b"{") - code.count(b"}"),
    )


def _is_fstring(text: bytes, quote_at: int) -> bool:
    start = quote_at
    while start > 0 and text[start - 1] in _PREFIX_LETTERS and quote_at - start < 2:
        start -= 1
    return b"f" in text[start:quote_at].lower()
