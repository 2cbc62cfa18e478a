"""Which shimmed legacy paths a phase may retire (`decide`), and the code that still
reaches a path or a module (`references`, `dynamic_references`): pure questions of parsed
facts and bytes, asked of the project's own tree and of the consumer trees alike."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ssot_migrate.base.dotted import split_path
from ssot_migrate.config.removal import Due
from ssot_migrate.index.facts import ModuleFacts, SourceFile, absolute_module


def references(source: SourceFile, facts: ModuleFacts, target: str, named: bool) -> list[int]:
    """The lines of `source` that reach dotted `target`: a legacy path (`named`: a module's
    name, ``app.legacy.Engine``) or a module (``app.legacy``). Imports naming it (or, for a
    module, importing anything from it), star imports of its module, attribute chains
    through an imported module, and strings naming it or an attribute of it. Scopes are
    not told apart: it errs towards "still used", which only keeps a shim."""
    module = split_path(target)[0] if named else target
    found: set[int] = set()
    bound: dict[str, str] = {}
    for fact in facts.imports:
        absolute = absolute_module(source, fact.module, fact.level)
        if absolute is None:
            continue
        line = fact.span.line
        if fact.kind == "star":
            if absolute == module or _within(absolute, target):
                found.add(line)
        elif fact.kind == "from":
            imported = f"{absolute}.{fact.name}"
            if _within(imported, target) or (not named and _within(absolute, target)):
                found.add(line)
            bound[str(fact.local_name)] = imported
        else:
            if _within(fact.module, target):
                found.add(line)
            local = str(fact.local_name)
            bound[local] = fact.module if fact.alias else local
    for use in facts.attributes:
        root, _, rest = use.dotted.partition(".")
        start = bound.get(root)
        if start is not None and _within(f"{start}.{rest}", target):
            found.add(use.span.line)
    for ref in facts.strings:
        if _within(ref.value, target):
            found.add(ref.span.line)
    return sorted(found)


def _within(dotted: str, target: str) -> bool:
    return dotted == target or dotted.startswith(target + ".")


def dynamic_references(text: str, path: str) -> list[int]:
    """Lines naming the module of `path` in a string (``importlib.import_module("app.legacy")``)
    in a text that also spells its name in a string (``getattr(module, "Engine")``): a
    dynamic import that may still read the path. `text` is the file without its own shim
    block (whose table spells every name it serves)."""
    module, name = split_path(path)
    if not re.search(rf"""["']{re.escape(name)}["']""", text):
        return []
    spelled = re.compile(rf"""["']{re.escape(module)}["']""")
    return sorted({text.count("\n", 0, m.start()) + 1 for m in spelled.finditer(text)})


@dataclass(frozen=True, slots=True)
class ShimmedPath:
    """A legacy path a generated shim serves, as read from its module."""

    path: str
    rel: str
    """The file of the module whose shim serves it."""
    due: Due
    problem: str | None = None
    """Why its shim block cannot be edited (markers edited by hand), if so."""
    keeps_bound: bool = False
    """The shim keeps the name bound (the module's own code reads it)."""


@dataclass(frozen=True, slots=True)
class Decision:
    path: str
    rel: str
    goes: bool
    reason: str
    """Why it goes (its due reason) or why it stays."""
    importers: tuple[str, ...] = ()
    """``file:line`` of the code still reaching it (in this tree or a consumer's)."""
    due: bool = False
    """Its removal has come (or --force): a path kept although due is what exit 1 reports."""


def decide(
    shimmed: Sequence[ShimmedPath],
    importers: Mapping[str, Sequence[str]],
    force: bool,
) -> tuple[Decision, ...]:
    """Whether each shimmed path goes: when no code reaches it any more (`importers`, by
    path), its shim block can be edited and keeps it unbound, and its removal has come
    (unless `force`). The first reason that keeps a path is the one given."""
    decisions = []
    for item in shimmed:
        due = force or item.due.due
        found = tuple(importers.get(item.path, ()))
        reason = ""
        if item.problem is not None:
            reason = (
                f"{item.problem}: the block is left as it is, edit it back or remove it by hand"
            )
        elif item.keeps_bound:
            reason = ("its module's own code reads the name, which its shim keeps bound: "
                      "rewrite those reads to the canonical path first")  # fmt: skip
        elif found:
            reason = f"{_counted(len(found), 'importer')} left: {', '.join(found[:5])}"
            reason += f" (+{len(found) - 5} more)" if len(found) > 5 else ""
        elif not due:
            reason = item.due.reason
        goes = not reason
        why = reason or (f"--force ({item.due.reason})" if force and not item.due.due
                         else item.due.reason)  # fmt: skip
        decisions.append(Decision(item.path, item.rel, goes, why, found, due))
    return tuple(decisions)


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def located(rel: str, lines: Iterable[int]) -> list[str]:
    return [f"{rel}:{line}" for line in lines]
