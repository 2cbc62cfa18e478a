"""Audit results as documents: JSON (versioned schema), SARIF 2.1.0 and Markdown.

Columns in every output are 1-based, as editors and code-scanning UIs count them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ssot_migrate import __version__
from ssot_migrate.analysis.audit import Finding, LegacyPath, Site, SymbolAudit
from ssot_migrate.analysis.grouping import GroupCounts, GroupKey, group_counts
from ssot_migrate.base.templating import render

JSON_SCHEMA = "ssot-migrate/audit"
JSON_VERSION = 2


@dataclass(frozen=True, slots=True)
class Skipped:
    rel: str
    line: int
    col: int
    reason: str


@dataclass(frozen=True, slots=True)
class AuditRun:
    """Everything one `audit` reports."""

    audits: tuple[SymbolAudit, ...]
    phases: Mapping[str, str]
    """Symbol name -> phase name."""
    skipped: tuple[Skipped, ...]
    files: int
    parsed: int
    group_key: GroupKey | None = None
    group_by: str | None = None

    def groups(self, audit: SymbolAudit) -> tuple[GroupCounts, ...]:
        return group_counts(audit, self.group_key) if self.group_key else ()


def counts(audit: SymbolAudit) -> dict[str, int]:
    return {
        "sites": len(audit.sites),
        "variations": len(audit.variations),
        "left_by_design": len(audit.left_by_design),
        "patterns": len(audit.patterns),
        "legacy_paths": len(audit.reported_paths),
        "strings": sum(1 for s in audit.strings if s.detail == "legacy"),
        "different_object": len(audit.different),
        "unresolved": len(audit.broken),
    }


def pattern_rows(audit: SymbolAudit) -> list[dict[str, Any]]:
    tally = Counter((s.path, s.form, s.alias) for s in audit.variations)
    return [
        {"path": path, "form": form, "alias": alias, "sites": n}
        for (path, form, alias), n in sorted(tally.items(), key=lambda i: (-i[1], i[0][0], i[0][1]))
    ]


def _site(site: Site) -> dict[str, Any]:
    row: dict[str, Any] = {
        "file": site.rel,
        "line": site.line,
        "column": site.col + 1,
        "path": site.path,
        "form": site.form,
        "local": site.local,
        "alias": site.alias,
        "import": site.written,
        "scope": site.scope,
        "guard": site.guard,
        "canonical": site.canonical,
        "reexport": site.reexport,
        "references": site.references,
        "left_by_design": site.left or None,
    }
    if site.by_declaration:  # reached through a configured lazy legacy path, not statically
        row["by_declaration"] = True
    return row


def _finding(finding: Finding, detail_key: str = "detail") -> dict[str, Any]:
    return {
        "file": finding.rel,
        "line": finding.line,
        "column": finding.col + 1,
        "path": finding.path,
        detail_key: finding.detail,
    }


def _legacy(path: LegacyPath) -> dict[str, Any]:
    row: dict[str, Any] = {
        "path": path.path,
        "sites": path.sites,
        "strings": path.strings,
        "kind": path.kind,
        "role": path.role,
        "reason": path.reason,
    }
    if path.detail:
        row["detail"] = path.detail
    return row


def to_json(run: AuditRun) -> dict[str, Any]:
    symbols = []
    for audit in run.audits:
        entry: dict[str, Any] = {
            "name": audit.spec.name,
            "phase": run.phases.get(audit.spec.name),
            "canonical": audit.spec.canonical,
            "target": audit.spec.target,
            "above_target": audit.above_target,
            "resolved": {"kind": audit.target.kind, "path": audit.target.path},
            "counts": counts(audit),
            "legacy_paths": [_legacy(p) for p in audit.legacy_paths],
            "patterns": pattern_rows(audit),
            "sites": [_site(s) for s in audit.sites],
            "strings": [_finding(s, "status") for s in audit.strings],
            "different_object": [_finding(f) for f in audit.different],
            "unresolved_imports": [_finding(f) for f in audit.broken],
        }
        if run.group_key is not None:
            entry["groups"] = {
                "by": run.group_by,
                "rows": [_group(g) for g in run.groups(audit)],
            }
        symbols.append(entry)
    return {
        "schema": JSON_SCHEMA,
        "version": JSON_VERSION,
        "tool": {"name": "ssot-migrate", "version": __version__},
        "summary": {
            "files": run.files,
            "parsed": run.parsed,
            "skipped": len(run.skipped),
            "symbols": len(run.audits),
            "variations": sum(len(a.variations) for a in run.audits),
            "above_target": [a.spec.name for a in run.audits if a.above_target],
        },
        "symbols": symbols,
        "skipped": [
            {"file": s.rel, "line": s.line, "column": s.col + 1, "reason": s.reason}
            for s in run.skipped
        ],
    }


def _group(group: GroupCounts) -> dict[str, Any]:
    return {
        "group": group.group,
        "sites": group.sites,
        "variations": group.variations,
        "strings": group.strings,
        "different_object": group.different,
        "unresolved": group.broken,
    }


SARIF_RULES: Sequence[tuple[str, str, str, str]] = (
    (
        "non-canonical-import",
        "warning",
        "Import does not use the canonical path",
        "The import reaches the symbol through a re-export, compatibility module or alias; "
        "import it from its canonical path instead.",
    ),
    (
        "different-object",
        "note",
        "Same-named import of a different object",
        "The import binds a name of a migrated symbol, but resolves to a different object.",
    ),
    (
        "unresolved-import",
        "error",
        "Import of the symbol's name resolves nowhere",
        "The module does not exist or does not bind the name: this import fails at runtime.",
    ),
    (
        "string-reference",
        "note",
        "String names a legacy path of the symbol",
        "A string literal (mock.patch target, importlib path) spells a non-canonical path.",
    ),
)


def _sarif_result(rule: str, rel: str, line: int, col: int, text: str) -> dict[str, Any]:
    index = [r[0] for r in SARIF_RULES].index(rule)
    return {
        "ruleId": rule,
        "ruleIndex": index,
        "level": SARIF_RULES[index][1],
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": rel, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": line, "startColumn": col + 1},
                }
            }
        ],
    }


def to_sarif(run: AuditRun) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    for audit in run.audits:
        canonical = audit.spec.canonical
        for site in audit.variations:
            results.append(
                _sarif_result(
                    "non-canonical-import",
                    site.rel,
                    site.line,
                    site.col,
                    f"{site.path} is a non-canonical path of {audit.spec.name}; "
                    f"import it from {canonical}",
                )
            )
        for f in audit.different:
            results.append(
                _sarif_result(
                    "different-object",
                    f.rel,
                    f.line,
                    f.col,
                    f"{f.path} is not {canonical}: it {f.detail}",
                )
            )
        for f in audit.broken:
            results.append(
                _sarif_result(
                    "unresolved-import",
                    f.rel,
                    f.line,
                    f.col,
                    f"{f.path} does not resolve: {f.detail}",
                )
            )
        for f in audit.strings:
            if f.detail == "legacy":
                results.append(
                    _sarif_result(
                        "string-reference",
                        f.rel,
                        f.line,
                        f.col,
                        f"string {f.path!r} names a legacy path of {audit.spec.name}; "
                        f"the canonical path is {canonical!r}",
                    )
                )
    rules = [
        {
            "id": rule_id,
            "name": rule_id,
            "shortDescription": {"text": short},
            "fullDescription": {"text": full},
            "defaultConfiguration": {"level": level},
        }
        for rule_id, level, short, full in SARIF_RULES
    ]
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {"name": "ssot-migrate", "version": __version__, "rules": rules}
                },
                "results": results,
            }
        ],
    }


def to_markdown(run: AuditRun) -> str:
    return render(
        "audit.md.j2",
        run=run,
        rows=[(a, counts(a), pattern_rows(a), run.groups(a)) for a in run.audits],
    )
