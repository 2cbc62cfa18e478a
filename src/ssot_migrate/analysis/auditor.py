"""The audit of one symbol (`audit_symbol`), pure: each file's imports, attribute uses and
strings asked of every import form (`forms.registry`), which find the sites reaching the
canonical object; its legacy paths given their roles by `legacy_roles` (the findings'
types and the rules' words are in `audit`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from ssot_migrate.analysis.audit import (
    LEFT_CANONICAL_MODULE,
    LEFT_LOAD_TIME,
    PUBLIC,
    AuditContext,
    Finding,
    Site,
    SymbolAudit,
    runs_at_import_time,
    site_order,
    written,
)
from ssot_migrate.analysis.forms.registry import FORMS, SITE_FORMS
from ssot_migrate.analysis.legacy_roles import PathClassifier
from ssot_migrate.analysis.resolve import Resolver, Target
from ssot_migrate.config.model import SymbolSpec
from ssot_migrate.index.facts import ImportFact, Index, SiteForm, SourceFile


def audit_symbol(
    index: Index, resolver: Resolver, spec: SymbolSpec, context: AuditContext | None = None
) -> SymbolAudit:
    return SymbolAuditor(index, resolver, spec, context or AuditContext()).run()


class SymbolAuditor:
    """Classifies every import, attribute use and string of the parsed files for one spec."""

    def __init__(
        self, index: Index, resolver: Resolver, spec: SymbolSpec, context: AuditContext
    ) -> None:
        self.index = index
        self.resolver = resolver
        self.spec = spec
        self.context = context
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
                form = fact.form
                if form is not None:
                    SITE_FORMS[form].audit_import(self, source, fact)
            for each in FORMS:
                each.audit_file(self, source, facts)
        found = [self._left(site) for site in self.sites]
        legacy = PathClassifier(self, found).classify()
        public = frozenset(p.path for p in legacy if p.role == PUBLIC)
        sites = sorted(self._mark_reexports(found, public), key=site_order)
        return SymbolAudit(
            self.spec,
            self.target,
            tuple(sites),
            tuple(self.strings),
            tuple(self.different),
            tuple(self.broken),
            legacy,
            public,
            self.definition_module,
            self.context.load_time,
        )

    @property
    def definition_module(self) -> str:
        if self.target.kind != "definition":
            return ""
        return self.target.path.rpartition(".")[0]

    def _left(self, site: Site) -> Site:
        """The site with why it is left by design, if it is (see `Site.left`)."""
        module = self.by_rel[site.rel].module
        if site.canonical:
            return site
        if module == self.spec.canonical_module:
            return dataclasses.replace(site, left=LEFT_CANONICAL_MODULE)
        if module in self.context.load_time and runs_at_import_time(site) and not site.through:
            return dataclasses.replace(site, left=LEFT_LOAD_TIME)
        left = SITE_FORMS[site.form].left
        return dataclasses.replace(site, left=left) if left else site

    def _interest_names(self) -> set[str]:
        """Every name some module binds to the target, or a configured legacy path reaching
        it names: the only names a site can use."""
        names = set(self.handles)
        if self.target.kind == "definition":
            # An alias or facade canonical: imports of the definition's own name reach it too.
            names.add(self.target.path.rpartition(".")[2])
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
                    if spelled in names and self.reaches(module, binding.name):
                        found.add(binding.name)
            if not found:
                return names
            names |= found

    def reaches(self, module: str, name: str) -> bool:
        return self.resolver.resolve_name(module, name).same_object(self.target)

    def add_site(self, site: Site) -> None:
        self.sites.append(site)

    def add_string(self, finding: Finding) -> None:
        self.strings.append(finding)

    def _mark_reexports(self, sites: list[Site], public: frozenset[str]) -> Iterator[Site]:
        """A module-level import binding a public legacy path of its own module: the shim
        of that module takes it over."""
        for site in sites:
            form = SITE_FORMS[site.form]
            module = self.by_rel[site.rel].module
            own = module is not None and f"{module}.{form.bound_name(site)}" in public
            if site.scope == "module" and form.binds_name and own:
                site = dataclasses.replace(site, reexport=True)
            yield site

    def through(self, bound: str, full: str) -> str:
        """The submodule path from `bound` (the module an import binds) to the canonical
        module, when importing `bound` loads it on the way to the name `full` reads; else
        empty (see `Site.through`)."""
        canonical = self.spec.canonical_module
        if not canonical.startswith(bound + "."):
            return ""
        module, _, name = full.rpartition(".")
        if not self.index.is_module(module):
            return ""
        if not self.resolver.loads_on_import(module, name, canonical):
            return ""
        return canonical[len(bound) + 1 :]

    def apart(self, source: SourceFile, fact: ImportFact, path: str, found: Target) -> None:
        """A same-named import of another object, or one that resolves nowhere."""
        if found.found:
            detail = f"reaches {found.kind} {found.path}"
            self.different.append(Finding(source.rel, fact.span.line, fact.span.col, path, detail))
        elif found.kind == "unresolved":
            self.broken.append(
                Finding(source.rel, fact.span.line, fact.span.col, path, found.reason)
            )

    def site(
        self,
        source: SourceFile,
        fact: ImportFact,
        path: str,
        form: SiteForm,
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
            written=written(fact),
            scope=fact.scope,
            guard=fact.guard,
            canonical=path == self.spec.canonical,
            reexport=False,
            fact=fact,
            references=references,
        )
