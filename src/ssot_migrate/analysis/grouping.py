"""`--group-by service|dir[:DEPTH]|owner`: which bucket a file's findings count in."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ssot_migrate.analysis.audit import SymbolAudit
from ssot_migrate.base.errors import Problem, UsageError

GroupKey = Callable[[str], str]
CODEOWNERS_LOCATIONS = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
UNOWNED = "(unowned)"


@dataclass(frozen=True, slots=True)
class GroupCounts:
    group: str
    sites: int
    variations: int
    strings: int
    different: int
    broken: int


def parse_group_by(value: str, codeowners_text: str | None) -> GroupKey:
    """Turn the option's text into a key function; a bad value is a usage error."""
    kind, _, depth_text = value.partition(":")
    if kind == "service" and not depth_text:
        return lambda rel: rel.split("/", 1)[0] if "/" in rel else "."
    if kind == "dir":
        depth = _depth(depth_text or "1")
        return lambda rel: "/".join(rel.split("/")[:-1][:depth]) or "."
    if kind in ("owner", "owners") and not depth_text:
        if codeowners_text is None:
            raise UsageError(
                [
                    Problem(
                        "--group-by",
                        "owner needs a CODEOWNERS file",
                        "add one at " + " or ".join(CODEOWNERS_LOCATIONS),
                    )
                ]
            )
        return _owner_key(codeowners_text)
    raise UsageError(
        [
            Problem(
                "--group-by", f"unknown grouping {value!r}", "use service, dir, dir:DEPTH or owner"
            )
        ]
    )


def _depth(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise UsageError(
            [
                Problem(
                    "--group-by",
                    f"dir depth {text!r} is not a whole number >= 1",
                    "write it as dir:2",
                )
            ]
        )
    return int(text)


def _owner_key(text: str) -> GroupKey:
    from codeowners import CodeOwners

    owners = CodeOwners(text)

    def key(rel: str) -> str:
        found = owners.of(rel)
        return " ".join(name for _kind, name in found) if found else UNOWNED

    return key


def find_codeowners(root: Path) -> Path | None:
    for location in CODEOWNERS_LOCATIONS:
        if (root / location).is_file():
            return root / location
    return None


def group_counts(audit: SymbolAudit, key: GroupKey) -> tuple[GroupCounts, ...]:
    counters: dict[str, Counter[str]] = {}

    def bump(rel: str, field: str) -> None:
        counters.setdefault(key(rel), Counter())[field] += 1

    for site in audit.sites:
        bump(site.rel, "sites")
    for site in audit.variations:  # the same rule as the totals: left-by-design sites aside
        bump(site.rel, "variations")
    for finding in audit.strings:
        bump(finding.rel, "strings")
    for finding in audit.different:
        bump(finding.rel, "different")
    for finding in audit.broken:
        bump(finding.rel, "broken")
    return tuple(
        GroupCounts(group, c["sites"], c["variations"], c["strings"], c["different"], c["broken"])
        for group, c in sorted(counters.items(), key=lambda item: (-item[1]["variations"], item[0]))
    )
