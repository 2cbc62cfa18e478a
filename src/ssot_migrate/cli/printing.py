"""What the commands print: run summaries, diffs, audits in each format, errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import typer

from ssot_migrate.base.errors import SsotError
from ssot_migrate.base.outcomes import NoteKind
from ssot_migrate.base.wording import counted
from ssot_migrate.cli.app import Globals, OutputFormat, console_for


def reviewed(g: Globals, changes: list[Any]) -> list[Any]:
    from ssot_migrate.render import diffing

    accepted = []
    for number, change in enumerate(changes, start=1):
        print_diff(g, diffing.file_diff(change.rel, change.before, change.after))
        answer = (
            typer.prompt(
                f"({number}/{len(changes)}) write {change.rel}? [a]ccept, [s]kip, [q]uit",
                default="a",
            )
            .strip()
            .lower()
        )
        if answer.startswith("q"):
            break
        if answer.startswith("a") or answer == "y":
            accepted.append(change)
    return accepted


def print_diff(g: Globals, diff: bytes) -> None:
    if not (g.color and sys.stdout.isatty()):
        # The bytes as they are: a latin-1 file's diff must still apply (`git apply`).
        sys.stdout.flush()
        sys.stdout.buffer.write(diff)
        sys.stdout.buffer.flush()
        return
    text = diff.decode("utf-8", errors="replace")
    colours = {"+": "\033[32m", "-": "\033[31m", "@": "\033[36m"}
    for line in text.splitlines(keepends=True):
        colour = "" if line.startswith(("+++", "---")) else colours.get(line[:1], "")
        sys.stdout.write(f"{colour}{line}\033[0m" if colour else line)


def variations(count: int | None) -> str:
    return "? variations" if count is None else counted(count, "variation")


def print_run_summary(
    g: Globals,
    result: Any,
    changes: list[Any],
    written: bool,
    late_refusals: Sequence[Any] = (),
) -> None:
    from collections import Counter

    forms: Counter[str] = Counter()
    for change in changes:
        forms.update(change.forms)
    sites = sum(forms.values())
    verb = "rewrote" if written else "would rewrite"
    detail = ", ".join(f"{form} {n}" for form, n in sorted(forms.items()))
    names = ", ".join(spec.name for spec in result.specs)
    lines = [
        f"{result.phase} ({names}): {verb} {counted(sites, 'site')} in "
        f"{counted(len(changes), 'file')}" + (f" ({detail})" if detail else "")
    ]
    kept = {change.rel for change in changes}  # with --review: the shims accepted
    why = Counter(note.group for note in result.shimmed if note.rel in kept)
    if why:
        total = sum(why.values())
        lines.append(
            f"shims: {total} legacy module{'s keep' if total > 1 else ' keeps'} working with a "
            "warning (" + ", ".join(counted(n, reason) for reason, n in sorted(why.items())) + ")"
        )
    fallback = NoteKind.FALLBACK_IDENTICAL
    renaming = {NoteKind.RENAMED, NoteKind.RENAME_KEPT}
    renamed = [n for n in result.notes if n.kind is NoteKind.RENAMED and n.rel in kept]
    aliased = [n for n in result.notes if n.kind is NoteKind.RENAME_KEPT and n.rel in kept]
    if renamed or aliased:
        uses = sum(int(n.label) for n in renamed)
        parts = (
            [f"renamed {counted(len(renamed), 'file')} ({counted(uses, 'use')})"] if renamed else []
        )
        parts += [f"{counted(len(aliased), 'file')} kept as aliased"] if aliased else []
        lines.append("rename: " + "; ".join(parts))
        lines += [f"kept as aliased {n.rel}: {n.reason}" for n in aliased]
    left = Counter(
        note.group
        for note in result.notes
        if note.kind is not fallback and note.kind not in renaming
    )
    if left:
        lines.append("left alone: " + ", ".join(counted(n, why) for why, n in sorted(left.items())))
    lines += [f"{fallback}: {n.rel}:{n.line}" for n in result.notes if n.kind is fallback]
    kinds = Counter(note.group for note in result.unrewritten)
    if kinds:
        counts = ", ".join(
            f"{n} {kind} site{'' if n == 1 else 's'}" for kind, n in sorted(kinds.items())
        )
        lines.append(f"not rewritten: {counts} (see `ssot-migrate audit`)")
    for note in [*result.refused, *late_refusals]:
        lines.append(f"{note.group} {note.rel}: {note.reason}")
    for skipped in result.skipped:
        lines.append(f"skipped {skipped.rel}:{skipped.line}: {skipped.reason}")
    if g.verbose:
        notes = [*result.shimmed, *result.notes, *result.unrewritten]
        lines += [f"  {note.rel}:{note.line}: {note.reason}" for note in notes]
    if not g.quiet or result.refused or late_refusals:
        for line in lines:
            typer.echo(line, err=True)


def emit_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def print_audit(g: Globals, result: Any, output_format: OutputFormat) -> None:
    from ssot_migrate.render import report

    if output_format is OutputFormat.json:
        emit_json(report.to_json(result.run))
    elif output_format is OutputFormat.sarif:
        emit_json(report.to_sarif(result.run))
    elif output_format is OutputFormat.markdown:
        sys.stdout.write(report.to_markdown(result.run))
    elif not g.quiet:
        from ssot_migrate.render.tables import audit_tables

        console = console_for(g)
        for renderable in audit_tables(result.run, verbose=g.verbose):
            console.print(renderable)
    if output_format is not OutputFormat.table or g.quiet or result.gate:  # else in the table
        for skipped in result.run.skipped:
            typer.echo(f"skipped {skipped.rel}:{skipped.line}: {skipped.reason}", err=True)
    for line in result.messages:
        if not g.quiet or result.exit_code:
            typer.echo(line, err=True)


def print_discovery(g: Globals, found: Any, output_format: OutputFormat) -> None:
    if output_format is OutputFormat.json:
        emit_json(
            {
                "schema": "ssot-migrate/discover",
                "version": 2,
                "candidates": [
                    {
                        "name": c.name,
                        "canonical": c.canonical,
                        "definition": c.definition,
                        "paths": [
                            {"path": p, "sites": n} for p, n in zip(c.paths, c.uses, strict=True)
                        ],
                        "sites": c.sites,
                        "close": c.close,
                    }
                    for c in found
                ],
            }
        )
        return
    from ssot_migrate.render.tables import discovery_table

    console_for(g).print(discovery_table(found))


def report_error(error: SsotError) -> None:
    typer.echo("\n".join(f"error: {p.render()}" for p in error.problems), err=True)
    typer.echo("nothing was written.", err=True)
