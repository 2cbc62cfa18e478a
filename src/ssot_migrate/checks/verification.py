"""`verify`, static half: every legacy path still reaches the canonical object, and the
module-level import graph has no cycle through the migrated modules that was not there
before the phase ran. Pure: an index in, findings out."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ssot_migrate.analysis.audit import SymbolAudit
from ssot_migrate.analysis.resolve import Resolver
from ssot_migrate.index.facts import Index, ModuleFacts, SourceFile, absolute_module


@dataclass(frozen=True, slots=True)
class PathFinding:
    symbol: str
    legacy: str
    ok: bool
    detail: str


def check_legacy_paths(
    resolver: Resolver,
    audits: Sequence[SymbolAudit],
    known: Mapping[str, Iterable[str]] | None = None,
) -> list[PathFinding]:
    """Each legacy path (found or declared) must still resolve to the canonical object.

    `known`: more paths by symbol name, such as those an audit found before a change (an
    audit after it cannot list a path the change broke: that path no longer reaches the
    symbol).
    """
    findings = []
    for audit in audits:
        paths = set(audit.all_legacy_paths)
        paths |= set((known or {}).get(audit.spec.name, ()))
        paths.discard(audit.spec.canonical)
        for path in sorted(paths):
            reached = resolver.resolve_path(path)
            ok = reached.same_object(audit.target)
            detail = (
                "same object" if ok else f"reaches {reached.kind} {reached.path} {reached.reason}"
            )
            if ok and reached.by_declaration:
                detail = "same object by declaration (served by __getattr__: --runtime checks it)"
            findings.append(PathFinding(audit.spec.name, path, ok, detail.strip()))
    return findings


def import_graph(index: Index) -> dict[str, set[str]]:
    """Module -> modules its module-level (import-time) imports load."""
    graph: dict[str, set[str]] = {}
    for source in index.files:
        facts = index.facts.get(source.rel)
        if facts is None or source.module is None:
            continue
        graph.setdefault(source.module, set()).update(import_edges(source, facts, index.is_module))
    return graph


def import_edges(
    source: SourceFile, facts: ModuleFacts, is_module: Callable[[str], bool]
) -> set[str]:
    """The modules `source`'s module-level (import-time) imports load."""
    edges = set()
    for fact in facts.imports:
        if fact.scope != "module" or fact.guard == "type-checking":
            continue  # deferred or never executed: no import-time edge
        target = absolute_module(source, fact.module, fact.level)
        if target is None:
            continue
        if fact.kind == "from" and fact.name and is_module(f"{target}.{fact.name}"):
            target = f"{target}.{fact.name}"
        if is_module(target) and target != source.module:
            edges.add(target)
    return edges


def cycles_through(graph: Mapping[str, set[str]], modules: Iterable[str]) -> set[frozenset[str]]:
    """Strongly connected components (of two modules or more) holding one of `modules`."""
    wanted = set(modules)
    return {c for c in _components(graph) if len(c) > 1 and c & wanted}


def _components(graph: Mapping[str, set[str]]) -> list[frozenset[str]]:
    """Tarjan's algorithm, iteratively (deep import chains must not hit the stack limit)."""
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index_of:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(graph.get(root, ())))]
        index_of[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, pending = work[-1]
            if pending:
                child = pending.pop()
                if child not in index_of:
                    index_of[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, sorted(graph.get(child, ()))))
                elif child in on_stack:
                    low[node] = min(low[node], index_of[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index_of[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                found.append(frozenset(component))
    return found
