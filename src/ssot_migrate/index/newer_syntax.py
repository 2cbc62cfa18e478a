"""Rewrite syntax newer than the running interpreter into same-shaped older syntax.

Used only for indexing: LibCST reads grammar up to the newest Python; the constructs the
stdlib parser of an older interpreter rejects (PEP 701 f-strings, PEP 695 type parameters
and `type` statements, template strings) are replaced by placeholders that keep every line
where it was, so line numbers of imports stay exact.
"""

from __future__ import annotations

import libcst as cst


class _Downgrade(cst.CSTTransformer):
    def __init__(self, module: cst.Module) -> None:
        super().__init__()
        self.module = module

    def leave_FormattedString(
        self, original_node: cst.FormattedString, updated_node: cst.FormattedString
    ) -> cst.BaseExpression:
        return self._placeholder(original_node)

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        return updated_node.with_changes(type_parameters=None)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        return updated_node.with_changes(type_parameters=None)

    def leave_TypeAlias(
        self, original_node: cst.TypeAlias, updated_node: cst.TypeAlias
    ) -> cst.Assign:
        # `type X = Y` makes a TypeAliasType, not another name for Y: index it as an object
        # defined here (a lambda keeps Y's expression, and the references in it, in place).
        value = cst.Lambda(params=cst.Parameters(), body=updated_node.value)
        return cst.Assign(targets=[cst.AssignTarget(updated_node.name)], value=value)

    def leave_TemplatedString(
        self, original_node: cst.TemplatedString, updated_node: cst.TemplatedString
    ) -> cst.BaseExpression:
        return self._placeholder(original_node)

    def _placeholder(self, node: cst.CSTNode) -> cst.SimpleString:
        code = self.module.code_for_node(node)
        body = "".join("\n" if char == "\n" else "x" for char in code)
        if "\n" in code:
            return cst.SimpleString('"""' + body[3:-3] + '"""')
        return cst.SimpleString('"' + body[2:] + '"') if len(body) >= 2 else cst.SimpleString('""')


def downgrade_source(source: bytes) -> bytes | None:
    """The same module in older syntax, or None when LibCST cannot read it either."""
    try:
        module = cst.parse_module(source)
        downgraded = module.visit(_Downgrade(module))
    except Exception:  # any failure here means only "LibCST cannot read it either"
        return None
    return downgraded.bytes
