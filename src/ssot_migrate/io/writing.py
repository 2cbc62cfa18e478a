"""Writing a run's changes into the user's tree: atomically (a file that goes is unlinked,
which is atomic too), and each only if its file still holds what the run read (else it is
left as it is and reported)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from ssot_migrate.base.outcomes import Note, NoteKind
from ssot_migrate.io import workspace

NOT_REWRITTEN = NoteKind.NOT_REWRITTEN


class Change(Protocol):
    """A file's new bytes, and the bytes they were made from."""

    @property
    def rel(self) -> str: ...
    @property
    def before(self) -> bytes: ...
    @property
    def after(self) -> bytes: ...
    @property
    def deleted(self) -> bool:
        """The file goes instead of getting `after`."""


def write_changes(
    root: Path, changes: Sequence[Change], scratch: bool = False
) -> tuple[list[str], list[Note]]:
    """Write `changes` atomically, each only if its file still holds what was read
    (`scratch`: in place, in a tree the tool made and deletes; see overwrite_scratch)."""
    written: list[str] = []
    refused: list[Note] = []
    for change in changes:
        path = root / change.rel
        refused_because = workspace.refusal(path)
        if refused_because:
            refused.append(Note(change.rel, 1, f"not written: it {refused_because}", NOT_REWRITTEN))
            continue
        if not scratch:
            workspace.remove_stale_temps(path)
        try:
            current = workspace.read_bytes(path)
        except OSError as error:
            refused.append(
                Note(change.rel, 1, f"cannot read it again: {error.strerror}", NOT_REWRITTEN)
            )
            continue
        if current != change.before:
            refused.append(
                Note(change.rel, 1, "changed on disk during the run: left as it is", NOT_REWRITTEN)
            )
            continue
        try:
            if change.deleted:
                workspace.delete_file(path)
            elif scratch:
                workspace.overwrite_scratch(path, change.after)
            else:
                workspace.write_atomic(path, change.after)
        except OSError as error:
            refused.append(Note(change.rel, 1, f"cannot write it: {error.strerror}", NOT_REWRITTEN))
            continue
        written.append(change.rel)
    return written, refused
