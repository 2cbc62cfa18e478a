"""Taking a shim away (`retire_names`): the moved names leave the generated block (the
block goes when none is left, else it is rendered again for the rest), leave ``__all__``,
and the comment on the load a shim left for them says they are retired. Every other byte
of the module is kept. Pure: bytes in, bytes out.

The load itself stays (``__import__(".engine", ...)``, what the re-export's import did
besides binding the name): importing the module must keep loading what it loaded, or a
name it had (``pkg.engine``) would go with the retired one. A module left with nothing
but a docstring, imports and such loads binds nothing its importers could use
(`only_loads`): the caller deletes it when no code imports the module itself."""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Iterator, Sequence

import libcst as cst

from ssot_migrate.base.source_text import source_encoding
from ssot_migrate.shims.block import (
    BEGIN,
    END,
    ShimOrigin,
    ShimRefused,
    served,
)
from ssot_migrate.shims.legacy_module import shim_module

CLASS_BLOCK = "class _SsotDeprecatedNames("
"""What only the module-class block holds: its names stay bound (the module reads them)."""

_LOAD_COMMENT = re.compile(
    r"# ssot-migrate: (?P<names>\w+(?:, \w+)*) (?:is|are) served by the shim below; "
    r"(?P<module>\.*[\w.]*) still loads here"
)


def block_problem(text: str) -> str | None:
    """Why the module's shim block cannot be read back as generated (its markers edited by
    hand), or None. A module without any marker has no problem (and no block)."""
    begins, ends = _marker_lines(text, BEGIN), _marker_lines(text, END)
    if not begins and not ends and "ssot-migrate shim" not in text:
        return None
    if len(begins) != 1 or len(ends) != 1:
        found = f"{len(begins)} {BEGIN!r} and {len(ends)} {END!r} lines"
        return f"the shim block's markers were edited by hand ({found})"
    if begins[0] > ends[0]:
        return f"the shim block's {END!r} line comes before its {BEGIN!r} line"
    if not served(text):
        return "the shim block serves no name that can be read back (_SSOT_MOVED was edited)"
    return None


def _marker_lines(text: str, marker: str) -> list[int]:
    return [m.start() for m in re.finditer(rf"^{re.escape(marker)}[ \t]*\r?$", text, re.MULTILINE)]


def keeps_names_bound(text: str) -> bool:
    """The block is the module-class kind: the module's own code reads the names, which
    stay bound in its namespace (retiring the block would leave them importable)."""
    start, end = text.find(BEGIN), text.find(END)
    return start != -1 and CLASS_BLOCK in text[start:end]


def retire_names(source: bytes, retired: Collection[str], origin: ShimOrigin) -> bytes:
    """`source` with `retired` (names its block serves) no longer served: out of the block
    (rendered again from `origin` for the names left, or gone), out of ``__all__``, and
    named retired on the loads a shim left for them. Raises ShimRefused when the block's
    markers were edited by hand, or when the result would not parse."""
    encoding = source_encoding(source)
    text = source.decode(encoding)
    problem = block_problem(text)
    if problem is not None:
        raise ShimRefused(problem)
    rest = [m for m in served(text) if m.name not in retired]
    body = _cut_block(text)
    body = _LOAD_COMMENT.sub(lambda m: _load_comment(m, set(retired)), body)
    body = _without_in_all(body, set(retired))
    body = _unbound_after_stars(body, sorted(retired))
    if rest:
        return shim_module(body.encode(encoding), rest, origin)
    try:
        ast.parse(body)
    except SyntaxError as error:
        raise ShimRefused(f"the module would not parse without its shim: {error.msg}") from None
    return body.encode(encoding)


def _cut_block(text: str) -> str:
    """`text` without its block and the blank line the shim put before it; what follows
    the END marker's line (code added after the block) stays as it is."""
    start, end = text.find(BEGIN), text.find(END)
    after = text.find("\n", end)
    tail = "" if after == -1 else text[after + 1 :]
    head = text[:start].rstrip("\r\n")
    newline = "\r\n" if "\r\n" in text else "\n"
    return (head + newline if head.strip() else "") + tail


def _load_comment(match: re.Match[str], retired: set[str]) -> str:
    names = match.group("names").split(", ")
    served_still = [n for n in names if n not in retired]
    module = match.group("module")
    if served_still == names:
        return match.group(0)
    if served_still:
        verb = "is" if len(served_still) == 1 else "are"
        kept = ", ".join(served_still)
        return f"# ssot-migrate: {kept} {verb} served by the shim below; {module} still loads here"
    return f"# ssot-migrate: {', '.join(names)} retired; {module} still loads here"


def _unbound_after_stars(text: str, names: Sequence[str]) -> str:
    """`text` ending with a ``globals().pop`` of each of `names` a module-level star import
    binds and no statement of the module binds explicitly: without it the star import
    would serve the retired name again, with no warning (the shim block popped it there)."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text
    statements = list(_module_level(tree.body))
    if not any(isinstance(s, ast.ImportFrom) and s.names[0].name == "*" for s in statements):
        return text
    bound = set()
    for statement in statements:
        for node in ast.walk(statement) if not isinstance(statement, _SCOPES) else [statement]:
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                bound.add(node.id)
            elif isinstance(node, ast.alias) and node.name != "*":
                bound.add((node.asname or node.name).partition(".")[0])
            elif isinstance(node, _SCOPES):
                bound.add(node.name)
    popped = [n for n in names if n not in bound]
    if not popped:
        return text
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = [f"# ssot-migrate: {', '.join(popped)} retired: the star import above no longer "
             "serves " + ("it" if len(popped) == 1 else "them")]  # fmt: skip
    lines += [f'globals().pop("{name}", None)' for name in popped]
    head = text.rstrip("\r\n")
    return (head + newline * 2 if head.strip() else "") + newline.join(lines) + newline


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _module_level(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """The module's statements, those under its ``if`` and ``try`` blocks included."""
    for statement in body:
        yield statement
        if isinstance(statement, ast.If | ast.Try | ast.TryStar):
            for block in ("body", "orelse", "finalbody"):
                yield from _module_level(getattr(statement, block, []))
            for handler in getattr(statement, "handlers", []):
                yield from _module_level(handler.body)


def only_loads(source: bytes) -> bool:
    """The module holds nothing but a docstring, imports, ``__import__(...)`` loads and
    ``pass``: nothing any importer could use once its moved names are retired."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for index, statement in enumerate(tree.body):
        if isinstance(statement, ast.Import | ast.ImportFrom | ast.Pass):
            continue
        if isinstance(statement, ast.Expr):
            value = statement.value
            if index == 0 and isinstance(value, ast.Constant) and isinstance(value.value, str):
                continue
            if (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id == "__import__"
            ):
                continue
        return False
    return True


def _without_in_all(text: str, names: set[str]) -> str:
    """`text` with `names` taken out of the module-level ``__all__`` literals."""
    if "__all__" not in text:
        return text
    module = cst.parse_module(text)
    updated = module.visit(_DropFromAll(names))
    return updated.code


class _DropFromAll(cst.CSTTransformer):
    """``__all__ = [...]`` / ``(...)``, ``__all__ += [...]``, ``__all__.extend([...])`` and
    ``__all__.append("S")`` at module level, without the strings naming `names` (a
    statement left adding nothing goes)."""

    def __init__(self, names: set[str]) -> None:
        super().__init__()
        self.names = names

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        if len(updated_node.body) != 1:
            return updated_node
        node = updated_node.body[0]
        if isinstance(node, cst.Assign) and _targets_all(node.targets):
            return updated_node.with_changes(body=[node.with_changes(value=self._drop(node.value))])
        if isinstance(node, cst.AnnAssign) and _is_all(node.target) and node.value is not None:
            return updated_node.with_changes(body=[node.with_changes(value=self._drop(node.value))])
        if isinstance(node, cst.AugAssign) and _is_all(node.target):
            value = self._drop(node.value)
            if _empty(value) and not _empty(node.value):
                return cst.RemoveFromParent()
            return updated_node.with_changes(body=[node.with_changes(value=value)])
        if isinstance(node, cst.Expr) and isinstance(node.value, cst.Call):
            call = node.value
            method = call.func
            if (
                isinstance(method, cst.Attribute)
                and _is_all(method.value)
                and method.attr.value in ("append", "extend")
                and len(call.args) == 1
            ):
                argument = call.args[0].value
                if method.attr.value == "append":
                    if _string_value(argument) in self.names:
                        return cst.RemoveFromParent()
                    return updated_node
                value = self._drop(argument)
                if _empty(value) and not _empty(argument):
                    return cst.RemoveFromParent()
                new_call = call.with_changes(args=[call.args[0].with_changes(value=value)])
                return updated_node.with_changes(body=[node.with_changes(value=new_call)])
        return updated_node

    def _drop(self, value: cst.BaseExpression) -> cst.BaseExpression:
        if not isinstance(value, cst.List | cst.Tuple):
            return value
        kept = [e for e in value.elements if _string_value(e.value) not in self.names]
        if len(kept) == len(value.elements):
            return value
        last = value.elements[-1]
        if kept and last not in kept and not isinstance(last.comma, cst.Comma):
            # The old last had no trailing comma: nor has the new last, unless its comma
            # carries a comment or a line break (a multi-line literal keeps its own comma).
            comma = kept[-1].comma
            if isinstance(comma, cst.Comma) and _plain(comma.whitespace_after):
                kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        if (
            isinstance(value, cst.Tuple)
            and len(kept) == 1
            and kept[0].comma is cst.MaybeSentinel.DEFAULT
        ):
            kept[0] = kept[0].with_changes(comma=cst.Comma())
        if kept and last not in kept:
            return _closed_after(value.with_changes(elements=kept))
        return value.with_changes(elements=kept)


def _closed_after(value: cst.List | cst.Tuple) -> cst.List | cst.Tuple:
    """A multi-line literal whose last element went: the line break (and comment) after the
    new last element now leads to the closing bracket, at the bracket's own indentation;
    the removed element's comment, before the bracket, goes with it."""
    last = value.elements[-1]
    comma = last.comma
    if isinstance(value, cst.List):
        closing: cst.RightSquareBracket | cst.RightParen | None = value.rbracket
    else:
        closing = value.rpar[-1] if value.rpar else None
    if closing is None or not isinstance(comma, cst.Comma):
        return value
    after, before = comma.whitespace_after, closing.whitespace_before
    if not isinstance(after, cst.ParenthesizedWhitespace):
        return value
    if not isinstance(before, cst.ParenthesizedWhitespace):
        return value
    moved = closing.with_changes(whitespace_before=after.with_changes(last_line=before.last_line))
    tight = comma.with_changes(whitespace_after=cst.SimpleWhitespace(""))
    elements = [*value.elements[:-1], last.with_changes(comma=tight)]
    if isinstance(value, cst.List):
        assert isinstance(moved, cst.RightSquareBracket)
        return value.with_changes(elements=elements, rbracket=moved)
    assert isinstance(moved, cst.RightParen)
    return value.with_changes(elements=elements, rpar=[*value.rpar[:-1], moved])


def _plain(whitespace: cst.BaseParenthesizableWhitespace) -> bool:
    """Spaces at most: no comment, no line break."""
    return isinstance(whitespace, cst.SimpleWhitespace)


def _targets_all(targets: Sequence[cst.AssignTarget]) -> bool:
    return len(targets) == 1 and _is_all(targets[0].target)


def _is_all(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "__all__"


def _empty(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.List | cst.Tuple) and not value.elements


def _string_value(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        evaluated = node.evaluated_value
        return evaluated if isinstance(evaluated, str) else None
    return None
