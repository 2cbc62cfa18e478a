"""Verify a rewritten file: it parses and binds the same objects under the same names as
before (what its imports, attribute chains and strings reach; each module-level name's
final binding), and the resolvers that see rewritten files with their new facts."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ssot_migrate.analysis.resolve import Resolver
from ssot_migrate.analysis.uses import resolve_use
from ssot_migrate.index.facts import Index, ModuleFacts, ParseFailure, SourceFile
from ssot_migrate.rewrite.plan import FilePlan, rebound_names
from ssot_migrate.rewrite.text import Refused


def verify(
    plan: FilePlan, after: bytes, resolver: Resolver, new: ModuleFacts | ParseFailure
) -> ModuleFacts:
    """The rewritten file (`after`, whose facts are `new`) parses and binds the same
    objects under the same names (a renamed alias under its new name: `FilePlan.renamed`):
    its facts."""
    if not isinstance(new, ModuleFacts):
        raise Refused(f"the rewrite does not parse (line {new.line}: {new.reason})")
    after_resolver = resolver_with(resolver, plan.source, new)
    interest = plan.facts.chains_for
    chains = _Compared(None if interest is None else frozenset(interest), plan.facts.chain_roots())
    renamed = plan.renamed
    old_signature = _renamed_keys(_signature(plan.source, plan.facts, resolver, chains), renamed)
    new_signature = _signature(plan.source, new, after_resolver, chains)
    if old_signature != new_signature:
        lost = (old_signature - new_signature) + (new_signature - old_signature)
        sample = ", ".join(sorted(str(k) for k in lost)[:3])
        raise Refused(f"the rewrite would change what names are bound to ({sample})")
    old_names = {
        (f.scope, renamed.get(str(f.local_name), f.local_name)) for f in plan.facts.imports
    }
    new_names = {(f.scope, f.local_name) for f in new.imports}
    if not old_names <= new_names:
        missing = ", ".join(sorted(str(n[1]) for n in old_names - new_names))
        raise Refused(f"the rewrite would unbind {missing}")
    # By name: a namespace is keyed by its `def`'s position, which an added line moves.
    clashes = {n for _, n in rebound_names(plan.source, new, after_resolver)} - {
        n for _, n in plan.rebinds(resolver)
    }
    if clashes:
        names = ", ".join(sorted(clashes))
        raise Refused(f"the rewrite would make imports bind {names} to different modules")
    changed = module_bindings_changed(
        plan.source, plan.facts, new, resolver, after_resolver, skipped=frozenset(renamed)
    )
    if changed:
        raise Refused(f"the rewrite would change what module-level {changed} is bound to")
    return new


def _renamed_keys(
    signature: Counter[tuple[str, ...]], renamed: Mapping[str, str]
) -> Counter[tuple[str, ...]]:
    """`signature` with each renamed local name bound under its new name (set semantics,
    as `_signature`'s: an alias and the canonical import of one object bind it once)."""
    if not renamed:
        return signature
    found: Counter[tuple[str, ...]] = Counter()
    for key, count in signature.items():
        if key[0] == "bind":
            found[(*key[:2], renamed.get(key[2], key[2]), *key[3:])] = 1
        else:
            found[key] += count
    return found


class _Overlay(Mapping[str, ModuleFacts]):
    """An index's facts with some files' facts replaced (the files as rewritten)."""

    def __init__(self, base: Mapping[str, ModuleFacts], replaced: Mapping[str, ModuleFacts]):
        self._base, self._replaced = base, replaced

    def __getitem__(self, rel: str) -> ModuleFacts:
        facts = self._replaced.get(rel)
        return self._base[rel] if facts is None else facts

    def __iter__(self) -> Iterator[str]:
        yield from self._base
        yield from (rel for rel in self._replaced if rel not in self._base)

    def __len__(self) -> int:
        return len(self._base) + sum(1 for rel in self._replaced if rel not in self._base)

    def __contains__(self, rel: object) -> bool:
        return rel in self._replaced or rel in self._base


def resolver_with(resolver: Resolver, source: SourceFile, facts: ModuleFacts) -> Resolver:
    """A resolver that sees file `source` as `facts` (its new content) and the rest as is
    (reusing what `resolver` found where that cannot differ: `Resolver.overlay`)."""
    return resolver.overlay(overlay_index(resolver.index, {source.rel: facts}), source)


def overlay_index(index: Index, replaced: Mapping[str, ModuleFacts]) -> Index:
    """`index` with the facts of `replaced`'s files in place of theirs (no copy of the rest)."""
    return dataclasses.replace(index, facts=_Overlay(index.facts, replaced))


def module_bindings_changed(
    source: SourceFile,
    old: ModuleFacts,
    new: ModuleFacts,
    resolver: Resolver,
    after: Resolver | None = None,
    skipped: frozenset[str] = frozenset(),
) -> str | None:
    """The first module-level name whose final binding (last binding wins) would differ
    (`skipped`: renamed aliases, which no other module imports, are not compared)."""
    if source.module is None:
        return None
    names = {b.name for b in (*old.bindings, *new.bindings) if b.kind != "definition"}
    names -= skipped
    for name in sorted(names - {"*"}):
        old_bindings = resolver.bindings_named(old, name)
        new_bindings = (after or resolver).bindings_named(new, name)
        if not old_bindings:
            continue  # a name the rewrite adds (import canonical_module binds its package)
        if not new_bindings:
            return name
        before = resolver.resolve_bindings(source.module, old_bindings)
        now = (after or resolver).resolve_bindings(source.module, new_bindings)
        if before.kind == now.kind == "module":
            continue  # which module object a name holds may change, not what it serves
        if (before.kind, before.path) != (now.kind, now.path):
            return name
    return None


@dataclass(frozen=True)
class _Compared:
    """The attribute chains two facts of a file are compared on: every one, or (facts
    recorded for some names of interest, see `extract.extract_facts`) those rooted where
    the file before held every chain, and those naming a name of interest wherever they
    stand now (a rewrite moves a symbol's uses to another module's name).

    What is left out cannot have changed: a chain's object follows from its root's binding,
    and the imports binding the other roots are compared in full (`_signature`'s binds,
    `rebound_names`, `module_bindings_changed`)."""

    names: frozenset[str] | None
    roots: frozenset[str] | None

    def keeps(self, dotted: str) -> bool:
        if self.names is None or self.roots is None:
            return True
        parts = dotted.split(".")
        return parts[0] in self.roots or not self.names.isdisjoint(parts)


_EVERY_CHAIN = _Compared(None, None)


def _signature(
    source: SourceFile,
    facts: ModuleFacts,
    resolver: Resolver,
    chains: _Compared = _EVERY_CHAIN,
) -> Counter[tuple[str, ...]]:
    """What the file's imports, attribute chains (those of `chains`) and dotted strings
    reach (modules aside: which module object a name is bound to may change, never the
    objects used through it)."""
    found: Counter[tuple[str, ...]] = Counter()
    for fact in facts.imports:
        if fact.kind != "from":
            continue
        target = resolver.resolve_import(source, fact)
        if target.kind != "module":
            # Set semantics: binding a name twice to one object is binding it once.
            found[("bind", fact.scope, str(fact.local_name), target.kind, target.path)] = 1
    for use in facts.attributes:
        if not chains.keeps(use.dotted):
            continue
        reached = resolve_use(resolver, source, facts, use)
        used = None if reached is None else reached.target
        if used is not None and used.found and used.kind != "module":
            found[("use", used.kind, used.path)] += 1
    for ref in facts.strings:
        target = resolver.resolve_path(ref.value)
        if target.found and target.kind not in ("module", "external"):
            found[("string", target.kind, target.path)] += 1
    return found
