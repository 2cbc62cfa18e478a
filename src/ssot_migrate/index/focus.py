"""What a file's facts are for: the attribute chains they record (`Focus`), and the
signal that a parse found chains at roots outside it (`Unfocused`), on which
`extract.extract_facts` parses again with those roots in focus.
"""

from __future__ import annotations

from typing import NamedTuple


class Focus(NamedTuple):
    """Which attribute chains a file's facts record (see `extract_facts`)."""

    names: frozenset[str]
    roots: frozenset[str] = frozenset()


class Unfocused(Exception):
    """Chains naming a name of interest stand at roots the focus did not hold."""

    def __init__(self, roots: set[str]) -> None:
        super().__init__(roots)
        self.roots = frozenset(roots)
