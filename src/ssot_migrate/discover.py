"""`audit --discover`: rank the repository's definitions by how many import paths reach them.

Needs no config: every file is indexed, every from-import and module-attribute use is
resolved, and uses are grouped by the definition they reach.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ssot_migrate.facts import Index, absolute_module
from ssot_migrate.resolve import Resolver, local_import_target


@dataclass(frozen=True, slots=True)
class Candidate:
    name: str
    canonical: str
    paths: tuple[str, ...]
    """Distinct import paths that reach the definition (the canonical one included)."""
    sites: int

    @property
    def variations(self) -> int:
        return len(self.paths) - (1 if self.canonical in self.paths else 0)


def discover_candidates(
    index: Index, resolver: Resolver, minimum_paths: int = 2
) -> list[Candidate]:
    paths: dict[str, set[str]] = defaultdict(set)
    sites: dict[str, int] = defaultdict(int)
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
            paths[found.path].add(f"{module}.{fact.name}")
            sites[found.path] += 1
        for use in facts.attributes:
            root, _, rest = use.dotted.partition(".")
            bound = local_import_target(resolver, source, facts, root, use.binder)
            if bound is None or bound[1].kind != "module":
                continue
            full = f"{bound[1].path}.{rest}"
            found = resolver.resolve_path(full)
            if found.kind == "definition":
                paths[found.path].add(full)
                sites[found.path] += 1
    ranked = [
        Candidate(path.rpartition(".")[2], path, tuple(sorted(used)), sites[path])
        for path, used in paths.items()
        if len(used) >= minimum_paths
    ]
    ranked.sort(key=lambda c: (-len(c.paths), -c.sites, c.canonical))
    return ranked
