"""The import cycles through a phase's modules, recorded before the phase writes so that
`verify` can tell a new cycle from one that was there before."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ssot_migrate.analysis.audit import SymbolAudit
from ssot_migrate.checks.verification import cycles_through
from ssot_migrate.commands.project import (
    Project,
    import_graph_from,
)

CYCLES_FILE = "cycles-before-{phase}.json"


def phase_modules(audits: Sequence[SymbolAudit]) -> set[str]:
    modules = set()
    for audit in audits:
        modules.add(audit.spec.canonical_module)
        for path in audit.all_legacy_paths:
            modules.add(path.rpartition(".")[0])
    return modules


def cycles(project: Project, modules: set[str]) -> list[list[str]]:
    """The import cycles through `modules`.

    A cycle through a module passes only through modules it imports, directly or not: so
    only those are parsed, from `modules` outwards (not the whole tree). The cache is not
    saved here.
    """

    graph = import_graph_from(project, modules, save=False)
    return sorted(sorted(c) for c in cycles_through(graph, modules))


CycleRecord = dict[str, list[Any]]


def cycle_record(project: Project, audits: Sequence[SymbolAudit]) -> CycleRecord:
    """The import cycles through a phase's modules (its canonical and legacy modules) in
    the tree `project` indexed; the cache then holds what was parsed for them (unsaved)."""
    modules = phase_modules(audits)
    return {"modules": sorted(modules), "cycles": cycles(project, modules)}
