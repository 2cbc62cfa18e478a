"""Which names a function's statements bind, by Python's static rule: every name bound
anywhere in a function body is local to it unless declared ``global``/``nonlocal``.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from ssot_migrate.index.tree_walk import children

Function = ast.FunctionDef | ast.AsyncFunctionDef


def function_locals(
    function: Function, walrus: bool = True
) -> tuple[frozenset[str], frozenset[str]]:
    """(names the function imports, other names it binds locally): Python's static rule,
    every name bound anywhere in a function body is local to it unless declared
    ``global``/``nonlocal``."""
    arguments = function.args
    imported, assigned, declared = scope_names(function.body, walrus)
    assigned |= {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}
    assigned |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
    return frozenset(imported - declared), frozenset(assigned - declared - imported)


def scope_names(body: list[ast.stmt], walrus: bool) -> tuple[set[str], set[str], set[str]]:
    """(names imported, names otherwise bound, names declared ``global``/``nonlocal``) by
    the statements of a function body, down through its blocks but not into the scopes
    of its defs, classes, lambdas and comprehensions.

    Names are bound by statements, except an assignment expression (``:=``), which may
    stand in any expression, a comprehension's too. Without one in the file (`walrus`
    False) only the statements and their targets are visited, not every expression node.
    """
    assigned: set[str] = set()
    imported: set[str] = set()
    declared: set[str] = set()
    if walrus:
        _expression_bindings(body, assigned)
    stack: list[ast.stmt] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Assign):
            for target in node.targets:
                _target_names(target, assigned)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            _target_names(node.target, assigned)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                imported.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            assigned.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            declared.update(node.names)
        elif isinstance(node, ast.For | ast.AsyncFor):
            _target_names(node.target, assigned)
            stack.extend(node.body)
            stack.extend(node.orelse)
        elif isinstance(node, ast.If | ast.While):
            stack.extend(node.body)
            stack.extend(node.orelse)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                if item.optional_vars is not None:
                    _target_names(item.optional_vars, assigned)
            stack.extend(node.body)
        elif isinstance(node, ast.Try | ast.TryStar):
            stack.extend(node.body)
            for handler in node.handlers:
                if handler.name:
                    assigned.add(handler.name)
                stack.extend(handler.body)
            stack.extend(node.orelse)
            stack.extend(node.finalbody)
        elif isinstance(node, ast.Match):
            for case in node.cases:
                for part in ast.walk(case.pattern):
                    if isinstance(part, ast.MatchAs | ast.MatchStar) and part.name:
                        assigned.add(part.name)
                    elif isinstance(part, ast.MatchMapping) and part.rest:
                        assigned.add(part.rest)
                stack.extend(case.body)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                _target_names(target, assigned)
    return imported, assigned, declared


def _target_names(target: ast.expr, names: set[str]) -> None:
    """The names an assignment target binds: ``a``, ``a, *b``, ``[a, (b, c)]``; an
    attribute or a subscript binds none."""
    if isinstance(target, ast.Name):
        names.add(target.id)
    elif isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            _target_names(element, names)
    elif isinstance(target, ast.Starred):
        _target_names(target.value, names)


def _expression_bindings(body: Sequence[ast.stmt], names: set[str]) -> None:
    """Names that assignment expressions (``:=``) in `body` bind in the function, down
    to its comprehensions (whose ``:=`` binds in the enclosing function), not into its
    nested defs, classes and lambdas."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            stack.extend(node.decorator_list)  # evaluated in the enclosing function
            continue
        if isinstance(node, ast.Lambda):
            continue
        stack.extend(children(node))
