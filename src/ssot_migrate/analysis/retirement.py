"""Which shimmed legacy paths a phase may retire (`decide`), and the code that still
reaches a path or a module (`references`, `dynamic_references`): pure questions of parsed
facts and bytes, asked of the project's own tree and of the consumer trees alike."""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Collection, Iterable, Mapping, Sequence
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


def imports_module(source: SourceFile, facts: ModuleFacts, module: str) -> bool:
    """Whether an import statement of the file binds `module` (or a submodule, or one of
    its names): the file holds the module object a dynamic read could go through."""
    for fact in facts.imports:
        absolute = absolute_module(source, fact.module, fact.level)
        if absolute is None or fact.kind == "star":
            continue
        if fact.kind == "import" and not fact.alias:
            # ``import a.b`` binds ``a``: every module of that package is an attribute away.
            if absolute.partition(".")[0] == module.partition(".")[0]:
                return True
            continue
        imported = absolute if fact.kind == "import" else f"{absolute}.{fact.name}"
        if _within(module, imported):
            return True
    return False


def resolved_lines(facts: ModuleFacts, name: str) -> set[int]:
    """Lines where ``.name`` is spelled in what `references` answers for precisely: an
    attribute chain whose root an import binds, or a dotted string (``"app.Engine.run"``),
    which `dynamic_references` need not guess at."""
    roots = {fact.local_name for fact in facts.imports if fact.local_name is not None}
    lines = {
        use.span.line
        for use in facts.attributes
        if use.dotted.endswith("." + name) and use.dotted.partition(".")[0] in roots
    }
    spelled = re.compile(rf"\.{re.escape(name)}\b")
    lines |= {ref.span.line for ref in facts.strings if spelled.search(ref.value)}
    return lines


def dynamic_references(
    text: str, path: str, imports_module: bool, resolved: Collection[int] = ()
) -> list[int]:
    """Lines that may read `path`'s name from its module at run time, in a text that
    reaches the module (`imports_module`: the file imports it; or its name is in a string,
    ``importlib.import_module("app")``): the name as the attribute of anything in code
    (``module.Engine``; not in strings or comments), or as a string given after another
    argument or as a key (``getattr(module, "Engine")``, ``mock.patch.object(app,
    "Engine")``, ``vars(module)["Engine"]``). `text` is the file without its own shim block
    (whose table spells every name it serves); `resolved`: lines whose chains `references`
    answered for. It errs towards "still used", which only keeps a shim."""
    module, name = split_path(path)
    if not imports_module and not re.search(rf"""["']{re.escape(module)}["']""", text):
        return []
    quoted = re.compile(rf"""(?:,\s*|\[\s*)["']{re.escape(name)}["']""")
    lines = {text.count("\n", 0, m.start()) + 1 for m in quoted.finditer(text)}
    lines |= {line for line in _attribute_lines(text, name) if line not in set(resolved)}
    return sorted(lines)


def _attribute_lines(text: str, name: str) -> set[int]:
    """Lines where code (not a string or a comment) reads ``.name`` of something."""
    if name not in text:
        return set()
    found: set[int] = set()
    previous = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.NAME and token.string == name and previous == ".":
                found.add(token.start[0])
            if token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
                previous = token.string if token.type == tokenize.OP else None
    except (tokenize.TokenError, SyntaxError):
        spelled = re.compile(rf"\.{re.escape(name)}\b")
        return {text.count("\n", 0, m.start()) + 1 for m in spelled.finditer(text)}
    return found


def reaching_lines(
    source: SourceFile, facts: ModuleFacts | None, text: str, path: str
) -> list[int]:
    """Every line of a file that reaches legacy `path`: by `references` (a file that does
    not parse, `facts` None, reaches it at its first line) and by `dynamic_references`."""
    if facts is None:
        return [1]
    lines = set(references(source, facts, path, named=True))
    module, name = split_path(path)
    if name in text:
        imports = imports_module(source, facts, module)
        lines.update(dynamic_references(text, path, imports, resolved_lines(facts, name)))
    return sorted(lines)


_LOAD = re.compile(
    r"""__import__\(\s*["']([\w.]*)["'](?:\s*,\s*globals\(\)\s*,\s*level\s*=\s*(\d+))?"""
)


def module_loads(source: SourceFile, text: str, module: str) -> list[int]:
    """Lines of `text` (the file `source`) whose ``__import__("m", globals(), level=1)``
    loads `module` or a submodule of it: the loads a shim leaves where a re-export's
    import was, which facts do not record as imports."""
    found = []
    for match in _LOAD.finditer(text):
        level = int(match.group(2) or 0)
        loaded = absolute_module(source, match.group(1), level)
        if loaded is not None and _within(loaded, module):
            found.append(text.count("\n", 0, match.start()) + 1)
    return found


def quoted_module(text: str, module: str) -> list[int]:
    """Lines naming `module` (or an attribute of it) in a string: ``import_module("m")``."""
    spelled = re.compile(rf"""["']{re.escape(module)}(?:\.[\w.]+)?["']""")
    return [text.count("\n", 0, m.start()) + 1 for m in spelled.finditer(text)]


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
    links: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[Decision, ...]:
    """Whether each shimmed path goes: when no code reaches it any more (`importers`, by
    path), its shim block can be edited and keeps it unbound, and its removal has come
    (unless `force`). The first reason that keeps a path is the one given.

    `links`: per path, the importers that are star imports in a module whose own path of
    the name is shimmed too (``from app.compat import *`` in a shimmed ``app.api``), with
    that path. Such a chain goes as a whole or not at all: without the star importer's
    shim, its star import would read the source's shimmed name at import time, and warn."""
    links = links or {}
    by_path = {item.path: item for item in shimmed}
    own: dict[str, str] = {}
    for item in shimmed:
        outside = [w for w in importers.get(item.path, ()) if w not in links.get(item.path, {})]
        own[item.path] = _why_kept(item, outside, force)
    group = _chains(by_path, links)
    decisions = []
    for item in shimmed:
        found = tuple(importers.get(item.path, ()))
        reason = own[item.path]
        if not reason:
            blocking = sorted(p for p in group[item.path] if own[p])
            if blocking:
                reason = (f"its star re-export chain goes as a whole, and "
                          f"{blocking[0]} is kept ({own[blocking[0]]})")  # fmt: skip
        due = force or item.due.due
        why = reason or (f"--force ({item.due.reason})" if force and not item.due.due
                         else item.due.reason)  # fmt: skip
        decisions.append(Decision(item.path, item.rel, not reason, why, found, due))
    return tuple(decisions)


def _why_kept(item: ShimmedPath, importers: Sequence[str], force: bool) -> str:
    """Why the path stays on its own account (empty: it may go)."""
    if item.problem is not None:
        return f"{item.problem}: the block is left as it is, edit it back or remove it by hand"
    if item.keeps_bound:
        return ("its module's own code reads the name, which its shim keeps bound: "
                "rewrite those reads to the canonical path first")  # fmt: skip
    if importers:
        listed = ", ".join(importers[:5]) + (
            f" (+{len(importers) - 5} more)" if len(importers) > 5 else ""
        )
        return f"{_counted(len(importers), 'importer')} left: {listed}"
    if not (force or item.due.due):
        return item.due.reason
    return ""


def _chains(
    by_path: Mapping[str, ShimmedPath], links: Mapping[str, Mapping[str, str]]
) -> dict[str, set[str]]:
    """Each path's star re-export chain: the shimmed paths linked to it, transitively."""
    group = {path: {path} for path in by_path}
    for path, linked in links.items():
        for other in linked.values():
            if path in group and other in group and group[path] is not group[other]:
                merged = group[path] | group[other]
                for member in merged:
                    group[member] = merged
    return group


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def located(rel: str, lines: Iterable[int]) -> list[str]:
    return [f"{rel}:{line}" for line in lines]
