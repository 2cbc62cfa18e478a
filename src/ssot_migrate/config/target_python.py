"""The oldest Python a project supports, which the generated shims must run on.

Read from the files at the config root, first found wins: the tool's own
``target-version``; ``requires-python`` in pyproject.toml's ``[project]``;
``python_requires`` in setup.cfg's ``[options]``, or as a literal keyword in setup.py (parsed,
never run); the oldest ``target-version`` of ruff (``[tool.ruff]``) and black
(``[tool.black]``) in pyproject.toml. Without any, `DEFAULT_TARGET_VERSION`. A declaration
that cannot be read is a `ConfigError` whose hint is ``target-version``, which wins over
them all. Files are read through `workspace`; nothing is written.
"""

from __future__ import annotations

import ast
import configparser
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ssot_migrate.base.errors import ConfigError, Problem
from ssot_migrate.config.checker import describe_value, key_location
from ssot_migrate.config.load import PYPROJECT_NAME, parse_toml
from ssot_migrate.config.model import DEFAULT_TARGET_VERSION, Config
from ssot_migrate.io import workspace

Version = tuple[int, int]

_SERIES: tuple[Version, ...] = (*((2, m) for m in range(8)), *((3, m) for m in range(100)))
"""Every ``major.minor`` a specifier is tried against, oldest first."""
_PATCHES = 50
_LINTER_VERSION = re.compile(r"py(\d)(\d+)\Z")
_FIX = (
    'fix it, or name the oldest Python in [tool.ssot-migrate]: target-version = "3.8" '
    "(it takes precedence)"
)


@dataclass(frozen=True, slots=True)
class TargetPython:
    version: Version
    source: str
    """Where the version comes from, for messages (``requires-python = ">=3.8" in
    pyproject.toml``)."""


def target_python(config: Config) -> TargetPython:
    """The oldest Python the project at ``config.root`` supports, and where that is said."""
    if config.target_version is not None:
        major, minor = config.target_version
        where = config.config_file.name if config.config_file else "the config"
        return TargetPython(config.target_version, f'target-version = "{major}.{minor}" in {where}')
    pyproject = _read_pyproject(config.root / PYPROJECT_NAME)
    for found in (
        _requires_python(pyproject),
        _setup_cfg(config.root / "setup.cfg"),
        _setup_py(config.root / "setup.py"),
        _linters(pyproject),
    ):
        if found is not None:
            return found
    return TargetPython(DEFAULT_TARGET_VERSION, "nothing declares it, so the default")


def oldest_release(specifier: str) -> Version | None:
    """The oldest ``major.minor`` series with a release the PEP 440 `specifier` admits
    (``>3.7`` admits 3.7.1: 3.7); None when it sets no lower bound (``<4``, ``!=3.9.*``)
    or admits no release. Raises `packaging.specifiers.InvalidSpecifier`."""
    from packaging.specifiers import SpecifierSet

    specifiers = SpecifierSet(specifier)
    for series in _SERIES:
        if any(specifiers.contains(release) for release in _releases(series)):
            return None if series == _SERIES[0] else series
    return None


def _releases(series: Version) -> Iterator[str]:
    major, minor = series
    yield f"{major}.{minor}"  # what `===3.9` names
    for patch in range(_PATCHES):
        yield f"{major}.{minor}.{patch}"


_Pyproject = tuple[str, str, dict[str, Any]]
"""A pyproject.toml's display name, text and document."""


def _read_pyproject(path: Path) -> _Pyproject | None:
    text = _read_text(path)
    return None if text is None else (str(path), text, parse_toml(text, str(path)))


def _read_text(path: Path) -> str | None:
    try:
        return workspace.read_text(path)
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError([Problem(str(path), f"cannot read it: {error}", _FIX)]) from None


def _requires_python(pyproject: _Pyproject | None) -> TargetPython | None:
    if pyproject is None:
        return None
    display, text, document = pyproject
    project = document.get("project")
    if not isinstance(project, dict) or "requires-python" not in project:
        return None
    where = key_location(display, text, ("project", "requires-python"))
    return _from_specifier(project["requires-python"], where, "requires-python", display)


def _setup_cfg(path: Path) -> TargetPython | None:
    text = _read_text(path)
    if text is None:
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, str(path))
    except configparser.Error as error:
        message = str(error).splitlines()[0]
        raise ConfigError([Problem(str(path), f"cannot read it: {message}", _FIX)]) from None
    if not parser.has_option("options", "python_requires"):
        return None
    value = parser.get("options", "python_requires")
    where = f"{path}: [options] python_requires"
    return _from_specifier(value.strip(), where, "python_requires", str(path))


def _setup_py(path: Path) -> TargetPython | None:
    """A literal ``python_requires="..."`` keyword anywhere in setup.py; one computed at
    run time (or a setup.py this interpreter cannot parse) says nothing we can read."""
    try:
        tree = ast.parse(workspace.read_bytes(path))
    except (OSError, SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "python_requires":
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                where = f"{path}:{node.value.lineno}: python_requires"
                return _from_specifier(value.value, where, "python_requires", str(path))
    return None


def _linters(pyproject: _Pyproject | None) -> TargetPython | None:
    """The oldest of ruff's ``target-version`` and black's ``target-version`` list."""
    if pyproject is None:
        return None
    display, text, document = pyproject
    tool = document.get("tool")
    if not isinstance(tool, dict):
        return None
    found: list[TargetPython] = []
    for name in ("ruff", "black"):
        table = tool.get(name)
        if not isinstance(table, dict) or "target-version" not in table:
            continue
        value = table["target-version"]
        where = key_location(display, text, ("tool", name, "target-version"))
        values = value if name == "black" and isinstance(value, list) else [value]
        for item in values:
            version = _linter_version(item)
            if version is None:
                what = f'expected a version like "py38", got {describe_value(item)}'
                raise ConfigError([Problem(where, what, _FIX)])
            found.append(
                TargetPython(version, f'{name}\'s target-version "{item}" in {Path(display).name}')
            )
    return min(found, key=lambda t: t.version, default=None)


def _linter_version(value: object) -> Version | None:
    found = _LINTER_VERSION.match(value) if isinstance(value, str) else None
    return None if found is None else (int(found.group(1)), int(found.group(2)))


def _from_specifier(value: object, where: str, key: str, display: str) -> TargetPython | None:
    from packaging.specifiers import InvalidSpecifier

    if not isinstance(value, str):
        raise ConfigError([Problem(where, f"expected a string, got {describe_value(value)}", _FIX)])
    try:
        version = oldest_release(value)
    except InvalidSpecifier:
        what = f"'{value}' is not a version specifier (PEP 440, e.g. \">=3.8\")"
        raise ConfigError([Problem(where, what, _FIX)]) from None
    if version is None:
        return None  # no lower bound: it says nothing about the oldest version
    return TargetPython(version, f'{key} = "{value}" in {Path(display).name}')
