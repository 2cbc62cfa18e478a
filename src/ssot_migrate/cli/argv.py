"""The arguments as the command group parses them: global options hoisted before the
command, and `ssot-migrate PHASE` read as `ssot-migrate run PHASE`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ssot_migrate.base.command_names import RUN
from ssot_migrate.base.errors import Problem, SsotError, UsageError
from ssot_migrate.cli.app import default_root


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
        run_valued = _option_names(group.commands[RUN].params)[1]
        phases = _phases([*before, *_hoisted(rest, flags, valued, run_valued)[0]])
        if word not in phases:
            raise UsageError([_no_such_command(word, sorted(group.commands), phases)])
        word, rest, command = RUN, [word, *rest], group.commands[RUN]
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
        settings = load_config(default_root(root, config), config)
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
