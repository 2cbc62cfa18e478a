"""`rename = true`: in a file whose import of a symbol was rewritten, the local name that
import binds (``from core import Context as ContextType``) becomes the canonical name, and
every use of that binding follows: in its scope and the nested scopes that see it, in
annotations and string annotations, in f-strings, and in docstrings that spell the name in
backquotes. LibCST's scope analysis says which names are uses of that very binding (a
parameter, a nested function's own binding or a class attribute of the same name are not).

A file is renamed only when it is safe (`RenameRefused` says why not, and the file keeps
the alias): the canonical name is free (nothing else in the file binds or reads it, but an
import of the same object under that name, which the two then share); the old name is not
bound again in that scope; nothing reads names dynamically (``globals()``, ``locals()``,
``vars()``, the old name in a string); and a module-level old name no other module may
import from this one (`used_elsewhere`) nor ``__all__`` lists. Pure: text in, text out."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import (
    Assignment,
    MetadataWrapper,
    Scope,
    ScopeProvider,
)


class RenameRefused(Exception):
    """The alias stays: renaming it is not proven safe (the message says why)."""


@dataclass(frozen=True, slots=True)
class Rename:
    """Bind `new` in place of `old`, where a ``from <module> import <new> as <old>`` of the
    file binds it."""

    old: str
    new: str
    module: str


@dataclass(frozen=True, slots=True)
class Renamed:
    text: str
    uses: int
    """The uses renamed (the import itself aside)."""


_DYNAMIC = ("globals", "locals", "vars")


def rename_locals(
    text: str,
    renames: Sequence[Rename],
    module: str | None,
    used_elsewhere: Callable[[str, str], bool],
) -> Renamed:
    """`text` with each of `renames` done, or RenameRefused (nothing renamed)."""
    # A fresh tree of our own: no copy needed (the copy costs as much as the parse).
    wrapper = MetadataWrapper(cst.parse_module(text), unsafe_skip_copy=True)
    scopes = {s for s in wrapper.resolve(ScopeProvider).values() if s is not None}
    names: dict[cst.CSTNode, str] = {}
    strings: dict[cst.CSTNode, list[tuple[str, str]]] = {}
    aliases: dict[cst.CSTNode, str] = {}
    dropped: set[cst.CSTNode] = set()
    docstrings: dict[str, str] = {}
    uses = 0
    for rename in renames:
        if re.search(rf"""__all__[^\n]*["']{re.escape(rename.old)}["']""", text):
            raise RenameRefused(f"__all__ lists {rename.old}: other modules may import it")
        _refuse_dynamic(text, rename.old)
        for binding, alias in _bindings(scopes, rename):
            scope = binding.scope
            _refuse_taken(scopes, scope, rename)
            global_scope = isinstance(scope, cst.metadata.GlobalScope)
            if global_scope and module is not None and used_elsewhere(module, rename.old):
                raise RenameRefused(f"another module may import {rename.old} from this one")
            if len([a for a in scope.assignments[rename.old] if isinstance(a, Assignment)]) > 1:
                raise RenameRefused(f"{rename.old} is bound more than once in its scope")
            if _shares(scope, rename):
                dropped.add(alias)
            else:
                aliases[alias] = rename.new
            for access in binding.references:
                node = access.node
                if isinstance(node, cst.Name):
                    names[node] = rename.new
                else:
                    strings.setdefault(node, []).append((rename.old, rename.new))
                uses += 1
        docstrings[rename.old] = rename.new
    documented = _strings_read(
        wrapper.module, [r.old for r in renames], _annotation_strings(scopes)
    )
    renamer = _Renamer(names, strings, aliases, dropped, docstrings, documented)
    module_node = wrapper.module.visit(renamer)
    return Renamed(module_node.code, uses)


def _refuse_dynamic(text: str, old: str) -> None:
    for call in _DYNAMIC:
        if re.search(rf"\b{call}\s*\(", text):
            raise RenameRefused(f"the file reads names dynamically ({call}())")


def _annotation_strings(scopes: set[Scope]) -> set[cst.CSTNode]:
    """The string annotations of the file (scope analysis reads names in them)."""
    return {
        access.node
        for scope in scopes
        for access in scope.accesses
        if isinstance(access.node, cst.SimpleString | cst.ConcatenatedString)
    }


def _strings_read(
    module: cst.Module, old: Sequence[str], annotations: set[cst.CSTNode]
) -> set[cst.CSTNode]:
    """The docstrings of the module and of its classes and functions, in one walk that
    also refuses a string whose whole value is an old name, other than a string annotation:
    ``getattr(module, "ContextType")``, a registry key (a dynamic use of the name)."""
    documented: set[cst.CSTNode] = set()
    names = set(old)

    def first(body: Sequence[cst.BaseStatement]) -> None:
        if body and isinstance(body[0], cst.SimpleStatementLine) and body[0].body:
            statement = body[0].body[0]
            if isinstance(statement, cst.Expr) and isinstance(statement.value, cst.SimpleString):
                documented.add(statement.value)

    class _Walk(cst.CSTVisitor):
        def visit_SimpleString(self, node: cst.SimpleString) -> None:
            if node not in annotations and node.evaluated_value in names:
                raise RenameRefused(
                    f"a string spells {node.evaluated_value!r} (a dynamic use of the name)"
                )

        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            if isinstance(node.body, cst.IndentedBlock):
                first(node.body.body)

        def visit_ClassDef(self, node: cst.ClassDef) -> None:
            if isinstance(node.body, cst.IndentedBlock):
                first(node.body.body)

    first(module.body)
    module.visit(_Walk())
    return documented


def _bindings(scopes: set[Scope], rename: Rename) -> list[tuple[Assignment, cst.ImportAlias]]:
    """Each assignment of `rename.old` a rewritten import makes (one per scope that imports
    it: a module's and its functions'), with its alias."""
    found = []
    for scope in scopes:
        for assignment in scope.assignments[rename.old]:
            alias = _alias_of(assignment)
            if alias is not None and alias.asname is not None and _spelled(alias) == rename.new:
                assert isinstance(assignment, Assignment)
                found.append((assignment, alias))
    if not found:
        raise RenameRefused(f"no import binds {rename.old} to {rename.module}.{rename.new}")
    return found


def _alias_of(assignment: object) -> cst.ImportAlias | None:
    """The ``from m import name [as alias]`` alias an import assignment binds, else None."""
    statement = getattr(assignment, "node", None)
    as_name = getattr(assignment, "as_name", None)
    if not isinstance(statement, cst.ImportFrom) or isinstance(statement.names, cst.ImportStar):
        return None
    for alias in statement.names:
        bound = alias.asname.name if alias.asname is not None else alias.name
        if bound is as_name:
            return alias
    return None


def _refuse_taken(scopes: set[Scope], scope: Scope, rename: Rename) -> None:
    """The canonical name must be free everywhere in the file but where an import of the
    same object binds it in the same scope (the two imports then share it)."""
    shared = _shares(scope, rename)
    for other in scopes:
        for assignment in other.assignments[rename.new]:
            if not (other is scope and _imports_same(assignment, rename)):
                raise RenameRefused(f"{rename.new} is already bound in the file")
        if other.accesses[rename.new] and not shared:
            raise RenameRefused(f"{rename.new} is already read in the file")


def _imports_same(assignment: object, rename: Rename) -> bool:
    alias = _alias_of(assignment)
    return alias is not None and alias.asname is None and _spelled(alias) == rename.new


def _spelled(alias: cst.ImportAlias) -> str | None:
    return cst.helpers.get_full_name_for_node(alias.name)


def _shares(scope: Scope, rename: Rename) -> bool:
    """The scope already imports the canonical name itself (the alias import then goes)."""
    return any(_imports_same(a, rename) for a in scope.assignments[rename.new])


class _Renamer(cst.CSTTransformer):
    def __init__(
        self,
        names: Mapping[cst.CSTNode, str],
        strings: Mapping[cst.CSTNode, list[tuple[str, str]]],
        aliases: Mapping[cst.CSTNode, str],
        dropped: set[cst.CSTNode],
        docstrings: Mapping[str, str],
        documented: set[cst.CSTNode],
    ) -> None:
        super().__init__()
        self.names, self.strings, self.aliases = names, strings, aliases
        self.dropped, self.docstrings, self.documented = dropped, docstrings, documented

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        new = self.names.get(original_node)
        return updated_node if new is None else updated_node.with_changes(value=new)

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.SimpleString:
        pairs = self.strings.get(original_node)
        value = updated_node.value
        for old, new in pairs or ():
            value = re.sub(rf"\b{re.escape(old)}\b", new, value)
        if original_node in self.documented:
            for old, new in self.docstrings.items():
                value = value.replace(f"`{old}`", f"`{new}`")
        return updated_node.with_changes(value=value)

    def leave_ImportAlias(
        self, original_node: cst.ImportAlias, updated_node: cst.ImportAlias
    ) -> cst.ImportAlias:
        if original_node in self.aliases:
            return updated_node.with_changes(asname=None)
        return updated_node

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        if isinstance(original_node.names, cst.ImportStar):
            return updated_node
        assert not isinstance(updated_node.names, cst.ImportStar)
        pairs = zip(original_node.names, updated_node.names, strict=True)
        kept = [new for old, new in pairs if old not in self.dropped]
        if len(kept) == len(updated_node.names):
            return updated_node
        if not kept:
            return cst.RemoveFromParent()
        kept[-1] = kept[-1].with_changes(comma=updated_node.names[-1].comma)
        return updated_node.with_changes(names=kept)
