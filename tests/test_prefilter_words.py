"""The byte prefilter's word test: a file is read for a name only where code or a string
could spell it, not where a comment does (``# Copyright Twisted Matrix Laboratories`` heads
nearly every file of Twisted, which a plan for a `Matrix` symbol must not parse)."""

from __future__ import annotations

import pytest

from ssot_migrate.index import _spells


@pytest.mark.parametrize(
    ("source", "spelled"),
    [
        (b"# Copyright (c) Twisted Matrix Laboratories.\nimport os\n", False),
        (b"import os  # a Matrix here is a comment\n", False),
        (b"from sympy import Matrix  # Matrix\n", True),
        (b'x = "# Matrix"\n', True),  # in a string: a dotted string is a fact
        (b"s = '#'; Matrix()\n", True),  # the # is inside quotes
        (b'"""\n# Matrix\n"""\n', False),  # a docstring line read as code: no fact either way
        (b"# Matrix\nMatrix = 1\n", True),
        (b"MatrixError\n", False),
        (b"\r# Matrix\rMatrix\r", True),  # a lone \r ends the comment's line
    ],
)
def test_a_word_counts_outside_comments_only(source: bytes, spelled: bool) -> None:
    assert _spells(source, b"Matrix") is spelled
