"""`verify` on the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from ssot_migrate.base.exit_codes import EXIT_CHECK_FAILED, EXIT_OK
from ssot_migrate.cli.app import PhaseOption, SymbolOption, globals_of, run_options


def verify(
    ctx: typer.Context,
    phase: PhaseOption = None,
    symbol: SymbolOption = None,
    runtime: Annotated[
        bool,
        typer.Option(
            "--runtime",
            help="Also import every legacy path in a subprocess, and compare each shimmed "
            "module with the tree before the phase.",
        ),
    ] = False,
    python: Annotated[
        str | None, typer.Option("--python", help="The repository's interpreter (--runtime).")
    ] = None,
) -> None:
    """Check that legacy paths still reach the canonical objects (exit 1 if not)."""
    from ssot_migrate.commands import verify as verifying

    g = globals_of(ctx)
    result = verifying.verify(run_options(g), phase, symbol or [], runtime, python)
    for line in result.lines:
        if not g.quiet or not line.startswith(("ok", "note")):
            typer.echo(line)
    raise typer.Exit(EXIT_CHECK_FAILED if result.failed else EXIT_OK)
