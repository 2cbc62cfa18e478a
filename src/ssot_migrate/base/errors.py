"""Errors the CLI turns into a clear message and an exit code, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass

from ssot_migrate.base.exit_codes import EXIT_USAGE


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the user's input.

    `where` names the place: ``path:line:col`` for a TOML syntax error, ``path: key.path``
    for a bad value, ``--symbol`` for a command-line option.
    """

    where: str
    what: str
    fix: str | None = None

    def render(self) -> str:
        text = f"{self.where}: {self.what}"
        return f"{text}\n  hint: {self.fix}" if self.fix else text


class SsotError(Exception):
    """Base of the errors that end a run with exit code 2, nothing written."""

    exit_code = EXIT_USAGE

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(p.render() for p in self.problems))


class ConfigError(SsotError):
    """The configuration is unreadable or invalid (every problem collected)."""


class UsageError(SsotError):
    """The command line names something that does not exist (phase, symbol, root)."""
