"""What a run says about a file it left alone, or a site it did not rewrite."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Note:
    """A site left alone, and why."""

    rel: str
    line: int
    reason: str
