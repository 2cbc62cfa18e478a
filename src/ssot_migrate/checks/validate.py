"""Semantic checks of the plan against the code: does each canonical path exist, and can
each configured legacy path be served by the module it names?"""

from __future__ import annotations

import difflib

from ssot_migrate.analysis.resolve import Resolver, Target
from ssot_migrate.base.dotted import is_private_path
from ssot_migrate.base.errors import Problem
from ssot_migrate.config.load import setting_location
from ssot_migrate.config.model import Config, SymbolSpec
from ssot_migrate.index.facts import Index


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
    """Canonical is whatever path the team names, as long as it reaches an object defined
    under the source roots: the definition, an alias bound in the canonical module, or a
    facade that re-exports it. Refused: a missing module, a name the module does not bind
    (or binds to nothing resolvable), and a name bound to something that is not such an
    object (a module, or an object from outside the source roots)."""
    module, name = spec.canonical_module, spec.canonical_name
    if module not in index.modules:
        close = difflib.get_close_matches(module, list(index.modules), n=1, cutoff=0.6)
        hint = _closest(_definitions_named(index, name), close[0] if close else None, name)
        return f"canonical {spec.canonical!r}: no module {module!r} under the source roots", hint
    target = resolver.resolve_name(module, name)
    if target.kind in ("definition", "attribute"):
        return None
    canonical = f"canonical {spec.canonical!r}"
    if target.kind == "module":
        return (
            f"{canonical} is bound to the module {target.path}, not to an object in it",
            f"name the object: canonical = '{target.path}.<Name>'",
        )
    if target.kind == "external":
        return (
            f"{canonical} is bound to {target.path}, which is not defined under the source roots",
            "ssot-migrate consolidates objects defined in this repository: name one of them",
        )
    facts = index.facts_of_module(module)
    if facts is not None and any(b.name == name for b in facts.bindings):
        return (
            f"{canonical}: {module} binds {name!r}, but it resolves nowhere ({target.reason})",
            _closest(_definitions_named(index, name), None, name),
        )
    defined = sorted(b.name for b in facts.bindings if b.kind == "definition") if facts else []
    shown = ", ".join(defined[:12]) + (" ..." if len(defined) > 12 else "")
    what = f"{canonical}: {module} does not bind {name!r}"
    if defined:
        what += f" (it defines {shown})"
    if facts is not None and facts.has_getattr:
        what += "; its __getattr__ may serve it, which static analysis cannot see"
    return what, _closest(_definitions_named(index, name), None, name)


def check_legacy(
    config: Config, specs: tuple[SymbolSpec, ...], index: Index, resolver: Resolver
) -> list[Problem]:
    """A problem for each configured legacy path of `specs` that no code could serve: its
    module is missing, or binds nothing under that name and has no module-level
    ``__getattr__`` that could serve it lazily. (A path bound to another object is not a
    problem here: `_check_legacy_path` reports it against the canonical object.)"""
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
    reached = resolver.resolve_path(path)
    canonical = resolver.resolve_path(spec.canonical)
    if reached.found and canonical.found and not reached.same_object(canonical):
        return (
            f"legacy '{path}' reaches {_described(reached)}, but canonical "
            f"'{spec.canonical}' reaches {_described(canonical)}: a legacy path must reach "
            "the very object the canonical path does",
            "remove it from legacy (a different object is not migrated by rewriting its "
            "imports), or correct canonical",
        )
    if not index.is_module(module):
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


def _described(target: Target) -> str:
    kinds = {"definition": "the object defined at", "attribute": "the attribute"}
    return f"{kinds.get(target.kind, target.kind)} {target.path}"


def _definitions_named(index: Index, name: str) -> list[str]:
    """Where `name` is defined, public paths first (a hint never proposes a private path
    while a public one exists)."""
    paths = []
    for source in index.files:
        facts = index.facts.get(source.rel)
        if facts is None or source.module is None:
            continue
        if any(b.name == name and b.kind == "definition" for b in facts.bindings):
            paths.append(f"{source.module}.{name}")
    public = sorted(p for p in paths if not is_private_path(p))
    return public or sorted(paths)


def _closest(defined: list[str], close_module: str | None, name: str) -> str:
    if defined and all(is_private_path(p) for p in defined):
        return (
            f"{name} is defined at {', '.join(defined[:3])} (a private path): name a public "
            "path that reaches it"
        )
    if defined:
        return f"{name} is defined at {', '.join(defined[:3])}: use that as canonical"
    if close_module:
        return f"did you mean module {close_module!r}?"
    return "check the dotted path against the source roots (see `ssot-migrate audit --discover`)"
