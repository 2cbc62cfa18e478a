"""The order a run writes its files in place, so that a run stopped half way (killed, a full
disk) leaves a tree whose rerun finishes the phase as one uninterrupted run does.

A legacy path is public (it gets a shim) for reasons of its own module (``__all__``, a
package re-export, a compatibility module...) or because code imports through it. A rerun
sees only the tree: once every file importing through a path is rewritten, the path no
longer looks imported through, and would lose a shim that was not written yet. A shim on
disk keeps its path public (`audit.SERVED_BY_SHIM`), so each file is written after the
shims of the legacy modules it imports through (a shimmed module may import through
another: a compatibility module of a compatibility module); among the files ready, shims
before importers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ssot_migrate.analysis.audit import SymbolAudit
from ssot_migrate.index.facts import SourceFile
from ssot_migrate.rewrite.outcomes import ChangeKind, FileChange


def write_order(
    modules: Mapping[str, SourceFile],
    audits: Sequence[SymbolAudit],
    changes: Sequence[FileChange],
) -> tuple[str, ...]:
    """The `rel` of every change, in the order to write them (see the module docstring);
    `modules`: the index's files by module name. Under a cycle of imports through legacy
    paths, the rest goes shims first."""
    changed = {c.rel: c for c in changes}
    needs: dict[str, set[str]] = {rel: set() for rel in changed}
    for audit in audits:
        public = audit.declared
        reads = [(s.rel, s.path) for s in audit.sites] + [(s.rel, s.path) for s in audit.strings]
        for rel, path in reads:
            if rel not in changed or path not in public:
                continue
            module = modules.get(path.rpartition(".")[0])
            if module is not None and module.rel != rel and module.rel in changed:
                needs[rel].add(module.rel)
    return _ordered(changed, needs)


def _ordered(changed: Mapping[str, FileChange], needs: dict[str, set[str]]) -> tuple[str, ...]:
    def key(rel: str) -> tuple[bool, str]:
        return (changed[rel].kind is not ChangeKind.SHIM, rel)

    order: list[str] = []
    waiting = dict(needs)
    while waiting:
        ready = sorted((rel for rel, wanted in waiting.items() if not wanted), key=key)
        if not ready:  # a cycle: no order keeps every prefix whole; shims first
            ready = sorted(waiting, key=key)
        for rel in ready:
            del waiting[rel]
        for wanted in waiting.values():
            wanted.difference_update(ready)
        order += ready
    return tuple(order)
