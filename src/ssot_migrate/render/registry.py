"""The SSOT import registry: one generated Markdown page saying, per phase and symbol, the
one import to use and every legacy path that still reaches the symbol (and whether it
already warns through a generated shim).

Pure: a config, audits and the legacy paths the generated shims serve in, text out. The
page is generated and never hand-edited; its header says how to regenerate it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ssot_migrate.analysis.audit import BY_DECLARATION, SymbolAudit
from ssot_migrate.base.dotted import split_path
from ssot_migrate.base.templating import render
from ssot_migrate.config.model import Config, SymbolSpec

NO_VALUE = "—"
STATUS_SHIMMED = "shimmed — warns"
STATUS_REEXPORT = "re-export"
STATUS_DECLARED = "declared, served by __getattr__"


@dataclass(frozen=True, slots=True)
class LegacyStatus:
    """A legacy path that reaches the symbol's object."""

    path: str
    """Dotted legacy path (``app.agents.ExecutionEngine``)."""
    sites: int
    """Import sites still using it."""
    strings: int
    """String literals (mock.patch targets, importlib paths) still naming it."""
    shimmed: bool
    """A generated ssot-migrate shim block in its module serves this very name (and warns)."""
    by_declaration: bool = False
    """Reached only on the config's word: its module serves it from ``__getattr__``."""


@dataclass(frozen=True, slots=True)
class _Row:
    """One table row, every cell already Markdown-safe."""

    path: str
    instead: str
    """The statement to write instead (the one a shim's warning advises), or a dash."""
    status: str
    sites: int
    strings: int
    removal: str


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    import_line: str
    target: int
    variations: int | None
    """None when the symbol was not audited."""
    above_target: bool
    rows: tuple[_Row, ...]


@dataclass(frozen=True, slots=True)
class _PhaseView:
    heading: str
    entries: tuple[_Entry, ...]


def import_line(spec: SymbolSpec) -> str:
    """``from <canonical module> import <canonical name>``, ``as <handle>`` if it differs."""
    return import_statement(spec.canonical, spec.name)


def import_statement(canonical: str, local: str) -> str:
    """The statement binding `local` to the object at `canonical`: ``from <module> import
    <name>``, with ``as <local>`` when the names differ. For a legacy path's own name, the
    statement a generated shim's warning advises."""
    module, name = split_path(canonical)
    line = f"from {module} import {name}"
    return line if local == name else f"{line} as {local}"


def legacy_statuses(audit: SymbolAudit, served: Mapping[str, str]) -> tuple[LegacyStatus, ...]:
    """The legacy paths reaching the same object, sorted by path.

    Besides the paths imported through (``audit.legacy_paths``), a module that re-exports
    the name on purpose (``audit.declared``) and a generated shim serving it (`served`:
    legacy path -> the canonical path its block serves it as) are listed even when nothing
    imports through them any more: the name is still importable there until the module is
    cleaned up. A path is shimmed only when a block serves that very name as the symbol.
    """
    shimmed = {path for path, target in served.items() if target == audit.spec.canonical}
    counts = {p.path: (p.sites, p.strings) for p in audit.reported_paths}
    for path in audit.declared | shimmed:
        counts.setdefault(path, (0, 0))
    counts.pop(audit.spec.canonical, None)
    lazy = {p.path for p in audit.legacy_paths if p.kind == BY_DECLARATION}
    return tuple(
        LegacyStatus(path, sites, strings, path in shimmed, path in lazy)
        for path, (sites, strings) in sorted(counts.items())
    )


def render_registry(
    config: Config,
    audits: Sequence[SymbolAudit],
    served: Mapping[str, str],
    generated_from: str,
) -> str:
    """The registry page as Markdown (also readable as plain text). `served`: legacy path
    -> canonical path, for each name a generated shim block on disk serves.

    Phases and their symbols come in config order; legacy paths are sorted by path. A
    configured symbol without an audit in `audits` is listed as not audited.
    """
    removal = _cell(config.shims.removal or "") or NO_VALUE
    by_spec = {a.spec: a for a in audits}
    by_name = {a.spec.name: a for a in audits}

    def find(spec: SymbolSpec) -> SymbolAudit | None:
        found = by_spec.get(spec)
        if found is None:
            # The same symbol listed again by a later phase is audited once, as listed first.
            found = by_name.get(spec.name)
            if found is not None and found.spec.canonical != spec.canonical:
                found = None
        return found

    phases = tuple(
        _PhaseView(
            _phase_heading(phase.name, phase.title),
            tuple(_entry(spec, find(spec), served, removal) for spec in phase.symbols),
        )
        for phase in config.phases
    )
    lines = list(dict.fromkeys(import_line(spec) for spec in config.all_symbols()))
    return render(
        "registry.md.j2",
        generated_from=_code(generated_from),
        phases=phases,
        import_lines=lines,
    )


def _entry(
    spec: SymbolSpec,
    audit: SymbolAudit | None,
    served: Mapping[str, str],
    removal: str,
) -> _Entry:
    if audit is None:
        return _Entry(spec.name, import_line(spec), spec.target, None, False, ())
    rows = [
        _Row(
            _cell(_code(s.path)),
            _cell(_code(import_statement(spec.canonical, split_path(s.path)[1]))),
            STATUS_SHIMMED
            if s.shimmed
            else STATUS_DECLARED
            if s.by_declaration
            else STATUS_REEXPORT,
            s.sites,
            s.strings,
            removal,
        )
        for s in legacy_statuses(audit, served)
    ]
    variations = len(audit.variations)
    return _Entry(
        spec.name,
        import_line(spec),
        spec.target,
        variations,
        variations > spec.target,
        tuple(rows),
    )


def _phase_heading(name: str, title: str) -> str:
    title = " ".join(title.split())
    return f"Phase {_code(name)}: {title}" if title else f"Phase {_code(name)}"


def _cell(text: str) -> str:
    """Text for one table cell: one line, with ``|`` escaped (GFM honours ``\\|`` even
    inside a code span in a table)."""
    return " ".join(text.split()).replace("|", "\\|")


def _code(text: str) -> str:
    """`text` as an inline code span that no backtick in it can end early."""
    text = " ".join(text.split())
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
