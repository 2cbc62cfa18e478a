"""The per-key checks of the plan's phases and their symbols, and the cross-checks between
phases (unique names, one canonical path per symbol name and per legacy path)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ssot_migrate.base.command_names import COMMANDS
from ssot_migrate.base.dotted import is_dotted_identifier, is_identifier
from ssot_migrate.config.checker import EXAMPLES, Checker, KeyPath
from ssot_migrate.config.model import Phase, SymbolSpec

_PHASE_KEYS = ("name", "title", "symbols")
_SYMBOL_KEYS = ("name", "canonical", "legacy", "target", "rename")

_PHASE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")


@dataclass(slots=True)
class _PhaseDraft:
    """A phase as read, with the index of each entry so cross-checks can name it."""

    index: int
    name: str | None
    title: str
    symbols: list[tuple[int, SymbolSpec]]

    def phase(self) -> Phase:
        specs = tuple(spec for _, spec in self.symbols)
        return Phase(name=self.name or "", title=self.title, symbols=specs)


def phases(checker: Checker, value: object) -> list[_PhaseDraft]:
    return [
        _phase(checker, index, table) for index, table in checker.table_list(("phases",), value)
    ]


def _phase(checker: Checker, index: int, table: dict[str, Any]) -> _PhaseDraft:
    key: KeyPath = ("phases", index)
    checker.unknown_keys(key, table, _PHASE_KEYS)
    raw_name = checker.required(key, table, "name", 'name = "phase1"')
    name = None if raw_name is None else checker.string((*key, "name"), raw_name)
    if name is not None and not _phase_name_ok(checker, (*key, "name"), name):
        name = None
    title = checker.string((*key, "title"), table.get("title", "")) or ""
    symbols = [
        (position, spec)
        for position, entry in checker.table_list((*key, "symbols"), table.get("symbols", []))
        if (spec := _symbol(checker, (*key, "symbols", position), entry)) is not None
    ]
    return _PhaseDraft(index=index, name=name, title=title, symbols=symbols)


def _phase_name_ok(checker: Checker, key: KeyPath, name: str) -> bool:
    if not _PHASE_NAME.match(name):
        what = f"'{name}' is not a valid phase name"
        fix = "start with a letter or digit; then use letters, digits, '_', '.', '-'"
        checker.report(key, what, fix)
        return False
    if name in COMMANDS:  # it would shadow the command in `ssot-migrate PHASE`
        what = f"'{name}' is also an ssot-migrate command, so `ssot-migrate {name}` is ambiguous"
        checker.report(key, what, f"rename the phase, e.g. '{name}-phase' or 'phase1'")
        return False
    return True


def _symbol(checker: Checker, key: KeyPath, table: dict[str, Any]) -> SymbolSpec | None:
    """The symbol, or None without a valid name and canonical.

    A bad legacy list or target is reported and replaced by its default, so the
    cross-checks still see the symbol (no Config is returned when anything was reported).
    """
    checker.unknown_keys(key, table, _SYMBOL_KEYS)
    name = _symbol_name(checker, key, table)
    canonical = _canonical(checker, key, table)
    legacy = _legacy(checker, (*key, "legacy"), table.get("legacy", []), canonical)
    target = _target(checker, (*key, "target"), table.get("target", 0))
    rename = checker.boolean((*key, "rename"), table.get("rename", False))
    if name is None or canonical is None:
        return None
    return SymbolSpec(
        name=name, canonical=canonical, legacy=legacy or (), target=target or 0, rename=bool(rename)
    )


def _symbol_name(checker: Checker, key: KeyPath, table: dict[str, Any]) -> str | None:
    raw = checker.required(key, table, "name", 'name = "Engine" (the handle for --symbol)')
    name = None if raw is None else checker.string((*key, "name"), raw)
    if name is not None and not is_identifier(name):
        what = f"'{name}' is not a Python identifier"
        checker.report((*key, "name"), what, 'use the class or function name, e.g. name = "Engine"')
        return None
    return name


def _canonical(checker: Checker, key: KeyPath, table: dict[str, Any]) -> str | None:
    raw = checker.required(key, table, "canonical", EXAMPLES["canonical"])
    canonical = None if raw is None else checker.string((*key, "canonical"), raw)
    if canonical is None:
        return None
    reason = module_path_problem(canonical)
    if reason:
        checker.report(
            (*key, "canonical"), reason, f"write the full path, e.g. {EXAMPLES['canonical']}"
        )
        return None
    return canonical


def module_path_problem(path: str) -> str | None:
    """Why `path` is not ``module.Name`` (a dotted identifier with at least one dot)."""
    if not is_dotted_identifier(path):
        return f"'{path}' is not a dotted Python path"
    if "." not in path:
        return f"'{path}' has no module part (expected module.Name)"
    return None


def _legacy(
    checker: Checker, key: KeyPath, value: object, canonical: str | None
) -> tuple[str, ...] | None:
    paths = checker.string_list(key, value)
    if paths is None:
        return None
    ok = True
    for index, path in enumerate(paths):
        reason = module_path_problem(path)
        if reason is None and path == canonical:
            reason = f"'{path}' is the canonical path itself"
        elif reason is None and path in paths[:index]:
            reason = f"'{path}' is listed twice"
        if reason:
            checker.report((*key, index), reason, f"list only old paths, e.g. {EXAMPLES['legacy']}")
            ok = False
    return tuple(paths) if ok else None


def _target(checker: Checker, key: KeyPath, value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        checker.wrong_type(key, "an integer >= 0", value)
        return None
    if value < 0:
        checker.report(
            key,
            f"expected an integer >= 0, got {value}",
            "write target = 0 (or the number of variations allowed)",
        )
        return None
    return value


def cross_check(checker: Checker, drafts: list[_PhaseDraft]) -> None:
    _unique_phase_names(checker, drafts)
    _unique_symbols_per_phase(checker, drafts)
    _one_canonical_per_name(checker, drafts)
    _one_canonical_per_legacy(checker, drafts)


def _entries(drafts: list[_PhaseDraft]) -> Iterator[tuple[KeyPath, _PhaseDraft, SymbolSpec]]:
    for draft in drafts:
        for index, spec in draft.symbols:
            yield ("phases", draft.index, "symbols", index), draft, spec


def _unique_phase_names(checker: Checker, drafts: list[_PhaseDraft]) -> None:
    seen: dict[str, int] = {}
    for draft in drafts:
        if draft.name is None:
            continue
        if draft.name in seen:
            what = f"phase name '{draft.name}' is already used by {checker.key_text(('phases', seen[draft.name]))}"
            checker.report(("phases", draft.index, "name"), what, "give each phase its own name")
        seen.setdefault(draft.name, draft.index)


def _unique_symbols_per_phase(checker: Checker, drafts: list[_PhaseDraft]) -> None:
    seen: dict[tuple[int, str], KeyPath] = {}
    for key, draft, spec in _entries(drafts):
        first = seen.setdefault((draft.index, spec.name), key)
        if first != key:
            what = f"symbol '{spec.name}' is listed twice in this phase (also {checker.key_text(first)})"
            checker.report((*key, "name"), what, "remove one of them")


def _one_canonical_per_name(checker: Checker, drafts: list[_PhaseDraft]) -> None:
    seen: dict[str, tuple[KeyPath, SymbolSpec]] = {}
    for key, _, spec in _entries(drafts):
        first_key, first = seen.setdefault(spec.name, (key, spec))
        if first_key[1] != key[1] and first.canonical != spec.canonical:
            what = (
                f"symbol '{spec.name}' has canonical '{spec.canonical}' here but "
                f"'{first.canonical}' in {checker.key_text(first_key)}"
            )
            fix = "use one canonical path per symbol name, or give one of them another name"
            checker.report((*key, "canonical"), what, fix)


def _one_canonical_per_legacy(checker: Checker, drafts: list[_PhaseDraft]) -> None:
    seen: dict[str, tuple[KeyPath, SymbolSpec]] = {}
    for key, _, spec in _entries(drafts):
        for index, path in enumerate(spec.legacy):
            first_key, first = seen.setdefault(path, (key, spec))
            if first.canonical != spec.canonical:
                what = (
                    f"legacy path '{path}' is also listed by {checker.key_text(first_key)} "
                    f"with canonical '{first.canonical}'"
                )
                fix = "a legacy path can be migrated to one canonical path only"
                checker.report((*key, "legacy", index), what, fix)
