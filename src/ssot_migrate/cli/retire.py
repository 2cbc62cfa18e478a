"""`retire` on the command line: a phase's shims taken away, in place, as a dry run, or
landed through git, and its summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import typer

from ssot_migrate.base.exit_codes import EXIT_PARTIAL
from ssot_migrate.base.wording import counted
from ssot_migrate.cli.app import (
    DryRunOption,
    ForceBranchOption,
    Globals,
    NoCommitOption,
    SymbolOption,
    globals_of,
    run_options,
)
from ssot_migrate.cli.printing import print_diff
from ssot_migrate.io import workspace


def retire(
    ctx: typer.Context,
    phase: Annotated[str, typer.Argument(help="A phase name from the config.")],
    symbol: SymbolOption = None,
    dry_run: DryRunOption = False,
    no_commit: NoCommitOption = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Exit 1 while any shimmed path of the phase is left, due or not."
        ),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Retire paths whose removal has not come yet.")
    ] = False,
    branch: Annotated[
        str | None,
        typer.Option("--branch", help="Commit on this branch (default PREFIX/PHASE-retire)."),
    ] = None,
    force_branch: ForceBranchOption = False,
) -> None:
    """Take a phase's shims away once no code imports through its legacy paths.

    A legacy path goes when no code of the tree (strings included) or of the configured
    `consumers` trees reaches it and its removal version or date has come; paths that stay
    are listed with their importers. Exit 1 when a due path was left.
    """
    from ssot_migrate.commands import retire as retiring
    from ssot_migrate.commands import retire_land
    from ssot_migrate.io import writing

    g = globals_of(ctx)
    options = run_options(g)
    if not (dry_run or no_commit):
        with workspace.exclusive(g.root.resolve()):
            landed = retire_land.land_retire(
                options, phase, symbol or [], force=force, check=check, branch=branch,
                force_branch=force_branch, say=lambda line: typer.echo(line, err=True),
            )  # fmt: skip
        print_retire_summary(g, landed.result, list(landed.result.changes), written=True)
        if landed.sha is not None:
            typer.echo(
                f"committed {landed.sha[:12]} on {landed.branch} ({landed.committed} files)",
                err=True,
            )
        else:
            typer.echo("nothing to commit: no legacy path of the phase can go yet", err=True)
        raise typer.Exit(landed.exit_code)
    history = retire_land.history_of(options)
    result = retiring.plan_retire(
        options, phase, symbol or [], force=force, check=check, history=history
    )
    refused = {n.rel for n in result.refused}
    changes = [c for c in result.changes if c.rel not in refused]
    if dry_run:
        from ssot_migrate.render import diffing

        for change in changes:
            diff = diffing.file_diff(
                change.rel, change.before, change.after, deleted=change.deleted
            )
            print_diff(g, diff)
        print_retire_summary(g, result, changes, written=False)
        raise typer.Exit(result.exit_code)
    with workspace.exclusive(g.root.resolve()):
        written, late = writing.write_changes(g.root.resolve(), changes)
    kept = [c for c in changes if c.rel in set(written)]
    print_retire_summary(g, result, kept, written=True, late_refusals=late)
    raise typer.Exit(EXIT_PARTIAL if late and not result.left else result.exit_code)


def print_retire_summary(
    g: Globals,
    result: Any,
    changes: list[Any],
    written: bool,
    late_refusals: Sequence[Any] = (),
) -> None:
    """What went (and, with -v, why), what was deleted, and what stays with its reason."""
    names = ", ".join(spec.name for spec in result.specs)
    done = {c.rel for c in changes}
    retired = [d for d in result.retired if d.rel in done]
    deleted = [c.rel for c in changes if c.deleted]
    verb = "retired" if written else "would retire"
    line = f"{result.phase} ({names}): {verb} {counted(len(retired), 'legacy path')}"
    line += f" in {counted(len(changes), 'file')}"
    if deleted:
        line += f" ({counted(len(deleted), 'compatibility module')} deleted)"
    lines = [line]
    if g.verbose:
        lines += [f"  {d.path} ({d.rel}): {d.reason}" for d in retired]
    lines += [f"{'deleted' if written else 'would delete'} {rel}" for rel in deleted]
    for decision in result.decisions:
        if not decision.goes:
            lines.append(f"kept {decision.path}: {decision.reason}")
    lines += [f"kept {note.rel}: {note.reason}" for note in result.kept_modules]
    lines += [f"{note.group} {note.rel}: {note.reason}" for note in result.refused]
    lines += [f"{note.group} {note.rel}: {note.reason}" for note in late_refusals]
    if not g.quiet or result.left or result.refused or late_refusals:
        for text in lines:
            typer.echo(text, err=True)
