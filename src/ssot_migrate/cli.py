"""The command line (Typer): parse options, call the engine, print, choose the exit code.

The only module that imports Typer or prints. Exit codes: 0 ok; 1 check failed; 2 usage or
config error (nothing written); 3 partial (some files skipped, all reported).
"""

from __future__ import annotations

import gc
import json
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from ssot_migrate import __version__, workspace
from ssot_migrate.errors import Problem, SsotError, UsageError

EXIT_OK, EXIT_CHECK_FAILED, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3

app = typer.Typer(
    name="ssot-migrate",
    help="Resolve, audit and migrate fragmented imports of a symbol in a Python monorepo.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    sarif = "sarif"


@dataclass(frozen=True, slots=True)
class Globals:
    root: Path
    config: Path | None
    jobs: int
    quiet: bool
    verbose: bool
    color: bool
    cache: bool


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ssot-migrate {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    root: Annotated[Path, typer.Option("--root", help="The repository (default: .).")] = Path("."),
    config: Annotated[
        Path | None, typer.Option("--config", help="A TOML file with the settings.")
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=0, help="Worker processes (0: all cores).")
    ] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Every site.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="Plain output.")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Parse every file again.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    ctx.obj = Globals(root, config, jobs, quiet, verbose, not no_color, not no_cache)


def _globals(ctx: typer.Context) -> Globals:
    assert isinstance(ctx.obj, Globals)
    return ctx.obj


def _options(g: Globals) -> Any:
    from ssot_migrate.project import RunOptions

    return RunOptions(g.root, g.config, g.jobs, g.cache)


def _console(g: Globals, stderr: bool = False) -> Any:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Piped output keeps whole paths on one line instead of rich's 80-column default.
    width = None if stream.isatty() else 200
    return Console(stderr=stderr, no_color=not g.color, highlight=False, width=width)


@app.command()
def audit(
    ctx: typer.Context,
    symbol: Annotated[
        list[str] | None, typer.Option("--symbol", "-s", help="Only this symbol (repeatable).")
    ] = None,
    phase: Annotated[str | None, typer.Option("--phase", "-p", help="Only this phase.")] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 while a symbol is above its target.")
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
) -> None:
    """Find every import of a symbol and report the fragmentation."""
    from ssot_migrate import commands

    g = _globals(ctx)
    if discover:
        found = commands.discover(_options(g), top)
        _print_discovery(g, found, output_format)
        raise typer.Exit(EXIT_OK)
    result = commands.audit(_options(g), symbol or [], phase, group_by, baseline, check)
    _print_audit(g, result, output_format)
    raise typer.Exit(result.exit_code)


@app.command()
def init(
    ctx: typer.Context,
    print_only: Annotated[
        bool, typer.Option("--print", help="Print the section instead of writing it.")
    ] = False,
    top: Annotated[int, typer.Option("--top", min=1, help="How many symbols to pre-fill.")] = 5,
) -> None:
    """Write a starter [tool.ssot-migrate] section into pyproject.toml."""
    from ssot_migrate import commands

    g = _globals(ctx)
    path, text = commands.init_text(_options(g), top)
    if print_only:
        typer.echo(text, nl=False)
        return
    workspace.write_atomic(path, text.encode())
    if not g.quiet:
        typer.echo(f"wrote a [tool.ssot-migrate] section to {path}")


# printing ---------------------------------------------------------------------------------


def _emit_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _print_audit(g: Globals, result: Any, output_format: OutputFormat) -> None:
    from ssot_migrate import report

    if output_format is OutputFormat.json:
        _emit_json(report.to_json(result.run))
    elif output_format is OutputFormat.sarif:
        _emit_json(report.to_sarif(result.run))
    elif output_format is OutputFormat.markdown:
        sys.stdout.write(report.to_markdown(result.run))
    elif not g.quiet:
        from ssot_migrate.tables import audit_tables

        console = _console(g)
        for renderable in audit_tables(result.run, verbose=g.verbose):
            console.print(renderable)
    if output_format is not OutputFormat.table or g.quiet:  # the table lists them itself
        for skipped in result.run.skipped:
            typer.echo(f"skipped {skipped.rel}:{skipped.line}: {skipped.reason}", err=True)
    for line in result.messages:
        if not g.quiet or result.exit_code:
            typer.echo(line, err=True)


def _print_discovery(g: Globals, found: Any, output_format: OutputFormat) -> None:
    if output_format is OutputFormat.json:
        _emit_json(
            {
                "schema": "ssot-migrate/discover",
                "version": 1,
                "candidates": [
                    {
                        "name": c.name,
                        "canonical": c.canonical,
                        "paths": list(c.paths),
                        "sites": c.sites,
                    }
                    for c in found
                ],
            }
        )
        return
    from ssot_migrate.tables import discovery_table

    _console(g).print(discovery_table(found))


def _report_error(error: SsotError) -> None:
    typer.echo("\n".join(f"error: {p.render()}" for p in error.problems), err=True)
    typer.echo("nothing was written.", err=True)


def main(argv: list[str] | None = None) -> int:
    """Console entry point; returns the exit code instead of raising it."""
    # Indexing allocates hundreds of thousands of small acyclic tuples; with the default
    # thresholds the cyclic GC runs over them again and again (mypy does the same).
    gc.set_threshold(200_000, 30, 30)
    try:
        code = app(args=argv, prog_name="ssot-migrate", standalone_mode=False)
    except SsotError as error:
        _report_error(error)
        return error.exit_code
    except typer.Exit as stop:
        return stop.exit_code
    except typer.Abort:
        typer.echo("aborted.", err=True)
        return 130
    except KeyboardInterrupt:
        typer.echo("interrupted: nothing was written.", err=True)
        return 130
    except typer.TyperException as error:  # usage errors: unknown option, bad value
        show = getattr(error, "show", None)
        if callable(show):
            show()
        else:
            typer.echo(f"error: {error}", err=True)
        return EXIT_USAGE
    except OSError as error:
        where = error.filename or "ssot-migrate"
        _report_error(UsageError([Problem(str(where), error.strerror or str(error))]))
        return EXIT_USAGE
    return code if isinstance(code, int) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
