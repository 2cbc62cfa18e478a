"""The moved names' bindings in a legacy module: whether its own code reads them
(`own_uses`, then they stay bound) and taking them out of its namespace (`RemoveBindings`),
a dropped import still loading its module where it did."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from ssot_migrate.base.dotted import is_type_checking_flag
from ssot_migrate.codemods.import_edits import local_name, without_names


def has_dunder_all(module: cst.Module) -> bool:
    return "__all__" in _bound_names(module)


def _bound_names(module: cst.Module) -> set[str]:
    names: set[str] = set()
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef | cst.ClassDef):
            names.add(statement.name.value)
        elif isinstance(statement, cst.SimpleStatementLine):
            for node in statement.body:
                aliases = _aliases(node)
                if aliases:
                    names.update(local_name(a) for a in aliases)
                if isinstance(node, cst.Assign | cst.AnnAssign | cst.AugAssign):
                    targets = node.targets if isinstance(node, cst.Assign) else [node]
                    for target in targets:
                        if isinstance(target.target, cst.Name):
                            names.add(target.target.value)
    return names


def _aliases(node: cst.BaseSmallStatement) -> Sequence[cst.ImportAlias]:
    if isinstance(node, cst.Import):
        return node.names
    if isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
        return node.names
    return ()


class _Uses(cst.CSTVisitor):
    """Names the module's own code reads (not its imports, not `__all__` strings)."""

    def __init__(self) -> None:
        self.loaded: set[str] = set()

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_AssignTarget(self, node: cst.AssignTarget) -> bool:
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.loaded.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False  # `x.S` is an attribute, not the module's S


def own_uses(module: cst.Module, moved: set[str]) -> set[str]:
    """The moved names the module's own code reads (its imports and aliases aside)."""
    uses = _Uses()
    for statement in module.body:
        if not _is_alias_of_moved(statement, moved):
            statement.visit(uses)
    return moved & uses.loaded


def _is_alias_of_moved(statement: cst.CSTNode, moved: set[str]) -> bool:
    """``Alias = S`` where Alias is moved too: a re-binding, not a use."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    node = statement.body[0]
    return (
        isinstance(node, cst.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0].target, cst.Name)
        and node.targets[0].target.value in moved
    )


def _load_of(node: cst.ImportFrom) -> cst.SimpleStatementLine | None:
    """What a removed ``from M import S`` still has to do: load M, as the statement did.

    Loading M (and each package on its way) runs their code once and sets each submodule
    as an attribute of its parent package: in ``pkg/core/__init__.py``, ``from .engine
    import S`` is what makes ``pkg.core.engine`` reachable. ``__import__`` is the call the
    statement compiles to, minus the names it binds: it binds nothing, spells the module
    as the import did (relative stays relative) and runs on every Python 3. None for ``from
    . import S`` (``from .. import S``): the module's own packages, loaded before it runs.
    """
    dots = len(node.relative)
    module = cst.helpers.get_full_name_for_node(node.module) if node.module else ""
    if module is None or (dots and not module):
        return None
    assert not isinstance(node.names, cst.ImportStar)
    names = ", ".join(local_name(alias) for alias in node.names)
    served = "is" if len(node.names) == 1 else "are"
    call = f'__import__("{module}", globals(), level={dots})' if dots else f'__import__("{module}")'
    statement = cst.parse_statement(f"{call}\n")
    assert isinstance(statement, cst.SimpleStatementLine)
    comment = f"# ssot-migrate: {names} {served} served by the shim below; {'.' * dots}{module}"
    line = cst.EmptyLine(comment=cst.Comment(f"{comment} still loads here"))
    return statement.with_changes(leading_lines=[line])


def is_type_checking(test: cst.BaseExpression) -> bool:
    """A name or attribute test that `is_type_checking_flag` accepts (the index's rule)."""
    if isinstance(test, cst.Name):
        return is_type_checking_flag(test.value)
    return isinstance(test, cst.Attribute) and is_type_checking_flag(test.attr.value)


class RemoveBindings(cst.CSTTransformer):
    """Drop module-level bindings of moved names; rename an existing ``__getattr__``.

    A dropped import keeps its side effects: the module it loaded still loads at the same
    point (`_load_of`), unless it sat where nothing runs (``if TYPE_CHECKING:``).
    """

    def __init__(self, moved: set[str]) -> None:
        super().__init__()
        self.moved = moved
        self.had_getattr = False
        self.depth = 0
        # Marked nodes are kept alive here: an id alone could be reused by a node made
        # after the marked one was dropped, and mark the wrong statement.
        self.doomed: dict[int, cst.CSTNode] = {}
        self.emptied: dict[int, cst.CSTNode] = {}
        """Blocks that lost every statement and hold no comment (now a bare ``pass``)."""
        self.unexecuted: dict[int, cst.CSTNode] = {}
        """Blocks that never run: ``if TYPE_CHECKING:`` (the ``else:`` of ``if not ...``)."""
        self.unexecuted_depth = 0

    def visit_If(self, node: cst.If) -> bool:
        if is_type_checking(node.test):
            self.unexecuted[id(node.body)] = node.body
        elif (
            isinstance(node.test, cst.UnaryOperation)
            and isinstance(node.test.operator, cst.Not)
            and is_type_checking(node.test.expression)
            and isinstance(node.orelse, cst.Else)
        ):
            self.unexecuted[id(node.orelse.body)] = node.orelse.body
        return True

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> bool:
        if self.unexecuted.get(id(node)) is node:
            self.unexecuted_depth += 1
        return True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.depth += 1
        return False

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        # An existing module __getattr__ stays where it is, untouched: code between it and
        # the generated block still needs it; the block captures it and delegates to it.
        self.depth -= 1
        if self.depth == 0 and updated_node.name.value == "__getattr__":
            self.had_getattr = True
        return updated_node

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        if len(updated_node.body) != 1:
            return updated_node
        node = updated_node.body[0]
        if isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
            drop = {i for i, a in enumerate(node.names) if local_name(a) in self.moved}
            if not drop:
                return updated_node
            if len(drop) == len(node.names):
                load = None if self.unexecuted_depth else _load_of(node)
                if load is None:
                    return self._doom(updated_node)
                leading = [*updated_node.leading_lines, *load.leading_lines]
                return load.with_changes(leading_lines=leading)
            # The names that stay keep the statement, and it still loads its module.
            return updated_node.with_changes(body=[without_names(node, drop)])
        if _is_alias_of_moved(updated_node, self.moved):
            return self._doom(updated_node)
        return updated_node

    def _doom(self, node: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
        """Mark for removal by the enclosing block, which keeps its leading lines."""
        self.doomed[id(node)] = node
        return node

    def _prune(
        self, body: Sequence[cst.BaseStatement], footer: Sequence[cst.EmptyLine]
    ) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine]]:
        """The body without doomed statements; their blank and comment lines stay, on the
        statement that followed them (or in the footer). An ``if`` left with nothing but
        ``pass`` goes too (`_removable`); its blank lines only where no others separate."""
        kept: list[cst.BaseStatement] = []
        carried: list[cst.EmptyLine] = []
        spacing: list[cst.EmptyLine] = []  # a removed `if`'s blank lines
        for statement in body:
            own: Sequence[cst.EmptyLine] = getattr(statement, "leading_lines", ())
            if self.doomed.get(id(statement)) is statement:
                carried += own
                continue
            if self._removable(statement):
                spacing = spacing or list(own)
                continue
            if spacing and not (own and own[0].comment is None):
                carried = [*spacing, *carried]
            spacing = []
            if carried:
                statement = statement.with_changes(leading_lines=[*carried, *own])
                carried = []
            kept.append(statement)
        return kept, [*carried, *footer]

    def _removable(self, statement: cst.BaseStatement) -> bool:
        """``if NAME:`` (``TYPE_CHECKING``, ``typing.TYPE_CHECKING``) whose block lost every
        import, with no ``else``/``elif`` and no comment that would go with it. Any other
        test might have side effects, and an ``else`` needs its ``if``: those keep ``pass``."""
        return (
            isinstance(statement, cst.If)
            and isinstance(statement.body, cst.IndentedBlock)
            and self.emptied.get(id(statement.body)) is statement.body
            and statement.orelse is None
            and isinstance(statement.test, cst.Name | cst.Attribute)
            and all(line.comment is None for line in statement.leading_lines)
            and statement.body.header.comment is None
        )

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body, footer = self._prune(updated_node.body, updated_node.footer)
        # A module left with nothing is empty, not one line break: the block then starts it,
        # as it does when the shim runs again on its own output.
        empty = not (body or footer or updated_node.header)
        return updated_node.with_changes(
            body=body,
            footer=footer,
            has_trailing_newline=updated_node.has_trailing_newline and not empty,
        )

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        if self.unexecuted.get(id(original_node)) is original_node:
            self.unexecuted_depth -= 1
        body, footer = self._prune(updated_node.body, updated_node.footer)
        if body:
            return updated_node.with_changes(body=body, footer=footer)
        # An if/try at module level lost its only import: `pass` keeps it valid (after the
        # comments that led to the import), and an `if` with nothing else to keep is removed
        # by the enclosing block.
        own_footer = list(updated_node.footer)
        leading = footer[: len(footer) - len(own_footer)]
        placeholder = cst.SimpleStatementLine([cst.Pass()], leading_lines=leading)
        block = updated_node.with_changes(body=[placeholder], footer=own_footer)
        if all(line.comment is None for line in footer):
            self.emptied[id(block)] = block
        return block
