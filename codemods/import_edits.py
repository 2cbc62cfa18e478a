"""The statement-level edits that move an import to a symbol's canonical path, with
minimal diffs: `ssot-migrate run` applies them to the exact import statements its resolver
selected, and `canonical_imports.CanonicalImportsCommand` to a whole module. Kept apart
from the command so that a run does not import LibCST's codemod framework (its matchers
module alone takes 0.2 s to import).

The policy they follow is `canonical_imports`'s (each rule has a golden case under
fixtures/rewrite/).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import libcst as cst
from libcst.helpers import get_full_name_for_node

from ssot_migrate.analysis.forms.relative_from_import import relative_form


@dataclass(frozen=True, slots=True)
class Destination:
    """Where an imported name goes: ``from <module> import <name>``."""

    module: str
    name: str


def dotted_expression(dotted: str) -> cst.Attribute | cst.Name:
    """``"a.b.c"`` as the expression LibCST writes for ``import a.b.c``."""
    head, *rest = dotted.split(".")
    node: cst.Attribute | cst.Name = cst.Name(head)
    for part in rest:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def import_from_statement(
    module: str,
    level: int,
    names: Sequence[tuple[str, str]],
    comment: cst.Comment | None = None,
) -> cst.SimpleStatementLine:
    """``from <dots><module> import name [as local], ...`` as a fresh statement line."""
    aliases = [
        cst.ImportAlias(
            name=cst.Name(name),
            asname=None if local == name else cst.AsName(name=cst.Name(local)),
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            if index < len(names) - 1
            else cst.MaybeSentinel.DEFAULT,
        )
        for index, (name, local) in enumerate(names)
    ]
    node = cst.ImportFrom(
        module=dotted_expression(module) if module else None,
        names=aliases,
        relative=[cst.Dot() for _ in range(level)],
    )
    trailing = cst.TrailingWhitespace(
        whitespace=cst.SimpleWhitespace("  " if comment else ""), comment=comment
    )
    return cst.SimpleStatementLine(body=[node], trailing_whitespace=trailing)


def alias_name(alias: cst.ImportAlias) -> str:
    return get_full_name_for_node(alias.name) or ""


def local_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return alias_name(alias).split(".")[0]


def _renamed(alias: cst.ImportAlias, name: str) -> cst.ImportAlias:
    """`alias` importing `name` instead, binding the same local name as before."""
    local = local_name(alias)
    if local == name:
        asname = None
    elif alias.asname is not None:
        asname = alias.asname.with_changes(name=cst.Name(local))
    else:
        asname = cst.AsName(name=cst.Name(local))
    return alias.with_changes(name=cst.Name(name), asname=asname)


def _separator(node: cst.ImportFrom, index: int) -> cst.BaseParenthesizableWhitespace | None:
    """The whitespace after name `index`: its comma's, or the closing parenthesis's."""
    names = node.names
    assert not isinstance(names, cst.ImportStar)
    comma = names[index].comma
    if isinstance(comma, cst.Comma):
        return comma.whitespace_after
    return node.rpar.whitespace_before if node.rpar is not None else None


def _comment(whitespace: cst.BaseParenthesizableWhitespace | None) -> cst.Comment | None:
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        return whitespace.first_line.comment
    return None


def _merge(
    own: cst.BaseParenthesizableWhitespace | None,
    following: cst.BaseParenthesizableWhitespace | None,
) -> cst.BaseParenthesizableWhitespace | None:
    """Whitespace after a kept name that is now the last one: its own line's comment, then
    the line break and indentation that led to the closing parenthesis."""
    if isinstance(own, cst.ParenthesizedWhitespace) and isinstance(
        following, cst.ParenthesizedWhitespace
    ):
        return following.with_changes(first_line=own.first_line, empty_lines=own.empty_lines)
    return following


def without_names(node: cst.ImportFrom, drop: set[int]) -> cst.ImportFrom:
    """`node` without the names at indexes `drop` (at least one name stays), keeping the
    formatting of the others: parentheses, trailing comma style, comments, continuations."""
    names = node.names
    assert not isinstance(names, cst.ImportStar)
    kept = [i for i in range(len(names)) if i not in drop]
    trailing_comma = isinstance(names[-1].comma, cst.Comma)
    rpar = node.rpar
    result: list[cst.ImportAlias] = []
    for position, index in enumerate(kept):
        alias = names[index]
        last_dropped = index
        while last_dropped + 1 < len(names) and last_dropped + 1 in drop:
            last_dropped += 1
        is_last = position == len(kept) - 1
        if last_dropped != index and is_last:
            # The names after it are gone: it now leads to the closing parenthesis.
            merged = _merge(_separator(node, index), _separator(node, last_dropped))
            if not trailing_comma:
                alias = alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)
                if rpar is not None and merged is not None:
                    rpar = rpar.with_changes(whitespace_before=merged)
            elif isinstance(alias.comma, cst.Comma) and merged is not None:
                alias = alias.with_changes(comma=alias.comma.with_changes(whitespace_after=merged))
        result.append(alias)
    return node.with_changes(names=result, rpar=rpar)


def rewrite_import_from(
    line: cst.SimpleStatementLine,
    moved: Mapping[str, Destination],
    package: str | None,
    relative: bool,
    absorbed: frozenset[str] = frozenset(),
) -> list[cst.SimpleStatementLine]:
    """Move the names of `line`'s ``from`` import listed in `moved` to their destinations.

    Returns the statement lines that replace `line`: the statement itself, rewritten in
    place when every name moves to one module, or the names that stay followed by one new
    statement per destination module. Destination modules in `absorbed` get no statement:
    the caller appends those names to a canonical import the block already has. An empty
    list means the whole statement went into such imports.
    """
    node = line.body[0]
    assert isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar)
    was_relative = len(node.relative) > 0
    moving = [i for i, alias in enumerate(node.names) if alias_name(alias) in moved]
    if not moving:
        return [line]
    groups: dict[str, list[int]] = {}
    for index in moving:
        groups.setdefault(moved[alias_name(node.names[index])].module, []).append(index)
    staying = len(node.names) - len(moving)
    out: list[cst.SimpleStatementLine] = []
    new_groups = [m for m in groups if m not in absorbed]
    if staying:
        out.append(line.with_changes(body=[without_names(node, set(moving))]))
    elif new_groups:
        # Every name moves: the first destination takes the statement over in place.
        first = new_groups.pop(0)
        level, text = relative_form(package, first, relative and was_relative)
        keep = set(groups[first])
        in_place = without_names(node, set(moving) - keep) if len(keep) < len(moving) else node
        assert not isinstance(in_place.names, cst.ImportStar)
        renamed = [_renamed(alias, moved[alias_name(alias)].name) for alias in in_place.names]
        statement = in_place.with_changes(
            module=dotted_expression(text) if text else None,
            relative=[cst.Dot() for _ in range(level)],
            names=renamed,
        )
        out.append(line.with_changes(body=[statement]))
    for module in new_groups:
        level, text = relative_form(package, module, relative and was_relative)
        pairs = [
            (moved[alias_name(node.names[i])].name, local_name(node.names[i]))
            for i in groups[module]
        ]
        comment = next(
            (c for i in groups[module] if (c := _comment(_separator(node, i))) is not None), None
        )
        out.append(import_from_statement(text, level, pairs, comment))
    return out


NameOrder = Callable[[str, str], Any]
"""A sort key of an imported (name, local name): the order an import sorter keeps."""


def append_names(
    line: cst.SimpleStatementLine,
    names: Sequence[tuple[str, str]],
    order: NameOrder | None = None,
) -> cst.SimpleStatementLine:
    """`line`'s ``from`` import with (name, local) pairs appended, each once, skipping ones
    it has.

    A one-name-a-line parenthesized import gets one line per new name, indented like the
    others; a one-line import gets ``, name``. With `order`, and names already in that
    order, each new name goes to its place in it instead of the end.
    """
    node = line.body[0]
    assert isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar)
    present = {(alias_name(a), local_name(a)) for a in node.names}
    extra = [pair for pair in dict.fromkeys(names) if pair not in present]
    if not extra:
        return line
    if order is not None and _in_order(node.names, order):
        for pair in sorted(extra, key=lambda p: order(*p)):
            line = _inserted_in_order(line, pair, order)
        return line
    return _appended(line, extra)


def _in_order(aliases: Sequence[cst.ImportAlias], order: NameOrder) -> bool:
    keys = [order(alias_name(a), local_name(a)) for a in aliases]
    return all(a <= b for a, b in itertools.pairwise(keys))


def _inserted_in_order(
    line: cst.SimpleStatementLine, pair: tuple[str, str], order: NameOrder
) -> cst.SimpleStatementLine:
    """`line` with (name, local) `pair` among its names where `order` puts it."""
    node = line.body[0]
    assert isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar)
    aliases = list(node.names)
    keys = [order(alias_name(a), local_name(a)) for a in aliases]
    index = bisect.bisect_right(keys, order(*pair))
    if index == len(aliases):
        return _appended(line, [pair])
    # Before aliases[index]: what led to it now leads to the new name, which leads on to it
    # as the names of the statement lead to each other (no comment of theirs taken along).
    multiline = any(
        isinstance(a.comma, cst.Comma)
        and isinstance(a.comma.whitespace_after, cst.ParenthesizedWhitespace)
        for a in aliases
    ) or (
        node.lpar is not None
        and isinstance(node.lpar.whitespace_after, cst.ParenthesizedWhitespace)
    )
    lead: cst.BaseParenthesizableWhitespace = (
        _line_lead(node, aliases) if multiline else cst.SimpleWhitespace(" ")
    )
    name, local = pair
    asname = None if local == name else cst.AsName(name=cst.Name(local))
    added = cst.ImportAlias(
        name=cst.Name(name), asname=asname, comma=cst.Comma(whitespace_after=lead)
    )
    aliases.insert(index, added)
    return line.with_changes(body=[node.with_changes(names=aliases)])


def _appended(
    line: cst.SimpleStatementLine, extra: Sequence[tuple[str, str]]
) -> cst.SimpleStatementLine:
    """`line` with the (name, local) pairs of `extra` after its last name."""
    node = line.body[0]
    assert isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar)
    aliases = list(node.names)
    last = aliases[-1]
    closing = last.comma.whitespace_after if isinstance(last.comma, cst.Comma) else None
    commas: list[cst.Comma | cst.MaybeSentinel]
    if isinstance(closing, cst.ParenthesizedWhitespace):
        lead = _line_lead(node, aliases)
        blank = cst.TrailingWhitespace()
        aliases[-1] = last.with_changes(
            comma=cst.Comma(whitespace_after=lead.with_changes(first_line=closing.first_line))
        )
        commas = [cst.Comma(whitespace_after=lead) for _ in extra[1:]]
        commas.append(cst.Comma(whitespace_after=closing.with_changes(first_line=blank)))
    else:
        between = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        aliases[-1] = last.with_changes(comma=between)
        commas = [between for _ in extra[1:]]
        commas.append(last.comma)
    for (name, local), comma in zip(extra, commas, strict=True):
        asname = None if local == name else cst.AsName(name=cst.Name(local))
        aliases.append(cst.ImportAlias(name=cst.Name(name), asname=asname, comma=comma))
    return line.with_changes(body=[node.with_changes(names=aliases)])


def _line_lead(
    node: cst.ImportFrom, aliases: Sequence[cst.ImportAlias]
) -> cst.ParenthesizedWhitespace:
    """The line break and indentation that lead to a name in a one-name-a-line import."""
    candidates: list[cst.BaseParenthesizableWhitespace | None] = [
        a.comma.whitespace_after for a in aliases[:-1] if isinstance(a.comma, cst.Comma)
    ]
    if node.lpar is not None:
        candidates.insert(0, node.lpar.whitespace_after)
    for whitespace in reversed(candidates):
        if isinstance(whitespace, cst.ParenthesizedWhitespace):
            return whitespace.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
    return cst.ParenthesizedWhitespace(last_line=cst.SimpleWhitespace("    "))


def rewrite_import_module(
    line: cst.SimpleStatementLine, old_module: str, new_module: str
) -> cst.SimpleStatementLine:
    """``import old [as m]`` -> ``import new [as m]`` (other names of the statement stay)."""
    node = line.body[0]
    assert isinstance(node, cst.Import)
    names = [
        alias.with_changes(name=dotted_expression(new_module))
        if alias_name(alias) == old_module
        else alias
        for alias in node.names
    ]
    return line.with_changes(body=[node.with_changes(names=names)])


def join_statements(
    lines: Sequence[cst.SimpleStatementLine], comment_at_end: bool = False
) -> cst.SimpleStatementLine | None:
    """`lines` as one line of ``;``-separated statements (``from m import Other; from n
    import S``): what replaces an import that shares its line with other statements.

    None when a statement carries a comment that would stand mid-line: only the last one
    may carry one, and only when `comment_at_end` (nothing follows it on its line).
    """
    if any(line.trailing_whitespace.comment is not None for line in lines[:-1]):
        return None
    last = lines[-1].trailing_whitespace
    if last.comment is not None and not comment_at_end:
        return None
    body = [
        statement.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        for line in lines
        for statement in line.body
    ]
    return cst.SimpleStatementLine(body=body, trailing_whitespace=last)


def import_statement(module: str, alias: str | None = None) -> cst.SimpleStatementLine:
    """``import module`` (``import module as alias``)."""
    asname = cst.AsName(name=cst.Name(alias)) if alias else None
    return cst.SimpleStatementLine(
        body=[cst.Import(names=[cst.ImportAlias(name=dotted_expression(module), asname=asname)])]
    )


def rewritten_string(node: cst.SimpleString, paths: Mapping[str, str]) -> cst.SimpleString | None:
    """The string with its value replaced when the *whole* value is a path in `paths`."""
    try:
        value = node.evaluated_value
    except Exception:  # unusual escapes: leave the literal alone
        return None
    if not isinstance(value, str) or value not in paths:
        return None
    if node.raw_value != value:  # escapes in the literal: rewriting could change them
        return None
    return node.with_changes(value=f"{node.prefix}{node.quote}{paths[value]}{node.quote}")
