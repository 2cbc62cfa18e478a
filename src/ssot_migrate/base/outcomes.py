"""What a run says about a file it left alone, or a site it did not rewrite: a `Note` of a
`NoteKind`, whose value is how the run summary counts it (``left alone: 2 star imports``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class NoteKind(StrEnum):
    # Sites left alone by design: the summary's `left alone:` line.
    CANONICAL_MODULE = "in the canonical module"
    LOAD_TIME = "imported by the canonical module at import time"
    STAR_IMPORT = "star import"
    LEGACY_MODULE = "legacy module"
    STRINGS_OFF = "string left alone (--no-strings)"
    STRING_IN_OWN_MODULE = "string in a canonical or shimmed module"
    STRING_PREFIX = "string only starting with a legacy path"
    SHIM_EXCLUDED = "shim-exclude"
    OWN_GETATTR = "already deprecated by its module's own __getattr__"
    # An ImportError fallback the rewrite made import what its try body does.
    FALLBACK_IDENTICAL = "fallback now identical"
    # The audit's sites of another object or of none: the `not rewritten:` line.
    UNRESOLVED = "unresolved"
    DIFFERENT_OBJECT = "different object"
    # Files left untouched, each on a line of its own.
    NOT_REWRITTEN = "not rewritten"
    NOT_SHIMMED = "not shimmed"
    # Why a module is a public legacy path that gets a shim: the `shims:` line.
    SHIMMED = "shimmed"
    # `rename = true`: the `renamed:` line (files renamed, and those keeping their aliases).
    RENAMED = "renamed"
    RENAME_KEPT = "kept as aliased"


@dataclass(frozen=True, slots=True)
class Note:
    """A site or file left alone, and why."""

    rel: str
    line: int
    reason: str
    kind: NoteKind
    label: str = ""
    """How the summary counts it when not by its kind: a shim's by why the path is public
    (``imported through``)."""

    @property
    def group(self) -> str:
        return self.label or self.kind.value
