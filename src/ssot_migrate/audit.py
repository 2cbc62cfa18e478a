"""Per symbol: every import site, which reach the canonical object, and which do not.

Pure: an Index and a Resolver in, frozen findings out. A *variation* is an import site
that reaches the symbol through a non-canonical path; a *pattern* is a distinct
(path, form, alias) triple. Same-named imports of another object, and imports of the name
that resolve nowhere, are reported apart and never counted as variations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from ssot_migrate.config import SymbolSpec
from ssot_migrate.facts import Guard, ImportFact, Index, ModuleFacts, Scope, SourceFile
from ssot_migrate.resolve import Resolver, Target, absolute_module, local_import_target


@dataclass(frozen=True, slots=True)
class Site:
    """One import that reaches the symbol."""

    rel: str
    line: int
    col: int
    path: str
    """The absolute dotted path the import goes through (``app.agents.ExecutionEngine``)."""
    form: str
    """from-import | relative-from-import | module-attribute | star-import"""
    local: str | None
    """The name the site binds or uses locally (None for star imports)."""
    written: str
    scope: Scope
    guard: Guard | None
    canonical: bool
    reexport: bool
    """A module-level import that other code imports onward (a re-export / compat path)."""
    references: int = 1

    @property
    def alias(self) -> str | None:
        return self.local if self.local != self.path.rpartition(".")[2] else None


@dataclass(frozen=True, slots=True)
class Finding:
    rel: str
    line: int
    col: int
    path: str
    detail: str


@dataclass(frozen=True, slots=True)
class LegacyPath:
    path: str
    sites: int
    strings: int
    kind: str
    """re-export | configured | configured-elsewhere"""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class SymbolAudit:
    spec: SymbolSpec
    target: Target
    sites: tuple[Site, ...]
    strings: tuple[Finding, ...]
    """String literals naming a path of the symbol; `detail` is canonical | legacy."""
    different: tuple[Finding, ...]
    broken: tuple[Finding, ...]
    legacy_paths: tuple[LegacyPath, ...]
    elsewhere: tuple[LegacyPath, ...]
    """Configured legacy paths that resolve to a different object (migrated only if listed)."""

    @property
    def variations(self) -> tuple[Site, ...]:
        return tuple(s for s in self.sites if not s.canonical)

    @property
    def patterns(self) -> frozenset[tuple[str, str, str | None]]:
        return frozenset((s.path, s.form, s.alias) for s in self.sites if not s.canonical)

    @property
    def above_target(self) -> bool:
        return len(self.variations) > self.spec.target


def audit_symbol(index: Index, resolver: Resolver, spec: SymbolSpec) -> SymbolAudit:
    target = resolver.resolve_path(spec.canonical)
    by_rel = {f.rel: f for f in index.files}
    names = _interest(index, resolver, target, {spec.canonical_name, spec.name}, by_rel)
    handles = {spec.name, spec.canonical_name}
    sites: list[Site] = []
    strings: list[Finding] = []
    different: list[Finding] = []
    broken: list[Finding] = []
    for rel, facts in sorted(index.facts.items()):
        source = by_rel[rel]
        for fact in facts.imports:
            _classify_import(
                resolver, source, fact, target, spec, names, handles, sites, different, broken
            )
        sites.extend(_attribute_sites(resolver, source, facts, target, spec, names))
        for ref in facts.strings:
            if ref.value.rpartition(".")[2] not in names:
                continue
            if resolver.resolve_path(ref.value).same_object(target):
                status = "canonical" if ref.value == spec.canonical else "legacy"
                strings.append(Finding(rel, ref.span.line, ref.span.col, ref.value, status))
    sites = sorted(_mark_reexports(sites, index, by_rel), key=lambda s: (s.rel, s.line, s.col))
    legacy, elsewhere = _legacy_paths(
        index, resolver, spec, target, names, (sites, strings, different), by_rel
    )
    return SymbolAudit(
        spec,
        target,
        tuple(sites),
        tuple(strings),
        tuple(different),
        tuple(broken),
        legacy,
        elsewhere,
    )


def _interest(
    index: Index, resolver: Resolver, target: Target, seed: set[str], by_rel: dict[str, SourceFile]
) -> set[str]:
    names = set(seed)
    while True:
        found: set[str] = set()
        for rel, facts in index.facts.items():
            module = by_rel[rel].module
            if module is None:
                continue
            for binding in facts.bindings:
                if binding.name in names or binding.kind not in ("alias", "import-from"):
                    continue
                spelled = binding.imported or binding.target.rpartition(".")[2]
                if spelled not in names:
                    continue
                if resolver.resolve_name(module, binding.name).same_object(target):
                    found.add(binding.name)
        if not found:
            return names
        names |= found


def _written(fact: ImportFact) -> str:
    alias = f" as {fact.alias}" if fact.alias else ""
    if fact.kind == "import":
        return f"import {fact.module}{alias}"
    name = "*" if fact.kind == "star" else fact.name
    return f"from {'.' * fact.level}{fact.module} import {name}{alias}"


def _classify_import(
    resolver: Resolver,
    source: SourceFile,
    fact: ImportFact,
    target: Target,
    spec: SymbolSpec,
    names: set[str],
    handles: set[str],
    sites: list[Site],
    different: list[Finding],
    broken: list[Finding],
) -> None:
    if fact.kind == "import":
        return  # reached through attribute uses, see _attribute_sites
    module = absolute_module(source, fact.module, fact.level)
    if fact.kind == "star":
        if module is not None and any(
            resolver.resolve_name(module, n).same_object(target)
            for n in resolver.exports(module) & names
        ):
            path = f"{module}.{spec.canonical_name}"
            sites.append(_site(source, fact, path, "star-import", None, spec, module))
        return
    assert fact.name is not None
    if fact.name not in names and fact.local_name not in handles:
        return
    found = resolver.resolve_import(source, fact)
    path = f"{module}.{fact.name}" if module is not None else found.path
    if found.same_object(target):
        form = "relative-from-import" if fact.level else "from-import"
        sites.append(_site(source, fact, path, form, fact.local_name, spec, module))
    elif fact.name in handles or fact.local_name in handles:
        finding = Finding(source.rel, fact.span.line, fact.span.col, path, "")
        if found.found:
            different.append(_with(finding, f"reaches {found.kind} {found.path}"))
        elif found.kind == "unresolved":
            broken.append(_with(finding, found.reason))


def _with(finding: Finding, detail: str) -> Finding:
    return Finding(finding.rel, finding.line, finding.col, finding.path, detail)


def _site(
    source: SourceFile,
    fact: ImportFact,
    path: str,
    form: str,
    local: str | None,
    spec: SymbolSpec,
    module: str | None,
    references: int = 1,
) -> Site:
    del module
    return Site(
        rel=source.rel,
        line=fact.span.line,
        col=fact.span.col,
        path=path,
        form=form,
        local=local,
        written=_written(fact),
        scope=fact.scope,
        guard=fact.guard,
        canonical=path == spec.canonical,
        reexport=False,
        references=references,
    )


def _attribute_sites(
    resolver: Resolver,
    source: SourceFile,
    facts: ModuleFacts,
    target: Target,
    spec: SymbolSpec,
    names: set[str],
) -> Iterator[Site]:
    """``import P`` + ``P.S`` and ``import P as M`` + ``M.S``: one site per import."""
    uses: Counter[tuple[ImportFact, str]] = Counter()
    for use in facts.attributes:
        root, _, rest = use.dotted.partition(".")
        if use.dotted.rpartition(".")[2] not in names:
            continue
        bound = local_import_target(resolver, source, facts, root)
        if bound is None or bound[0].kind == "star":
            continue
        fact, start = bound
        full = f"{start.path}.{rest}" if start.kind == "module" else None
        if full is not None and resolver.resolve_path(full).same_object(target):
            uses[(fact, full)] += 1
    for (fact, full), count in uses.items():
        yield _site(source, fact, full, "module-attribute", fact.local_name, spec, None, count)


def _mark_reexports(sites: list[Site], index: Index, by_rel: dict[str, SourceFile]) -> list[Site]:
    used = {s.path for s in sites}
    marked: list[Site] = []
    for site in sites:
        module = by_rel[site.rel].module
        facts = index.facts.get(site.rel)
        exported = facts is not None and facts.dunder_all is not None
        in_all = exported and facts is not None and site.local in (facts.dunder_all or ())
        onward = module is not None and f"{module}.{site.local}" in used
        if site.scope == "module" and site.form != "module-attribute" and (onward or in_all):
            site = Site(
                site.rel,
                site.line,
                site.col,
                site.path,
                site.form,
                site.local,
                site.written,
                site.scope,
                site.guard,
                site.canonical,
                True,
                site.references,
            )
        marked.append(site)
    return marked


def _legacy_paths(
    index: Index,
    resolver: Resolver,
    spec: SymbolSpec,
    target: Target,
    names: set[str],
    found: tuple[list[Site], list[Finding], list[Finding]],
    by_rel: dict[str, SourceFile],
) -> tuple[tuple[LegacyPath, ...], tuple[LegacyPath, ...]]:
    sites, strings, different = found
    site_counts = Counter(s.path for s in sites)
    string_counts = Counter(s.path for s in strings)
    other_counts = Counter(d.path for d in different)
    paths: dict[str, str] = dict.fromkeys(site_counts.keys() | string_counts.keys(), "re-export")
    for rel, facts in index.facts.items():
        source = by_rel[rel]
        if source.module is None:
            continue
        # Declared re-exports: a package's names, or a module's __all__. Other importers
        # bind the name too, but nobody should import it from them.
        declared = set(facts.dunder_all or ())
        if source.is_package:
            declared |= {b.name for b in facts.bindings if b.kind != "star"}
        if any(b.kind == "star" for b in facts.bindings) and (
            source.is_package or facts.dunder_all is None
        ):
            declared |= resolver.exports(source.module)
        for name in sorted(declared & names):
            path = f"{source.module}.{name}"
            if resolver.resolve_name(source.module, name).same_object(target):
                paths.setdefault(path, "re-export")
    paths.pop(spec.canonical, None)
    elsewhere: list[LegacyPath] = []
    for path in spec.legacy:
        reached = resolver.resolve_path(path)
        if reached.same_object(target):
            paths[path] = "configured"
        else:
            detail = f"reaches {reached.kind} {reached.path}" if reached.found else reached.reason
            elsewhere.append(
                LegacyPath(
                    path, other_counts[path], string_counts[path], "configured-elsewhere", detail
                )
            )
    legacy = tuple(
        LegacyPath(path, site_counts[path], string_counts[path], kind)
        for path, kind in sorted(paths.items(), key=lambda item: (-site_counts[item[0]], item[0]))
    )
    return legacy, tuple(elsewhere)
