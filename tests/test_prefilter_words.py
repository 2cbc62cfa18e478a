"""The byte prefilter's word test: a file is read for a name only where code or a string
could spell it, not where a comment does (``# Copyright Twisted Matrix Laboratories`` heads
nearly every file of Twisted, which a plan for a `Matrix` symbol must not parse)."""

from __future__ import annotations

import pytest

from ssot_migrate.index.prefilter import _is_dynamic, _learn_words, _spells


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


@pytest.mark.parametrize(
    ("source", "dynamic"),
    [
        (b"class Proxy:\n    def __getattr__(self, name):\n        return 1\n", False),
        (b"class P:\n    def __getattr__(self, name: str) -> int:\n        return 1\n", False),
        (b"class P(Base):\n    def f(self):\n        return super().__getattr__('x')\n", False),
        (b"def __getattr__(name):\n    return 1\n", True),  # PEP 562
        (b"def __getattr__(name, default=None):\n    return default\n", True),
        (b"def __getattr__(name: str) -> object:\n    ...\n", True),
        (b"from ._lazy import __getattr__\n", True),
        (b"__getattr__ = make_lazy(__name__)\n", True),
        (b"sys.modules[__name__].__getattr__ = lookup\n", True),
        (b"class P:\n    def __getattr__(\n        self, name\n    ):\n        ...\n", True),
        (b"class P:\n    def __getattr__(self, n): ...\ndef __getattr__(n): ...\n", True),
        (b"from m import *\n", True),
        (b"from m import\t*\n", True),
        (b"import os\n", False),
    ],
)
def test_a_class_getattr_does_not_make_a_file_dynamic(source: bytes, dynamic: bool) -> None:
    """A module ``__getattr__`` (PEP 562) may provide any name, so its file is always
    parsed; a class's, which most files spelling ``__getattr__`` have, provides none."""
    assert _is_dynamic(source) is dynamic


def test_a_name_absent_in_an_earlier_round_rules_out_the_longer_aliases_of_a_later_one() -> None:
    """``Matrix`` not even a substring: ``ImmutableMatrix``, asked for in a later round,
    cannot be there either, and is answered without a scan; a name present only inside a
    longer word (False) rules nothing out."""
    words: dict[str, bool | None] = {}
    _learn_words(b"import os\nMatrixError = 1\n", ["Matrix", "Symbol"], words)
    assert words == {"Matrix": False, "Symbol": None}
    _learn_words(b"ImmutableMatrix = 1  # bytes the rule never scans\n", ["SymbolTable"], words)
    assert words["SymbolTable"] is None
    _learn_words(b"from m import MatrixError\n", ["MatrixError"], words)
    assert words["MatrixError"] is True
