"""The console entry point: parse, run, and turn every error into a message and an exit
code (see `base.exit_codes`), never a traceback."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable

import typer

from ssot_migrate.base.command_names import COMMANDS
from ssot_migrate.base.errors import Problem, SsotError, UsageError
from ssot_migrate.base.exit_codes import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from ssot_migrate.cli import audit, history, retire, run, verify
from ssot_migrate.cli.app import BARS, app
from ssot_migrate.cli.argv import normalised
from ssot_migrate.cli.printing import report_error

# Each command under its name, in the order --help lists them (`base.command_names`).
_FUNCTIONS: tuple[Callable[..., None], ...] = (
    audit.audit,
    audit.init,
    run.run,
    run.shim,
    retire.retire,
    verify.verify,
    history.status,
    history.rollback,
    history.plan,
    history.registry,
)
for name, command in zip(COMMANDS, _FUNCTIONS, strict=True):
    app.command(name)(command)


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
        report_error(error)
        return error.exit_code
    except typer.Exit as stop:
        return stop.exit_code
    except typer.Abort:
        typer.echo("aborted.", err=True)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        typer.echo("interrupted: nothing was written.", err=True)
        return EXIT_INTERRUPTED
    except typer.TyperException as error:  # usage errors: unknown option, bad value
        show = getattr(error, "show", None)
        if callable(show):
            show()
        else:
            typer.echo(f"error: {error}", err=True)
        return EXIT_USAGE
    except OSError as error:
        where = error.filename or "ssot-migrate"
        report_error(UsageError([Problem(str(where), error.strerror or str(error))]))
        return EXIT_USAGE
    finally:
        for bars in BARS:
            bars.close()
        BARS.clear()
    return code if isinstance(code, int) else EXIT_OK
