"""Per symbol: every import site, which reach the canonical object, and which do not.

Pure: an Index and a Resolver in, frozen findings out. A *variation* is an import site
that reaches the symbol through a non-canonical path; a *pattern* is a distinct
(path, form, alias) triple. Same-named imports of another object, and imports of the name
that resolve nowhere, are reported apart and never counted as variations.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from ssot_migrate.config import SymbolSpec
from ssot_migrate.facts import (
    Guard,
    ImportFact,
    Index,
    ModuleFacts,
    Scope,
    SourceFile,
    absolute_module,
)
from ssot_migrate.resolve import Resolver, Target, local_import_target

BY_DECLARATION = "configured-by-declaration"
"""The kind of a configured legacy path its module serves from ``__getattr__``: the same
object on the config's word (static resolution cannot see it)."""


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
    alias: str | None
    """The import's ``as`` name, if it renames (``as S`` re-exporting ``S`` does not)."""
    written: str
    scope: Scope
    guard: Guard | None
    canonical: bool
    reexport: bool
    """A module-level import that other code imports onward (a re-export / compat path)."""
    references: int = 1
    by_declaration: bool = False
    """Reached only through a configured legacy path its module serves from its
    ``__getattr__``: the config's word, not static resolution (``verify --runtime`` checks
    it)."""


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
    """re-export | configured | configured-by-declaration | configured-elsewhere"""
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
    declared: frozenset[str] = frozenset()
    """Legacy paths a module re-exports on purpose (a package's names, ``__all__``, a star
    re-export, a compatibility module's names): those modules become shims, and rewrites
    leave them alone whether or not anyone still imports through them."""

    @property
    def all_legacy_paths(self) -> frozenset[str]:
        """Every legacy path of the symbol: reached by sites or strings, configured, or
        declared by a module that re-exports it."""
        return frozenset(p.path for p in self.legacy_paths) | self.declared

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
    return _SymbolAuditor(index, resolver, spec).run()


class _SymbolAuditor:
    """Classifies every import, attribute use and string of the parsed files for one spec."""

    def __init__(self, index: Index, resolver: Resolver, spec: SymbolSpec) -> None:
        self.index = index
        self.resolver = resolver
        self.spec = spec
        self.target = resolver.resolve_path(spec.canonical)
        self.by_rel = {f.rel: f for f in index.files}
        self.handles = {spec.name, spec.canonical_name}
        self.configured = frozenset(spec.legacy)
        """Configured legacy paths: their imports are reported even when they resolve
        nowhere or elsewhere under another name."""
        self.configured_names = {path.rpartition(".")[2] for path in spec.legacy}
        self.names = self._interest_names()
        self.sites: list[Site] = []
        self.strings: list[Finding] = []
        self.different: list[Finding] = []
        self.broken: list[Finding] = []

    def run(self) -> SymbolAudit:
        for rel, facts in sorted(self.index.facts.items()):
            source = self.by_rel[rel]
            for fact in facts.imports:
                if fact.kind == "from":
                    self._from_import(source, fact)
                elif fact.kind == "star":
                    self._star_import(source, fact)
            self._attribute_uses(source, facts)
            self._strings(source, facts)
        sites = sorted(self._mark_reexports(), key=lambda s: (s.rel, s.line, s.col))
        legacy, elsewhere, declared = _legacy_paths(
            self.index,
            self.resolver,
            self.spec,
            self.target,
            self.names,
            (sites, self.strings, self.different, self.broken),
            self.by_rel,
        )
        return SymbolAudit(
            self.spec,
            self.target,
            tuple(sites),
            tuple(self.strings),
            tuple(self.different),
            tuple(self.broken),
            legacy,
            elsewhere,
            declared,
        )

    def _interest_names(self) -> set[str]:
        """Every name some module binds to the target, or a configured legacy path reaching
        it names: the only names a site can use."""
        names = set(self.handles)
        for path in self.spec.legacy:
            if self.resolver.resolve_path(path).same_object(self.target):
                names.add(path.rpartition(".")[2])
        while True:
            found: set[str] = set()
            for rel, facts in self.index.facts.items():
                module = self.by_rel[rel].module
                if module is None:
                    continue
                for binding in facts.bindings:
                    if binding.name in names or binding.kind not in ("alias", "import-from"):
                        continue
                    spelled = binding.imported or binding.target.rpartition(".")[2]
                    if spelled in names and self._reaches(module, binding.name):
                        found.add(binding.name)
            if not found:
                return names
            names |= found

    def _reaches(self, module: str, name: str) -> bool:
        return self.resolver.resolve_name(module, name).same_object(self.target)

    def _from_import(self, source: SourceFile, fact: ImportFact) -> None:
        assert fact.name is not None
        module = absolute_module(source, fact.module, fact.level)
        configured = module is not None and f"{module}.{fact.name}" in self.configured
        if fact.name not in self.names and fact.local_name not in self.handles and not configured:
            return
        found = self.resolver.resolve_import(source, fact)
        path = f"{module}.{fact.name}" if module is not None else found.path
        if found.same_object(self.target):
            form = "relative-from-import" if fact.level else "from-import"
            site = self._site(source, fact, path, form, fact.local_name)
            self.sites.append(dataclasses.replace(site, by_declaration=found.by_declaration))
        elif fact.name in self.handles or fact.local_name in self.handles or configured:
            self._apart(source, fact, path, found)

    def _star_import(self, source: SourceFile, fact: ImportFact) -> None:
        module = absolute_module(source, fact.module, fact.level)
        if module is None:
            return
        exported = sorted(self.resolver.exports(module) & self.names)
        reaching = [n for n in exported if self._reaches(module, n)]
        if reaching:
            # The path the star actually goes through: the name its module binds.
            self.sites.append(self._site(source, fact, f"{module}.{reaching[0]}", "star-import"))

    def _attribute_uses(self, source: SourceFile, facts: ModuleFacts) -> None:
        """``import P`` + ``P.S`` and ``import P as M`` + ``M.S``: one site per import."""
        uses: Counter[tuple[ImportFact, str]] = Counter()
        declared: set[tuple[ImportFact, str]] = set()
        apart: dict[tuple[ImportFact, str], Target] = {}
        for use in facts.attributes:
            last = use.dotted.rpartition(".")[2]
            if last not in self.names and last not in self.configured_names:
                continue
            root, _, rest = use.dotted.partition(".")
            bound = local_import_target(self.resolver, source, facts, root, use.binder)
            if bound is None or bound[0].kind == "star":
                continue
            fact, start = bound
            if not start.found:
                # ``from pkg import gone`` / ``import pkg.gone as gone``, then ``gone.S``:
                # the import names a module that is not there.
                missing = self.resolver.resolve_module_import(source, fact)
                full = f"{missing.path}.{rest}"
                if last in self.handles or full in self.configured:
                    apart.setdefault((fact, full), missing)
            if start.kind != "module":
                continue
            full = f"{start.path}.{rest}"
            found = self.resolver.resolve_path(full)
            if found.same_object(self.target):
                uses[(fact, full)] += 1
                if found.by_declaration:
                    declared.add((fact, full))
            elif last in self.handles or full in self.configured:
                apart.setdefault((fact, full), found)
        for (fact, full), count in uses.items():
            local = fact.local_name
            site = self._site(source, fact, full, "module-attribute", local, count)
            by_declaration = (fact, full) in declared
            self.sites.append(dataclasses.replace(site, by_declaration=by_declaration))
        for (fact, full), found in apart.items():
            self._apart(source, fact, full, found)

    def _apart(self, source: SourceFile, fact: ImportFact, path: str, found: Target) -> None:
        """A same-named import of another object, or one that resolves nowhere."""
        if found.found:
            detail = f"reaches {found.kind} {found.path}"
            self.different.append(Finding(source.rel, fact.span.line, fact.span.col, path, detail))
        elif found.kind == "unresolved":
            self.broken.append(
                Finding(source.rel, fact.span.line, fact.span.col, path, found.reason)
            )

    def _strings(self, source: SourceFile, facts: ModuleFacts) -> None:
        for ref in facts.strings:
            if ref.value.rpartition(".")[2] not in self.names:
                continue
            if self.resolver.resolve_path(ref.value).same_object(self.target):
                status = "canonical" if ref.value == self.spec.canonical else "legacy"
                self.strings.append(
                    Finding(source.rel, ref.span.line, ref.span.col, ref.value, status)
                )

    def _site(
        self,
        source: SourceFile,
        fact: ImportFact,
        path: str,
        form: str,
        local: str | None = None,
        references: int = 1,
    ) -> Site:
        return Site(
            rel=source.rel,
            line=fact.span.line,
            col=fact.span.col,
            path=path,
            form=form,
            local=local,
            alias=fact.alias if fact.alias != fact.name else None,
            written=_written(fact),
            scope=fact.scope,
            guard=fact.guard,
            canonical=path == self.spec.canonical,
            reexport=False,
            references=references,
        )

    def _mark_reexports(self) -> Iterator[Site]:
        """A module-level import that others import onward, or that ``__all__`` lists."""
        used = {s.path for s in self.sites} | {s.path for s in self.strings}
        for site in self.sites:
            module = self.by_rel[site.rel].module
            facts = self.index.facts.get(site.rel)
            bound = site.path.rpartition(".")[2] if site.form == "star-import" else site.local
            in_all = facts is not None and bound in (facts.dunder_all or ())
            onward = module is not None and f"{module}.{bound}" in used
            if site.scope == "module" and site.form != "module-attribute" and (onward or in_all):
                site = dataclasses.replace(site, reexport=True)
            yield site


def _written(fact: ImportFact) -> str:
    alias = f" as {fact.alias}" if fact.alias else ""
    if fact.kind == "import":
        return f"import {fact.module}{alias}"
    name = "*" if fact.kind == "star" else fact.name
    return f"from {'.' * fact.level}{fact.module} import {name}{alias}"


def only_reexports(facts: ModuleFacts) -> bool:
    """A compatibility module: it only imports names and re-binds them."""
    return facts.reexport_only and any(b.kind == "import-from" for b in facts.bindings)


def _legacy_paths(
    index: Index,
    resolver: Resolver,
    spec: SymbolSpec,
    target: Target,
    names: set[str],
    found: tuple[list[Site], list[Finding], list[Finding], list[Finding]],
    by_rel: dict[str, SourceFile],
) -> tuple[tuple[LegacyPath, ...], tuple[LegacyPath, ...], frozenset[str]]:
    sites, strings, different, broken = found
    site_counts = Counter(s.path for s in sites)
    string_counts = Counter(s.path for s in strings)
    other_counts = Counter(d.path for d in (*different, *broken))
    paths: dict[str, str] = dict.fromkeys(site_counts.keys() | string_counts.keys(), "re-export")
    declared_paths: set[str] = set()
    for rel, facts in index.facts.items():
        source = by_rel[rel]
        if source.module is None:
            continue
        # Declared re-exports (see `declared_reexports`); other importers bind the name
        # too, but only for their own use. A compatibility module re-exports by existing:
        # it is a shim's to own, listed or not, imported through or not.
        reasons = declared_reexports(source, facts, resolver)
        for name in sorted(reasons.keys() & names):
            if resolver.resolve_name(source.module, name).same_object(target):
                path = f"{source.module}.{name}"
                if reasons[name] != COMPATIBILITY_MODULE:
                    paths.setdefault(path, "re-export")
                declared_paths.add(path)
    paths.pop(spec.canonical, None)
    elsewhere: list[LegacyPath] = []
    lazy: dict[str, str] = {}
    for path in spec.legacy:
        reached = resolver.resolve_path(path)
        if reached.same_object(target) and reached.by_declaration:
            # Served by the module's __getattr__, the same object on the config's word: a
            # legacy path like a re-export (rewritten, and shimmed unless the module's own
            # __getattr__ already names it).
            paths[path] = BY_DECLARATION
            module = path.rpartition(".")[0]
            lazy[path] = f"served by {module}.__getattr__; verify --runtime checks the identity"
            declared_paths.add(path)
        elif reached.same_object(target):
            paths[path] = "configured"
        else:
            detail = f"reaches {reached.kind} {reached.path}" if reached.found else reached.reason
            elsewhere.append(
                LegacyPath(
                    path, other_counts[path], string_counts[path], "configured-elsewhere", detail
                )
            )
    legacy = tuple(
        LegacyPath(path, site_counts[path], string_counts[path], kind, lazy.get(path, ""))
        for path, kind in sorted(paths.items(), key=lambda item: (-site_counts[item[0]], item[0]))
    )
    declared_paths.discard(spec.canonical)
    return legacy, tuple(elsewhere), frozenset(declared_paths)


PACKAGE_REEXPORT = "package re-export"
LISTED_IN_ALL = "listed in __all__"
STAR_REEXPORT = "star re-export"
COMPATIBILITY_MODULE = "compatibility module: it only imports and re-binds names"


def declared_reexports(
    source: SourceFile, facts: ModuleFacts, resolver: Resolver
) -> dict[str, str]:
    """The names a module re-exports on purpose, each with why: every name a package binds,
    a module's `__all__`, what a star import re-exports (a package's, or a module's without
    `__all__`), and what a compatibility module binds (it only imports and re-binds). The
    audit declares them legacy paths the shims own; the run summary gives the reasons."""
    reasons: dict[str, str] = {}
    if source.is_package or only_reexports(facts):
        explicit = [b.name for b in facts.bindings if b.kind != "star"]
        why = PACKAGE_REEXPORT if source.is_package else COMPATIBILITY_MODULE
        reasons.update(dict.fromkeys(explicit, why))
    star = any(b.kind == "star" for b in facts.bindings)
    if star and source.module is not None and (source.is_package or facts.dunder_all is None):
        reasons.update(dict.fromkeys(resolver.exports(source.module), STAR_REEXPORT))
    reasons.update(dict.fromkeys(facts.dunder_all or (), LISTED_IN_ALL))
    if source.is_package:  # a package re-exports whatever it holds, however it got it
        reasons = dict.fromkeys(reasons, PACKAGE_REEXPORT)
    return reasons
