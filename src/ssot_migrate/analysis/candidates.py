"""`audit --discover`: rank the repository's definitions by how many import paths reach them,
and propose for each the public path code already uses most as its canonical path.

Needs no config: every file is indexed, every from-import and module-attribute use is
resolved, and uses are grouped by the definition they reach. Sites are counted as the audit
counts them: one per import (``import pkg`` serving three ``pkg.S`` uses is one site).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from ssot_migrate.analysis.resolve import Resolver
from ssot_migrate.analysis.uses import resolve_use
from ssot_migrate.base.dotted import is_private_path
from ssot_migrate.index.facts import ImportFact, Index, absolute_module

CLOSE_SHARE = 0.75
"""A runner-up public path with at least this share of the proposed path's sites makes the
choice close: worth a look before the plan is written."""


@dataclass(frozen=True, slots=True)
class Candidate:
    name: str
    """The name the proposed canonical path imports (``Matrix`` for ``sympy.Matrix``)."""
    canonical: str
    """The proposed canonical path: the public path code uses most (see `propose`)."""
    definition: str
    """Where the object is defined."""
    paths: tuple[str, ...]
    """Distinct import paths that reach the definition, most used first."""
    sites: int
    uses: tuple[int, ...] = ()
    """Sites per path of `paths`, in the same order."""
    close: str | None = None
    """A public runner-up with nearly as many sites (see CLOSE_SHARE), or None."""

    @property
    def variations(self) -> int:
        return len(self.paths) - (1 if self.canonical in self.paths else 0)

    def sites_of(self, path: str) -> int:
        return dict(zip(self.paths, self.uses, strict=True)).get(path, 0)


def discover_candidates(
    index: Index,
    resolver: Resolver,
    minimum_paths: int = 2,
    excluded: Callable[[str], bool] = lambda rel: False,
) -> list[Candidate]:
    """Definitions reached through `minimum_paths` import paths or more. `excluded(rel)`:
    files whose module is never proposed as a canonical path (test files)."""
    paths: dict[str, Counter[str]] = defaultdict(Counter)
    by_rel = {f.rel: f for f in index.files}
    for rel, facts in index.facts.items():
        source = by_rel[rel]
        for fact in facts.imports:
            if fact.kind != "from" or fact.name is None:
                continue
            module = absolute_module(source, fact.module, fact.level)
            found = resolver.resolve_import(source, fact)
            if module is None or found.kind != "definition":
                continue
            paths[found.path][f"{module}.{fact.name}"] += 1
        # Like the audit's sites: one per import, however many `m.S` uses it serves.
        through: set[tuple[ImportFact, str, str]] = set()
        for use in facts.attributes:
            reached = resolve_use(resolver, source, facts, use)
            if reached is None or reached.target is None:
                continue
            if reached.target.kind == "definition":
                through.add((reached.fact, reached.target.path, reached.path))
        for _, definition, full in through:
            paths[definition][full] += 1
    ranked = [
        _candidate(index, definition, used, excluded)
        for definition, used in paths.items()
        if len(used) >= minimum_paths
    ]
    ranked.sort(key=lambda c: (-len(c.paths), -c.sites, c.canonical))
    return ranked


def _candidate(
    index: Index, definition: str, used: Counter[str], excluded: Callable[[str], bool]
) -> Candidate:
    ordered = sorted(used.items(), key=lambda item: (-item[1], item[0]))
    canonical, close = propose(index, definition, used, excluded)
    return Candidate(
        canonical.rpartition(".")[2],
        canonical,
        definition,
        tuple(path for path, _ in ordered),
        sum(used.values()),
        tuple(n for _, n in ordered),
        close,
    )


def propose(
    index: Index, definition: str, used: Counter[str], excluded: Callable[[str], bool]
) -> tuple[str, str | None]:
    """(canonical, close runner-up): the public path code already uses most, where a path
    is public when no component of it starts with an underscore or its module lists the
    name in ``__all__`` (a package facade, ``pkg.Thing``, usually is); paths through
    excluded files never qualify. Without a used public path, the definition. Ties go to a
    package facade, then to the definition, then to the shorter path."""
    candidates = set(used) | {definition}
    public = sorted(
        (-used[path], _tie_rank(index, path, definition), path.count("."), path)
        for path in candidates
        if _is_public(index, path, excluded)
    )
    if not public:
        return definition, None
    (top, _, _, best), *rest = public
    runner = rest[0] if rest else None
    close = runner[3] if runner is not None and -runner[0] >= CLOSE_SHARE * -top > 0 else None
    return best, close


def _tie_rank(index: Index, path: str, definition: str) -> int:
    module = index.modules.get(path.rpartition(".")[0])
    if module is not None and module.is_package:
        return 0
    return 1 if path == definition else 2


def _is_public(index: Index, path: str, excluded: Callable[[str], bool]) -> bool:
    """No component starts with an underscore, or the module's ``__all__`` lists the name;
    and the module is not an excluded file."""
    module, _, name = path.rpartition(".")
    source = index.modules.get(module)
    if source is not None and excluded(source.rel):
        return False
    facts = index.facts_of_module(module)
    listed = facts is not None and name in (facts.dunder_all or ())
    return listed or not is_private_path(path)
