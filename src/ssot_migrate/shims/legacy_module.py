"""Deprecation shims: a legacy module's moved names go behind a PEP 562 ``__getattr__``.

The module keeps every other byte; the bindings of the moved names (``from x import S``,
``Alias = S``) leave its namespace, and a generated block between two marker lines serves
them lazily: the very same object, one warning per importing site, at that site's line, for
``from legacy import S``, ``import legacy; legacy.S`` and ``from legacy import *``, and none
for code that only imports the module's other names. Pure: bytes in, bytes out.

The block is rendered and read back in `block`, the bindings are found and removed in
`bindings`, and `runs_on` checks that the result still runs on the oldest Python the
project supports.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
from collections.abc import Sequence

import libcst as cst

from ssot_migrate.base.source_text import LINE_BREAK, source_encoding
from ssot_migrate.shims.bindings import RemoveBindings, has_dunder_all, own_uses
from ssot_migrate.shims.block import (
    MovedName,
    ShimOrigin,
    ShimRefused,
    render_block,
    served,
    without_block,
)
from ssot_migrate.shims.runs_on import check_runs_on, dotted


def shim_module(source: bytes, names: Sequence[MovedName], origin: ShimOrigin) -> bytes:
    """`source` with the moved names served by a generated ``__getattr__`` block (or, when
    the module uses them itself, kept bound behind a warning module class).

    Running it again on its own output changes nothing: the block is regenerated in place.
    A run asks for each shim twice (to plan, then to write it): the answer is kept.
    """
    return _shim_module(source, tuple(names), origin)


@functools.lru_cache(maxsize=32)
def _shim_module(source: bytes, asked: tuple[MovedName, ...], origin: ShimOrigin) -> bytes:
    encoding = source_encoding(source)
    decoded = source.decode(encoding)
    # A block from an earlier phase keeps serving its names: the new one serves both.
    earlier = {m.name: m for m in served(decoded)}
    merged = {**earlier, **{m.name: m for m in asked}}
    # Once served by the module's own __getattr__, a name stays so (the block's own
    # TYPE_CHECKING import makes it resolve statically on later runs).
    names = [
        dataclasses.replace(m, lazy=True) if m.name in earlier and earlier[m.name].lazy else m
        for m in merged.values()
    ]
    module = _parsed(without_block(decoded))
    moved = {m.name for m in names}
    if own_uses(module, moved):
        # The module's own code reads the names from its globals: they stay bound, and a
        # module class makes reads from outside warn (module __getattr__ never would).
        template = "shim_class_block.py.j2"
        block = render_block(names, origin, template=template)
    else:
        has_all = has_dunder_all(module)
        remover = RemoveBindings(moved)
        module = module.visit(remover)
        template = "shim_block.py.j2"
        block = render_block(names, origin, remover.had_getattr, has_all)
    newline = module.default_newline
    # One blank line between the module and the block, whatever the module ended with, as
    # `without_block` leaves it: a second run regenerates the very same bytes.
    body = module.code.rstrip("\r\n")
    body = body + newline * 2 if body.strip() else ""
    result = body + block.replace("\n", newline)
    try:
        tree = ast.parse(result)
    except SyntaxError as error:  # generated code is checked like rewritten code
        raise ShimRefused(f"the shimmed module would not parse: {error.msg}") from None
    first_line = len(LINE_BREAK.findall(body)) + 1
    why = check_runs_on(origin.python, tree, block, first_line, template)
    if why is not None:
        oldest = f"Python {dotted(origin.python)}, the oldest the project supports"
        raise ShimRefused(f"it would not run on {oldest} ({origin.python_from}): {why}")
    return result.encode(encoding)


def unbinds_names(source: bytes, names: Sequence[MovedName]) -> bool:
    """Whether `shim_module` takes `names` out of the module's namespace (a ``__getattr__``
    serves them) rather than keeping them bound behind a warning module class, which it
    does when the module's own code reads one of them (or of the names an earlier block
    serves, which the new block serves too)."""
    encoding = source_encoding(source)
    decoded = source.decode(encoding)
    moved = {m.name for m in served(decoded)} | {m.name for m in names}
    try:
        module = _parsed(without_block(decoded))
    except (cst.ParserSyntaxError, ShimRefused):
        return False  # no shim can be made: the imports are rewritten like any others
    return not own_uses(module, moved)


@functools.lru_cache(maxsize=32)
def _parsed(text: str) -> cst.Module:
    """A module's LibCST tree (immutable: planning and writing a shim share it)."""
    return cst.parse_module(text)
