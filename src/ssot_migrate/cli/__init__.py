"""The command line (Typer): parse options, call the engine, print, choose the exit code.

The only module that imports Typer or prints. Exit codes: see `exit_codes`.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from ssot_migrate import __version__
from ssot_migrate.base.errors import Problem, SsotError, UsageError
from ssot_migrate.base.exit_codes import EXIT_CHECK_FAILED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE
from ssot_migrate.base.wording import counted
from ssot_migrate.io import workspace

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
    ctx.obj = Globals(_root(root, config), config, jobs, quiet, verbose, not no_color, not no_cache)


def _root(root: Path | None, config: Path | None) -> Path:
    """``--root``, else (without ``--config``) the nearest settings' folder, else ``.``."""
    if root is not None:
        return root
    if config is None:
        from ssot_migrate.config.load import find_root

        found = find_root(Path("."))
        if found is not None:
            return found
    return Path(".")


def _globals(ctx: typer.Context) -> Globals:
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


_BARS: list[_ProgressBars] = []


def _options(g: Globals) -> Any:
    from ssot_migrate.commands.project import RunOptions

    progress = None
    if not g.quiet and sys.stderr.isatty():
        progress = _ProgressBars()
        _BARS.append(progress)
    return RunOptions(g.root, g.config, g.jobs, g.cache, progress)


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
) -> None:
    """Find every import of a symbol and report the fragmentation."""
    from ssot_migrate.commands import audit as auditing

    g = _globals(ctx)
    if discover:
        found = auditing.discover(_options(g), top)
        _print_discovery(g, found, output_format)
        raise typer.Exit(EXIT_OK)
    if strict and not check:
        raise UsageError([Problem("--strict", "only with --check", "add --check")])
    result = auditing.audit(_options(g), symbol or [], phase, group_by, baseline, check, strict)
    _print_audit(g, result, output_format)
    raise typer.Exit(result.exit_code)


@app.command()
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

    g = _globals(ctx)
    result = initialising.init_text(_options(g), top, section_only=print_only)
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)
    if print_only:
        typer.echo(result.text, nl=False)
        return
    workspace.write_atomic(result.path, result.text.encode())
    if not g.quiet:
        typer.echo(f"wrote a [tool.ssot-migrate] section to {result.path}")


@app.command()
def run(
    ctx: typer.Context,
    phase: Annotated[str, typer.Argument(help="A phase name from the config.")],
    symbol: Annotated[
        list[str] | None, typer.Option("--symbol", "-s", help="Only this symbol (repeatable).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Write nothing; print the diff and a summary.")
    ] = False,
    patch: Annotated[
        Path | None,
        typer.Option(
            "--patch", help="Write the diff to FILE (for `git apply`); no file is changed."
        ),
    ] = None,
    review: Annotated[
        bool, typer.Option("--review", help="Accept or skip each file's diff, like `git add -p`.")
    ] = False,
    no_commit: Annotated[
        bool, typer.Option("--no-commit", help="Write the files in place without committing.")
    ] = False,
    no_shims: Annotated[
        bool, typer.Option("--no-shims", help="Do not generate deprecation shims.")
    ] = False,
    no_strings: Annotated[
        bool, typer.Option("--no-strings", help="Leave string literals naming legacy paths alone.")
    ] = False,
    branch: Annotated[
        str | None, typer.Option("--branch", help="Commit on this branch (default PREFIX/PHASE).")
    ] = None,
    force_branch: Annotated[
        bool, typer.Option("--force-branch", help="Move an existing branch of that name.")
    ] = False,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", min=1, help="Batch branches of N files each.")
    ] = None,
    batch_by: Annotated[
        str | None, typer.Option("--batch-by", help="Batch branches by dir[:DEPTH] or owners.")
    ] = None,
    print_pr: Annotated[
        bool, typer.Option("--print-pr", help="Print each branch's PR description too.")
    ] = False,
) -> None:
    """Rewrite every non-canonical import of a phase's symbols to the canonical path.

    By default the phase lands as one commit on a new branch (or batch branches), built in
    a temporary worktree: your branch, index, working tree and stash stay as they are.
    """
    from ssot_migrate.commands import run as running
    from ssot_migrate.io import writing
    from ssot_migrate.render import diffing

    g = _globals(ctx)
    if not (dry_run or patch is not None or review or no_commit):
        with workspace.exclusive(g.root.resolve()):
            _land(g, phase, symbol or [], not no_strings, not no_shims, branch, force_branch,
                  batch_size, batch_by, print_pr)  # fmt: skip
    result = running.run_phase(
        _options(g), phase, symbol or [], strings=not no_strings, shims=not no_shims
    )
    changes = list(result.changes)
    if patch is not None:
        data = diffing.patch((c.rel, c.before, c.after) for c in changes)
        workspace.write_atomic(patch, data)
    if dry_run or patch is not None:
        if dry_run:
            for change in changes:
                _print_diff(g, diffing.file_diff(change.rel, change.before, change.after))
        _print_run_summary(g, result, changes, written=False)
        raise typer.Exit(result.exit_code)
    if review:
        changes = _review(g, changes)
    with workspace.exclusive(g.root.resolve()):
        if changes:
            running.record_cycles(_options(g), result)  # what `verify` compares against
        written, refused = writing.write_changes(g.root.resolve(), changes)
    kept = [c for c in changes if c.rel in set(written)]
    _print_run_summary(g, result, kept, written=True, late_refusals=refused)
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
        _options(g), phase, symbols, strings=strings, shims=shims, branch=branch,
        force_branch=force_branch, batch_size=batch_size, batch_by=batch_by,
        say=lambda line: typer.echo(line, err=True),
    )  # fmt: skip
    changes = list(landed.run.changes)
    _print_run_summary(g, landed.run, changes, written=True)
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


@app.command()
def shim(
    ctx: typer.Context,
    phase: Annotated[
        str | None, typer.Option("--phase", "-p", help="Only this phase's symbols.")
    ] = None,
    symbol: Annotated[
        list[str] | None, typer.Option("--symbol", "-s", help="Only this symbol (repeatable).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Write nothing; print the diff and a summary.")
    ] = False,
) -> None:
    """Generate or refresh the deprecation shims of the legacy modules."""
    from ssot_migrate.commands import run as running
    from ssot_migrate.io import writing
    from ssot_migrate.render import diffing

    g = _globals(ctx)
    result = running.shim_phase(_options(g), phase, symbol or [])
    changes = list(result.changes)
    if dry_run:
        for change in changes:
            _print_diff(g, diffing.file_diff(change.rel, change.before, change.after))
        _print_run_summary(g, result, changes, written=False)
        raise typer.Exit(result.exit_code)
    with workspace.exclusive(g.root.resolve()):
        written, refused = writing.write_changes(g.root.resolve(), changes)
    kept = [c for c in changes if c.rel in set(written)]
    _print_run_summary(g, result, kept, written=True, late_refusals=refused)
    raise typer.Exit(EXIT_PARTIAL if refused else result.exit_code)


@app.command()
def verify(
    ctx: typer.Context,
    phase: Annotated[str | None, typer.Option("--phase", "-p", help="Only this phase.")] = None,
    symbol: Annotated[
        list[str] | None, typer.Option("--symbol", "-s", help="Only this symbol (repeatable).")
    ] = None,
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

    g = _globals(ctx)
    result = verifying.verify(_options(g), phase, symbol or [], runtime, python)
    for line in result.lines:
        if not g.quiet or not line.startswith(("ok", "note")):
            typer.echo(line)
    raise typer.Exit(EXIT_CHECK_FAILED if result.failed else EXIT_OK)


class DocumentFormat(StrEnum):
    table = "table"
    json = "json"


@app.command()
def status(
    ctx: typer.Context,
    output_format: Annotated[
        DocumentFormat, typer.Option("--format", "-f", help="Output format.")
    ] = DocumentFormat.table,
) -> None:
    """What each phase has landed (commit trailers, batch branches) and what is left."""
    from ssot_migrate.commands import history

    g = _globals(ctx)
    document = history.status(_options(g))
    if output_format is DocumentFormat.json:
        _emit_json(document)
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
                f"{_variations(left)} left"
            )
            line += f"; unmerged: {', '.join(open_)}" if open_ else ""
            typer.echo(line + (f"; reverted: {', '.join(undone)}" if undone else ""))


@app.command()
def rollback(
    ctx: typer.Context,
    phase: Annotated[str, typer.Argument(help="The phase to revert.")],
    branches: Annotated[
        bool, typer.Option("--branches", help="Also delete the phase's unmerged batch branches.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before deleting.")] = False,
) -> None:
    """Revert a phase's commits on the current branch with revert commits (no rewrite)."""
    from ssot_migrate.commands import history

    g = _globals(ctx)
    plan = history.plan_rollback(_options(g), phase, branches)
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


@app.command()
def plan(
    ctx: typer.Context,
    output_format: Annotated[
        DocumentFormat, typer.Option("--format", "-f", help="Output format.")
    ] = DocumentFormat.table,
) -> None:
    """Phases, symbols, canonical and legacy paths, and the status of each symbol."""
    from ssot_migrate.commands import history

    g = _globals(ctx)
    document = history.plan_document(_options(g))
    if output_format is DocumentFormat.json:
        _emit_json(document)
        return
    for phase in document["phases"]:
        typer.echo(f"{phase['name']}: {phase['title']}")
        for symbol in phase["symbols"]:
            typer.echo(
                f"  {symbol['name']} -> {symbol['canonical']}  [{symbol['status']}: "
                f"{_variations(symbol['variations'])}, target {symbol['target']}]"
            )
            for path in symbol["legacy_paths"]:
                lazy = path in symbol["by_declaration"]
                how = f" (by declaration: served by {path.rpartition('.')[0]}.__getattr__)"
                typer.echo(f"    legacy {path}{how if lazy else ''}")


@app.command()
def registry(
    ctx: typer.Context,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the page here (default: stdout).")
    ] = None,
) -> None:
    """Render the SSOT import registry: canonical imports, legacy paths, their status."""
    from ssot_migrate.commands import registry as registering

    g = _globals(ctx)
    page = registering.registry_page(_options(g))
    if output is None:
        sys.stdout.write(page)
        return
    workspace.write_atomic(output, page.encode())
    if not g.quiet:
        typer.echo(f"wrote the import registry to {output}", err=True)


def _review(g: Globals, changes: list[Any]) -> list[Any]:
    from ssot_migrate.render import diffing

    accepted = []
    for number, change in enumerate(changes, start=1):
        _print_diff(g, diffing.file_diff(change.rel, change.before, change.after))
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


def _print_diff(g: Globals, diff: bytes) -> None:
    text = diff.decode("utf-8", errors="replace")
    if not (g.color and sys.stdout.isatty()):
        sys.stdout.write(text)
        return
    colours = {"+": "\033[32m", "-": "\033[31m", "@": "\033[36m"}
    for line in text.splitlines(keepends=True):
        colour = "" if line.startswith(("+++", "---")) else colours.get(line[:1], "")
        sys.stdout.write(f"{colour}{line}\033[0m" if colour else line)


def _variations(count: int | None) -> str:
    return "? variations" if count is None else counted(count, "variation")


def _print_run_summary(
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
    why = Counter(note.reason.split(":")[0] for note in result.shimmed if note.rel in kept)
    if why:
        total = sum(why.values())
        lines.append(
            f"shims: {total} legacy module{'s keep' if total > 1 else ' keeps'} working with a "
            "warning (" + ", ".join(counted(n, reason) for reason, n in sorted(why.items())) + ")"
        )
    from ssot_migrate.rewrite.fallbacks import FALLBACK_NOW_IDENTICAL as fallback

    left = Counter(
        note.reason.split(":")[0] for note in result.notes if not note.reason.startswith(fallback)
    )
    if left:
        lines.append("left alone: " + ", ".join(counted(n, why) for why, n in sorted(left.items())))
    lines += [
        f"{fallback}: {note.rel}:{note.line}"
        for note in result.notes
        if note.reason.startswith(fallback)
    ]
    kinds = Counter(note.reason.split(":")[0] for note in result.unrewritten)
    if kinds:
        counts = ", ".join(
            f"{n} {kind} site{'' if n == 1 else 's'}" for kind, n in sorted(kinds.items())
        )
        lines.append(f"not rewritten: {counts} (see `ssot-migrate audit`)")
    for note in [*result.refused, *late_refusals]:
        what = "not shimmed" if note.reason.startswith("no shim:") else "not rewritten"
        lines.append(f"{what} {note.rel}: {note.reason}")
    for skipped in result.skipped:
        lines.append(f"skipped {skipped.rel}:{skipped.line}: {skipped.reason}")
    if g.verbose:
        notes = [*result.shimmed, *result.notes, *result.unrewritten]
        lines += [f"  {note.rel}:{note.line}: {note.reason}" for note in notes]
    if not g.quiet or result.refused or late_refusals:
        for line in lines:
            typer.echo(line, err=True)


# printing ---------------------------------------------------------------------------------


def _emit_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _print_audit(g: Globals, result: Any, output_format: OutputFormat) -> None:
    from ssot_migrate.render import report

    if output_format is OutputFormat.json:
        _emit_json(report.to_json(result.run))
    elif output_format is OutputFormat.sarif:
        _emit_json(report.to_sarif(result.run))
    elif output_format is OutputFormat.markdown:
        sys.stdout.write(report.to_markdown(result.run))
    elif not g.quiet:
        from ssot_migrate.render.tables import audit_tables

        console = _console(g)
        for renderable in audit_tables(result.run, verbose=g.verbose):
            console.print(renderable)
    if output_format is not OutputFormat.table or g.quiet or result.gate:  # else in the table
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

    _console(g).print(discovery_table(found))


def _report_error(error: SsotError) -> None:
    typer.echo("\n".join(f"error: {p.render()}" for p in error.problems), err=True)
    typer.echo("nothing was written.", err=True)


def normalised(group: Any, argv: list[str]) -> list[str]:
    """`argv` as the command group parses it: the global options given after the command
    (``audit -v``) moved before it, and ``ssot-migrate PHASE ...`` read as ``ssot-migrate run
    PHASE ...`` when PHASE is a configured phase. A word that is neither is a usage error
    naming the closest command."""
    flags, valued = _option_names(group.params)
    before: list[str] = []
    index = 0
    while index < len(argv) and argv[index].startswith("-") and argv[index] != "--":
        step = 2 if argv[index] in valued else 1
        before += argv[index : index + step]
        index += step
    if index >= len(argv) or argv[index] == "--":
        return argv
    word, rest = argv[index], argv[index + 1 :]
    command = group.commands.get(word)
    if command is None:  # the settings may be named after the phase too (`phase2 --config C`)
        run_valued = _option_names(group.commands["run"].params)[1]
        phases = _phases([*before, *_hoisted(rest, flags, valued, run_valued)[0]])
        if word not in phases:
            raise UsageError([_no_such_command(word, sorted(group.commands), phases)])
        word, rest, command = "run", [word, *rest], group.commands["run"]
    hoisted, kept = _hoisted(rest, flags, valued, _option_names(command.params)[1])
    return [*before, *hoisted, word, *kept]


def _option_names(params: Sequence[Any]) -> tuple[frozenset[str], frozenset[str]]:
    """(the flags, the options that take a value) among click `params`."""
    flags: set[str] = set()
    valued: set[str] = set()
    for param in params:
        if getattr(param, "param_type_name", "") != "option":
            continue
        names = [*param.opts, *param.secondary_opts]
        (flags if param.is_flag or param.count else valued).update(names)
    return frozenset(flags), frozenset(valued)


def _hoisted(
    rest: list[str], flags: frozenset[str], valued: frozenset[str], own_valued: frozenset[str]
) -> tuple[list[str], list[str]]:
    """The global options among a command's arguments, and the arguments left (a value
    of the command's own options is never taken for an option; ``--`` ends options)."""
    hoisted: list[str] = []
    kept: list[str] = []
    index = 0
    while index < len(rest):
        arg = rest[index]
        name = arg.split("=", 1)[0] if arg.startswith("--") else arg
        if arg == "--":
            kept += rest[index:]
            break
        if name in flags and "=" not in arg:
            hoisted.append(arg)
        elif name in valued:
            step = 1 if "=" in arg else 2
            hoisted += rest[index : index + step]
            index += step - 1
        elif name in own_valued and "=" not in arg:
            kept += rest[index : index + 2]
            index += 1
        else:
            kept.append(arg)
        index += 1
    return hoisted, kept


def _phases(global_args: list[str]) -> list[str]:
    """The configured phase names for these global options (none if the settings do not
    load: the command then reports why)."""
    from ssot_migrate.config.load import load_config

    root, config = None, None
    for name, value in zip(global_args, [*global_args[1:], ""], strict=False):
        key, _, inline = name.partition("=")
        if key == "--root":
            root = Path(inline or value)
        elif key == "--config":
            config = Path(inline or value)
    try:
        settings = load_config(_root(root, config), config)
    except SsotError:
        return []
    return [phase.name for phase in settings.phases]


def _no_such_command(word: str, commands: list[str], phases: list[str]) -> Problem:
    import difflib

    close = difflib.get_close_matches(word, [*commands, *phases], n=1)
    what = f"no such command {word!r}"
    if close:
        what += f" (did you mean {close[0]!r}?)"
    fix = f"commands: {', '.join(commands)}"
    fix += f"; configured phases (for `ssot-migrate PHASE`): {', '.join(phases)}" if phases else ""
    return Problem("ssot-migrate", what, fix)


def main(argv: list[str] | None = None) -> int:
    """Console entry point; returns the exit code instead of raising it."""
    # Indexing allocates hundreds of thousands of small acyclic tuples; with the default
    # thresholds the cyclic GC runs over them again and again (mypy does the same).
    gc.set_threshold(200_000, 30, 30)
    try:
        group = typer.main.get_command(app)  # built once: it is the parser too
        args = normalised(group, list(sys.argv[1:] if argv is None else argv))
        code = group.main(args=args, prog_name="ssot-migrate", standalone_mode=False)
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
    finally:
        for bars in _BARS:
            bars.close()
        _BARS.clear()
    return code if isinstance(code, int) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
