"""The role of each path that reaches a symbol: public legacy (a shim keeps it working) or
incidental (no shim; its imports are rewritten like any importer's), with the reason the
first rule that applies gives (see `audit` for the rules' words)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ssot_migrate.analysis.audit import (
    ALIAS_DEFINITION,
    BY_DECLARATION,
    COMPATIBILITY_MODULE,
    CONFIGURED,
    CONFIGURED_LAZY,
    DEFINING_MODULE,
    IMPORTED_AS_ITSELF,
    IMPORTED_THROUGH,
    IN_CANONICAL_MODULE,
    INCIDENTAL,
    LISTED_IN_ALL,
    OWN_USE,
    PRIVATE_NAME,
    PUBLIC,
    READ_BY_LEFT_CODE,
    SERVED_BY_SHIM,
    SHIM_EXCLUDED,
    STAR_IMPORT,
    TYPE_CHECKING_ONLY,
    UNUSED_IMPORT,
    UNUSED_IN_A_MODULE,
    LegacyPath,
    Site,
    only_reexports,
)
from ssot_migrate.analysis.forms.registry import SITE_FORMS

if TYPE_CHECKING:  # the auditor makes the classifier, the classifier reads the auditor
    from ssot_migrate.analysis.auditor import SymbolAuditor


class PathClassifier:
    """Every path that reaches the symbol, with its role: public legacy (a shim keeps it
    working) or incidental (no shim)."""

    def __init__(self, auditor: SymbolAuditor, sites: list[Site]) -> None:
        self.auditor = auditor
        self.sites = sites
        self.left_reads: dict[str, Site] = {}
        """Paths that code the run leaves as it is still reads (star imports aside, which
        the shim serves with a warning the user can act on)."""
        for site in sites:
            if site.left and SITE_FORMS[site.form].left_reads_path:
                self.left_reads.setdefault(site.path, site)

    def classify(self) -> tuple[LegacyPath, ...]:
        auditor = self.auditor
        spec, target, resolver = auditor.spec, auditor.target, auditor.resolver
        site_counts = Counter(s.path for s in self.sites)
        used = Counter(s.path for s in self.sites if not s.canonical)
        string_counts = Counter(s.path for s in auditor.strings)
        used.update(s.path for s in auditor.strings if s.detail == "legacy")
        paths: dict[str, str] = dict.fromkeys(site_counts.keys() | string_counts.keys(), "found")
        for path in self._bound_paths():
            paths.setdefault(path, "found")
        lazy: dict[str, str] = {}
        # A configured path reaching another object is a config error (`validate`).
        for path in spec.legacy:
            reached = resolver.resolve_path(path)
            if reached.same_object(target) and reached.by_declaration:
                paths[path] = BY_DECLARATION
                module = path.rpartition(".")[0]
                lazy[path] = f"served by {module}.__getattr__; verify --runtime checks the identity"
            elif reached.same_object(target):
                paths[path] = "configured"
        paths.pop(spec.canonical, None)
        legacy = []
        for path, kind in sorted(paths.items(), key=lambda i: (-site_counts[i[0]], i[0])):
            role, rule, detail = self._role(path, kind, used[path])
            legacy.append(
                LegacyPath(
                    path,
                    site_counts[path],
                    string_counts[path],
                    kind,
                    lazy.get(path, ""),
                    role,
                    f"{rule}: {detail}" if detail else rule,
                    rule,
                )
            )
        return tuple(legacy)

    def _bound_paths(self) -> Iterator[str]:
        """``module.name`` for every name a parsed module binds to the object: explicitly,
        or through a star import."""
        auditor = self.auditor
        names = auditor.names
        for rel, facts in auditor.index.facts.items():
            module = auditor.by_rel[rel].module
            if module is None:
                continue
            bound = {b.name for b in facts.bindings if b.kind != "star"} & names
            if any(b.kind == "star" for b in facts.bindings):
                bound |= names - set(facts.unbound)
            for name in sorted(bound):
                if auditor.resolver.resolve_name(module, name).same_object(auditor.target):
                    yield f"{module}.{name}"

    def _role(self, path: str, kind: str, used: int) -> tuple[str, str, str]:
        """(role, rule, detail) of a legacy path, the first rule that applies deciding; the
        detail says what made it apply, when the rule alone does not."""
        auditor = self.auditor
        module, _, name = path.rpartition(".")
        source = auditor.index.modules.get(module)
        facts = auditor.index.facts_of_module(module)
        if module == auditor.definition_module:
            return INCIDENTAL, DEFINING_MODULE, ""
        if module == auditor.spec.canonical_module:
            return INCIDENTAL, IN_CANONICAL_MODULE, ""
        if source is not None and source.rel in auditor.context.shim_excluded:
            return INCIDENTAL, SHIM_EXCLUDED, "never shimmed"
        if kind == BY_DECLARATION:
            return PUBLIC, CONFIGURED_LAZY, ""
        if kind == "configured":
            return PUBLIC, CONFIGURED, ""
        if facts is None:
            return PUBLIC, IMPORTED_THROUGH if used else CONFIGURED, ""
        if name in facts.shim_served:
            return PUBLIC, SERVED_BY_SHIM, ""
        reader = self.left_reads.get(path)
        if reader is not None:
            return INCIDENTAL, READ_BY_LEFT_CODE, f"{reader.rel}:{reader.line}"
        if used:
            return PUBLIC, IMPORTED_THROUGH, ""
        if name in (facts.dunder_all or ()):
            return PUBLIC, LISTED_IN_ALL, ""
        if any(f.scope == "module" and f.kind == "from" and f.alias == f.name == name
               for f in facts.imports):  # fmt: skip
            return PUBLIC, IMPORTED_AS_ITSELF, ""
        bindings = [b for b in facts.bindings if b.name == name]
        if bindings and all(b.guard == "type-checking" for b in bindings):
            return INCIDENTAL, TYPE_CHECKING_ONLY, ""
        if name.startswith("_"):
            return INCIDENTAL, PRIVATE_NAME, ""
        if name in facts.unread and source is not None and source.is_package:
            return PUBLIC, UNUSED_IMPORT, ""
        if only_reexports(facts) and bindings:
            return PUBLIC, COMPATIBILITY_MODULE, "it only imports and re-binds names"
        if any(b.kind == "alias" for b in bindings):
            return PUBLIC, ALIAS_DEFINITION, ""
        if not bindings:
            return INCIDENTAL, STAR_IMPORT, ""
        if name in facts.unread:
            return INCIDENTAL, UNUSED_IN_A_MODULE, ""
        return INCIDENTAL, OWN_USE, ""
