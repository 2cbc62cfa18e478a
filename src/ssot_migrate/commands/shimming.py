"""The shims of a project: which modules get one, their verified text, and the legacy paths
the generated blocks already on disk serve."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ssot_migrate.analysis.audit import SHIM_EXCLUDED, LegacyPath, SymbolAudit
from ssot_migrate.base.outcomes import Note, NoteKind
from ssot_migrate.commands.project import (
    Project,
    phase_of,
)
from ssot_migrate.config.model import Config
from ssot_migrate.config.target_python import TargetPython, target_python
from ssot_migrate.index.extract import extract_facts
from ssot_migrate.index.facts import ModuleFacts
from ssot_migrate.io import workspace
from ssot_migrate.rewrite.outcomes import SHIM_FORM, FileChange
from ssot_migrate.rewrite.verify import module_bindings_changed, resolver_with
from ssot_migrate.shims.block import BEGIN, ShimOrigin, ShimRefused, served_names
from ssot_migrate.shims.legacy_module import shim_module, unbinds_names
from ssot_migrate.shims.own_getattr import deprecated_by_own_getattr
from ssot_migrate.shims.plan import plan_shims


def why_shimmed(
    project: Project, shims: Sequence[FileChange], audits: Sequence[SymbolAudit]
) -> list[Note]:
    """Why each shimmed module is a public legacy path (the reason of its first path)."""

    reasons: dict[str, LegacyPath] = {}
    for audit in audits:
        for path in audit.legacy_paths:
            if path.path in audit.declared:
                reasons.setdefault(path.path.rpartition(".")[0], path)
    modules = {f.rel: f.module for f in project.files}
    notes = []
    for change in shims:
        found = reasons.get(str(modules.get(change.rel)))
        why, rule = (found.reason, found.rule) if found else ("public legacy path",) * 2
        # Counted by the rule that made the path public, not by what made it apply.
        notes.append(Note(change.rel, 1, why, NoteKind.SHIMMED, rule))
    return notes


@dataclass(frozen=True, slots=True)
class PlannedShims:
    """The shims a phase makes, before any text is rendered."""

    targets: tuple[Any, ...] = ()
    """`shims.ShimTarget`s with the names each serves (those the module's own
    ``__getattr__`` already deprecates taken out)."""
    unbinding: tuple[Any, ...] = ()
    """The targets whose shim takes the names out of the module's namespace (a
    ``__getattr__`` serves them); the others keep them bound behind a module class."""
    origins: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    """`shims.ShimOrigin` by target `rel`: the phase that makes it and its settings."""
    notes: tuple[Note, ...] = ()
    refused: tuple[Note, ...] = ()
    """Modules that cannot take a shim (the block would not run on the project's oldest
    Python, say): importers like any other, whose imports the run rewrites."""


def plan_phase_shims(
    project: Project, audits: tuple[SymbolAudit, ...], phase: str | None
) -> PlannedShims:
    """A shim for every module of a public legacy path (see `audit`), minus the names its
    own ``__getattr__`` already deprecates."""

    config = project.config
    owner = phase_of(config)
    by_spec = {a.spec.canonical: a.spec.name for a in audits}
    targets = plan_shims(project.index, audits)
    notes: list[Note] = []
    for audit in audits:  # shim-exclude wins over code importing through the path: say so
        for path in audit.legacy_paths:
            source = project.index.modules.get(path.path.rpartition(".")[0])
            if path.rule == SHIM_EXCLUDED and (path.sites or path.strings):
                used = f"imported through at {path.sites + path.strings} place(s)"
                notes.append(Note(source.rel if source else path.path, 1,
                                  f"{SHIM_EXCLUDED}: {path.path} is {used}, and gets no shim",
                                  NoteKind.SHIM_EXCLUDED))  # fmt: skip
    if not targets:
        return PlannedShims(notes=tuple(notes))
    oldest = target_python(config)  # every shim must run on it
    kept: list[Any] = []
    unbinding: list[Any] = []
    refused: list[Note] = []
    origins: dict[str, Any] = {}
    for target in targets:
        before = workspace.read_bytes(project.index.modules[target.module].path)
        # A name the module's own __getattr__ already serves keeps its own warning.
        own = deprecated_by_own_getattr(before, (m.name for m in target.names))
        for name in sorted(own):
            left = f"already deprecated by its module's own __getattr__: {target.module}.{name}"
            notes.append(Note(target.rel, 1, f"{left}, left as is", NoteKind.OWN_GETATTR))
        names = tuple(m for m in target.names if m.name not in own)
        if not names:
            continue
        target = dataclasses.replace(target, names=names)
        first = names[0]
        name = phase or owner.get(by_spec.get(f"{first.module}.{first.attribute}", ""), "")
        origin = shim_origin(config, name, oldest)
        # A module that cannot take a shim (its Python too old for the block, say) is an
        # importer like any other: its imports are rewritten, not left for a shim to remove.
        try:
            shim_module(before, names, origin)
        except (ShimRefused, ValueError, SyntaxError) as error:
            refused.append(Note(target.rel, 1, f"no shim: {error}", NoteKind.NOT_SHIMMED))
            continue
        kept.append(target)
        origins[target.rel] = origin
        if unbinds_names(before, names):
            unbinding.append(target)
    return PlannedShims(tuple(kept), tuple(unbinding), origins, tuple(notes), tuple(refused))


def shim_origin(config: Config, phase: str, oldest: TargetPython | None = None) -> ShimOrigin:
    """Where a shim of `phase` comes from, for its header and warning (`oldest`: the
    project's oldest Python, if found already)."""
    oldest = oldest or target_python(config)
    titles = {p.name: p.title for p in config.phases}
    plan_file = config.config_file.name if config.config_file else "the default settings"
    return ShimOrigin(
        phase,
        titles.get(phase, ""),
        config.shims.category,
        config.shims.removal,
        plan_file,
        oldest.version,
        oldest.source,
    )


def rendered_shims(
    project: Project,
    planned: PlannedShims,
    contents: Mapping[str, bytes],
    rewritten: Mapping[str, FileChange],
    refused_rels: set[str],
) -> tuple[list[FileChange], list[Note]]:
    """The verified shims of `planned`, each made from its module's rewritten text when the
    rewrite changed it (`rewritten`), and checked against the module as it was."""

    changes: list[FileChange] = []
    refused: list[Note] = []
    by_rel = {f.rel: f for f in project.files}
    for target in planned.targets:
        if target.rel in refused_rels:
            continue  # its rewrite was refused: the file stays as it is, shim included
        source = by_rel[target.rel]
        before = contents[target.rel]
        rewrite = rewritten.get(target.rel)
        try:
            after = shim_module(
                rewrite.after if rewrite else before, target.names, planned.origins[target.rel]
            )
        except (ShimRefused, ValueError, SyntaxError) as error:
            refused.append(Note(target.rel, 1, f"no shim: {error}", NoteKind.NOT_SHIMMED))
            continue
        old, new = project.index.facts.get(target.rel), extract_facts(after, whole=True)
        if not (isinstance(old, ModuleFacts) and isinstance(new, ModuleFacts)):
            refused.append(
                Note(
                    target.rel, 1, "no shim: the module could not be re-read", NoteKind.NOT_SHIMMED
                )
            )
            continue
        after_resolver = resolver_with(project.resolver, source, new)
        changed = module_bindings_changed(source, old, new, project.resolver, after_resolver)
        if changed:
            refused.append(
                Note(
                    target.rel,
                    1,
                    f"no shim: it would change what {changed} is",
                    NoteKind.NOT_SHIMMED,
                )
            )
        elif after != before:
            sites = len(target.names) + (rewrite.sites if rewrite else 0)
            forms = {**(rewrite.forms if rewrite else {}), SHIM_FORM: 1}
            changes.append(FileChange(target.rel, before, after, sites, forms, new))
    return changes, refused


def served_paths(project: Project) -> dict[str, str]:
    """Legacy path -> canonical path, for every name a generated shim block on disk serves
    (its `_SSOT_MOVED`, see `shims.served_names`), whether or not anyone still imports it."""

    served: dict[str, str] = {}
    for module in sorted(shimmed_modules(project)):
        source = project.index.modules[module]
        for moved in served_names(workspace.read_bytes(source.path)):
            served[f"{module}.{moved.name}"] = f"{moved.module}.{moved.attribute}"
    return served


def served_by_symbol(project: Project, audits: Sequence[SymbolAudit]) -> dict[str, set[str]]:
    """Symbol name -> the legacy paths generated blocks on disk serve as its canonical
    object (alias paths included, where no import and no re-export names them any more)."""
    served = served_paths(project)
    return {
        a.spec.name: {path for path, target in served.items() if target == a.spec.canonical}
        for a in audits
    }


def own_deprecations(project: Project, audits: Sequence[SymbolAudit]) -> set[str]:
    """Legacy paths whose module's own ``__getattr__`` serves and deprecates the name (the
    shims leave them to it; see `shims.deprecated_by_own_getattr`)."""

    paths = {path for a in audits for path in a.all_legacy_paths}
    by_module: dict[str, set[str]] = {}
    for path in paths:
        module, _, name = path.rpartition(".")
        by_module.setdefault(module, set()).add(name)
    found: set[str] = set()
    for module, names in by_module.items():
        source = project.index.modules.get(module)
        if source is None:
            continue
        try:
            data = workspace.read_bytes(source.path)
        except OSError:
            continue
        found |= {f"{module}.{n}" for n in deprecated_by_own_getattr(data, names)}
    return found


def shimmed_modules(project: Project) -> set[str]:
    """Modules that already hold a generated shim block: both kinds bind `_SSOT_MOVED` (see
    `ModuleFacts.shim_served`; a module class serves the names it warns about without a
    __getattr__)."""

    found = set()
    for source in project.files:
        facts = project.index.facts.get(source.rel)
        if facts is None or source.module is None:
            continue
        if facts.shim_served and BEGIN.encode() in workspace.read_bytes(source.path):
            found.add(str(source.module))
    return found
