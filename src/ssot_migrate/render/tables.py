"""Rich renderables for the terminal (the CLI prints them; nothing here prints)."""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from ssot_migrate.analysis.audit import BY_DECLARATION, PUBLIC, SymbolAudit
from ssot_migrate.analysis.candidates import Candidate
from ssot_migrate.render.report import AuditRun, counts, pattern_rows


def audit_tables(run: AuditRun, verbose: bool = False) -> Iterator[RenderableType]:
    yield _summary(run)
    for audit in run.audits:
        yield from _details(run, audit, verbose)
    if run.skipped:
        table = Table(title="Skipped files (not parsed)", title_justify="left")
        table.add_column("file:line")
        table.add_column("reason")
        for s in run.skipped:
            table.add_row(f"{s.rel}:{s.line}", s.reason)
        yield table


def _summary(run: AuditRun) -> Table:
    table = Table(
        title=f"Import fragmentation: {run.files} files, {run.parsed} parsed",
        title_justify="left",
    )
    for column in ("symbol", "canonical"):
        table.add_column(column)
    for column in (
        "sites",
        "variations",
        "left",
        "patterns",
        "legacy paths",
        "strings",
        "different",
        "unresolved",
        "target",
    ):
        table.add_column(column, justify="right")
    for audit in run.audits:
        c = counts(audit)
        status = Text(str(audit.spec.target), style="red" if audit.above_target else "green")
        table.add_row(
            audit.spec.name,
            audit.spec.canonical,
            str(c["sites"]),
            str(c["variations"]),
            str(c["left_by_design"]),
            str(c["patterns"]),
            str(c["legacy_paths"]),
            str(c["strings"]),
            str(c["different_object"]),
            str(c["unresolved"]),
            status,
        )
    return table


def _details(run: AuditRun, audit: SymbolAudit, verbose: bool) -> Iterator[RenderableType]:
    name = audit.spec.name
    paths = audit.legacy_paths if verbose else audit.reported_paths
    if paths:
        table = Table(title=f"{name}: legacy paths reaching the same object", title_justify="left")
        table.add_column("path")
        table.add_column("kind")
        table.add_column("why")
        table.add_column("sites", justify="right")
        table.add_column("strings", justify="right")
        lazy = any(p.kind == BY_DECLARATION for p in paths)
        if lazy:
            table.add_column("reached")
        for p in paths:
            kind = "public legacy (shim)" if p.role == PUBLIC else "incidental"
            cells = [p.path, kind, p.reason, str(p.sites), str(p.strings)]
            if lazy:
                declared = p.kind == BY_DECLARATION
                cells.append(f"by declaration: {p.detail}" if declared else "statically")
            table.add_row(*cells)
        yield table
    patterns = pattern_rows(audit)
    if patterns:
        table = Table(title=f"{name}: patterns (path, form, alias)", title_justify="left")
        for column in ("path", "form", "alias"):
            table.add_column(column)
        table.add_column("sites", justify="right")
        for row in patterns:
            table.add_row(row["path"], row["form"], row["alias"] or "", str(row["sites"]))
        yield table
    findings = [("different object", f) for f in audit.different]
    findings += [("unresolved", f) for f in audit.broken]
    if findings:
        table = Table(title=f"{name}: reported apart (not variations)", title_justify="left")
        for column in ("kind", "where", "path", "detail"):
            table.add_column(column)
        for kind, f in findings:
            where = f"{f.rel}:{f.line}" if hasattr(f, "rel") else "config"
            table.add_row(kind, where, f.path, f.detail)
        yield table
    groups = run.groups(audit)
    if groups:
        table = Table(title=f"{name}: by {run.group_by}", title_justify="left")
        table.add_column(run.group_by or "group")
        for column in ("sites", "variations", "strings", "different", "unresolved"):
            table.add_column(column, justify="right")
        for g in groups:
            table.add_row(
                g.group,
                str(g.sites),
                str(g.variations),
                str(g.strings),
                str(g.different),
                str(g.broken),
            )
        yield table
    if verbose:
        table = Table(title=f"{name}: import sites", title_justify="left")
        for column in ("where", "import", "path", "form", "scope", "guard", "status"):
            table.add_column(column)
        for s in audit.sites:
            status = "canonical" if s.canonical else ("re-export" if s.reexport else "variation")
            if s.left:
                status = f"left: {s.left.split(':')[0]}"
            where = f"{s.rel}:{s.line}"
            table.add_row(where, s.written, s.path, s.form, s.scope, s.guard or "", status)
        yield table


def discovery_table(found: list[Candidate]) -> Table:
    table = Table(title="Names reached through more than one import path", title_justify="left")
    table.add_column("name")
    table.add_column("proposed canonical (most used public path)")
    table.add_column("defined at")
    table.add_column("paths", justify="right")
    table.add_column("sites", justify="right")
    table.add_column("other paths, most used first")
    for c in found:
        canonical = c.canonical
        if c.close:
            canonical += (
                f"\nclose call: {c.close} ({c.sites_of(c.close)} vs {c.sites_of(c.canonical)})"
            )
        others = [f"{p} ({n})" for p, n in zip(c.paths, c.uses, strict=True) if p != c.canonical]
        shown = ", ".join(others[:3]) + (f", +{len(others) - 3} more" if len(others) > 3 else "")
        defined = "" if c.definition == c.canonical else c.definition
        table.add_row(c.name, canonical, defined, str(len(c.paths)), str(c.sites), shown)
    return table
