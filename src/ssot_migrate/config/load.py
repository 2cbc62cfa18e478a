"""Finding and reading the migration plan: `[tool.ssot-migrate]` in pyproject.toml, or
ssot-migrate.toml; locating the settings table and naming a setting's place."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from ssot_migrate.base.errors import ConfigError, Problem, UsageError
from ssot_migrate.config.checker import Checker, KeyPath, describe_value, format_key_path
from ssot_migrate.config.checks import TOP_KEYS, build
from ssot_migrate.config.model import Config

SECTION = ("tool", "ssot-migrate")
"""Where the settings live in pyproject.toml (and optionally in ssot-migrate.toml)."""

CONFIG_FILE_NAME = "ssot-migrate.toml"
PYPROJECT_NAME = "pyproject.toml"

_SYNTAX_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*\Z")
_SYNTAX_AT_END = re.compile(r"\s*\(at end of document\)\s*\Z")


def load_config(root: Path, config_file: Path | None = None) -> Config:
    """Read and validate the settings for the repository at `root`.

    `config_file` (``--config``) may live anywhere; paths inside it are relative to `root`.
    Without it, ``root/ssot-migrate.toml`` and then ``root/pyproject.toml`` are searched, and
    the defaults apply when neither holds settings. Every problem is collected and raised
    together as one `ConfigError`; a bad root or a missing ``--config`` file is a `UsageError`.
    """
    root = _check_root(root)
    if config_file is not None:
        path = _check_config_option(config_file)
        return _load_file(root, path, allow_top_level=True, required=True)
    own = root / CONFIG_FILE_NAME
    if own.is_file():
        return _load_file(root, own, allow_top_level=True, required=False)
    pyproject = root / PYPROJECT_NAME
    if pyproject.is_file():
        return _load_file(root, pyproject, allow_top_level=False, required=False)
    return _defaults(root)


def find_root(start: Path) -> Path | None:
    """The folder of the nearest settings at or above `start`: an ``ssot-migrate.toml``, or
    a ``pyproject.toml`` with a ``[tool.ssot-migrate]`` table (or one that does not parse
    but names it: loading it then reports the error). The search stops at the top of the
    git work tree (a folder holding ``.git``), as ruff's and black's do; None when
    nothing is found."""
    folder = start.resolve()
    while True:
        if (folder / CONFIG_FILE_NAME).is_file() or _has_section(folder / PYPROJECT_NAME):
            return folder
        if (folder / ".git").exists() or folder.parent == folder:
            return None
        folder = folder.parent


def _has_section(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    if "ssot-migrate" not in text:
        return False
    try:
        return (
            _locate_settings(tomllib.loads(text), str(pyproject), allow_top_level=False) is not None
        )
    except (tomllib.TOMLDecodeError, ConfigError):
        return True  # it names the section: loading it says what is wrong


def _defaults(root: Path) -> Config:
    return Config(root=root, config_file=None, source_roots=(root,))


def _check_root(root: Path) -> Path:
    fix = "pass the repository folder with --root DIR"
    if not root.exists():
        raise UsageError([Problem("--root", f"{root} does not exist", fix=fix)])
    if not root.is_dir():
        raise UsageError([Problem("--root", f"{root} is not a directory", fix=fix)])
    return root.resolve()


def _check_config_option(config_file: Path) -> Path:
    fix = "pass an existing TOML file with --config FILE, or leave --config out"
    if not config_file.exists():
        raise UsageError([Problem("--config", f"{config_file} does not exist", fix=fix)])
    if not config_file.is_file():
        raise UsageError([Problem("--config", f"{config_file} is not a file", fix=fix)])
    return config_file.resolve()


def _read_toml(path: Path, display: str) -> tuple[str, dict[str, Any]]:
    """The file's text and parsed document, or a ConfigError naming the place."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ConfigError([Problem(display, f"cannot read the file: {exc.strerror}")]) from exc
    except UnicodeDecodeError as exc:
        problem = Problem(display, f"is not UTF-8 text ({exc.reason})", fix="save it as UTF-8")
        raise ConfigError([problem]) from exc
    return text, parse_toml(text, display)


def parse_toml(text: str, display: str) -> dict[str, Any]:
    """Parse TOML text; a syntax error becomes a ConfigError at ``display:line:col``."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([_syntax_problem(str(exc), text, display)]) from exc


def _syntax_problem(message: str, text: str, display: str) -> Problem:
    fix = "fix the TOML syntax at that place (see https://toml.io)"
    found = _SYNTAX_AT.search(message)
    if found:
        where = f"{display}:{found.group(1)}:{found.group(2)}"
        return Problem(where, f"invalid TOML: {message[: found.start()]}", fix=fix)
    found = _SYNTAX_AT_END.search(message)
    if found:
        lines = text.split("\n")
        where = f"{display}:{len(lines)}:{len(lines[-1]) + 1}"
        return Problem(
            where, f"invalid TOML at the end of the file: {message[: found.start()]}", fix=fix
        )
    return Problem(display, f"invalid TOML: {message}", fix=fix)


def _load_file(root: Path, path: Path, *, allow_top_level: bool, required: bool) -> Config:
    display = str(path)
    text, document = _read_toml(path, display)
    located = _locate_settings(document, display, allow_top_level=allow_top_level)
    if located is None:
        if required:
            what = "holds no [tool.ssot-migrate] table"
            fix = "add a [tool.ssot-migrate] table, or write the settings at the top level"
            raise ConfigError([Problem(display, what, fix=fix)])
        return _defaults(root)
    prefix, table = located
    checker = Checker(display=display, text=text, prefix=prefix)
    config = build(checker, table, root, path)
    if checker.problems:
        raise ConfigError(checker.problems)
    return config


def setting_location(config: Config, path: KeyPath) -> str:
    """``file:line: key.path`` of one setting of a loaded config, as load errors name it,
    for problems found later against the code (`path` is relative to the settings table)."""
    if config.config_file is None:
        return format_key_path(SECTION + path)
    display = str(config.config_file)
    try:
        text = config.config_file.read_bytes().decode("utf-8")
        located = _locate_settings(tomllib.loads(text), display, allow_top_level=True)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ConfigError):
        return f"{display}: {format_key_path(SECTION + path)}"
    prefix = located[0] if located is not None else SECTION
    return Checker(display=display, text=text, prefix=prefix).where(path)


def _locate_settings(
    document: dict[str, Any], display: str, *, allow_top_level: bool
) -> tuple[KeyPath, dict[str, Any]] | None:
    """Find the settings table and the key path prefix that names it in messages."""
    tool = document.get("tool")
    if isinstance(tool, dict) and SECTION[1] in tool:
        table = tool[SECTION[1]]
        if not isinstance(table, dict):
            what = f"tool.ssot-migrate: expected a table, got {describe_value(table)}"
            raise ConfigError([Problem(display, what, fix="write it as [tool.ssot-migrate]")])
        _refuse_mixed(document, display, allow_top_level=allow_top_level)
        return SECTION, table
    if not allow_top_level:
        return None
    if "tool" in document and not any(key in document for key in TOP_KEYS):
        return None  # a pyproject-like file of other tools: no settings here
    return (), document


def _refuse_mixed(document: dict[str, Any], display: str, *, allow_top_level: bool) -> None:
    mixed = sorted(key for key in document if key in TOP_KEYS)
    if allow_top_level and mixed:
        problems = [
            Problem(
                f"{display}: {key}",
                "is set at the top level and the file also has a [tool.ssot-migrate] table",
                fix="keep the settings in one place: move it into [tool.ssot-migrate]",
            )
            for key in mixed
        ]
        raise ConfigError(problems)
