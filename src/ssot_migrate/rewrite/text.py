"""A file's text as a rewrite reads it, and the exact edits made to it: the bytes decoded
with their encoding, lines and columns turned into offsets (Python's line breaks), the
edits spliced in, and the refusal that leaves a file untouched."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from ssot_migrate.base.source_text import LINE_BREAK, source_encoding


@dataclass(frozen=True, slots=True)
class Edit:
    start: int
    end: int
    text: str


class Text:
    """A file's decoded text with its encoding, and line/column to offset conversion."""

    def __init__(self, data: bytes) -> None:
        encoding = source_encoding(data)
        self.encoding = encoding
        self.text = data.decode(encoding)
        self.starts = line_starts(self.text)
        self.newline = m.group() if (m := LINE_BREAK.search(self.text)) else "\n"

    def offset(self, line: int, col: int) -> int:
        base = self.starts[line - 1]
        # The BOM is part of the text but not of the columns Python reports.
        if line == 1 and self.text.startswith("\ufeff"):
            base += 1
        return base + col

    def line_end(self, line: int) -> int:
        """Offset of the line break ending `line` (or of the end of the text)."""
        if line < len(self.starts):
            end = self.starts[line]
            while end > self.starts[line - 1] and self.text[end - 1] in "\r\n":
                end -= 1
            return end
        return len(self.text)

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding)


def line_starts(text: str) -> list[int]:
    """The offset of each line's first character (Python's line breaks: CRLF, CR, LF)."""
    if "\r" not in text:  # the usual case, without a Python step per line
        lengths = map((1).__add__, map(len, text.split("\n")))
        return list(itertools.accumulate(lengths, initial=0))[:-1]
    return [0, *(m.end() for m in LINE_BREAK.finditer(text))]


class Refused(Exception):
    """The file cannot be rewritten safely; the message says why."""


def shifted(offset: int, edits: Sequence[Edit]) -> int:
    """Where `offset` of the text stands once `edits` (sorted, apart) are applied; inside
    an edit, at the end of what replaces it."""
    shift = 0
    for edit in edits:
        if edit.end <= offset:
            shift += len(edit.text) - (edit.end - edit.start)
        elif edit.start < offset:
            return edit.start + shift + len(edit.text)
        else:
            break
    return offset + shift


def final_newline_as_before(old: str, new: str) -> str:
    """A file without a final line break keeps having none: removing its last line (an
    absorbed import) must not leave the line break before it at the end."""
    if old.endswith(("\n", "\r")) or not new.endswith(("\n", "\r")):
        return new
    return new[:-2] if new.endswith("\r\n") else new[:-1]


def splice(text: str, edits: list[Edit]) -> str:
    edits.sort(key=lambda e: (e.start, e.end))
    for before, after in itertools.pairwise(edits):
        if after.start < before.end:
            raise Refused("overlapping edits (a statement reached twice)")
    pieces: list[str] = []
    cursor = 0
    for edit in edits:
        pieces.append(text[cursor : edit.start])
        pieces.append(edit.text)
        cursor = edit.end
    pieces.append(text[cursor:])
    return "".join(pieces)
