"""The keys an import sorter orders by, as ruff's ``I001`` and isort do by default: a
statement's section (future, standard library, third party, first party, local), plain
``import`` before ``from``, the module name in natural order (case-insensitive first), and
a ``from`` import's names by type (constants, classes, the rest)."""

from __future__ import annotations

import ast
import fnmatch
import re
import sys
from collections.abc import Callable, Iterable

from ssot_migrate.rewrite.sorter_settings import SorterSettings

FUTURE, STDLIB, THIRD_PARTY, FIRST_PARTY, LOCAL = range(5)

_DIGITS = re.compile(r"(\d+)")

IsProject = Callable[[str], bool]
"""Whether a top-level name is a package or module of the project (first party)."""
Key = tuple[object, ...]


def _natural(text: str) -> tuple[str | int, ...]:
    """``a10`` after ``a9``: digit runs compare as numbers."""
    parts = _DIGITS.split(text)
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


def _name_key(name: str, settings: SorterSettings) -> Key:
    folded = () if settings.case_sensitive else _natural(name.lower())
    return (folded, _natural(name))


def member_key(name: str, local: str, settings: SorterSettings) -> Key:
    """Where the sorter puts ``name [as local]`` among a ``from`` import's names:
    constants, then classes, then the rest (ruff's and isort's ``order-by-type``), each by
    name, then local name."""
    if name == "*":
        return (-1,)
    if len(name) > 1 and name.isupper():
        kind = 0
    elif name[:1].isupper():
        kind = 1
    else:
        kind = 2
    return (kind, *_name_key(name, settings), _natural("" if local == name else local))


def _matches(module: str, patterns: Iterable[str]) -> bool:
    return any(
        module == p or module.startswith(p + ".") or fnmatch.fnmatchcase(module, p)
        for p in patterns
    )


def section_of(module: str, level: int, settings: SorterSettings, is_project: IsProject) -> int:
    """The sorter's section of an import of `module` (`level` dots before it)."""
    if level:
        return LOCAL
    if module == "__future__":
        return FUTURE
    if _matches(module, settings.known_local_folder):
        return LOCAL
    if _matches(module, settings.known_first_party):
        return FIRST_PARTY
    if _matches(module, settings.known_third_party):
        return THIRD_PARTY
    top = module.split(".")[0]
    if top in sys.stdlib_module_names:
        return STDLIB
    return FIRST_PARTY if is_project(top) else THIRD_PARTY


def statement_key(
    node: ast.Import | ast.ImportFrom, settings: SorterSettings, is_project: IsProject
) -> Key:
    """Where the sorter puts `node` in its block: statements with smaller keys go first."""
    if isinstance(node, ast.Import):
        alias = node.names[0]
        section = section_of(alias.name, 0, settings, is_project)
        return (section, 0, 0, *_name_key(alias.name, settings), _natural(alias.asname or ""))
    module = node.module or ""
    section = section_of(module, node.level, settings, is_project)
    alias = node.names[0]
    first = member_key(alias.name, alias.asname or alias.name, settings)
    # Relative imports: the furthest (most dots) first.
    return (section, 1, -node.level, *_name_key(module, settings), first)
