"""The values of `verify --runtime`: what a legacy path is checked for (`PathCheck`) and
what came out (`PathResult`), a module compared with the base (`ModuleComparison`), and the
report lines of both."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class PathCheck:
    legacy: str
    """Dotted path, e.g. ``app.agents.engine.ExecutionEngine``."""
    canonical: str
    """Dotted path, e.g. ``app.agents.execution_engine.ExecutionEngine``."""
    own_deprecation: bool = False
    """The legacy module's own ``__getattr__`` deprecates the name (the shim left it to
    it): its warnings are the project's, so any number of them anywhere is fine."""
    shimmed: bool = True
    """A generated block on disk serves the path (or its module's own ``__getattr__``
    deprecates it): it must warn. A public path whose module took no shim (none could run
    on the project's Python, or `--no-shims`) is checked for identity only."""


@dataclass(frozen=True, slots=True)
class PathResult:
    legacy: str
    canonical: str
    same_object: bool | None
    """None when an import failed."""
    warnings: tuple[tuple[str, str, int], ...]
    """(category name, filename, line) of each warning raised importing the legacy path."""
    warned_at_importer: bool
    """Exactly one warning, located at the importer file's import line."""
    legacy_import_us: int | None
    """Microseconds ``from <legacy module> import <name>`` takes in a fresh process (for a
    lazy path, including what its ``__getattr__`` imports)."""
    canonical_import_us: int | None
    error: str | None
    """One line: what went wrong (an import's exception, a timeout, ...)."""
    own_deprecation: bool = False
    """See `PathCheck.own_deprecation`: then at least one warning, anywhere, is enough."""
    shimmed: bool = True
    """See `PathCheck.shimmed`: an unshimmed path owes no warning."""

    @property
    def warned(self) -> bool:
        """The deprecation the path must give: one warning at the importer, or the module's
        own (at least one warning, its category and place are the project's choice); none
        where no shim serves the path."""
        if not self.shimmed:
            return True
        return self.warned_at_importer or (self.own_deprecation and bool(self.warnings))

    @property
    def ok(self) -> bool:
        return self.same_object is True and self.warned and self.error is None


def format_results(results: Sequence[PathResult]) -> list[str]:
    """One line per result, ``ok   ...`` or ``FAIL ... (reason)``."""
    return [_format(result) for result in results]


def _format(result: PathResult) -> str:
    relation = {True: "is", False: "is not", None: "->"}[result.same_object]
    head = f"{'ok  ' if result.ok else 'FAIL'} {result.legacy} {relation} {result.canonical}"
    if result.error is not None:
        return f"{head} ({result.error})"
    parts = [head, _describe_warnings(result), _describe_timing(result)]
    line = "; ".join(parts)
    if result.ok:
        return line
    reasons = []
    if result.same_object is not True:
        reasons.append("a different object")
    if not result.warned:
        reasons.append(
            "expected a warning from the module's own __getattr__"
            if result.own_deprecation
            else "expected exactly one warning, at the importing line"
        )
    return f"{line} ({'; '.join(reasons)})"


def _describe_warnings(result: PathResult) -> str:
    if not result.shimmed and not result.warnings:
        return "no warning (no shim in its module: nothing serves it with one)"
    if result.warned_at_importer:
        return "1 warning at the importer"
    if not result.warnings:
        return "no warning"
    if result.own_deprecation:
        categories = ", ".join(sorted({category for category, _, _ in result.warnings}))
        count = len(result.warnings)
        return f"deprecated by its own __getattr__ ({count} x {categories})"
    shown = ", ".join(
        f"{category} at {Path(filename).name}:{line}"
        for category, filename, line in result.warnings[:3]
    )
    more = ", ..." if len(result.warnings) > 3 else ""
    count = len(result.warnings)
    return f"{count} warning{'s' if count > 1 else ''}: {shown}{more}"


def _describe_timing(result: PathResult) -> str:
    legacy, canonical = _ms(result.legacy_import_us), _ms(result.canonical_import_us)
    return f"from-import {legacy} vs {canonical} canonical"


def _ms(microseconds: int | None) -> str:
    return "? ms" if microseconds is None else f"{microseconds / 1000:.1f} ms"


@dataclass(frozen=True, slots=True)
class AttributeChange:
    attribute: str
    before: str
    """What the base gave: ``module pkg.core.engine``, ``class a.b.C``, ..."""
    after: str
    """What the current tree gives, or the error getattr raised."""
    lost: bool
    """getattr failed on the current tree (else: a different object)."""


@dataclass(frozen=True, slots=True)
class ModuleComparison:
    """One module imported from the base and from the current tree."""

    module: str
    compared: int
    """The base's attributes compared."""
    changes: tuple[AttributeChange, ...] = ()
    error: str | None = None
    """The current tree could not import it."""
    note: str | None = None
    """The base could not import it: nothing to compare."""

    @property
    def ok(self) -> bool:
        return self.error is None and not self.changes


def format_comparisons(
    comparisons: Sequence[ModuleComparison], before: str = "the phase"
) -> list[str]:
    """``ok`` per module whose attributes all stayed, a ``FAIL`` per lost or changed
    attribute (module.attribute, before, after), ``note`` where the base had nothing."""
    lines = []
    for found in comparisons:
        if found.note is not None:
            lines.append(f"note {found.module}: {found.note} (nothing to compare)")
        elif found.error is not None:
            lines.append(f"FAIL {found.module}: cannot import it any more: {found.error}")
        elif found.ok:
            lines.append(
                f"ok   {found.module}: all {found.compared} attributes it had before {before} "
                "are still there, the same objects"
            )
        for change in found.changes:
            what = "lost" if change.lost else "changed"
            lines.append(
                f"FAIL {found.module}.{change.attribute} {what}: before {change.before}; "
                f"after {change.after}"
            )
    return lines
