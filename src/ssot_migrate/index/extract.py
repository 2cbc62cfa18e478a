"""Source bytes in, ModuleFacts out: the stdlib parser, with LibCST for newer syntax.

The stdlib `ast` is an order of magnitude faster than LibCST, so every file is indexed with
it; a file the running interpreter rejects is re-read with LibCST (which knows newer
grammar), its newer-only constructs are replaced by same-shaped older ones, and the result
is indexed the same way, so a valid 3.12+ file is never silently dropped.

The pass over the tree that collects the facts is `collector`'s; `focus` holds which
chains it records.
"""

from __future__ import annotations

import ast
from collections.abc import Collection

from ssot_migrate.index.collector import Collector
from ssot_migrate.index.facts import ModuleFacts, ParseFailure
from ssot_migrate.index.focus import Focus, Unfocused
from ssot_migrate.index.skeleton import StubbedBinding, skeleton
from ssot_migrate.index.type_parameters import blank_type_parameters


def extract_facts(
    source: bytes,
    whole: bool = False,
    interest: Collection[str] | None = None,
    roots: Collection[str] = (),
) -> ModuleFacts | ParseFailure:
    """Index one file. Never raises for bad input: a failure is returned as a value.

    The parser reads the file's `skeleton` (its cold definitions stubbed) unless
    `whole`: a check of a rewritten file reads all of it.

    `interest`: the names whose chains matter (the symbols, their aliases). The facts
    then record, of the attribute chains, every one rooted at a name of interest, at the
    root of a chain naming one (``m.Symbol``: every ``m.…``, so a module's other uses are
    known), or at one of `roots`: no chain elsewhere (``S.Half`` in a file importing
    Symbol), whose lines need no parse. None: every chain rooted at an imported name.
    """
    focus = None if interest is None else Focus(frozenset(interest), frozenset(roots))
    while True:
        try:
            return _extract(source, whole, focus)
        except Unfocused as missed:  # a chain's root the byte search did not find
            assert focus is not None
            focus = focus._replace(roots=focus.roots | missed.roots)


def _extract(source: bytes, whole: bool, focus: Focus | None) -> ModuleFacts | ParseFailure:
    names, roots = (None, ()) if focus is None else focus
    stubbed = None if whole else skeleton(source, names, roots)
    if stubbed is not None:
        try:
            tree = ast.parse(stubbed.text)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            pass  # the whole file tells what is wrong, or that it is newer syntax
        else:
            if stubbed.confirmed(tree):
                try:
                    return Collector(source, focus).collect(
                        tree, source, "ast", stubbed.scan, stubbed.passes
                    )
                except StubbedBinding:
                    pass  # a stubbed statement may have bound a name a fact depends on
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        return _extract_newer_syntax(source, error, focus)
    except (ValueError, MemoryError, RecursionError) as error:  # NUL bytes, absurd nesting
        return ParseFailure(1, 0, _describe(error))
    return Collector(source, focus).collect(tree, source, parser="ast")


def _describe(error: BaseException) -> str:
    text = error.msg if isinstance(error, SyntaxError) else str(error)
    if "null bytes" in text:
        return "binary file (contains NUL bytes)"
    if "codec can't decode" in text:
        return f"not valid text in its declared encoding ({text.removeprefix('(unicode error) ')})"
    return text or type(error).__name__


def _extract_newer_syntax(
    source: bytes, error: SyntaxError, focus: Focus | None
) -> ModuleFacts | ParseFailure:
    failure = ParseFailure(error.lineno or 1, max((error.offset or 1) - 1, 0), _describe(error))
    blanked = blank_type_parameters(source)
    if blanked is not None:
        try:
            tree = ast.parse(blanked)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            source = blanked  # more than type parameters: LibCST replaces the rest
        else:
            return Collector(blanked, focus).collect(tree, blanked, parser="libcst")
    from ssot_migrate.index.newer_syntax import downgrade_source

    downgraded = downgrade_source(source)
    if downgraded is None:
        return failure
    try:
        tree = ast.parse(downgraded)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return failure
    return Collector(downgraded, focus).collect(tree, downgraded, parser="libcst")
