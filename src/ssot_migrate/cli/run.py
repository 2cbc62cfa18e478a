"""`run` (in place, as a patch, reviewed, or landed through git) and `shim` on the command
line."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Annotated

import typer

from ssot_migrate.base.exit_codes import EXIT_PARTIAL
from ssot_migrate.cli.app import (
    DryRunOption,
    ForceBranchOption,
    Globals,
    NoCommitOption,
    SymbolOption,
    globals_of,
    run_options,
)
from ssot_migrate.cli.printing import print_diff, print_run_summary, reviewed
from ssot_migrate.io import workspace


def run(
    ctx: typer.Context,
    phase: Annotated[str, typer.Argument(help="A phase name from the config.")],
    symbol: SymbolOption = None,
    dry_run: DryRunOption = False,
    patch: Annotated[
        Path | None,
        typer.Option(
            "--patch", help="Write the diff to FILE (for `git apply`); no file is changed."
        ),
    ] = None,
    review: Annotated[
        bool, typer.Option("--review", help="Accept or skip each file's diff, like `git add -p`.")
    ] = False,
    no_commit: NoCommitOption = False,
    no_shims: Annotated[
        bool, typer.Option("--no-shims", help="Do not generate deprecation shims.")
    ] = False,
    no_strings: Annotated[
        bool, typer.Option("--no-strings", help="Leave string literals naming legacy paths alone.")
    ] = False,
    branch: Annotated[
        str | None, typer.Option("--branch", help="Commit on this branch (default PREFIX/PHASE).")
    ] = None,
    force_branch: ForceBranchOption = False,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", min=1, help="Batch branches of N files each.")
    ] = None,
    batch_by: Annotated[
        str | None, typer.Option("--batch-by", help="Batch branches by dir[:DEPTH] or owners.")
    ] = None,
    print_pr: Annotated[
        bool, typer.Option("--print-pr", help="Print each branch's PR description too.")
    ] = False,
    rename: Annotated[
        bool,
        typer.Option("--rename", help="Rename each rewritten alias to the canonical name."),
    ] = False,
) -> None:
    """Rewrite every non-canonical import of a phase's symbols to the canonical path.

    By default the phase lands as one commit on a new branch (or batch branches), built in
    a temporary worktree: your branch, index, working tree and stash stay as they are.
    """
    from ssot_migrate.commands import run as running
    from ssot_migrate.io import writing
    from ssot_migrate.render import diffing

    g = globals_of(ctx)
    if rename:
        g = dataclasses.replace(g, rename=True)
    if not (dry_run or patch is not None or review or no_commit):
        with workspace.exclusive(g.root.resolve()):
            _land(g, phase, symbol or [], not no_strings, not no_shims, branch, force_branch,
                  batch_size, batch_by, print_pr)  # fmt: skip
    result = running.run_phase(
        run_options(g), phase, symbol or [], strings=not no_strings, shims=not no_shims
    )
    changes = list(result.changes)
    if patch is not None:
        data = diffing.patch((c.rel, c.before, c.after) for c in changes)
        workspace.write_atomic(patch, data)
    if dry_run or patch is not None:
        if dry_run:
            for change in changes:
                print_diff(g, diffing.file_diff(change.rel, change.before, change.after))
        print_run_summary(g, result, changes, written=False)
        raise typer.Exit(result.exit_code)
    if review:
        changes = reviewed(g, changes)
    with workspace.exclusive(g.root.resolve()):
        if changes:
            running.record_cycles(run_options(g), result)  # what `verify` compares against
        written, refused = writing.write_changes(g.root.resolve(), result.in_write_order(changes))
    kept = [c for c in changes if c.rel in set(written)]
    print_run_summary(g, result, kept, written=True, late_refusals=refused)
    raise typer.Exit(EXIT_PARTIAL if refused else result.exit_code)


def _land(
    g: Globals,
    phase: str,
    symbols: list[str],
    strings: bool,
    shims: bool,
    branch: str | None,
    force_branch: bool,
    batch_size: int | None,
    batch_by: str | None,
    print_pr: bool,
) -> None:
    from ssot_migrate.commands import land as landing

    landed = landing.land_phase(
        run_options(g), phase, symbols, strings=strings, shims=shims, branch=branch,
        force_branch=force_branch, batch_size=batch_size, batch_by=batch_by,
        say=lambda line: typer.echo(line, err=True),
    )  # fmt: skip
    changes = list(landed.run.changes)
    print_run_summary(g, landed.run, changes, written=True)
    for made in landed.branches:
        typer.echo(
            f"committed {made.sha[:12]} on {made.name} ({made.committed} files"
            f"{', ' + made.label if made.label else ''}); PR description: {made.pr_path}",
            err=True,
        )
        if print_pr:
            sys.stdout.write(made.pr_text)
    if not landed.branches:
        typer.echo("nothing to commit: the phase is already done", err=True)
    for refusal in landed.refused:
        typer.echo(refusal, err=True)
    if landed.dirty_overlap:
        typer.echo(
            "note: your uncommitted changes touch files this phase rewrites (the branch was "
            "built from the last commit): " + ", ".join(landed.dirty_overlap),
            err=True,
        )
    raise typer.Exit(landed.exit_code)


def shim(
    ctx: typer.Context,
    phase: Annotated[
        str | None, typer.Option("--phase", "-p", help="Only this phase's symbols.")
    ] = None,
    symbol: SymbolOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Generate or refresh the deprecation shims of the legacy modules."""
    from ssot_migrate.commands import run as running
    from ssot_migrate.io import writing
    from ssot_migrate.render import diffing

    g = globals_of(ctx)
    result = running.shim_phase(run_options(g), phase, symbol or [])
    changes = list(result.changes)
    if dry_run:
        for change in changes:
            print_diff(g, diffing.file_diff(change.rel, change.before, change.after))
        print_run_summary(g, result, changes, written=False)
        raise typer.Exit(result.exit_code)
    with workspace.exclusive(g.root.resolve()):
        written, refused = writing.write_changes(g.root.resolve(), result.in_write_order(changes))
    kept = [c for c in changes if c.rel in set(written)]
    print_run_summary(g, result, kept, written=True, late_refusals=refused)
    raise typer.Exit(EXIT_PARTIAL if refused else result.exit_code)
