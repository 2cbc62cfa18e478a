"""The migration plan's frozen values: the symbols, phases, shim settings and the whole
config that `load` reads and checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ssot_migrate.base.dotted import split_path

RelativeImports = Literal["keep", "absolute"]
DEFAULT_SHIM_EXCLUDE = ("tests/**", "**/tests/**", "test_*.py", "*_test.py", "conftest.py")
"""Test files: a test module that imports a symbol for its own tests, or star-imports test
helpers, is never a public path that deserves a deprecation shim."""

DEFAULT_TARGET_VERSION = (3, 8)
"""The oldest Python assumed when neither the config nor the project's metadata names one:
the oldest the shims are tested on, and old enough for most projects that never said."""


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    """One symbol of a phase.

    `name` is the handle users type (`--symbol ExecutionEngine`); `canonical` is the dotted
    path of the definition, which may end in another name (an alias's target).
    """

    name: str
    canonical: str
    legacy: tuple[str, ...] = ()
    target: int = 0
    rename: bool = False
    """``rename = true``: in each file whose import of it is rewritten, the local name the
    import binds becomes the canonical name, and every use of it follows (`rewrite.rename`)."""

    @property
    def canonical_module(self) -> str:
        return split_path(self.canonical)[0]

    @property
    def canonical_name(self) -> str:
        return split_path(self.canonical)[1]


@dataclass(frozen=True, slots=True)
class Phase:
    name: str
    title: str
    symbols: tuple[SymbolSpec, ...]


@dataclass(frozen=True, slots=True)
class ShimSettings:
    category: str = "DeprecationWarning"
    removal: str | None = None


@dataclass(frozen=True, slots=True)
class Config:
    root: Path
    """The repository (absolute); every relative path in the config is relative to it."""
    config_file: Path | None
    """Where the settings came from; None when no config file exists (defaults)."""
    source_roots: tuple[Path, ...] = ()
    """Absolute sys.path entries holding the top-level packages."""
    exclude: tuple[str, ...] = ()
    """gitignore-style patterns, relative to root."""
    shim_exclude: tuple[str, ...] = DEFAULT_SHIM_EXCLUDE
    """gitignore-style patterns of files never shimmed (test files by default)."""
    branch_prefix: str = "ssot"
    relative_imports: RelativeImports = "keep"
    shims: ShimSettings = field(default_factory=ShimSettings)
    phases: tuple[Phase, ...] = ()
    target_version: tuple[int, int] | None = None
    """``target-version``: the oldest Python the project supports, as the generated shims
    must run there; None when the config does not say (the project's metadata may)."""
    consumers: tuple[str, ...] = ()
    """``consumers``: other trees that may import through the legacy paths (repositories
    checked out beside this one), as written, relative to the root: `retire` scans them
    and keeps every path one of them still imports through."""

    def all_symbols(self) -> tuple[SymbolSpec, ...]:
        """Every symbol of every phase, in plan order, each once."""
        seen: dict[str, SymbolSpec] = {}
        for phase in self.phases:
            for spec in phase.symbols:
                seen.setdefault(spec.name, spec)
        return tuple(seen.values())
