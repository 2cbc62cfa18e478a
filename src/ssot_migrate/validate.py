"""Semantic checks of the plan against the code: does each canonical path exist, and can
each configured legacy path be served by the module it names?"""

from __future__ import annotations

import difflib

from ssot_migrate.config import Config, SymbolSpec, setting_location
from ssot_migrate.errors import Problem
from ssot_migrate.facts import Index
from ssot_migrate.resolve import Resolver


def check_canonicals(
    config: Config, specs: tuple[SymbolSpec, ...], index: Index, resolver: Resolver
) -> list[Problem]:
    """A problem for each canonical path whose module is missing or does not bind the name."""
    where = str(config.config_file) if config.config_file else "config"
    problems: list[Problem] = []
    for spec in specs:
        problem = _check_one(spec, index, resolver)
        if problem is not None:
            what, fix = problem
            problems.append(Problem(f"{where}: symbol {spec.name!r}", what, fix))
    return problems


def _check_one(spec: SymbolSpec, index: Index, resolver: Resolver) -> tuple[str, str] | None:
    module, name = spec.canonical_module, spec.canonical_name
    if module not in index.modules:
        close = difflib.get_close_matches(module, list(index.modules), n=1, cutoff=0.6)
        hint = _closest(_definitions_named(index, name), close[0] if close else None, name)
        return f"canonical {spec.canonical!r}: no module {module!r} under the source roots", hint
    target = resolver.resolve_name(module, name)
    if target.kind == "definition" and target.path == spec.canonical:
        return None
    if target.found:
        real = target.path
        return (
            f"canonical {spec.canonical!r} is not where {name} is defined: "
            f"{module} imports it from elsewhere ({target.kind} {real})",
            f"set canonical = {real!r}"
            if target.kind == "definition"
            else _closest(_definitions_named(index, name), None, name),
        )
    facts = index.facts_of_module(module)
    defined = sorted(b.name for b in facts.bindings if b.kind == "definition") if facts else []
    shown = ", ".join(defined[:12]) + (" ..." if len(defined) > 12 else "")
    what = f"canonical {spec.canonical!r}: {module} does not define {name!r}"
    if defined:
        what += f" (it defines {shown})"
    return what, _closest(_definitions_named(index, name), None, name)


def check_legacy(
    config: Config, specs: tuple[SymbolSpec, ...], index: Index, resolver: Resolver
) -> list[Problem]:
    """A problem for each configured legacy path of `specs` that no code could serve: its
    module is missing, or binds nothing under that name and has no module-level
    ``__getattr__`` that could serve it lazily. (A path bound to another object is not a
    problem: it is reported apart as a configured legacy path elsewhere.)"""
    wanted = set(specs)
    problems: list[Problem] = []
    for i, phase in enumerate(config.phases):
        for j, spec in enumerate(phase.symbols):
            if spec not in wanted:
                continue
            for k, path in enumerate(spec.legacy):
                problem = _check_legacy_path(path, spec, index, resolver)
                if problem is not None:
                    where = ("phases", i, "symbols", j, "legacy", k)
                    problems.append(Problem(setting_location(config, where), *problem))
    return problems


def _check_legacy_path(
    path: str, spec: SymbolSpec, index: Index, resolver: Resolver
) -> tuple[str, str] | None:
    module, _, name = path.rpartition(".")
    defined = _definitions_named(index, spec.canonical_name)
    where = f" ({spec.canonical_name} is defined at {', '.join(defined[:3])})" if defined else ""
    fix = f"remove it from legacy, or correct the path{where}"
    if not index.is_module(module):
        reached = resolver.resolve_path(path)
        if reached.found and reached.kind != "external":
            return None  # an attribute of a class, or a name a package re-exports
        close = difflib.get_close_matches(module, list(index.modules), n=1, cutoff=0.6)
        hint = f"did you mean module {close[0]!r}? Otherwise " if close else ""
        return f"legacy '{path}': no module {module!r} under the source roots", hint + fix
    if resolver.resolve_name(module, name).kind != "unresolved":
        return None
    facts = index.facts_of_module(module)
    source = index.modules.get(module)
    skipped = source is not None and (
        source.rel in index.failures or source.rel in index.unreadable
    )
    if facts is None and skipped:
        return None  # unparseable: reported with the skipped files, not guessed at here
    if facts is not None and facts.has_getattr:
        return None  # declared lazy: trusted, checked by `verify --runtime`
    if facts is not None and any(b.name == name for b in facts.bindings):
        return None  # bound, but not resolvable: reported with the unresolved imports
    what = (
        f"legacy '{path}': {module} does not bind {name!r} and has no module-level "
        "__getattr__ that could serve it lazily"
    )
    return what, fix


def _definitions_named(index: Index, name: str) -> list[str]:
    paths = []
    for source in index.files:
        facts = index.facts.get(source.rel)
        if facts is None or source.module is None:
            continue
        if any(b.name == name and b.kind == "definition" for b in facts.bindings):
            paths.append(f"{source.module}.{name}")
    return sorted(paths)


def _closest(defined: list[str], close_module: str | None, name: str) -> str:
    if defined:
        return f"{name} is defined at {', '.join(defined[:3])}: use that as canonical"
    if close_module:
        return f"did you mean module {close_module!r}?"
    return "check the dotted path against the source roots (see `ssot-migrate audit --discover`)"
