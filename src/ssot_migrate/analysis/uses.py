"""What an attribute use ``root.a.b`` reaches: the import that binds its root where the use
stands, and the path it names through the module that import binds. One answer for the
audit, the discovery of candidates and the rewrite's check."""

from __future__ import annotations

from typing import NamedTuple

from ssot_migrate.analysis.resolve import Resolver, Target
from ssot_migrate.index.facts import AttributeUse, ImportFact, ModuleFacts, SourceFile


def local_import_target(
    resolver: Resolver,
    source: SourceFile,
    facts: ModuleFacts,
    root: str,
    binder: tuple[int, int],
) -> tuple[ImportFact, Target] | None:
    """The import of `source` that binds local name `root` as seen from namespace `binder`
    (see `AttributeUse.binder`): that function's own import, or for the module namespace
    its module-level import (a class body's when the module has none)."""
    candidates = resolver.imports_binding(facts, root, binder)
    if not candidates:
        return None
    module_level = [i for i in candidates if i.scope == "module"]
    chosen = (module_level or candidates)[-1]
    return chosen, resolver.resolve_import(source, chosen)


class UseTarget(NamedTuple):
    """What an attribute use ``root.rest`` reaches (see `resolve_use`)."""

    fact: ImportFact
    """The import that binds its root where the use stands."""
    bound: Target
    """What that import binds the root to."""
    rest: str
    """The use's dotted path after its root."""
    path: str
    """The dotted path the use names through the module its root is bound to (empty when
    the root is not bound to a module)."""
    target: Target | None
    """What `path` reaches (None when the root is not bound to a module)."""


def resolve_use(
    resolver: Resolver, source: SourceFile, facts: ModuleFacts, use: AttributeUse
) -> UseTarget | None:
    """What the attribute use `use` of `source` reaches, through the import that binds its
    root (None: no import binds it). The one answer the audit, the discovery of candidates
    and the rewrite's check share."""
    root, _, rest = use.dotted.partition(".")
    bound = local_import_target(resolver, source, facts, root, use.binder)
    if bound is None:
        return None
    fact, start = bound
    if start.kind != "module":
        return UseTarget(fact, start, rest, "", None)
    path = f"{start.path}.{rest}"
    return UseTarget(fact, start, rest, path, resolver.resolve_path(path))
