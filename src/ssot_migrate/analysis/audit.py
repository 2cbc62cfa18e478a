"""Per symbol: every import site, which reach the canonical object, and which do not; the
frozen findings of an audit (`auditor` makes them), and why a legacy path has its role.

A *variation* is an import site that reaches the symbol through a non-canonical path; a
*pattern* is a distinct (path, form, alias) triple. Same-named imports of another object,
and imports of the name that resolve nowhere, are reported apart and never counted as
variations.
"""

from __future__ import annotations

from dataclasses import dataclass

from ssot_migrate.analysis.resolve import Target
from ssot_migrate.base.outcomes import NoteKind
from ssot_migrate.config.model import SymbolSpec
from ssot_migrate.index.facts import Guard, ImportFact, ModuleFacts, Scope, SiteForm

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
    form: SiteForm
    local: str | None
    """The name the site binds or uses locally (None for star imports)."""
    alias: str | None
    """The import's ``as`` name, if it renames (``as S`` re-exporting ``S`` does not)."""
    written: str
    scope: Scope
    guard: Guard | None
    canonical: bool
    reexport: bool
    fact: ImportFact
    """The import the site goes through (for a module attribute, the one binding its root)."""
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
LEFT_KINDS = {
    LEFT_CANONICAL_MODULE: NoteKind.CANONICAL_MODULE,
    LEFT_LOAD_TIME: NoteKind.LOAD_TIME,
}
"""How a run counts a site left by each reason (`Site.left`) no form gives (those are the
forms' own: `forms.registry.FORM_LEFT_KINDS`)."""


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
    """Why the path has its role (configured, imported through, listed in __all__, ...):
    its `rule`, and after a colon what in the code made it apply, if anything did."""
    rule: str = ""
    """The rule that gave the path its role (one of the reasons below: `SHIM_EXCLUDED`,
    `COMPATIBILITY_MODULE`, ...), which a run counts shims by."""


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


def runs_at_import_time(site: Site) -> bool:
    """Whether the site's import runs when its module is imported: at module level or in a
    class body, not under ``if TYPE_CHECKING:`` (a function's import runs when called)."""
    return site.scope != "function" and site.guard != "type-checking"


def site_order(site: Site) -> tuple[str, int, int]:
    return (site.rel, site.line, site.col)


def written(fact: ImportFact) -> str:
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
COMPATIBILITY_MODULE = "compatibility module"
"""(Its reason goes on: "it only imports and re-binds names".)"""
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
