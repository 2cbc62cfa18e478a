"""A rewrite's results: the new bytes of each file, and what was left and why. Light values
(no LibCST), so that commands and the CLI can name them without importing the rewrite."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ssot_migrate.base.outcomes import Note

if TYPE_CHECKING:
    from ssot_migrate.index.facts import ModuleFacts


@dataclass(frozen=True, slots=True)
class FileChange:
    rel: str
    before: bytes
    after: bytes
    sites: int
    forms: Mapping[str, int]
    facts: ModuleFacts | None = field(default=None, compare=False)
    """The facts of `after`, when its verification extracted them (None: not at hand)."""


@dataclass(frozen=True, slots=True)
class RewriteResult:
    changes: tuple[FileChange, ...]
    refused: tuple[Note, ...]
    """Files left untouched because the rewrite could not be proven safe."""
    notes: tuple[Note, ...]
    """Sites deliberately left alone (star imports, legacy modules, prefixes...)."""
