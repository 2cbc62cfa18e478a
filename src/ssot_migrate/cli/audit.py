"""`audit` (and `--discover`) and `init` on the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ssot_migrate.base.errors import Problem, UsageError
from ssot_migrate.base.exit_codes import EXIT_CHECK_FAILED, EXIT_OK
from ssot_migrate.cli.app import (
    Globals,
    OutputFormat,
    PhaseOption,
    SymbolOption,
    globals_of,
    run_options,
)
from ssot_migrate.cli.printing import emit_json, print_audit, print_discovery
from ssot_migrate.io import workspace


def audit(
    ctx: typer.Context,
    symbol: SymbolOption = None,
    phase: PhaseOption = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 while a symbol is above its target.")
    ] = False,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="With --check: a file that does not parse fails it too."),
    ] = False,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="Write counts here; with --check, fail only if one rose."),
    ] = None,
    discover: Annotated[
        bool, typer.Option("--discover", help="Rank names by import paths; no config needed.")
    ] = False,
    group_by: Annotated[
        str | None, typer.Option("--group-by", help="service | dir[:DEPTH] | owner")
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="With --discover: how many.")] = 20,
    due: Annotated[
        bool,
        typer.Option("--due", help="List the shims whose removal has come (--check: exit 1)."),
    ] = False,
) -> None:
    """Find every import of a symbol and report the fragmentation."""
    from ssot_migrate.commands import audit as auditing

    g = globals_of(ctx)
    if due:
        _due(g, output_format, check)
    if discover:
        found = auditing.discover(run_options(g), top)
        print_discovery(g, found, output_format)
        raise typer.Exit(EXIT_OK)
    if strict and not check:
        raise UsageError([Problem("--strict", "only with --check", "add --check")])
    result = auditing.audit(run_options(g), symbol or [], phase, group_by, baseline, check, strict)
    print_audit(g, result, output_format)
    raise typer.Exit(result.exit_code)


def init(
    ctx: typer.Context,
    print_only: Annotated[
        bool,
        typer.Option("--print", help="Print the section alone instead of writing it."),
    ] = False,
    top: Annotated[int, typer.Option("--top", min=1, help="How many symbols to pre-fill.")] = 5,
) -> None:
    """Write a starter \\[tool.ssot-migrate] section into pyproject.toml."""
    from ssot_migrate.commands import init as initialising

    g = globals_of(ctx)
    result = initialising.init_text(run_options(g), top, section_only=print_only)
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)
    if print_only:
        typer.echo(result.text, nl=False)
        return
    workspace.write_atomic(result.path, result.text.encode())
    if not g.quiet:
        typer.echo(f"wrote a [tool.ssot-migrate] section to {result.path}")


def _due(g: Globals, output_format: OutputFormat, check: bool) -> None:
    """`audit --due`: the generated shims still in the tree whose removal has come."""
    from ssot_migrate.commands import retire as retiring

    if output_format not in (OutputFormat.table, OutputFormat.json):
        raise UsageError([Problem("--format", f"--due writes table or json, not {output_format.value}",
                                  "pass --format table or --format json")])  # fmt: skip
    found = retiring.due_shims(run_options(g))
    if output_format is OutputFormat.json:
        shims = [
            {"file": s.rel, "paths": list(s.paths), "phases": list(s.phases), "reason": s.reason}
            for s in found
        ]
        emit_json({"schema": "ssot-migrate/due", "version": 1, "shims": shims})
    else:
        for shim in found:
            then = " or ".join(f"`ssot-migrate retire {p}`" for p in shim.phases)
            verb = "is" if len(shim.paths) == 1 else "are"
            line = f"{shim.rel}: {', '.join(shim.paths)} {verb} due: {shim.reason}"
            typer.echo(line + (f"; run {then}" if then else ""))
        if not found and not g.quiet:
            typer.echo("no shim is due")
    raise typer.Exit(EXIT_CHECK_FAILED if check and found else EXIT_OK)
