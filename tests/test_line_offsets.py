"""A rewrite finds a line's text by the offset where the line starts: those offsets must
agree with the lines Python counts (CRLF, CR and LF end a line; form feeds and other
Unicode breaks do not), in files with or without a final line break."""

from __future__ import annotations

import ast

from hypothesis import given
from hypothesis import strategies as st

from ssot_migrate.rewrite.text import line_starts

_PIECES = st.sampled_from(["x = 1", "y", "\n", "\r\n", "\r", "\x0c", "\u2028", " ", "#"])


@given(st.lists(_PIECES, max_size=30).map("".join))
def test_each_offset_starts_the_line_python_counts(text: str) -> None:
    starts = line_starts(text)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    assert len(starts) == len(lines)
    for number, start in enumerate(starts, 1):
        rest = text[start:]
        assert rest.replace("\r\n", "\n").replace("\r", "\n").startswith(lines[number - 1])


def test_a_statement_on_a_line_after_a_cr_is_found_at_its_offset() -> None:
    for text in ("a = 1\nb = 2\n", "a = 1\r\nb = 2", "a = 1\rb = 2\r\n", "a = 1\x0c\nb = 2"):
        node = ast.parse(text).body[1]
        start = line_starts(text)[node.lineno - 1] + node.col_offset
        assert text[start:].startswith("b = 2")
