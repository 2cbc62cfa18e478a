"""Whether a shimmed module still runs on the oldest Python the project supports: the
generated block must parse for that version and make it evaluate no annotation it cannot."""

from __future__ import annotations

import ast
import sys

_NEEDS = {
    "shim_block.py.j2": ((3, 7), "module __getattr__, PEP 562"),
    "shim_class_block.py.j2": ((3, 6), "f-strings"),
}
"""The oldest Python each generated block can run on, and why."""
_GENERIC_BUILTINS = frozenset({"dict", "frozenset", "list", "set", "tuple", "type"})


def check_runs_on(
    python: tuple[int, int], module: ast.Module, block: str, first_line: int, template: str
) -> str | None:
    """Why `python` could not import `module` because of its generated `block` (rendered
    from `template`, starting at `first_line`), or None.

    The block must parse for that version (``ast.parse(feature_version=...)``) and, unless
    the module starts with ``from __future__ import annotations``, must not make Python
    evaluate an annotation that version cannot (PEP 585 ``list[str]`` before 3.9, PEP 604
    ``A | B`` before 3.10): module- and class-level variable annotations are evaluated at
    import time, a function's at its ``def``. The module's own code is not judged: the
    shim only takes bindings out of it.
    """
    needs, feature = _NEEDS[template]
    if python < needs:
        return f"the generated block needs Python {dotted(needs)} ({feature})"
    try:
        generated = ast.parse(block, feature_version=min(python, sys.version_info[:2]))
    except SyntaxError as error:
        return f"line {first_line + (error.lineno or 1) - 1} of the generated block: {error.msg}"
    if _future_annotations(module):
        return None
    for annotation in _evaluated_annotations(generated):
        needed = _annotation_needs(annotation)
        if needed is not None and python < needed[0]:
            line = first_line + annotation.lineno - 1
            shown = ast.unparse(annotation)
            return (
                f"line {line}: the annotation `{shown}` is evaluated at import time and "
                f"needs Python {dotted(needed[0])} ({needed[1]})"
            )
    return None


def dotted(version: tuple[int, int]) -> str:
    return ".".join(map(str, version))


def _future_annotations(module: ast.Module) -> bool:
    """Whether the module's future statements (after its docstring) include annotations."""
    docstring = ast.get_docstring(module, clean=False) is not None
    for statement in module.body[1:] if docstring else module.body:
        if not (isinstance(statement, ast.ImportFrom) and statement.module == "__future__"):
            return False
        if any(alias.name == "annotations" for alias in statement.names):
            return True
    return False


def _evaluated_annotations(tree: ast.AST) -> list[ast.expr]:
    """The annotations Python evaluates when the code runs (no future import): every
    function's parameters and return, variable annotations outside function bodies."""
    found: list[ast.expr] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = node.args
            every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
            every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
            found.extend(a.annotation for a in every if a.annotation is not None)
            found.extend([node.returns] if node.returns is not None else [])
            in_function = True
        elif isinstance(node, ast.ClassDef):
            in_function = False  # a class body runs, annotations and all
        elif isinstance(node, ast.AnnAssign) and not in_function:
            found.append(node.annotation)
        for child in ast.iter_child_nodes(node):
            visit(child, in_function)

    visit(tree, False)
    return found


def _annotation_needs(annotation: ast.expr) -> tuple[tuple[int, int], str] | None:
    """The newest Python feature evaluating `annotation` needs (a string needs none)."""
    needs: list[tuple[tuple[int, int], str]] = []
    for node in ast.walk(annotation):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            needs.append(((3, 10), "PEP 604, X | Y"))
        elif isinstance(node, ast.Subscript):
            subscripted = ast.unparse(node.value)
            if subscripted in _GENERIC_BUILTINS or subscripted.startswith("collections."):
                needs.append(((3, 9), f"PEP 585, {subscripted}[...]"))
    return max(needs, default=None)
