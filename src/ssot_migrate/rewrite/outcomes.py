"""A rewrite's results: the new bytes of each file, and what was left and why. Light values
(no LibCST), so that commands and the CLI can name them without importing the rewrite."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from ssot_migrate.base.outcomes import Note

if TYPE_CHECKING:
    from ssot_migrate.index.facts import ModuleFacts


class ChangeKind(StrEnum):
    """What a changed file is to the run."""

    IMPORTER = "importer"
    """Its imports (and maybe strings) of legacy paths are rewritten."""
    STRING = "string"
    """Only strings naming legacy paths are rewritten."""
    SHIM = "shim"
    """A legacy module that now serves its moved names through a generated shim (its own
    imports may be rewritten too)."""
    RETIRED = "retired"
    """A legacy module whose shim `retire` took away (or the whole module, `deleted`)."""


SHIM_FORM = "shim"
"""The `FileChange.forms` key a shim counts its served names under."""
RETIRED_FORM = "retired"
"""The `FileChange.forms` key a retired shim counts the names it no longer serves under."""


@dataclass(frozen=True, slots=True)
class FileChange:
    rel: str
    before: bytes
    after: bytes
    sites: int
    forms: Mapping[str, int]
    facts: ModuleFacts | None = field(default=None, compare=False)
    """The facts of `after`, when its verification extracted them (None: not at hand)."""
    deleted: bool = False
    """The file goes (`after` is empty): a compatibility module left with nothing to serve."""

    @property
    def kind(self) -> ChangeKind:
        if RETIRED_FORM in self.forms:
            return ChangeKind.RETIRED
        if SHIM_FORM in self.forms:
            return ChangeKind.SHIM
        return ChangeKind.STRING if set(self.forms) == {"string"} else ChangeKind.IMPORTER


@dataclass(frozen=True, slots=True)
class RewriteResult:
    changes: tuple[FileChange, ...]
    refused: tuple[Note, ...]
    """Files left untouched because the rewrite could not be proven safe."""
    notes: tuple[Note, ...]
    """Sites deliberately left alone (star imports, legacy modules, prefixes...)."""
