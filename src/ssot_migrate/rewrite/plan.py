"""Plan a phase's rewrite: which files it edits and at which sites (each site's form says
which edit it gets: `forms.form.Edit`), the sites it leaves alone and why, and which names
a file's imports already bind to different objects (the rewrite and its check both ask)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from ssot_migrate.analysis.audit import LEFT_KINDS, Site, SymbolAudit
from ssot_migrate.analysis.forms.dotted_string import STRING
from ssot_migrate.analysis.forms.form import Edit
from ssot_migrate.analysis.forms.registry import FORM_LEFT_KINDS, SITE_FORMS
from ssot_migrate.analysis.resolve import Resolver
from ssot_migrate.base.outcomes import Note, NoteKind
from ssot_migrate.codemods.import_edits import Destination
from ssot_migrate.index.facts import (
    ImportFact,
    Index,
    ModuleFacts,
    SourceFile,
    absolute_module,
)


@dataclass
class FilePlan:
    source: SourceFile
    facts: ModuleFacts
    from_moves: dict[ImportFact, Destination] = field(default_factory=dict)
    module_sites: list[Site] = field(default_factory=list)
    strings: dict[str, str] = field(default_factory=dict)
    sites: Counter[str] = field(default_factory=Counter)
    destinations: Mapping[str, Destination] = field(default_factory=dict)
    """Every path that reaches a symbol of the run -> its canonical import."""
    used_elsewhere: Callable[[str, str], bool] = field(default=lambda module, name: True)
    """Whether another file may import `name` from `module` (then it must keep its object)."""
    rebound: set[tuple[tuple[int, int], str]] | None = None
    """`rebound_names` of the file as it is, once found (the rewrite and its check both ask)."""
    renames: dict[str, Destination] = field(default_factory=dict)
    """``rename = true``: local names (the aliases its moved imports keep) to bind as the
    canonical name instead, with every use (`rewrite.rename`)."""
    renamed: dict[str, str] = field(default_factory=dict)
    """The renames the rewrite made (old local name -> canonical name), for its check."""
    renamed_uses: int = 0
    rename_kept: str = ""
    """Why the file keeps its aliases although `renames` asked (empty: renamed, or not asked)."""

    def add(self, site: Site, canonical: Destination, rename: bool = False) -> None:
        """Plan the edit the site's form makes of it (see `forms.form.Edit`); `rename`: its
        local name becomes the canonical name, if it is another."""
        edit = SITE_FORMS[site.form].edit
        if edit is Edit.REPOINT_CHAIN:
            self.module_sites.append(site)
        elif edit is Edit.MOVE_NAMES:
            self.from_moves[site.fact] = canonical
            if rename and site.local is not None and site.local != canonical.name:
                self.renames[site.local] = canonical
        else:
            raise ValueError(f"{site.rel}:{site.line}: a {site.form} site is never rewritten")
        self.sites[site.form] += 1

    def rebinds(self, resolver: Resolver) -> set[tuple[tuple[int, int], str]]:
        if self.rebound is None:
            self.rebound = rebound_names(self.source, self.facts, resolver)
        return self.rebound


_LEFT_KINDS = {**LEFT_KINDS, **FORM_LEFT_KINDS}


@dataclass(frozen=True, slots=True)
class RewritePlan:
    """Which files a run edits, and the sites it leaves alone (with reasons)."""

    files: Mapping[str, FilePlan]
    notes: tuple[Note, ...]
    unrewritten: tuple[Note, ...] = ()
    """Imports of a symbol's name that resolve nowhere or to another object (the audit's
    unresolved and different-object sites): never rewritten, only counted."""


def plan_rewrites(
    index: Index,
    audits: Sequence[SymbolAudit],
    strings: bool = True,
    shimmed: Mapping[str, frozenset[str]] | None = None,
    rename: bool = False,
) -> RewritePlan:
    """The edits of a phase. `shimmed`: per file (`rel`), the names its shim takes away
    from the module's namespace (its module-level imports of them are the shim's to
    remove, not to rewrite); its strings are left alone too."""
    plans, notes = _plan(index, audits, strings, shimmed or {}, rename)
    return RewritePlan(plans, tuple(notes), _unrewritten(audits))


def _unrewritten(audits: Sequence[SymbolAudit]) -> tuple[Note, ...]:
    found = [
        Note(f.rel, f.line, f"{kind}: {f.path}: {f.detail}", kind)
        for audit in audits
        for kind, findings in (
            (NoteKind.UNRESOLVED, audit.broken),
            (NoteKind.DIFFERENT_OBJECT, audit.different),
        )
        for f in findings
    ]
    return tuple(sorted(found, key=lambda n: (n.rel, n.line, n.reason)))


def _untouched_modules(audits: Sequence[SymbolAudit]) -> set[str]:
    """Modules whose strings are never rewritten: the canonical modules and what they
    import at import time (a lazy loader's table there must keep naming the definition)."""
    modules = set()
    for audit in audits:
        modules.add(audit.spec.canonical_module)
        modules |= audit.load_time
    return modules


def _plan(
    index: Index,
    audits: Sequence[SymbolAudit],
    strings: bool,
    shimmed: Mapping[str, frozenset[str]],
    rename: bool = False,
) -> tuple[dict[str, FilePlan], list[Note]]:
    by_rel = {f.rel: f for f in index.files}
    untouched = _untouched_modules(audits) | {str(by_rel[rel].module) for rel in shimmed}
    plans: dict[str, FilePlan] = {}
    notes: list[Note] = []
    destinations = _destinations(audits)

    def plan_for(rel: str) -> FilePlan:
        if rel not in plans:
            plans[rel] = FilePlan(by_rel[rel], index.facts[rel], destinations=destinations)
        return plans[rel]

    for audit in audits:
        canonical = Destination(audit.spec.canonical_module, audit.spec.canonical_name)
        for site in audit.sites:
            if site.canonical:
                continue
            if site.left:
                notes.append(Note(site.rel, site.line, site.left, _LEFT_KINDS[site.left]))
            elif site.scope == "module" and site.local in shimmed.get(site.rel, ()):
                notes.append(
                    Note(site.rel, site.line, "legacy module: its shim serves the name",
                         NoteKind.LEGACY_MODULE)
                )  # fmt: skip
            else:
                plan_for(site.rel).add(site, canonical, rename or audit.spec.rename)
        legacy_paths = {p.path for p in audit.legacy_paths}
        for found in audit.strings:
            if found.detail != "legacy":
                continue
            if not strings:
                notes.append(
                    Note(found.rel, found.line, NoteKind.STRINGS_OFF.value, NoteKind.STRINGS_OFF)
                )
            elif by_rel[found.rel].module in untouched:
                kind = NoteKind.STRING_IN_OWN_MODULE
                notes.append(Note(found.rel, found.line, kind.value, kind))
            else:
                plan = plan_for(found.rel)
                plan.strings[found.path] = audit.spec.canonical
                plan.sites[STRING.name] += 1
        notes.extend(_prefix_strings(index, legacy_paths, untouched, by_rel))
    return plans, notes


def _prefix_strings(
    index: Index, legacy: set[str], owned: set[str], by_rel: Mapping[str, SourceFile]
) -> Iterator[Note]:
    """Strings naming an attribute *through* a legacy path: reported, not rewritten."""
    if not legacy:
        return
    for rel, facts in index.facts.items():
        if by_rel[rel].module in owned:
            continue
        for ref in facts.strings:
            if any(ref.value.startswith(path + ".") for path in legacy):
                reason = f"string {ref.value!r} only starts with a legacy path"
                yield Note(rel, ref.span.line, reason, NoteKind.STRING_PREFIX)


def rebound_names(
    source: SourceFile, facts: ModuleFacts, resolver: Resolver
) -> set[tuple[tuple[int, int], str]]:
    """(namespace, name) pairs that imports of the file bind to different modules or
    objects within one namespace (``import a.b as a`` and ``import a.c`` both bind ``a``):
    which one a use sees depends on where it stands, so rewrites keyed by the name are
    unsafe there. A function's imports are its own namespace; a class body shares the
    module's (it sees the module's binding until its own runs). Targets are compared as
    what they resolve to (``from core.m import app``, where core.m imports the package
    ``app``, and ``import app.engine`` both bind the package), else as the dotted path they
    import (``from a import b as m`` and ``import a.b as m`` agree).
    """
    bound: dict[tuple[tuple[int, int], str], set[str]] = defaultdict(set)
    for fact in facts.imports:
        name = fact.local_name
        if name is None:
            continue
        target = resolver.resolve_import(source, fact)
        if target.found:
            what = f"{target.kind} {target.path}"
        elif fact.kind == "import":
            what = fact.module if fact.alias else fact.module.split(".")[0]
        else:
            module = absolute_module(source, fact.module, fact.level)
            what = (
                f"{module}.{fact.name}"
                if module
                else f"{'.' * fact.level}{fact.module}:{fact.name}"
            )
        bound[(fact.namespace, name)].add(what)
    return {key for key, targets in bound.items() if len(targets) > 1}


def _destinations(audits: Iterable[SymbolAudit]) -> dict[str, Destination]:
    """Every path that reaches a symbol, and the canonical import it moves to."""
    found: dict[str, Destination] = {}
    for audit in audits:
        destination = Destination(audit.spec.canonical_module, audit.spec.canonical_name)
        for site in audit.sites:
            found[site.path] = destination
        for legacy in audit.legacy_paths:
            found[legacy.path] = destination
    return found
