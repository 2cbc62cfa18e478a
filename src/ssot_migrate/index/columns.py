"""Where a node stands, in characters: the stdlib parser counts columns in UTF-8 bytes,
the facts (like editors, SARIF and LibCST) in characters.
"""

from __future__ import annotations

import ast
import re

from ssot_migrate.base.source_text import decode_source
from ssot_migrate.index.facts import Span


class Columns:
    """The stdlib parser counts columns in UTF-8 bytes; editors, SARIF and LibCST count
    characters. ASCII files (nearly all) need no conversion."""

    def __init__(self, source: bytes) -> None:
        self.ascii = source.isascii()
        self.source = source
        self._lines: list[bytes] | None = None

    def char(self, line: int, col: int) -> int:
        if self.ascii or col == 0:
            return col
        if self._lines is None:
            self._lines = [text.encode("utf-8") for text in _text_lines(self.source)]
        if not 0 < line <= len(self._lines):
            return col
        return len(self._lines[line - 1][:col].decode("utf-8", errors="replace"))

    def span(self, node: ast.AST) -> Span:
        line = getattr(node, "lineno", 1)
        col = getattr(node, "col_offset", 0)
        end_line = getattr(node, "end_lineno", None) or line
        end_col = getattr(node, "end_col_offset", None) or col
        return Span(line, self.char(line, col), end_line, self.char(end_line, end_col))


def _text_lines(source: bytes) -> list[str]:
    """The source's lines as Python numbers them (\\n, \\r\\n and \\r only)."""
    try:
        text = decode_source(source)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        text = source.decode("utf-8", errors="replace")
    return re.split(r"\r\n|\r|\n", text.removeprefix("\ufeff"))
