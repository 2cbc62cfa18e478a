"""Import fallbacks whose two branches import the same thing.

``try: from X import S`` / ``except ImportError: from Y import S``: once a rewrite has moved
both branches to the canonical path, the handler imports exactly what the ``try`` body
does, so it can never help. The run says so (the file is named in its summary); it does not
delete the fallback, which may still be wanted for other reasons (a comment, a linter rule,
a later edit). Pure: a parsed module in, the fallbacks out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ssot_migrate.base.dotted import resolve_relative

_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})

Imported = frozenset[tuple[str, str, str]]
"""(module, name, local name) triples; a plain ``import a.b`` is ("a.b", "", local)."""


@dataclass(frozen=True, slots=True)
class IdenticalFallback:
    """A ``try`` whose body and one of its ImportError handlers import the same names
    from the same modules."""

    line: int
    """The line of the ``try``."""
    imported: Imported


def identical_fallbacks(tree: ast.Module, package: str | None) -> list[IdenticalFallback]:
    """Every ``try`` of `tree` (at any depth) with an ``except ImportError`` (or
    ``ModuleNotFoundError``) handler that imports what its body imports. `package`: what
    the module's relative imports are resolved against."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try | ast.TryStar):
            continue
        body = _imports_of(node.body, package)
        if not body:
            continue
        for handler in node.handlers:
            if _catches_import_error(handler) and _imports_of(handler.body, package) == body:
                found.append(IdenticalFallback(node.lineno, body))
                break
    return found


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    caught = handler.type
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    return any(isinstance(n, ast.Name) and n.id in _IMPORT_ERRORS for n in names)


def _imports_of(statements: Sequence[ast.stmt], package: str | None) -> Imported:
    """What the import statements of `statements` (their own, not nested ones) bind."""
    return frozenset(_imported(statements, package))


def _imported(
    statements: Sequence[ast.stmt], package: str | None
) -> Iterator[tuple[str, str, str]]:
    for statement in statements:
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                yield alias.name, "", alias.asname or alias.name.split(".")[0]
        elif isinstance(statement, ast.ImportFrom):
            module = resolve_relative(package, statement.level, statement.module or "")
            spelled = module or "." * statement.level + (statement.module or "")
            for alias in statement.names:
                yield spelled, alias.name, alias.asname or alias.name


def describe(fallback: IdenticalFallback) -> str:
    """What both branches import, for the note: ``S from X``, ``S as E from X``, ``import a.b``."""
    return ", ".join(_spelled(*imported) for imported in sorted(fallback.imported))


def _spelled(module: str, name: str, local: str) -> str:
    if not name:
        aliased = local != module.split(".")[0]
        return f"import {module}" + (f" as {local}" if aliased else "")
    return f"{name}{f' as {local}' if local != name else ''} from {module}"
