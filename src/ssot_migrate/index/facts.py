"""Per-file facts: what one module imports, binds and mentions. Frozen, picklable values.

The cached values are NamedTuples: they unpickle several times faster than dataclasses,
which is most of a warm run's time.

Facts do not depend on the symbol being audited, so they are cached by content hash and
shared by every symbol and every command.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal, NamedTuple

from ssot_migrate.base.dotted import resolve_relative

Scope = Literal["module", "class", "function"]
Guard = Literal["type-checking", "import-error-fallback", "import-error-handler", "conditional"]
"""Where a statement runs: under ``if TYPE_CHECKING:``; in a ``try`` whose handler catches
ImportError; in that handler (the fallback branch); under any other condition or loop."""
ImportKind = Literal["from", "import", "star"]


class SiteForm(StrEnum):
    """How a site reaches a symbol, as the audit names it (its JSON's ``form``)."""

    FROM_IMPORT = "from-import"
    RELATIVE_FROM_IMPORT = "relative-from-import"
    MODULE_ATTRIBUTE = "module-attribute"
    """``import pkg`` (``import pkg as m``, ``from a import pkg``) and ``pkg.S``."""
    STAR_IMPORT = "star-import"


BindingKind = Literal["definition", "import-from", "import-module", "alias", "star"]


class Span(NamedTuple):
    """1-based lines, 0-based columns counted in characters (as LibCST and editors do)."""

    line: int
    col: int
    end_line: int
    end_col: int


class ImportFact(NamedTuple):
    """One imported name of one import statement.

    ``from a.b import C as D`` -> kind "from", module "a.b", level 0, name "C", alias "D".
    ``import a.b as m`` -> kind "import", module "a.b", name None, alias "m".
    ``from . import *`` -> kind "star", module "", level 1.
    """

    kind: ImportKind
    module: str
    level: int
    name: str | None
    alias: str | None
    span: Span
    stmt: Span
    scope: Scope
    guard: Guard | None
    block: tuple[int, int]
    """The statement list holding the import (line and column of its first statement):
    two imports with the same block are siblings, so one may absorb the other's names."""
    namespace: tuple[int, int]
    """Where the binding lives: the innermost enclosing ``def`` (its line and column), or
    (0, 0) for the module namespace, which a class body's imports share (a class body sees
    its own names and, before they are bound, the module's: one group for safety)."""

    @property
    def form(self) -> SiteForm | None:
        """The form of a site this import makes by itself (None: an ``import`` statement,
        whose sites are the attribute uses of what it binds, `SiteForm.MODULE_ATTRIBUTE`)."""
        if self.kind == "star":
            return SiteForm.STAR_IMPORT
        if self.kind == "from":
            return SiteForm.RELATIVE_FROM_IMPORT if self.level else SiteForm.FROM_IMPORT
        return None

    @property
    def local_name(self) -> str | None:
        """The name this import binds in its scope (None for star imports)."""
        if self.kind == "star":
            return None
        if self.alias:
            return self.alias
        if self.kind == "from":
            return self.name
        return self.module.split(".")[0]


class Binding(NamedTuple):
    """A module-level name binding, in source order.

    definition: ``class C``, ``def f``, ``X = <expression>`` (an object made here).
    alias: ``X = Y`` or ``X = m.Y``; `target` is the dotted expression ``Y`` / ``m.Y``.
    import-from: ``from m import Y as X``; `target` is ``m``'s absolute or relative text,
    with `level` and `name` set.
    import-module: ``import a.b`` binds ``a`` (target "a"); ``import a.b as X`` -> "a.b".
    """

    name: str
    kind: BindingKind
    target: str
    level: int
    imported: str | None
    line: int
    guard: Guard | None


class AttributeUse(NamedTuple):
    """A dotted reference ``root.a.b`` whose root name some import of the file binds."""

    dotted: str
    span: Span
    scope: Scope
    binder: tuple[int, int]
    """The namespace (see `ImportFact.namespace`) whose import of the root this use sees:
    the innermost enclosing function that imports the root, else the module (0, 0)."""


class StringRef(NamedTuple):
    """A string literal whose whole value is a dotted path (``"a.b.C"``)."""

    value: str
    span: Span


class ParseFailure(NamedTuple):
    line: int
    col: int
    reason: str


class ModuleFacts(NamedTuple):
    imports: tuple[ImportFact, ...]
    bindings: tuple[Binding, ...]
    attributes: tuple[AttributeUse, ...]
    strings: tuple[StringRef, ...]
    dunder_all: tuple[str, ...] | None
    """Literal ``__all__`` if the module sets one we can read statically."""
    has_getattr: bool
    """The module defines a module-level ``__getattr__`` (PEP 562)."""
    reexport_only: bool
    """Every module-level statement only imports or re-binds names (a docstring, imports,
    ``X = Y`` aliases, ``__all__``, ``del``), under ``if``/``try`` at most: a compatibility
    module, which exists for others to import through."""
    parser: Literal["ast", "libcst"]
    """Which parser read the file: libcst for syntax newer than the running interpreter
    (PEP 695 type parameters are blanked by text instead, see `type_parameters`; the file
    is still marked libcst: it was not read as written)."""
    unread: tuple[str, ...] = ()
    """Module-level names bound by ``from m import name`` that the module's own code never
    spells outside import statements, ``__all__`` and comments: the unused-import idiom by
    which a package re-exports a name (a mention in a docstring or a string counts as a
    read, which errs towards treating the module as using the name itself)."""
    shim_served: tuple[str, ...] = ()
    """The names a generated ssot-migrate shim block in the module serves (its
    ``_SSOT_MOVED`` keys): legacy paths a phase already deprecated."""
    chains_for: tuple[str, ...] | None = None
    """The names of interest `attributes` were recorded for (sorted): every chain rooted at
    one of them or at the root of a chain naming one, and no other chain need be there
    (see `extract.extract_facts`). None: every chain rooted at an imported name."""

    unbound: tuple[str, ...] = ()
    """Names an unguarded module-level ``del NAME`` or ``globals().pop("NAME", ...)`` takes
    out of the namespace: a star import above does not provide them to importers (as a
    retired shim leaves a name a star re-export binds)."""

    def chain_roots(self) -> frozenset[str] | None:
        """The roots whose every chain `attributes` holds, as far as the facts show: those
        of its chains and the names of interest (None: all)."""
        if self.chains_for is None:
            return None
        return frozenset({*self.chains_for, *(a.dotted.partition(".")[0] for a in self.attributes)})


Progress = Callable[[str, int, int], None]
"""``progress(step, done, total)``: how far a long step is (the CLI draws it on a TTY)."""


class SourceFile(NamedTuple):
    """One discovered file (a NamedTuple: tens of thousands are made on every run)."""

    abspath: str
    """Absolute path (a string: 50,000 Path objects cost a warm run noticeable time)."""
    rel: str
    """POSIX path relative to the repository root: the file's identity in reports."""
    module: str | None
    """Dotted module name, or None for a file no import can name (``my-scripts/x.py``)."""
    is_package: bool
    """An ``__init__.py``: relative imports resolve against the module itself."""

    @property
    def path(self) -> Path:
        return Path(self.abspath)

    @property
    def package(self) -> str | None:
        """The package relative imports in this file are resolved against."""
        if self.module is None:
            return None
        if self.is_package:
            return self.module
        return self.module.rpartition(".")[0]


@dataclass(frozen=True, slots=True)
class Index:
    files: tuple[SourceFile, ...]
    facts: Mapping[str, ModuleFacts]
    """Parsed files by `rel`; a file absent here cannot mention a name of interest."""
    failures: Mapping[str, ParseFailure]
    unreadable: Mapping[str, str]
    modules: Mapping[str, SourceFile]
    """Every discovered module by dotted name, parsed or not."""
    complete: bool
    """True when every file was parsed (no prefilter)."""
    namespaces: frozenset[str] = frozenset()
    """Folders importable as namespace packages (PEP 420): no ``__init__.py`` of their own."""
    content_keys: Mapping[str, bytes] = dataclasses.field(default_factory=dict)
    """Content hash of every parsed file: with the module list, all an audit depends on."""

    def is_module(self, name: str) -> bool:
        return name in self.modules or name in self.namespaces

    def facts_of_module(self, module: str) -> ModuleFacts | None:
        source = self.modules.get(module)
        return None if source is None else self.facts.get(source.rel)


def absolute_module(source: SourceFile, module: str, level: int) -> str | None:
    """The absolute module a (possibly relative) import names, or None when it cannot be."""
    return resolve_relative(source.package, level, module)
