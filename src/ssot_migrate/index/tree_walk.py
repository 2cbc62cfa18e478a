"""Cheap walks of a syntax tree: a node's children without its leaf fields, breadth
first, leaving out the subtrees that hold no hot line; a statement's first line and a
definition's header.
"""

from __future__ import annotations

import ast
import bisect
import collections
from collections.abc import Iterator


def walk_all(node: ast.AST) -> Iterator[ast.AST]:
    """`node` and its descendants in `ast.walk`'s order, but for expression contexts."""
    todo = collections.deque([node])
    while todo:
        current = todo.popleft()
        todo.extend(children(current))
        yield current


def walk_lines(node: ast.AST, hot: list[int]) -> Iterator[ast.AST]:
    """`node` and its descendants in `ast.walk`'s order, leaving out every subtree whose
    lines hold none of the sorted `hot` lines (a node's lines hold all its descendants')."""
    todo = collections.deque([node])
    while todo:
        current = todo.popleft()
        for child in children(current):
            line = getattr(child, "lineno", None)
            if line is None or overlaps(hot, line, getattr(child, "end_lineno", None) or line):
                todo.append(child)
        yield current


def children(node: ast.AST) -> list[ast.AST]:
    """`ast.iter_child_nodes` without its generators, and without the fields that never
    hold a node of interest (``ctx``: a Load or Store per name; names and flags)."""
    kind = type(node)
    fields = _NODE_FIELDS.get(kind)
    if fields is None:
        fields = _NODE_FIELDS[kind] = tuple(f for f in kind._fields if f not in _LEAF_FIELDS)
    found: list[ast.AST] = []
    for name in fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            found.append(value)
        elif isinstance(value, list):
            found.extend(item for item in value if isinstance(item, ast.AST))
    return found


_NODE_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}
_LEAF_FIELDS = frozenset(
    {"ctx", "id", "attr", "arg", "kind", "type_comment", "level", "module", "is_async"}
    | {"conversion", "simple", "name", "names", "asname", "tag"}
)
"""Fields holding a string, a number, a flag or an expression context, never an expression
or a statement. (``names`` of Global/Nonlocal are strings; of Import, aliases: no
expression below either.)"""


def first_line(st: ast.stmt) -> int:
    """A statement's first line: a definition's starts at its first decorator."""
    decorators = getattr(st, "decorator_list", None)
    return min([st.lineno, *(d.lineno for d in decorators)]) if decorators else st.lineno


def overlaps(lines: list[int], start: int, end: int) -> bool:
    """Whether sorted `lines` has a line in [start, end]."""
    index = bisect.bisect_left(lines, start)
    return index < len(lines) and lines[index] <= end


def definition_header(node: ast.AST) -> Iterator[ast.AST]:
    """Decorators, bases, arguments and annotations of a def or class (not its body)."""
    if isinstance(node, ast.ClassDef):
        yield from node.decorator_list
        yield from node.bases
        yield from node.keywords
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        yield from node.decorator_list
        yield node.args
        if node.returns is not None:
            yield node.returns
