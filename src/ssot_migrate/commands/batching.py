"""Slicing a phase's rewritten files into batches: by count, by directory, by owner."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ssot_migrate.analysis.grouping import UNOWNED, parse_group_by
from ssot_migrate.base.errors import Problem, UsageError


def slug(label: str) -> str:
    """A branch-name-safe label: `@org/team-a` -> `org-team-a`."""
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", label.lstrip("@")).strip("-.")
    return text or "batch"


def split_batches(
    rels: Sequence[str],
    size: int | None,
    by: str | None,
    codeowners_text: str | None,
) -> list[tuple[str, list[str]]]:
    """(label, files) slices of `rels`, each file in exactly one slice, in a stable order."""
    files = sorted(rels)
    if size is not None and by is not None:
        raise UsageError([Problem("--batch-size", "choose --batch-size or --batch-by, not both")])
    if size is not None:
        if size < 1:
            raise UsageError([Problem("--batch-size", f"{size} is not a positive number")])
        return [
            (f"batch-{n + 1}", files[start : start + size])
            for n, start in enumerate(range(0, len(files), size))
        ]
    if by is None:
        return [("", files)]
    kind = by.partition(":")[0]
    grouping = "owner" if kind == "owners" else by
    if kind not in ("dir", "owners"):
        raise UsageError([Problem("--batch-by", f"unknown batching {by!r}",
                                  "use dir, dir:DEPTH or owners")])  # fmt: skip
    key = parse_group_by(grouping, codeowners_text)
    groups: dict[str, list[str]] = {}
    for rel in files:
        label = key(rel)
        if kind == "owners" and label != UNOWNED:
            label = label.split()[0]  # the first owner of the last matching rule
        groups.setdefault(slug(label) if label != UNOWNED else "unowned", []).append(rel)
    return sorted(groups.items())
