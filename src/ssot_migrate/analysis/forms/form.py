"""What every import form declares (`Form`): its name in reports, how the audit finds its
sites (`audit_import` for a form one import statement makes, `audit_file` for one made by
uses across a file), which edit the rewrite makes of them (`Edit`), and its examples."""

from __future__ import annotations

from collections.abc import Collection, Set
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from ssot_migrate.analysis.audit import AuditContext, Finding, Site
from ssot_migrate.analysis.resolve import Resolver, Target
from ssot_migrate.base.outcomes import NoteKind
from ssot_migrate.config.model import SymbolSpec
from ssot_migrate.index.facts import ImportFact, ModuleFacts, SiteForm, SourceFile


class Edit(StrEnum):
    """What the rewrite makes of a form's site (each is one step of `rewrite.apply`)."""

    MOVE_NAMES = "move-names"
    """The statement's moved names import from the canonical module: the statement is
    rewritten, split when some of its names stay, or absorbed into a canonical import of
    its block (``codemods.import_edits.rewrite_import_from``, ``rewrite.absorption``)."""
    REPOINT_CHAIN = "repoint-chain"
    """Each attribute chain points at the canonical module, whose import is added next to
    the one the chain goes through, or replaces it when it served only the symbols
    (``rewrite.uses.module_attribute_edits``)."""
    REPLACE_STRING = "replace-string"
    """The string's value becomes the canonical path, its quotes and prefix kept
    (``rewrite.uses.string_edits``)."""
    NONE = "none"
    """Never rewritten: the site is left by design (`Form.left`)."""


@dataclass(frozen=True, slots=True)
class Example:
    """One file of `EXAMPLE_PROJECT` as written, and as a run of its phase leaves it."""

    rel: str
    before: str
    after: str


EXAMPLE_PROJECT = {
    "ssot-migrate.toml": (
        'source-roots = ["."]\n'
        "[[phases]]\n"
        'name = "engine"\n'
        'symbols = [ { name = "Engine", canonical = "core.engine.Engine" } ]\n'
    ),
    "core/__init__.py": "",
    "core/engine.py": "class Engine:\n    pass\n",
    "core/legacy.py": '"""Compatibility."""\n\nfrom core.engine import Engine\n',
    "app/__init__.py": "from core.engine import Engine\n",
    "app/sub/__init__.py": "",
    "tools/__init__.py": "",
}
"""The project every form's examples are written against: ``Engine`` is defined in
``core.engine``, re-exported by the package ``app`` and the compatibility module
``core.legacy`` (its legacy paths ``app.Engine`` and ``core.legacy.Engine``)."""


class SiteFinder(Protocol):
    """What the auditor of one symbol offers a form's audit step."""

    @property
    def spec(self) -> SymbolSpec: ...
    @property
    def resolver(self) -> Resolver: ...
    @property
    def context(self) -> AuditContext: ...
    @property
    def target(self) -> Target: ...
    @property
    def handles(self) -> Set[str]:
        """The symbol's own names (its spec's and its canonical name)."""

    @property
    def names(self) -> Set[str]:
        """Every name a module binds to the target: the only names a site can use."""

    @property
    def configured(self) -> Collection[str]:
        """The configured legacy paths."""

    @property
    def configured_names(self) -> Set[str]: ...

    def reaches(self, module: str, name: str) -> bool:
        """Whether `name` of `module` is the symbol."""

    def through(self, bound: str, full: str) -> str:
        """See `Site.through`."""

    def site(
        self,
        source: SourceFile,
        fact: ImportFact,
        path: str,
        form: SiteForm,
        local: str | None = None,
        references: int = 1,
    ) -> Site: ...

    def add_site(self, site: Site) -> None: ...
    def add_string(self, finding: Finding) -> None: ...

    def apart(self, source: SourceFile, fact: ImportFact, path: str, found: Target) -> None:
        """Record a same-named import of another object, or one that resolves nowhere."""


class Form:
    """One import form. Subclasses set the class attributes and override the audit step
    their sites come from."""

    name: str
    """How reports and the run summary name the form (a `SiteForm` value, or ``string``)."""
    site_form: SiteForm | None = None
    """The `Site.form` of its sites (None: it makes string findings, not sites)."""
    edit: Edit
    left: str = ""
    """Why its sites are left as they are by design (empty: they are migrated)."""
    left_kind: NoteKind | None = None
    """How a run counts a site left for `left`."""
    left_reads_path: bool = True
    """Whether a site of the form the run leaves alone still reads its path (then the
    path's module takes no shim: it would make the project's own code warn)."""
    binds_name: bool = True
    """Whether a module-level site binds the symbol's name in its module (then it may be
    a re-export its module's shim takes over)."""
    examples: tuple[Example, ...] = ()

    def bound_name(self, site: Site) -> str | None:
        """The name a site of the form binds in its module."""
        return site.local

    def audit_import(self, finder: SiteFinder, source: SourceFile, fact: ImportFact) -> None:
        """The site one import statement of this form makes, if it reaches the symbol."""

    def audit_file(self, finder: SiteFinder, source: SourceFile, facts: ModuleFacts) -> None:
        """The sites (or string findings) a file makes by its uses rather than by one
        import statement."""
