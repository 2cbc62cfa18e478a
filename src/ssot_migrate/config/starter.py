"""`ssot-migrate init`: a starter [tool.ssot-migrate] section appended to pyproject.toml.

Every byte of the existing file is kept: the original text is a prefix of the result.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from typing import Any

import tomlkit

from ssot_migrate.base.dotted import is_identifier
from ssot_migrate.base.errors import ConfigError, Problem
from ssot_migrate.config.checker import describe_value
from ssot_migrate.config.load import SECTION, parse_toml
from ssot_migrate.config.phase_checks import module_path_problem

INIT_PHASE_NAME = "phase1"
INIT_PHASE_TITLE = "Consolidate imports"
_EXAMPLE_SYMBOL = '{ name = "Engine", canonical = "app.engine.Engine" },'
_SECTION_HEADER = re.compile(r"""^[ \t]*\[\[?[ \t]*tool[ \t]*\.[ \t]*["']?ssot-migrate\b""", re.M)


def add_init_section(
    pyproject_text: str,
    candidates: Sequence[tuple[str, str]],
    pyproject_path: str = "pyproject.toml",
) -> str:
    """`pyproject_text` with a starter ``[tool.ssot-migrate]`` section appended.

    The original text is a prefix of the result (a missing final newline is added), the new
    lines use the file's line ending, and `candidates` — ``(name, canonical)`` pairs found
    by discovery — become the symbols of phase ``phase1``. Raises ConfigError when the text
    is not valid TOML or already configures ssot-migrate, ValueError for a bad candidate.
    """
    symbols = _init_candidates(candidates)
    document = parse_toml(pyproject_text, pyproject_path)
    _refuse_existing_section(document, pyproject_text, pyproject_path)
    newline = _line_ending(pyproject_text)
    section = render_init_section(symbols).replace("\n", newline)
    result = pyproject_text + _separator(pyproject_text, newline) + section
    _check_appended(result, pyproject_path)
    return result


def render_init_section(candidates: Sequence[tuple[str, str]]) -> str:
    """The starter section alone, with ``\\n`` line endings."""
    settings = tomlkit.table()
    settings.add("source-roots", _commented(["."], "sys.path entries holding packages"))
    settings.add("exclude", _commented([], "gitignore-style globs, relative to the root"))
    phase = tomlkit.table()
    phase.add("name", INIT_PHASE_NAME)
    phase.add("title", INIT_PHASE_TITLE)
    phase.add("symbols", _init_symbols(candidates))
    phases = tomlkit.aot()
    phases.append(phase)
    settings.add("phases", phases)
    tool = tomlkit.table(is_super_table=True)
    tool.add(SECTION[1], settings)
    document = tomlkit.document()
    document.add(SECTION[0], tool)
    return tomlkit.dumps(document)


def _commented(value: list[str], comment: str) -> Any:
    item = tomlkit.item(value)
    item.comment(comment)
    item.trivia.comment_ws = "  "
    return item


def _init_symbols(candidates: Sequence[tuple[str, str]]) -> Any:
    symbols = tomlkit.array()
    if not candidates:
        symbols.add_line(comment=_EXAMPLE_SYMBOL)
        symbols.add_line(indent="")
        return symbols
    symbols.multiline(True)
    for name, canonical in candidates:
        entry = tomlkit.inline_table()
        entry.update({"name": name, "canonical": canonical})
        symbols.append(entry)
    return symbols


def _init_candidates(candidates: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Check discovery's pairs; the same pair twice is kept once."""
    chosen: dict[str, str] = {}
    for name, canonical in candidates:
        if not is_identifier(name):
            raise ValueError(f"candidate symbol name {name!r} is not a Python identifier")
        reason = module_path_problem(canonical)
        if reason:
            raise ValueError(f"candidate {name!r}: {reason}")
        if chosen.setdefault(name, canonical) != canonical:
            raise ValueError(
                f"candidate {name!r} has two canonical paths: {chosen[name]!r} and {canonical!r}"
            )
    return list(chosen.items())


def _refuse_existing_section(document: dict[str, Any], text: str, display: str) -> None:
    tool = document.get(SECTION[0])
    if tool is None:
        return
    if not isinstance(tool, dict):
        what = f"tool: expected a table, got {describe_value(tool)}"
        raise ConfigError([Problem(display, what, fix="make 'tool' a table, then run init again")])
    if SECTION[1] in tool:
        header = _SECTION_HEADER.search(text)
        line = f":{text.count(chr(10), 0, header.start()) + 1}" if header else ""
        problem = Problem(
            f"{display}{line}: tool.ssot-migrate",
            "already has a [tool.ssot-migrate] section",
            fix="edit it, or remove it and run init again",
        )
        raise ConfigError([problem])


def _line_ending(text: str) -> str:
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def _separator(text: str, newline: str) -> str:
    """What goes between the old text and the new section: end the line, leave a blank one."""
    if not text:
        return ""
    if not text.endswith("\n"):
        return newline + newline
    return "" if text.endswith("\n" + newline) or text == newline else newline


def _check_appended(result: str, display: str) -> None:
    try:
        parsed = tomllib.loads(result)
    except tomllib.TOMLDecodeError as exc:
        what = (
            "cannot append a [tool.ssot-migrate] table: TOML does not let this file's 'tool' grow"
        )
        fix = "if 'tool' is an inline table, rewrite it as [tool.*] tables, then run init again"
        raise ConfigError([Problem(display, what, fix=fix)]) from exc
    if SECTION[1] not in parsed.get(SECTION[0], {}):  # pragma: no cover - defensive
        raise ConfigError([Problem(display, "the appended section did not parse back")])
