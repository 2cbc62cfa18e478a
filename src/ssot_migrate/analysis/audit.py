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

from ssot_migrate.analysis.resolve import Resolver, Target, local_import_target
from ssot_migrate.config.model import SymbolSpec
from ssot_migrate.index.facts import (
    Guard,
    ImportFact,
    Index,
    ModuleFacts,
    Scope,
    SourceFile,
    absolute_module,
)

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
    through: str = ""
    """For a module-attribute site the canonical module imports at import time whose uses
    all run later (in functions), when the imported package loads the canonical module on
    import: the submodule path to insert (``pkg.S`` becomes ``pkg.<through>.S``), so the
    site is migrated through the import it has, without a new one."""
    left: str = ""
    """Why the site is left as it is by design, and not counted as a variation (empty for a
    site to migrate): it stands in the canonical module; it runs at import time in a module
    the canonical module imports at import time (rewritten, it would import a half-initialised
    module; a function's import runs later and is rewritten); or it is a star import (the
    names it binds are implicit)."""


@dataclass(frozen=True, slots=True)
class AuditContext:
    """What an audit needs beyond the index: facts of the project that are not per file."""

    load_time: frozenset[str] = frozenset()
    """Modules the canonical module imports at import time: its module-level imports
    outside ``if TYPE_CHECKING:``, transitively, with the packages they run on the way."""
    shim_excluded: frozenset[str] = frozenset()
    """Files (`rel`) that are never shimmed (``shim-exclude``: test files by default)."""


LEFT_CANONICAL_MODULE = "in the canonical module"
LEFT_LOAD_TIME = (
    "imported by the canonical module at import time: importing the canonical path here "
    "would import a half-initialised module"
)
LEFT_STAR = "star import: the names it binds are implicit"


@dataclass(frozen=True, slots=True)
class Finding:
    rel: str
    line: int
    col: int
    path: str
    detail: str


PUBLIC = "public"
INCIDENTAL = "incidental"


@dataclass(frozen=True, slots=True)
class LegacyPath:
    path: str
    sites: int
    strings: int
    kind: str
    """found | configured | configured-by-declaration: how the path is known (found in the
    code, or listed in the config)."""
    detail: str = ""
    role: str = PUBLIC
    """public: a path others may use, which keeps working through a deprecation shim;
    incidental: a module that binds the name for its own use (or may not take a shim),
    whose imports are rewritten like any importer's, with no shim."""
    reason: str = ""
    """Why the path has its role (configured, imported through, listed in __all__, ...)."""


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
    """Every non-canonical path that reaches the object, with its role (see `LegacyPath`)."""
    declared: frozenset[str] = frozenset()
    """The public legacy paths: each one's module gets a deprecation shim for the name."""
    definition: str = ""
    """The module that defines the object (never shimmed; empty when it is not a definition
    under the source roots)."""
    load_time: frozenset[str] = frozenset()
    """The modules the canonical module imports at import time (see `AuditContext`)."""

    @property
    def all_legacy_paths(self) -> frozenset[str]:
        """Every legacy path of the symbol: reached by sites or strings, configured, or
        bound by a module to the object."""
        return frozenset(p.path for p in self.legacy_paths) | self.declared

    @property
    def reported_paths(self) -> tuple[LegacyPath, ...]:
        """The legacy paths worth a line in a report: the public ones, and any path still
        used (an incidental path nobody imports through is listed with -v only)."""
        return tuple(p for p in self.legacy_paths if p.role == PUBLIC or p.sites or p.strings)

    @property
    def variations(self) -> tuple[Site, ...]:
        """Sites to migrate: not canonical, and not left as they are by design."""
        return tuple(s for s in self.sites if not s.canonical and not s.left)

    @property
    def left_by_design(self) -> tuple[Site, ...]:
        return tuple(s for s in self.sites if not s.canonical and s.left)

    @property
    def patterns(self) -> frozenset[tuple[str, str, str | None]]:
        return frozenset((s.path, s.form, s.alias) for s in self.variations)

    @property
    def above_target(self) -> bool:
        return len(self.variations) > self.spec.target


def audit_symbol(
    index: Index, resolver: Resolver, spec: SymbolSpec, context: AuditContext | None = None
) -> SymbolAudit:
    return _SymbolAuditor(index, resolver, spec, context or AuditContext()).run()


class _SymbolAuditor:
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
        legacy = _PathClassifier(self, found).classify()
        public = frozenset(p.path for p in legacy if p.role == PUBLIC)
        sites = sorted(_mark_reexports(found, public, self.by_rel), key=_site_order)
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
        if module in self.context.load_time and _runs_at_import_time(site) and not site.through:
            return dataclasses.replace(site, left=LEFT_LOAD_TIME)
        if site.form == "star-import":
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
        modules: dict[tuple[ImportFact, str], str] = {}
        at_import_time: set[tuple[ImportFact, str]] = set()
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
                modules[(fact, full)] = start.path
                if use.scope != "function":
                    at_import_time.add((fact, full))
                if found.by_declaration:
                    declared.add((fact, full))
            elif last in self.handles or full in self.configured:
                apart.setdefault((fact, full), found)
        for (fact, full), count in uses.items():
            local = fact.local_name
            site = self._site(source, fact, full, "module-attribute", local, count)
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


def _runs_at_import_time(site: Site) -> bool:
    """Whether the site's import runs when its module is imported: at module level or in a
    class body, not under ``if TYPE_CHECKING:`` (a function's import runs when called)."""
    return site.scope != "function" and site.guard != "type-checking"


def _site_order(site: Site) -> tuple[str, int, int]:
    return (site.rel, site.line, site.col)


def _mark_reexports(
    sites: list[Site], public: frozenset[str], by_rel: dict[str, SourceFile]
) -> Iterator[Site]:
    """A module-level import binding a public legacy path of its own module: the shim of
    that module takes it over."""
    for site in sites:
        module = by_rel[site.rel].module
        bound = site.path.rpartition(".")[2] if site.form == "star-import" else site.local
        own = module is not None and f"{module}.{bound}" in public
        if site.scope == "module" and site.form != "module-attribute" and own:
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


# Why a path is public (it gets a shim) ...
CONFIGURED = "configured"
CONFIGURED_LAZY = "configured, served by the module's __getattr__"
SERVED_BY_SHIM = "served by a generated shim"
IMPORTED_THROUGH = "imported through"
LISTED_IN_ALL = "listed in __all__"
IMPORTED_AS_ITSELF = "imported as itself (X as X)"
UNUSED_IMPORT = "a package binds it and never uses it (re-export idiom)"
COMPATIBILITY_MODULE = "compatibility module: it only imports and re-binds names"
ALIAS_DEFINITION = "alias defined here"
# ... or incidental (it gets none; its imports are rewritten like any importer's).
DEFINING_MODULE = "defining module: never shimmed"
IN_CANONICAL_MODULE = "in the canonical module: never shimmed"
SHIM_EXCLUDED = "shim-exclude"
READ_BY_LEFT_CODE = (
    "read by an import the run leaves as it is (a shim would make the project's own code warn)"
)
TYPE_CHECKING_ONLY = "bound only under if TYPE_CHECKING"
PRIVATE_NAME = "a private name: no re-export unless __all__ or an import through it says so"
STAR_IMPORT = "star import: bound for its own use"
OWN_USE = "the module uses the name itself"
UNUSED_IN_A_MODULE = "imported and never used (in a module, not a package: no re-export idiom)"


class _PathClassifier:
    """Every path that reaches the symbol, with its role: public legacy (a shim keeps it
    working) or incidental (no shim)."""

    def __init__(self, auditor: _SymbolAuditor, sites: list[Site]) -> None:
        self.auditor = auditor
        self.sites = sites
        self.left_reads: dict[str, Site] = {}
        """Paths that code the run leaves as it is still reads (star imports aside, which
        the shim serves with a warning the user can act on)."""
        for site in sites:
            if site.left and site.form != "star-import":
                self.left_reads.setdefault(site.path, site)

    def classify(self) -> tuple[LegacyPath, ...]:
        auditor = self.auditor
        spec, target, resolver = auditor.spec, auditor.target, auditor.resolver
        site_counts = Counter(s.path for s in self.sites)
        used = Counter(s.path for s in self.sites if not s.canonical)
        string_counts = Counter(s.path for s in auditor.strings)
        used.update(s.path for s in auditor.strings if s.detail == "legacy")
        paths: dict[str, str] = dict.fromkeys(site_counts.keys() | string_counts.keys(), "found")
        for path in self._bound_paths():
            paths.setdefault(path, "found")
        lazy: dict[str, str] = {}
        # A configured path reaching another object is a config error (`validate`).
        for path in spec.legacy:
            reached = resolver.resolve_path(path)
            if reached.same_object(target) and reached.by_declaration:
                paths[path] = BY_DECLARATION
                module = path.rpartition(".")[0]
                lazy[path] = f"served by {module}.__getattr__; verify --runtime checks the identity"
            elif reached.same_object(target):
                paths[path] = "configured"
        paths.pop(spec.canonical, None)
        legacy = []
        for path, kind in sorted(paths.items(), key=lambda i: (-site_counts[i[0]], i[0])):
            role, reason = self._role(path, kind, used[path])
            legacy.append(
                LegacyPath(
                    path,
                    site_counts[path],
                    string_counts[path],
                    kind,
                    lazy.get(path, ""),
                    role,
                    reason,
                )
            )
        return tuple(legacy)

    def _bound_paths(self) -> Iterator[str]:
        """``module.name`` for every name a parsed module binds to the object: explicitly,
        or through a star import."""
        auditor = self.auditor
        names = auditor.names
        for rel, facts in auditor.index.facts.items():
            module = auditor.by_rel[rel].module
            if module is None:
                continue
            bound = {b.name for b in facts.bindings if b.kind != "star"} & names
            if any(b.kind == "star" for b in facts.bindings):
                bound |= names
            for name in sorted(bound):
                if auditor.resolver.resolve_name(module, name).same_object(auditor.target):
                    yield f"{module}.{name}"

    def _role(self, path: str, kind: str, used: int) -> tuple[str, str]:
        """(role, reason) of a legacy path, the first rule that applies deciding."""
        auditor = self.auditor
        module, _, name = path.rpartition(".")
        source = auditor.index.modules.get(module)
        facts = auditor.index.facts_of_module(module)
        if module == auditor.definition_module:
            return INCIDENTAL, DEFINING_MODULE
        if module == auditor.spec.canonical_module:
            return INCIDENTAL, IN_CANONICAL_MODULE
        if source is not None and source.rel in auditor.context.shim_excluded:
            return INCIDENTAL, f"{SHIM_EXCLUDED}: never shimmed"
        if kind == BY_DECLARATION:
            return PUBLIC, CONFIGURED_LAZY
        if kind == "configured":
            return PUBLIC, CONFIGURED
        if facts is None:
            return PUBLIC, IMPORTED_THROUGH if used else CONFIGURED
        if name in facts.shim_served:
            return PUBLIC, SERVED_BY_SHIM
        reader = self.left_reads.get(path)
        if reader is not None:
            return INCIDENTAL, f"{READ_BY_LEFT_CODE}: {reader.rel}:{reader.line}"
        if used:
            return PUBLIC, IMPORTED_THROUGH
        if name in (facts.dunder_all or ()):
            return PUBLIC, LISTED_IN_ALL
        if any(f.scope == "module" and f.kind == "from" and f.alias == f.name == name
               for f in facts.imports):  # fmt: skip
            return PUBLIC, IMPORTED_AS_ITSELF
        bindings = [b for b in facts.bindings if b.name == name]
        if bindings and all(b.guard == "type-checking" for b in bindings):
            return INCIDENTAL, TYPE_CHECKING_ONLY
        if name.startswith("_"):
            return INCIDENTAL, PRIVATE_NAME
        if name in facts.unread and source is not None and source.is_package:
            return PUBLIC, UNUSED_IMPORT
        if only_reexports(facts) and bindings:
            return PUBLIC, COMPATIBILITY_MODULE
        if any(b.kind == "alias" for b in bindings):
            return PUBLIC, ALIAS_DEFINITION
        if not bindings:
            return INCIDENTAL, STAR_IMPORT
        if name in facts.unread:
            return INCIDENTAL, UNUSED_IN_A_MODULE
        return INCIDENTAL, OWN_USE
