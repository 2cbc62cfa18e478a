"""What a statement means to the facts: the guard a block puts on what it holds
(``TYPE_CHECKING``, an ImportError fallback), a dotted value, what sets ``__all__`` and
the names it lists, whether a module only re-exports, and whether an imported name is
spelled outside its imports.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

from ssot_migrate.base.dotted import is_type_checking_flag
from ssot_migrate.index.byte_scan import Lines, whole_words
from ssot_migrate.index.facts import Guard

_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})
_ASSIGNED = re.compile(rb"[ \t]*(?::[^=\r\n]*)?=(?!=)")
"""What follows a name that a statement assigns to: ``= ...`` or ``: T = ...``."""


def is_type_checking(test: ast.expr) -> bool:
    """A name or attribute test that `is_type_checking_flag` accepts."""
    if isinstance(test, ast.Name):
        return is_type_checking_flag(test.id)
    return isinstance(test, ast.Attribute) and is_type_checking_flag(test.attr)


def _handler_names(handler: ast.ExceptHandler) -> set[str]:
    if handler.type is None:
        return {"BaseException"}
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    names: set[str] = set()
    for kind in kinds:
        if isinstance(kind, ast.Name):
            names.add(kind.id)
        elif isinstance(kind, ast.Attribute):
            names.add(kind.attr)
    return names


def catches_import_error(node: ast.Try | ast.TryStar) -> bool:
    broad = _IMPORT_ERRORS | {"Exception", "BaseException"}
    return any(_handler_names(h) & broad for h in node.handlers)


def dotted_text(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attribute accesses on a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def string_list(node: ast.expr | None) -> list[str] | None:
    if not isinstance(node, ast.List | ast.Tuple):
        return None
    names = [e.value for e in node.elts if isinstance(e, ast.Constant)]
    strings = [n for n in names if isinstance(n, str)]
    return strings if len(strings) == len(node.elts) else None


def reexport_only(body: Sequence[ast.stmt]) -> bool:
    """Only imports and re-bindings at module level (see ModuleFacts.reexport_only)."""
    for index, st in enumerate(body):
        if isinstance(st, ast.Import | ast.ImportFrom | ast.Pass | ast.Delete):
            continue
        if isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant) and index == 0:
            continue  # the docstring
        if isinstance(st, ast.Assign | ast.AnnAssign | ast.AugAssign):
            value = st.value
            targets = st.targets if isinstance(st, ast.Assign) else [st.target]
            if all(isinstance(t, ast.Name) for t in targets) and (
                any(is_all(t) for t in targets) or (value is not None and dotted_text(value))
            ):
                continue
            return False
        if isinstance(st, ast.Expr) and isinstance(st.value, ast.Call):
            func = st.value.func
            if isinstance(func, ast.Attribute) and is_all(func.value):
                continue  # __all__.extend([...])
            return False
        if isinstance(st, ast.If):
            if reexport_only(st.body) and reexport_only(st.orelse):
                continue
            return False
        if isinstance(st, ast.Try | ast.TryStar):
            blocks = [st.body, st.orelse, st.finalbody, *(h.body for h in st.handlers)]
            if all(reexport_only(block) for block in blocks):
                continue
            return False
        return False
    return True


def sets_all(st: ast.stmt) -> bool:
    """``__all__ = ...``, ``__all__ += ...`` or ``__all__.extend(...)``/``.append(...)``."""
    if isinstance(st, ast.Assign):
        return any(is_all(t) for t in st.targets)
    if isinstance(st, ast.AnnAssign | ast.AugAssign):
        return is_all(st.target)
    if isinstance(st, ast.Expr) and isinstance(st.value, ast.Call):
        func = st.value.func
        return isinstance(func, ast.Attribute) and is_all(func.value)
    return False


def spelled_outside(source: bytes, word: bytes, lines: Lines, quiet: set[int]) -> bool:
    """Whether `word` stands as a whole word on a line outside `quiet`, not in the line's
    comment (a ``#`` before it with balanced quotes) and not as the target that starts an
    assignment (``S = None`` in an ImportError fallback rebinds, it does not read): a
    rough cut that errs towards seeing a use."""
    for start in whole_words(source, word):
        line, line_start = lines.start_of(start)
        if line in quiet:
            continue
        prefix = source[line_start:start]
        in_comment = b"#" in prefix and not (prefix.count(b'"') % 2 or prefix.count(b"'") % 2)
        stored = not prefix.strip() and _ASSIGNED.match(source, start + len(word)) is not None
        if not in_comment and not stored:
            return True
    return False


def inner(guard: Guard | None) -> Guard:
    return "type-checking" if guard == "type-checking" else (guard or "conditional")


def is_all(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "__all__"


def globals_pop(call: ast.Call) -> str | None:
    """The name ``globals().pop("NAME", ...)`` takes out of the module namespace, or None."""
    method = call.func
    if not (
        isinstance(method, ast.Attribute)
        and method.attr == "pop"
        and isinstance(method.value, ast.Call)
        and isinstance(method.value.func, ast.Name)
        and method.value.func.id == "globals"
        and not method.value.args
        and call.args
    ):
        return None
    first = call.args[0]
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
