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

- the statement's own text closes every string and bracket it opens (`lexing.self_contained`);
- the parsed skeleton shows each stub as the definition it stands for, on its line (at the
  top level, or in its class): a stub that fell inside a string left open before it
  would not be one (`Skeleton.confirmed`).

What this does not do: see a syntax error inside a stubbed body. Such a file gets facts
where a whole parse would give a ParseFailure, as a file the prefilter never reads does;
the commands that rewrite a file parse all of it (LibCST, then `extract_facts(whole=True)`
to verify), so no file is rewritten on the strength of a skeleton.

This module finds the hot lines and checks the parsed skeleton, and tells the collector
what the statements stubbed in a function may bind (`may_bind`, `stub_names`); the text
edit is `cutter`'s, and the lexing of a statement's bytes is `lexing`'s.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection
from typing import NamedTuple

from ssot_migrate.index.byte_scan import NAME_BYTES, SourceScan, lines_of
from ssot_migrate.index.cutter import Cutter, PassStub
from ssot_migrate.index.scopes import scope_names

_NAME = re.compile(NAME_BYTES)
_LINE_REST = re.compile(rb"[^\r\n\\]*(?:\\(?:\r\n|[\s\S])[^\r\n\\]*)*")


def may_bind(text: bytes, name: str) -> bool:
    """Whether statements `text` spell `name` where a statement could bind or declare it:
    anywhere but called, subscripted or dotted (``name(``, ``name[``, ``name.``), unless
    after ``def`` or ``class``. False is sure; True is for a parse to tell."""
    word = re.escape(name.encode())
    if re.search(rb"(?:def|class)[ \t]+" + word + rb"(?![\w\x80-\xff])", text):
        return True
    spelled = rb"(?<![\w\x80-\xff])" + word + rb"(?![\w\x80-\xff])(?![ \t]*[(\[.])"
    return re.search(spelled, text) is not None


class StubbedBinding(Exception):
    """The skeleton's facts could differ from the whole file's: parse all of it."""


def stub_names(text: bytes) -> frozenset[str]:
    """Every name stubbed statements `text` bind or declare in their function; raises
    `StubbedBinding` if they do not parse on their own (the whole file then tells)."""
    try:
        tree = ast.parse(b"if 1:\n" + text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        raise StubbedBinding from None
    block = tree.body[0]
    assert isinstance(block, ast.If)
    imported, assigned, declared = scope_names(block.body, walrus=b":=" in text)
    return frozenset(imported | assigned | declared)


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
    cutter = Cutter(lines, sorted(soft), lines_of(source, quoted))
    cutter.definitions(0, len(lines), b"")
    text = b"".join(cutter.out) if cutter.stubs or cutter.passes else source
    return Skeleton(text, tuple(cutter.stubs), scan, tuple(cutter.passes))


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
