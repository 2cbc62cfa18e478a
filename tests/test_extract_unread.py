"""`ModuleFacts.unread`: the from-imported names a module never uses itself (the unused-import
idiom by which a package re-exports a name), found by a byte search confirmed line by line."""

from __future__ import annotations

import pytest

from ssot_migrate.index.extract import extract_facts
from ssot_migrate.index.facts import ModuleFacts


@pytest.mark.parametrize(
    ("source", "unread"),
    [
        (b"from .e import E\n", ("E",)),
        (b"from .e import E\n\n\ndef f() -> E:\n    return E()\n", ()),
        (b"from .e import E\nX = E\n", ()),  # an alias reads it
        (b"from .e import E  # E\n# E is re-exported\n", ("E",)),  # comments are no use
        (b'from .e import E\n__all__ = ["E"]\n', ("E",)),  # nor is __all__
        (b"try:\n    from .e import E\nexcept ImportError:\n    E = None\n", ("E",)),
        (b"from .e import E\nE == 1\n", ()),  # a comparison reads it
        (b"from .e import E\nE: type = None\n", ("E",)),  # an annotated assignment binds
        (b'from .e import E\ns = "E"\n', ()),  # a string might: errs towards a use
        (b"try:\r    from .e import E\rexcept ImportError:\r    E = None\r", ("E",)),
        (b"from .e import E\r\nX = E\r\n", ()),
        (b"from .e import E\rX = 1\rprint(E)\r", ()),  # lone \r breaks lines too
    ],
)
def test_unread_names(source: bytes, unread: tuple[str, ...]) -> None:
    facts = extract_facts(source)
    assert isinstance(facts, ModuleFacts)
    assert facts.unread == unread
