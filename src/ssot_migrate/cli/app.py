"""The Typer app and what every command shares: the global options, the run options they
make, the console, the progress bars."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from ssot_migrate import __version__

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


# Options several commands take, declared once.
SymbolOption = Annotated[
    list[str] | None, typer.Option("--symbol", "-s", help="Only this symbol (repeatable).")
]
PhaseOption = Annotated[str | None, typer.Option("--phase", "-p", help="Only this phase.")]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Write nothing; print the diff and a summary.")
]
NoCommitOption = Annotated[
    bool, typer.Option("--no-commit", help="Write the files in place without committing.")
]
ForceBranchOption = Annotated[
    bool, typer.Option("--force-branch", help="Move an existing branch of that name.")
]


@dataclass(frozen=True, slots=True)
class Globals:
    root: Path
    config: Path | None
    jobs: int
    quiet: bool
    verbose: bool
    color: bool
    cache: bool
    rename: bool = False
    """``run --rename`` (see `RunOptions.rename`)."""


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ssot-migrate {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    root: Annotated[
        Path | None,
        typer.Option(
            "--root",
            help="The repository (default: the folder of the nearest settings file at or "
            "above the current one, up to the git top level; else .).",
        ),
    ] = None,
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
    ctx.obj = Globals(
        default_root(root, config), config, jobs, quiet, verbose, not no_color, not no_cache
    )


def default_root(root: Path | None, config: Path | None) -> Path:
    """``--root``, else (without ``--config``) the nearest settings' folder, else ``.``."""
    if root is not None:
        return root
    if config is None:
        from ssot_migrate.config.load import find_root

        found = find_root(Path("."))
        if found is not None:
            return found
    return Path(".")


def globals_of(ctx: typer.Context) -> Globals:
    assert isinstance(ctx.obj, Globals)
    return ctx.obj


class _ProgressBars:
    """Rich progress bars on stderr: only on a terminal, only for a run already past a
    second (short runs stay quiet), removed when done."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.bars: Any = None
        self.tasks: dict[str, Any] = {}

    def __call__(self, step: str, done: int, total: int) -> None:
        if time.monotonic() - self.started < 1.0:
            return
        if self.bars is None:
            from rich.console import Console
            from rich.progress import Progress

            self.bars = Progress(transient=True, console=Console(stderr=True))
            self.bars.start()
        if step not in self.tasks:
            self.tasks[step] = self.bars.add_task(step, total=total)
        self.bars.update(self.tasks[step], completed=done, total=total)

    def close(self) -> None:
        if self.bars is not None:
            self.bars.stop()
            self.bars = None


BARS: list[_ProgressBars] = []


def run_options(g: Globals) -> Any:
    from ssot_migrate.commands.project import RunOptions

    progress = None
    if not g.quiet and sys.stderr.isatty():
        progress = _ProgressBars()
        BARS.append(progress)
    return RunOptions(g.root, g.config, g.jobs, g.cache, progress, g.rename)


def console_for(g: Globals, stderr: bool = False) -> Any:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Piped output keeps whole paths on one line instead of rich's 80-column default.
    width = None if stream.isatty() else 200
    return Console(stderr=stderr, no_color=not g.color, highlight=False, width=width)


class DocumentFormat(StrEnum):
    table = "table"
    json = "json"


DocumentFormatOption = Annotated[
    DocumentFormat, typer.Option("--format", "-f", help="Output format.")
]
