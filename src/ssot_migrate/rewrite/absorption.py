"""Absorbing a legacy import into a canonical import of its block: which names a ``from``
import the run leaves already binds or may take over, and whether the statements between
the two let it (none spells the names, none runs code that could read them first)."""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import libcst as cst

from ssot_migrate.analysis.resolve import Resolver
from ssot_migrate.codemods.import_edits import Destination, alias_name, local_name
from ssot_migrate.index.facts import Span, absolute_module
from ssot_migrate.rewrite.layout import Layout
from ssot_migrate.rewrite.plan import FilePlan
from ssot_migrate.rewrite.sorted_blocks import SortedBlocks
from ssot_migrate.rewrite.statements import Statement


@dataclass(frozen=True, slots=True)
class _Host:
    """A ``from <module> import ...`` statement the run leaves, and the (name, local name)
    pairs it binds."""

    stmt: Span
    binds: frozenset[tuple[str, str]]


class Hosts:
    """The file's ``from`` imports the run leaves, by (block, absolute module): canonical
    imports that may take over the names of a legacy import of the same block; and the
    legacy imports rewritten where they stand, which a later one need not repeat."""

    def __init__(
        self,
        plan: FilePlan,
        resolver: Resolver,
        layout: Layout,
        order: SortedBlocks | None = None,
    ) -> None:
        self._order = order
        moved = {f.stmt for f in plan.from_moves}
        pairs: dict[Span, set[tuple[str, str]]] = defaultdict(set)
        keys: dict[Span, tuple[tuple[int, int], str]] = {}
        for fact in plan.facts.imports:
            if fact.kind != "from" or fact.stmt in moved or fact.name is None:
                continue
            module = absolute_module(plan.source, fact.module, fact.level)
            if module is not None:
                keys[fact.stmt] = (fact.block, module)
                pairs[fact.stmt].add((fact.name, str(fact.local_name)))
        self._hosts: dict[tuple[tuple[int, int], str], list[_Host]] = defaultdict(list)
        for stmt, key in keys.items():  # source order: facts come in it
            self._hosts[key].append(_Host(stmt, frozenset(pairs[stmt])))
        self._rewritten: dict[tuple[tuple[int, int], str], list[_Host]] = defaultdict(list)
        self._layout = layout
        self._project = lambda module: resolver.index.is_module(module.split(".")[0])

    def bound_at(
        self, block: tuple[int, int], stmt: Span, binds: Mapping[str, set[tuple[str, str]]]
    ) -> None:
        """A legacy statement, rewritten where it stands, binds these (name, local name)
        pairs of each canonical module: a later legacy import of its block that would bind
        one again may go, as a duplicate of a canonical import would (names are never
        appended to it: its text is rewritten)."""
        for module, pairs in binds.items():
            self._rewritten[(block, module)].append(_Host(stmt, frozenset(pairs)))

    def absorption(
        self, statement: Statement, span: Span, moved: Mapping[str, Destination]
    ) -> tuple[frozenset[int], dict[str, Span]]:
        """Which names of a legacy statement canonical imports of its block take over:
        (indexes of the names one already binds, or an earlier legacy import rewritten where
        it stands, which go; destination module -> the import the names going there are
        appended to). A statement that cannot leave its line keeps all its names (it is
        rewritten where it stands)."""
        node = statement.line.body[0]
        assert isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar)
        going = {
            index: moved[alias_name(alias)]
            for index, alias in enumerate(node.names)
            if alias_name(alias) in moved
        }
        drop: set[int] = set()
        if not statement.inner_comment:  # dropping a name would drop its comment
            for index, destination in going.items():
                local = local_name(node.names[index])
                key = (statement.block, destination.module)
                hosts = [*self._hosts.get(key, []), *self._rewritten.get(key, [])]
                fitting = [h for h in hosts if (destination.name, local) in h.binds]
                if self._host(fitting, statement.block, span, frozenset({local})) is not None:
                    drop.add(index)
        targets: dict[str, Span] = {}
        if not statement.commented:
            for module in dict.fromkeys(d.module for i, d in going.items() if i not in drop):
                names = frozenset(
                    local_name(node.names[i])
                    for i, d in going.items()
                    if i not in drop and d.module == module
                )
                hosts = self._hosts.get((statement.block, module), [])
                host = self._host(hosts, statement.block, span, names)
                if host is not None:
                    targets[module] = host
        stays = len(node.names) > len(going)
        gone = all(i in drop or d.module in targets for i, d in going.items())
        if gone and not stays and statement.removal is None:
            return frozenset(), {}
        return frozenset(drop), targets

    def _host(
        self, hosts: Sequence[_Host], block: tuple[int, int], legacy: Span, names: frozenset[str]
    ) -> Span | None:
        """The import of `hosts` that may bind `names` in the legacy statement's place.

        An earlier one (the first) when no statement in between spells a name: the names
        are then bound sooner, and nothing in between reads or rebinds them. Else a later
        one (the nearest) when, besides, nothing in between runs code (a call, a decorator,
        a base class, a project module's import...) that could read them before they are
        bound again, or when both stand in a block the project's sorter keeps sorted (it
        puts a new statement of that module beside the later one and combines the two): if
        in doubt, none.
        """
        for host in hosts:
            if host.stmt[:2] < legacy[:2]:
                between = self._layout.between(block, host.stmt, legacy)
                if between is not None and not _spells(between, names):
                    return host.stmt
        for host in hosts:
            if host.stmt[:2] > legacy[:2]:
                between = self._layout.between(block, legacy, host.stmt)
                sorted_together = self._order is not None and self._order.together(
                    legacy[0], host.stmt[0]
                )
                if (
                    between is not None
                    and not _spells(between, names)
                    and (sorted_together or not _runs_code(between, self._project))
                ):
                    return host.stmt
        return None


def _running(nodes: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """Every node of `nodes` that runs where they stand: all but function bodies (a body
    runs when the function is called, and a call is code that runs: see `_runs_code`)."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            stack += [*node.decorator_list, node.args, *([node.returns] if node.returns else [])]
        else:
            stack.extend(ast.iter_child_nodes(node))


_NAMED = (
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.ExceptHandler, ast.MatchAs,
    ast.MatchStar,
)  # fmt: skip


def _spells(statements: Sequence[ast.stmt], names: frozenset[str]) -> bool:
    """Whether code of `statements` that runs where they stand names one of `names`: reads,
    binds or deletes it, as a name or an attribute (``module.S = ...``), or may bind it
    (``from m import *``)."""
    for node in _running(statements):
        spelled: Iterable[str | None] = ()
        if isinstance(node, ast.Name):
            spelled = (node.id,)
        elif isinstance(node, ast.Attribute):
            spelled = (node.attr,)
        elif isinstance(node, ast.alias):
            spelled = ("*",) if node.name == "*" else (node.asname or node.name.split(".")[0],)
        elif isinstance(node, _NAMED):
            spelled = (node.name,)
        elif isinstance(node, ast.MatchMapping):
            spelled = (node.rest,)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            spelled = node.names
        if any(name == "*" or name in names for name in spelled):
            return True
    return False


_INERT = (
    ast.Import, ast.ImportFrom, ast.alias, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr,
    ast.Pass, ast.If, ast.Try, ast.ExceptHandler, ast.FunctionDef, ast.AsyncFunctionDef,
    ast.ClassDef, ast.arguments, ast.arg, ast.Constant, ast.Name, ast.Attribute, ast.Subscript,
    ast.Slice, ast.Starred, ast.Tuple, ast.List, ast.Set, ast.Dict, ast.BinOp, ast.UnaryOp,
    ast.BoolOp, ast.Compare, ast.IfExp, ast.expr_context, ast.operator, ast.unaryop,
    ast.boolop, ast.cmpop,
)  # fmt: skip
"""What may stand between a legacy import and a later canonical one: imports, bindings of
literals and names, definitions, if/try blocks; no call, loop, with block, await, lambda."""


def _runs_code(statements: Sequence[ast.stmt], project: Callable[[str], bool]) -> bool:
    """Whether `statements` may run code that could read a name of the module: a call, a
    decorator, a class with bases or keywords (a metaclass, ``__init_subclass__``), an import
    of a module of the project (its code may import this one), or any form not `_INERT`."""
    for node in _running(statements):
        if not isinstance(node, _INERT):
            return True
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and (
            node.decorator_list
        ):
            return True
        if isinstance(node, ast.ClassDef) and (node.bases or node.keywords):
            return True
        if isinstance(node, ast.Import) and any(project(a.name) for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.level or project(node.module or "")):
            return True
    return False
