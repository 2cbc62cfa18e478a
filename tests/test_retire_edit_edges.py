"""Edges of retire's edits the first version got wrong: a CRLF module's block is read back
and the module stays CRLF, an annotated ``__all__`` loses the name, the last of a multi-line
``__all__`` goes with its own comment only, and code after the block keeps its blank lines."""

from __future__ import annotations

import ast

from ssot_migrate.shims.block import MovedName, ShimOrigin, served
from ssot_migrate.shims.legacy_module import shim_module
from ssot_migrate.shims.retire import retire_names

ORIGIN = ShimOrigin("p1", "Engine from app.core.engine", "DeprecationWarning", "2.0")
ENGINE = MovedName("Engine", "app.core.engine", "Engine")
IMPORT = "from app.core.engine import Engine\n"
RETIRED = (
    "# ssot-migrate: Engine retired; app.core.engine still loads here\n"
    '__import__("app.core.engine")\n'
)


def retired(source: bytes) -> bytes:
    return retire_names(shim_module(source, [ENGINE], ORIGIN), {"Engine"}, ORIGIN)


def test_crlf_module_is_retired_and_stays_crlf() -> None:
    source = (IMPORT + '\n__all__ = ["Engine", "X"]\nX = 1\n').replace("\n", "\r\n").encode()
    shimmed = shim_module(source, [ENGINE], ORIGIN)
    assert served(shimmed.decode()) == [ENGINE]
    result = retired(source)
    assert result == (RETIRED + '\n__all__ = ["X"]\nX = 1\n').replace("\n", "\r\n").encode()


def test_annotated_dunder_all_loses_the_retired_name() -> None:
    result = retired((IMPORT + '\n__all__: list[str] = ["Engine", "X"]\nX = 1\n').encode())
    assert result == (RETIRED + '\n__all__: list[str] = ["X"]\nX = 1\n').encode()


def test_retiring_the_last_of_a_multi_line_dunder_all_keeps_the_other_s_comment() -> None:
    before = '__all__ = [\n    "X",  # stays\n    "Engine",  # moved\n]\nX = 1\n'
    result = retired((IMPORT + "\n" + before).encode())
    assert result == (RETIRED + '\n__all__ = [\n    "X",  # stays\n]\nX = 1\n').encode()


def test_code_after_the_block_keeps_its_blank_lines() -> None:
    text = shim_module((IMPORT + "\nX = 1\n").encode(), [ENGINE], ORIGIN).decode()
    text += "\n\ndef late() -> int:\n    return X\n"
    result = retire_names(text.encode(), {"Engine"}, ORIGIN)
    ast.parse(result)
    assert result == (RETIRED + "\nX = 1\n\n\ndef late() -> int:\n    return X\n").encode()
