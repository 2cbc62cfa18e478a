"""Semantic checks of the plan against the code: does each canonical path exist?"""

from __future__ import annotations

import difflib

from ssot_migrate.config import Config, SymbolSpec
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
