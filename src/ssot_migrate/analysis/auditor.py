"""The audit of one symbol (`audit_symbol`), pure: its imports, attribute uses and strings
classified against the canonical object, its legacy paths given their roles by
`legacy_roles` (the findings' types and the rules' words are in `audit`)."""

from __future__ import annotations

import dataclasses
from collections import Counter

from ssot_migrate.analysis.audit import (
    LEFT_CANONICAL_MODULE,
    LEFT_LOAD_TIME,
    LEFT_STAR,
    PUBLIC,
    AuditContext,
    Finding,
    Site,
    SymbolAudit,
    mark_reexports,
    runs_at_import_time,
    site_order,
    written,
)
from ssot_migrate.analysis.legacy_roles import PathClassifier
from ssot_migrate.analysis.resolve import Resolver, Target
from ssot_migrate.analysis.uses import resolve_use
from ssot_migrate.config.model import SymbolSpec
from ssot_migrate.index.facts import (
    ImportFact,
    Index,
    ModuleFacts,
    SiteForm,
    SourceFile,
    absolute_module,
)


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
                if fact.kind == "from":
                    self._from_import(source, fact)
                elif fact.kind == "star":
                    self._star_import(source, fact)
            self._attribute_uses(source, facts)
            self._strings(source, facts)
        found = [self._left(site) for site in self.sites]
        legacy = PathClassifier(self, found).classify()
        public = frozenset(p.path for p in legacy if p.role == PUBLIC)
        sites = sorted(mark_reexports(found, public, self.by_rel), key=site_order)
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
        if site.form is SiteForm.STAR_IMPORT:
            return dataclasses.replace(site, left=LEFT_STAR)
        return site

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
            form = fact.form
            assert form is not None
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
            self.sites.append(
                self._site(source, fact, f"{module}.{reaching[0]}", SiteForm.STAR_IMPORT)
            )

    def _attribute_uses(self, source: SourceFile, facts: ModuleFacts) -> None:
        """``import P`` + ``P.S`` and ``import P as M`` + ``M.S``: one site per import."""
        uses: Counter[tuple[ImportFact, str]] = Counter()
        modules: dict[tuple[ImportFact, str], str] = {}
        at_import_time: set[tuple[ImportFact, str]] = set()
        declared: set[tuple[ImportFact, str]] = set()
        apart: dict[tuple[ImportFact, str], Target] = {}
        for use in facts.attributes:
            last = use.dotted.rpartition(".")[2]
            if last not in self.names and last not in self.configured_names:
                continue
            reached = resolve_use(self.resolver, source, facts, use)
            if reached is None or reached.fact.kind == "star":
                continue
            fact, start, rest = reached.fact, reached.bound, reached.rest
            if not start.found:
                # ``from pkg import gone`` / ``import pkg.gone as gone``, then ``gone.S``:
                # the import names a module that is not there.
                missing = self.resolver.resolve_module_import(source, fact)
                full = f"{missing.path}.{rest}"
                if last in self.handles or full in self.configured:
                    apart.setdefault((fact, full), missing)
            if reached.target is None:
                continue
            full, found = reached.path, reached.target
            if found.same_object(self.target):
                uses[(fact, full)] += 1
                modules[(fact, full)] = start.path
                if use.scope != "function":
                    at_import_time.add((fact, full))
                if found.by_declaration:
                    declared.add((fact, full))
            elif last in self.handles or full in self.configured:
                apart.setdefault((fact, full), found)
        for (fact, full), count in uses.items():
            local = fact.local_name
            site = self._site(source, fact, full, SiteForm.MODULE_ATTRIBUTE, local, count)
            by_declaration = (fact, full) in declared
            through = ""
            if source.module in self.context.load_time and (fact, full) not in at_import_time:
                through = self._through(modules[(fact, full)], full)
            site = dataclasses.replace(site, by_declaration=by_declaration, through=through)
            self.sites.append(site)
        for (fact, full), found in apart.items():
            self._apart(source, fact, full, found)

    def _through(self, bound: str, full: str) -> str:
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
