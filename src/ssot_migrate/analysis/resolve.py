"""Static resolution of dotted paths to the object they reach, through re-export chains.

Follows what Python does at import time, statically: a module's bindings in source order
(the last unconditional binding wins; guarded bindings after it add alternatives),
``from m import n`` into `m`, alias assignments ``X = Y`` / ``X = m.Y``, star imports
honouring ``__all__``, submodules reached as package attributes, and relative imports.
Cycles end in an unresolved result instead of recursing forever.

Over 400 lines on purpose: the job is one class, `Resolver`, whose memo tables, cycle
guards and overlay reuse every step of a resolution shares (the class alone is ~440
lines); `Target`, its answer, is too small to stand apart. What an attribute use reaches
through its root's import is `uses.resolve_use`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from ssot_migrate.index.facts import (
    Binding,
    ImportFact,
    Index,
    ModuleFacts,
    SourceFile,
    absolute_module,
)

_ImportsByLocal = dict[tuple[str | None, tuple[int, int]], list[ImportFact]]
TargetKind = Literal["definition", "module", "attribute", "external", "unresolved"]


@dataclass(frozen=True, slots=True)
class Target:
    """What a path reaches. Two targets are the same object iff `kind` and `path` match."""

    kind: TargetKind
    path: str
    reason: str = field(default="", compare=False)
    conditional: bool = field(default=False, compare=False)
    """Reached only through a guarded binding (if / try-except / TYPE_CHECKING)."""
    by_declaration: bool = field(default=False, compare=False)
    """Reached through a configured legacy path the module serves from its ``__getattr__``
    (invisible statically): the user's word that it is this object, checked at runtime."""

    @property
    def found(self) -> bool:
        return self.kind != "unresolved"

    def same_object(self, other: Target) -> bool:
        return self.kind == other.kind and self.path == other.path and self.found


class Resolver:
    def __init__(
        self,
        index: Index,
        declared: Mapping[str, str] | None = None,
        like: Resolver | None = None,
    ) -> None:
        """`declared` maps legacy paths a module may serve lazily (``module.Name`` of a
        module with a module-level ``__getattr__``) to the canonical path the config says
        they are; it is consulted only where the module binds nothing statically. `like`: a
        resolver over an index with the same module list (only some files' facts differ),
        whose module-derived tables are shared instead of rebuilt."""
        self.index = index
        self.declared: Mapping[str, str] = dict(declared or {})
        self._names: dict[tuple[str, str], Target] = {}
        self._exports: dict[str, frozenset[str]] = {}
        self._reused: Resolver | None = None  # see `overlay`
        self._replaced: str | None = None
        self._parts: tuple[int, frozenset[str]] | None = None
        self._stack: set[tuple[str, str]] = set()
        self._exporting: set[str] = set()
        self._by_name: dict[int, tuple[tuple[Binding, ...], dict[str, list[Binding]]]] = {}
        self._by_local: dict[int, tuple[tuple[ImportFact, ...], _ImportsByLocal]] = {}
        """Per file, its bindings by name and its imports by (local name, namespace),
        keyed by the identity of the tuple they index (kept alive with it)."""
        self._cycle_hit = False
        self._export_cycle = False
        self._top_packages: frozenset[str]
        if like is not None and like.index.modules is index.modules:
            self._top_packages = like._top_packages
        else:
            self._top_packages = frozenset(m.split(".", 1)[0] for m in index.modules)

    # public -------------------------------------------------------------------------

    def overlay(self, index: Index, source: SourceFile) -> Resolver:
        """A resolver over `index`: this one's, with the facts of the file `source` changed.

        What this resolver found stays true there for every module but `source`'s when no
        other module's resolution can read that module's facts: a resolution reads a
        module's facts only through a path that names its last part (an import of it or
        of its parent's attribute, a star import, an alias or a lazy path walking into it:
        `named_parts`). Those answers are then reused instead of found again: verifying a
        rewritten test module re-resolves its own imports, not every chain they reach.
        """
        resolver = Resolver(index, self.declared, like=self)
        module = source.module
        if self._reused is None and (module is None or _last(module) not in self.named_parts()):
            resolver._reused, resolver._replaced = self, module
        return resolver

    def named_parts(self) -> frozenset[str]:
        """Every part of the dotted names through which a resolution may reach a module:
        the absolute module each import and star import of an indexed file reads and the
        name it imports, each alias's and module import's target, each lazy path."""
        facts = self.index.facts
        if self._parts is not None and self._parts[0] == len(facts):
            return self._parts[1]
        parts: set[str] = set()
        for path, canonical in self.declared.items():
            parts.update(path.split("."))
            parts.update(canonical.split("."))
        for source in self.index.files:
            found = facts.get(source.rel)
            if found is None:
                continue
            for binding in found.bindings:
                if binding.kind in ("import-from", "star"):
                    parts.update(binding.target.split("."))
                    if binding.level:  # the packages it climbs to
                        absolute = absolute_module(source, binding.target, binding.level)
                        parts.update((absolute or "").split("."))
                    if binding.imported is not None:
                        parts.add(binding.imported)
                elif binding.kind in ("alias", "import-module"):
                    parts.update(binding.target.split("."))
            for fact in found.imports:  # function-level ones too, to be safe
                parts.update(fact.module.split("."))
                if fact.level:
                    parts.update(
                        (absolute_module(source, fact.module, fact.level) or "").split(".")
                    )
                if fact.name is not None:
                    parts.add(fact.name)
        self._parts = (len(facts), frozenset(parts))
        return self._parts[1]

    def resolve_path(self, dotted: str) -> Target:
        """``"a.b.C.d"`` -> the object ``import a.b; a.b.C.d`` would reach."""
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            module = ".".join(parts[:cut])
            if self.index.is_module(module):
                return self._walk_attributes(Target("module", module), parts[cut:])
        if parts[0] in self._top_packages:
            return Target("unresolved", dotted, f"no module {parts[0]!r} path matches {dotted}")
        return Target("external", dotted)

    def resolve_name(self, module: str, name: str) -> Target:
        """What ``from module import name`` binds."""
        key = (module, name)
        cached = self._names.get(key)
        if cached is None and self._reused is not None and module != self._replaced:
            cached = self._reused._names.get(key)
        if cached is not None:
            return cached
        if key in self._stack:
            self._cycle_hit = True
            return Target("unresolved", f"{module}.{name}", "import cycle")
        outer_hit, self._cycle_hit = self._cycle_hit, False
        self._stack.add(key)
        try:
            result = self._resolve_name(module, name)
        finally:
            self._stack.discard(key)
        # An answer that met a cycle below it is only provisional until the outermost
        # caller settles: memoising it would poison later lookups from other entry points.
        if not self._cycle_hit or not self._stack:
            self._names[key] = result
        self._cycle_hit = outer_hit or (self._cycle_hit and bool(self._stack))
        return result

    def binding_steps(self, dotted: str) -> list[tuple[str, str]]:
        """The (module, name) pairs the binding of ``module.name`` passes through on its way
        to what it is bound to: ``from m import X as Y`` leads to (m, X), ``Y = X`` and
        ``Y = m.X`` to X where it is bound, a star import to the module it reads. Every
        binding of each name is followed (the guarded ones too). A module without facts
        ends its branch: indexing it may add steps."""
        module, _, name = dotted.rpartition(".")
        steps: list[tuple[str, str]] = []
        seen: set[tuple[str, str]] = set()
        pending = [(module, name)]
        while pending and len(steps) < 256:
            step = pending.pop()
            if step in seen:
                continue
            seen.add(step)
            steps.append(step)
            module, name = step
            facts = self.index.facts_of_module(module)
            for binding in facts.bindings if facts is not None else ():
                if binding.kind == "star":
                    source = self._binding_module(module, binding)
                    if source is not None and name in self.exports(source):
                        pending.append((source, name))
                elif binding.name != name:
                    continue
                elif binding.kind == "import-from" and binding.imported is not None:
                    source = self._binding_module(module, binding)
                    if source is not None:
                        pending.append((source, binding.imported))
                elif binding.kind == "alias":
                    head, *rest = binding.target.split(".")
                    start = self.resolve_name(module, head) if rest else None
                    if start is not None and start.kind == "module" and len(rest) == 1:
                        pending.append((start.path, rest[0]))
                    else:
                        pending.append((module, head))
        return steps

    def loads_on_import(self, module: str, name: str, loaded: str) -> bool:
        """Whether importing `module` imports `loaded` on the way to binding `name`: the
        binding that wins (the last unconditional one) is a module-level ``from m import``
        (or star import) outside any ``if``/``try``, and so on down the chain to `loaded`."""
        seen: set[tuple[str, str]] = set()
        while (module, name) not in seen:
            seen.add((module, name))
            if module == loaded:
                return True
            facts = self.index.facts_of_module(module)
            if facts is None:
                return False
            bindings = [b for b in facts.bindings if b.name == name]
            winner = bindings[-1] if bindings else None
            if winner is None:
                stars = [b for b in facts.bindings if b.kind == "star" and b.guard is None]
                sources = [self._binding_module(module, b) for b in reversed(stars)]
                source = next((m for m in sources if m and name in self.exports(m)), None)
                if source is None:
                    return False
                module = source
            elif winner.guard is None and winner.kind == "import-from" and winner.imported:
                source = self._binding_module(module, winner)
                if source is None:
                    return False
                module, name = source, winner.imported
            elif winner.kind == "alias" and "." not in winner.target:
                name = winner.target
            else:
                return False
        return False

    def resolve_import(self, source: SourceFile, fact: ImportFact) -> Target:
        """What one imported name of `source` binds (star imports: the module itself)."""
        module = absolute_module(source, fact.module, fact.level)
        if module is None:
            written = "." * fact.level + fact.module
            if fact.name is not None:
                written = f"{written}.{fact.name}" if fact.module else f"{written}{fact.name}"
            return Target("unresolved", written, "relative import beyond the top-level package")
        if fact.kind == "from":
            assert fact.name is not None
            return self._from_module(module, fact.name)
        if fact.kind == "import" and fact.alias is None:
            return self.resolve_path(module.split(".")[0])
        return self.resolve_path(module)

    def resolve_module_import(self, source: SourceFile, fact: ImportFact) -> Target:
        """What an import binds when its local name is used as a module (``import a.b as
        m`` or ``from a import b``, then ``m.S``): `resolve_import`, except that an import
        of a module that does not exist says so (``no module named 'a.b'``)."""
        found = self.resolve_import(source, fact)
        module = absolute_module(source, fact.module, fact.level)
        if found.found or module is None or fact.kind == "star":
            return found
        named = f"{module}.{fact.name}" if fact.kind == "from" else module
        missing = self._first_missing_module(named)
        if missing is None:
            return found
        parent, _, name = missing.rpartition(".")
        facts = self.index.facts_of_module(parent) if parent else None
        reason = f"no module named {missing!r}"
        if facts is not None and facts.has_getattr:
            reason += f" ({parent} may serve {name} from its __getattr__)"
        return Target("unresolved", named, reason)

    def _first_missing_module(self, dotted: str) -> str | None:
        """The first prefix of `dotted` that is not a module, unless its parent binds that
        name to something else (then the binding, not a missing module, is the story)."""
        parts = dotted.split(".")
        for cut in range(1, len(parts) + 1):
            prefix = ".".join(parts[:cut])
            if self.index.is_module(prefix):
                continue
            if cut > 1 and self._binds(".".join(parts[: cut - 1]), parts[cut - 1]):
                return None
            return prefix
        return None

    def _binds(self, module: str, name: str) -> bool:
        """Whether `module` binds `name` itself or through one of its star imports."""
        if name in self._bound_names(module):
            return True
        facts = self.index.facts_of_module(module)
        return facts is not None and any(
            binding.kind == "star"
            and (source := self._binding_module(module, binding)) is not None
            and name in self.exports(source)
            for binding in facts.bindings
        )

    def exports(self, module: str) -> frozenset[str]:
        """The names ``from module import *`` binds (``__all__``, else public names)."""
        cached = self._exports.get(module)
        if cached is None and self._reused is not None and module != self._replaced:
            cached = self._reused._exports.get(module)
        if cached is not None:
            return cached
        if module in self._exporting:
            self._export_cycle = True  # the caller's answer is partial: do not memoise it
            return frozenset()
        outermost = not self._exporting
        self._exporting.add(module)
        try:
            result = self._compute_exports(module)
        finally:
            self._exporting.discard(module)
        if outermost or not self._export_cycle:
            self._exports[module] = result
        if outermost:
            self._export_cycle = False
        return result

    def _compute_exports(self, module: str) -> frozenset[str]:
        facts = self.index.facts_of_module(module)
        names: set[str] = set()
        if facts is not None and facts.dunder_all is not None:
            names.update(facts.dunder_all)
        elif facts is not None:
            for binding in facts.bindings:
                if binding.kind == "star":
                    source = self._binding_module(module, binding)
                    if source is not None:
                        names.update(self.exports(source))
                elif not binding.name.startswith("_"):
                    names.add(binding.name)
            names -= set(facts.unbound)
        return frozenset(names)

    # internals ------------------------------------------------------------------------

    def _from_module(self, module: str, name: str) -> Target:
        if self.index.is_module(module):
            return self.resolve_name(module, name)
        if module.split(".", 1)[0] in self._top_packages:
            return Target("unresolved", f"{module}.{name}", f"no module named {module!r}")
        return Target("external", f"{module}.{name}")

    def bindings_named(self, facts: ModuleFacts, name: str) -> list[Binding]:
        """`facts`' module-level bindings of `name`, in order."""
        key = id(facts.bindings)
        hit = self._by_name.get(key)
        if hit is None or hit[0] is not facts.bindings:
            table: dict[str, list[Binding]] = {}
            for binding in facts.bindings:
                table.setdefault(binding.name, []).append(binding)
            hit = self._by_name[key] = (facts.bindings, table)
        return hit[1].get(name, [])

    def imports_binding(
        self, facts: ModuleFacts, root: str, binder: tuple[int, int]
    ) -> list[ImportFact]:
        """`facts`' imports that bind local name `root` in namespace `binder`, in order."""
        key = id(facts.imports)
        hit = self._by_local.get(key)
        if hit is None or hit[0] is not facts.imports:
            table: _ImportsByLocal = {}
            for fact in facts.imports:
                table.setdefault((fact.local_name, fact.namespace), []).append(fact)
            hit = self._by_local[key] = (facts.imports, table)
        return hit[1].get((root, binder), [])

    def _resolve_name(self, module: str, name: str) -> Target:
        facts = self.index.facts_of_module(module)
        bindings = self.bindings_named(facts, name) if facts is not None else []
        result = self._resolve_bindings(module, bindings) if bindings else None
        if (result is None or not result.found) and (facts is None or name not in facts.unbound):
            result = self._from_stars(module, name, facts) or result
        submodule = f"{module}.{name}"
        if (result is None or not result.found) and self.index.is_module(submodule):
            return Target("module", submodule)
        declared = self.declared.get(submodule)
        # Only a name the module binds nowhere can come from its __getattr__.
        if result is None and declared is not None and facts is not None and facts.has_getattr:
            served = self.resolve_path(declared)
            if served.found:
                return Target(served.kind, served.path, served.reason, served.conditional, True)
        if result is not None:
            return result
        if facts is not None and facts.has_getattr:
            reason = f"{module} does not bind {name} (it may come from its __getattr__)"
        else:
            reason = f"{module} does not bind {name}"
        return Target("unresolved", f"{module}.{name}", reason)

    def resolve_bindings(self, module: str, bindings: list[Binding]) -> Target:
        """What a module's bindings of one name (in source order) leave it bound to."""
        return self._resolve_bindings(module, bindings)

    def _resolve_bindings(self, module: str, bindings: list[Binding]) -> Target:
        last_plain = max((i for i, b in enumerate(bindings) if b.guard is None), default=None)
        live = bindings if last_plain is None else bindings[last_plain:]
        results = [self._resolve_binding(module, b) for b in live]
        found = [r for r in results if r.found]
        # `except ImportError:` runs only when the import above it failed: when the guarded
        # import resolves, the handler's binding (often `S = None`) is not what importers get.
        preferred = [
            r
            for r, b in zip(results, live, strict=True)
            if r.found and b.guard != "import-error-handler"
        ]
        if preferred and len(preferred) < len(found):
            found = preferred
        guarded = last_plain is None or len(live) > 1
        if not found:
            return results[-1]
        first = found[0]
        if all(first.same_object(r) for r in found):
            conditional = guarded or any(r.conditional for r in found)
            declared = any(r.by_declaration for r in found)
            return Target(first.kind, first.path, first.reason, conditional, declared)
        paths = ", ".join(sorted({r.path for r in found}))
        return Target("unresolved", f"{module}.{bindings[0].name}", f"ambiguous: {paths}")

    def _resolve_binding(self, module: str, binding: Binding) -> Target:
        if binding.kind == "definition":
            return Target("definition", f"{module}.{binding.name}")
        if binding.kind == "import-module":
            return self.resolve_path(binding.target)
        if binding.kind == "import-from":
            source = self._binding_module(module, binding)
            if source is None:
                return Target("unresolved", binding.target, "relative import beyond top level")
            assert binding.imported is not None
            return self._from_module(source, binding.imported)
        # alias: X = Y or X = m.Y, looked up in this module
        head, *rest = binding.target.split(".")
        if head == binding.name and not rest:
            return Target("unresolved", f"{module}.{head}", "name assigned to itself")
        start = self.resolve_name(module, head)
        if not start.found and head not in self._bound_names(module):
            return Target("external", f"builtins.{binding.target}")
        return self._walk_attributes(start, rest)

    def _binding_module(self, module: str, binding: Binding) -> str | None:
        source = self.index.modules.get(module)
        if source is None:
            return None
        return absolute_module(source, binding.target, binding.level)

    def _bound_names(self, module: str) -> set[str]:
        facts = self.index.facts_of_module(module)
        return {b.name for b in facts.bindings} if facts is not None else set()

    def _from_stars(self, module: str, name: str, facts: ModuleFacts | None) -> Target | None:
        """The latest star import that provides `name`; a star that leads back into a
        cycle gives way to an earlier one that resolves."""
        if facts is None:
            return None
        failed: Target | None = None
        for binding in reversed(facts.bindings):
            if binding.kind != "star":
                continue
            source = self._binding_module(module, binding)
            if source is None or name not in self.exports(source):
                continue
            found = self._from_module(source, name)
            if binding.guard is not None:
                found = Target(found.kind, found.path, found.reason, True, found.by_declaration)
            if found.found:
                return found
            failed = failed or found
        return failed

    def _walk_attributes(self, start: Target, attributes: list[str]) -> Target:
        current = start
        for index, attribute in enumerate(attributes):
            if current.kind == "module":
                step = self.resolve_name(current.path, attribute)
                current = Target(
                    step.kind,
                    step.path,
                    step.reason,
                    current.conditional or step.conditional,
                    current.by_declaration or step.by_declaration,
                )
            elif current.kind in ("definition", "attribute", "external"):
                rest = ".".join(attributes[index:])
                kind: TargetKind = "external" if current.kind == "external" else "attribute"
                return Target(
                    kind, f"{current.path}.{rest}", "", current.conditional, current.by_declaration
                )
            else:
                return current
        return current


def _last(module: str) -> str:
    return module.rpartition(".")[2]
