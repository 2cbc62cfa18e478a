"""Which legacy modules get a shim, and for which names (`plan_shims`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ssot_migrate.analysis.audit import BY_DECLARATION, SymbolAudit
from ssot_migrate.base.dotted import split_path
from ssot_migrate.index.facts import Index
from ssot_migrate.shims.block import MovedName


@dataclass(frozen=True, slots=True)
class ShimTarget:
    """A legacy module and the names its shim serves."""

    rel: str
    module: str
    names: tuple[MovedName, ...]


def plan_shims(index: Index, audits: Sequence[SymbolAudit]) -> list[ShimTarget]:
    """Every module that re-exports a symbol on purpose gets a shim for the names it binds
    explicitly (imports, aliases) or through a star import (the block pops those from the
    module's globals)."""
    canonical = {a.spec.canonical_module for a in audits}
    wanted: dict[str, dict[str, MovedName]] = {}
    for audit in audits:
        lazy_paths = {p.path for p in audit.legacy_paths if p.kind == BY_DECLARATION}
        for path in sorted(audit.declared):
            module, name = split_path(path)
            source = index.modules.get(module)
            facts = index.facts_of_module(module)
            if source is None or facts is None or module in canonical:
                continue
            # Explicit bindings are removed; a name a star import provides is popped from the
            # module's globals by the shim block itself.
            lazy = path in lazy_paths
            moved = MovedName(name, audit.spec.canonical_module, audit.spec.canonical_name, lazy)
            wanted.setdefault(module, {})[name] = moved
    targets = [
        ShimTarget(index.modules[module].rel, module, tuple(names.values()))
        for module, names in sorted(wanted.items())
    ]
    return targets
