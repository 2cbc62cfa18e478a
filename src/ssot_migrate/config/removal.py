"""When a shim is due to go: its removal (``[shims] removal``, as the shim block carries
it) read as a date (``2026-06-30``: due from that day) or as a version (``2026.06``: due
once the project's own version reaches it: `project_version.project_version`). Pure."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


@dataclass(frozen=True, slots=True)
class ProjectVersion:
    """The project's version and where it was read (None: none could be read, and why)."""

    version: str | None
    where: str


@dataclass(frozen=True, slots=True)
class Due:
    due: bool
    reason: str
    """Why it is due or not (``removal 2.0 reached: project version 2.1``)."""


def removal_due(removal: str | None, version: ProjectVersion, today: dt.date) -> Due:
    """Whether a shim whose removal is `removal` may go now."""
    if not removal:
        return Due(False, "no removal version or date: set [shims] removal, or pass --force")
    if _DATE.match(removal):
        try:
            when = dt.date.fromisoformat(removal)
        except ValueError:
            return Due(False, f"removal {removal!r} is not a calendar date")
        if today >= when:
            return Due(True, f"removal date {removal} reached (today is {today.isoformat()})")
        return Due(False, f"not due before {removal} (today is {today.isoformat()})")
    try:
        wanted = Version(removal)
    except InvalidVersion:
        return Due(False, f"removal {removal!r} is neither a date (YYYY-MM-DD) nor a version")
    if version.version is None:
        return Due(False, f"removal {removal} is a version, but {version.where}")
    try:
        current = Version(version.version)
    except InvalidVersion:
        return Due(False, f"the project's version {version.version!r} ({version.where}) is "
                          "not a version")  # fmt: skip
    if current >= wanted:
        return Due(True, f"removal version {removal} reached ({version.where}: {current})")
    return Due(False, f"not due before version {removal} ({version.where}: {current})")
