"""Each batch of a landing passes its own verify before it is committed: its legacy paths
still reach their canonical objects once only its files are rewritten."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from ssot_migrate.analysis.auditor import audit_symbol
from ssot_migrate.analysis.resolve import Resolver
from ssot_migrate.checks.validate import check_canonicals
from ssot_migrate.checks.verification import check_legacy_paths
from ssot_migrate.commands.project import (
    Project,
    RunOptions,
    load,
    open_project,
    select_symbols,
    spelled_names,
)
from ssot_migrate.config.model import SymbolSpec
from ssot_migrate.index.cache import content_key, summarize
from ssot_migrate.index.extract import extract_facts
from ssot_migrate.index.facts import ModuleFacts
from ssot_migrate.rewrite.outcomes import FileChange
from ssot_migrate.rewrite.verify import overlay_index


class NeedsWorktree(Exception):
    """Reading in place cannot decide the phase: it must be built in a worktree."""


def batch_unverified(
    project: Project,
    options: RunOptions,
    phase: str,
    symbols: Sequence[str],
    changes: Sequence[FileChange],
    known: Mapping[str, set[str]],
    names: set[str],
    on_disk: bool = True,
) -> list[str]:
    """Legacy paths (found after `changes`, or `known` before them, by symbol name) that do
    not reach their canonical object once `changes` are made to the tree `project`
    indexed: the facts of the rewritten bytes (those their own verification extracted, or
    parsed here) are resolved in place of the old ones, and the rest of the index is
    reused.

    Overlaying the new facts is exact when every rewritten file was parsed before and none
    binds a new alias of the prefilter's `names` (a file the index skipped might use it);
    otherwise the tree, where `changes` are written (`on_disk`), is indexed again from
    disk. Without `on_disk` (`needs_reindex` said no batch would need it) that is an
    error.
    """

    index = project.index
    replaced: dict[str, ModuleFacts] = {}
    keys = dict(index.content_keys)
    for change in changes:
        new = change.facts or extract_facts(change.after, whole=True)
        if not isinstance(new, ModuleFacts):
            return [f"{change.rel} does not parse (line {new.line}: {new.reason})"]
        if change.rel not in index.facts or _widens_prefilter(new, names):
            if not on_disk:
                raise NeedsWorktree
            return unverified(options, phase, symbols, known)
        replaced[change.rel] = new
        keys[change.rel] = content_key(change.after)
    after = dataclasses.replace(overlay_index(index, replaced), content_keys=keys)
    resolver = Resolver(after, project.resolver.declared, like=project.resolver)
    specs = select_symbols(project.config, symbols, phase)
    problems = check_canonicals(project.config, specs, after, resolver)
    if problems:
        return [f"{p.where}: {p.what}" for p in problems]
    audits = tuple(audit_symbol(after, resolver, spec, project.context(spec)) for spec in specs)
    found = check_legacy_paths(resolver, audits, known)
    return [f"{f.legacy} {f.detail}" for f in found if not f.ok]


def prefilter_names(project: Project, specs: Sequence[SymbolSpec]) -> set[str]:
    """The names the index's byte prefilter looked for: the symbols' spellings and, to a
    fixed point, every alias bound to one of them in a parsed file (see `index`)."""

    names = {n for s in specs for n in spelled_names(s)}
    aliases: list[tuple[str, str]] = []
    for key in project.index.content_keys.values():
        summary = project.cache.summary(key)
        aliases += summary.aliases if summary is not None else ()
    fresh = {bound for bound, spelled in aliases if spelled in names} - names
    while fresh:
        names |= fresh
        fresh = {bound for bound, spelled in aliases if spelled in names} - names
    return names


def needs_reindex(project: Project, changes: Sequence[FileChange], names: set[str]) -> bool:
    """Whether verifying a batch of `changes` must index the tree again from disk (see
    `batch_unverified`): a rewritten file the index had not parsed, or one that binds a
    new alias of the prefilter's `names`."""

    for change in changes:
        if change.rel not in project.index.facts:
            return True
        new = change.facts or extract_facts(change.after, whole=True)
        if isinstance(new, ModuleFacts) and _widens_prefilter(new, names):
            return True
    return False


def _widens_prefilter(new: ModuleFacts, names: set[str]) -> bool:
    """Whether `new` binds an alias of one of `names` that is not among them: the index
    would then have to look for it in files it skipped."""

    return any(s in names and b not in names for b, s in summarize(new).aliases)


def unverified(
    options: RunOptions, phase: str, symbols: Sequence[str], known: Mapping[str, set[str]]
) -> list[str]:
    """Legacy paths (found there, or `known` by symbol name) that do not reach their
    canonical object in the tree at `options`."""

    config = load(options)
    specs = select_symbols(config, symbols, phase)
    project = open_project(options, config, specs)
    audits = tuple(
        audit_symbol(project.index, project.resolver, spec, project.context(spec)) for spec in specs
    )
    found = check_legacy_paths(project.resolver, audits, known)
    return [f"{f.legacy} {f.detail}" for f in found if not f.ok]
