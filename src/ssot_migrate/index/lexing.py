"""The skeleton's byte test: a statement's strings, comments, brackets and backslash
continuations, lexed from its bytes without the tokenizer, tell whether the text a stub
would replace closes all it opens (see `skeleton`).
"""

from __future__ import annotations

import re
import sys
from typing import NamedTuple

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


def self_contained(text: bytes) -> bool:
    """Whether `text`, lexed from a statement start, closes every string and bracket it
    opens and does not end in a backslash continuation.

    One substitution in C takes out its strings and comments (each leaves a placeholder);
    a quote left is a string not closed, a backslash left must end a line with code after
    it. `lex` walks the same way in Python, where the state it stops in matters."""
    if _NESTED_FSTRINGS:
        lexed = lex(text)
        return lexed is not None and lexed.closed
    code = LEXEMES.sub(b"S", text)
    if b"'" in code or b'"' in code:
        return False
    if b"\\" in code and not _continued_lines_closed(code):
        return False
    return _balance(code, 0, 0, 0) == (0, 0, 0)


LEXEMES = re.compile(
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


START = _Lexed(b"", (0, 0, 0), False, b"")


def lex(text: bytes, state: _Lexed = START) -> _Lexed | None:
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
            if _NESTED_FSTRINGS and is_fstring(text, at):
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


def is_fstring(text: bytes, quote_at: int) -> bool:
    start = quote_at
    while start > 0 and text[start - 1] in _PREFIX_LETTERS and quote_at - start < 2:
        start -= 1
    return b"f" in text[start:quote_at].lower()
