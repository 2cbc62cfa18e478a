"""`status`, `rollback`, `plan` and `registry` on the command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ssot_migrate.base.exit_codes import EXIT_CHECK_FAILED, EXIT_OK
from ssot_migrate.base.wording import counted
from ssot_migrate.cli.app import DocumentFormat, DocumentFormatOption, globals_of, run_options
from ssot_migrate.cli.printing import emit_json, variations
from ssot_migrate.io import workspace


def status(
    ctx: typer.Context,
    output_format: DocumentFormatOption = DocumentFormat.table,
) -> None:
    """What each phase has landed (commit trailers, batch branches) and what is left."""
    from ssot_migrate.commands import history

    g = globals_of(ctx)
    document = history.status(run_options(g))
    if output_format is DocumentFormat.json:
        emit_json(document)
        return
    typer.echo(f"on {document['branch']}:")
    for phase in document["phases"]:
        for symbol in phase["symbols"]:
            merged = sum(1 for b in symbol["branches"] if b["merged"])
            open_ = [b["name"] for b in symbol["branches"] if not (b["merged"] or b["reverted"])]
            undone = [b["name"] for b in symbol["branches"] if b["reverted"]]
            left = symbol["variations"]
            line = (
                f"{phase['name']} {symbol['name']}: {counted(len(symbol['landed']), 'commit')} "
                f"landed, {counted(merged, 'branch')} merged, "
                f"{variations(left)} left"
            )
            line += f"; unmerged: {', '.join(open_)}" if open_ else ""
            typer.echo(line + (f"; reverted: {', '.join(undone)}" if undone else ""))
        if phase["retired"]:
            typer.echo(f"{phase['name']} retired: {', '.join(phase['retired'])}")


def rollback(
    ctx: typer.Context,
    phase: Annotated[str, typer.Argument(help="The phase to revert.")],
    branches: Annotated[
        bool, typer.Option("--branches", help="Also delete the phase's unmerged batch branches.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before deleting.")] = False,
    retire: Annotated[
        bool, typer.Option("--retire", help="Only revert its `retire` commits (the shims return).")
    ] = False,
) -> None:
    """Revert a phase's commits on the current branch with revert commits (no rewrite)."""
    from ssot_migrate.commands import history

    g = globals_of(ctx)
    plan = history.plan_rollback(run_options(g), phase, branches, retire_only=retire)
    delete = bool(plan.branches)
    if delete and not yes:
        listed = ", ".join(plan.branches)
        try:
            delete = typer.confirm(f"delete unmerged branches {listed}?", default=False)
        except typer.Abort:
            delete = False
        if not delete:
            typer.echo("not deleting the branches (pass --yes to skip the question)", err=True)
    made, deleted = history.rollback(plan, delete)
    for sha in made:
        typer.echo(f"reverted with {sha[:12]}", err=True)
    for name in deleted:
        typer.echo(f"deleted branch {name}", err=True)
    raise typer.Exit(EXIT_OK if delete or not plan.branches else EXIT_CHECK_FAILED)


def plan(
    ctx: typer.Context,
    output_format: DocumentFormatOption = DocumentFormat.table,
) -> None:
    """Phases, symbols, canonical and legacy paths, and the status of each symbol."""
    from ssot_migrate.commands import history

    g = globals_of(ctx)
    document = history.plan_document(run_options(g))
    if output_format is DocumentFormat.json:
        emit_json(document)
        return
    for phase in document["phases"]:
        typer.echo(f"{phase['name']}: {phase['title']}")
        for symbol in phase["symbols"]:
            typer.echo(
                f"  {symbol['name']} -> {symbol['canonical']}  [{symbol['status']}: "
                f"{variations(symbol['variations'])}, target {symbol['target']}]"
            )
            for path in symbol["legacy_paths"]:
                lazy = path in symbol["by_declaration"]
                how = f" (by declaration: served by {path.rpartition('.')[0]}.__getattr__)"
                typer.echo(f"    legacy {path}{how if lazy else ''}")


def registry(
    ctx: typer.Context,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the page here (default: stdout).")
    ] = None,
) -> None:
    """Render the SSOT import registry: canonical imports, legacy paths, their status."""
    from ssot_migrate.commands import registry as registering

    g = globals_of(ctx)
    page = registering.registry_page(run_options(g))
    if output is None:
        sys.stdout.write(page)
        return
    workspace.write_atomic(output, page.encode())
    if not g.quiet:
        typer.echo(f"wrote the import registry to {output}", err=True)
