"""A file's statement lists as the stdlib parser reads them (through same-shaped older
syntax where it needs that), parsed only when a rewrite asks: to weigh an absorption, to
find the import blocks a sorter keeps sorted, to compare import fallbacks."""

from __future__ import annotations

import ast

from ssot_migrate.index.facts import Span
from ssot_migrate.index.newer_syntax import downgrade_source
from ssot_migrate.rewrite.import_order import statement_lists
from ssot_migrate.rewrite.text import Text


class Layout:
    """The file's statement lists, keyed like `ImportFact.block` (their first statement's
    line and UTF-8 column): read by the stdlib parser only when an absorption is weighed."""

    def __init__(self, text: Text) -> None:
        self._text = text
        self._blocks: dict[tuple[int, int], list[ast.stmt]] | None = None
        self._tree: ast.Module | None = None
        self._parsed = False

    def between(self, block: tuple[int, int], first: Span, second: Span) -> list[ast.stmt] | None:
        """The statements strictly between two statements of `block` (None: not found)."""
        body = self._statement_lists().get(block)
        if body is None:
            return None
        where = {(st.lineno, st.col_offset): index for index, st in enumerate(body)}
        start, end = where.get(self._position(first)), where.get(self._position(second))
        if start is None or end is None:
            return None
        return body[start + 1 : end]

    def _position(self, span: Span) -> tuple[int, int]:
        """(line, column in UTF-8 bytes) as the stdlib parser counts; facts count characters."""
        text = self._text
        content = text.text[text.starts[span.line - 1] : text.line_end(span.line)]
        if span.line == 1:
            content = content.removeprefix("\ufeff")
        return span.line, len(content[: span.col].encode("utf-8"))

    def tree(self) -> ast.Module | None:
        """The file parsed by the stdlib parser (None: it does not parse)."""
        if not self._parsed:
            self._tree = parse_tree(self._text.encode(self._text.text))
            self._parsed = True
        return self._tree

    def _statement_lists(self) -> dict[tuple[int, int], list[ast.stmt]]:
        if self._blocks is None:
            self._blocks = {}
            tree = self.tree()
            for statements in statement_lists(tree) if tree is not None else ():
                first = statements[0]
                self._blocks[(first.lineno, first.col_offset)] = statements
        return self._blocks


def parse_tree(data: bytes) -> ast.Module | None:
    """The stdlib parser's tree, through same-shaped older syntax where it needs that."""
    try:
        return ast.parse(data)
    except SyntaxError:
        downgraded = downgrade_source(data)
        if downgraded is not None:
            try:
                return ast.parse(downgraded)
            except (SyntaxError, ValueError, MemoryError, RecursionError):
                return None
    except (ValueError, MemoryError, RecursionError):
        pass
    return None
