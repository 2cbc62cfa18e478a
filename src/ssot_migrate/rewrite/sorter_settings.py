"""Which import sorter a project's file is kept sorted by, and the settings that decide its
order: ruff's ``I001`` (the nearest ``.ruff.toml``, ``ruff.toml`` or ``pyproject.toml``
with ``[tool.ruff]``, as ruff finds it) or isort (the nearest ``.isort.cfg``,
``pyproject.toml`` with ``[tool.isort]`` or ``setup.cfg`` with ``[isort]``).

Only the settings `import_order` models are understood; a config that sets any other one
that could change the order (``force-sort-within-sections``, ``section-order``, a profile
other than black, ...) gives no settings at all: the rewrite then reorders nothing.
"""

from __future__ import annotations

import configparser
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ssot_migrate.index.facts import SourceFile


@dataclass(frozen=True, slots=True)
class SorterSettings:
    """The settings of a project's import sorter that decide where an import goes."""

    tool: str
    """"ruff" or "isort"."""
    known_first_party: tuple[str, ...] = ()
    known_third_party: tuple[str, ...] = ()
    known_local_folder: tuple[str, ...] = ()
    force_single_line: bool = False
    combine_as_imports: bool = False
    case_sensitive: bool = False
    newline_before_comments: bool = False
    """A blank line before an import with comments above it, within a section (ruff always;
    isort under the black profile or ``ensure_newline_before_comments``)."""


_RUFF_FILES = (".ruff.toml", "ruff.toml", "pyproject.toml")
_ISORT_FILES = (".isort.cfg", "pyproject.toml", "setup.cfg")

# Settings that change layout only (wrapping, commas, blank lines after the block, which
# files are read), never which section an import is in or which comes first.
_RUFF_LAYOUT = frozenset(
    {
        "split-on-trailing-comma",
        "force-wrap-aliases",
        "lines-after-imports",
        "detect-same-package",
        "known-first-party",
        "known-third-party",
        "known-local-folder",
        "force-single-line",
        "combine-as-imports",
        "case-sensitive",
        "order-by-type",
    }
)
_ISORT_LAYOUT = frozenset(
    {
        "profile",
        "known_first_party",
        "known_third_party",
        "known_local_folder",
        "force_single_line",
        "combine_as_imports",
        "case_sensitive",
        "order_by_type",
        "line_length",
        "multi_line_output",
        "include_trailing_comma",
        "use_parentheses",
        "ensure_newline_before_comments",
        "force_grid_wrap",
        "split_on_trailing_comma",
        "lines_after_imports",
        "src_paths",
        "skip",
        "skip_glob",
        "extend_skip",
        "extend_skip_glob",
        "py_version",
    }
)
_ORDER_NEUTRAL_PROFILES = frozenset({"black"})
_I001_SELECTORS = frozenset({"I", "I0", "I00", "I001", "ALL"})


@dataclass
class SorterLookup:
    """The sorter settings of each file of one repository: each folder looked at once,
    each config file read once."""

    _configs: dict[Path, tuple[Path | None, Path | None]] = field(default_factory=dict)
    _settings: dict[tuple[Path | None, Path | None], SorterSettings | None] = field(
        default_factory=dict
    )

    def __call__(self, source: SourceFile) -> SorterSettings | None:
        path = source.path
        configs = self._nearest_configs(path.parent, _repository_root(path, source.rel))
        if configs not in self._settings:
            self._settings[configs] = _settings_from(*configs)
        return self._settings[configs]

    def _nearest_configs(self, folder: Path, root: Path) -> tuple[Path | None, Path | None]:
        """The nearest ruff and isort config files from `folder` up to `root`."""
        if folder not in self._configs:
            ruff = _config_in(folder, _has_ruff_config, _RUFF_FILES)
            isort = _config_in(folder, _has_isort_config, _ISORT_FILES)
            if (ruff is None or isort is None) and folder != root and folder.parent != folder:
                above = self._nearest_configs(folder.parent, root)
                ruff, isort = ruff or above[0], isort or above[1]
            self._configs[folder] = (ruff, isort)
        return self._configs[folder]


def _repository_root(path: Path, rel: str) -> Path:
    """The folder `rel` is relative to."""
    root = path
    for _ in Path(rel).parts:
        root = root.parent
    return root


def settings_for(folder: Path, root: Path) -> SorterSettings | None:
    """The settings of the sorter that keeps `folder`'s files sorted (None: no sorter, or
    one set up in a way not understood here)."""
    return _settings_from(*SorterLookup()._nearest_configs(folder, root))


def _settings_from(ruff: Path | None, isort: Path | None) -> SorterSettings | None:
    """Ruff's settings when its config selects I001, else isort's when it has one."""
    if ruff is not None:
        data = _ruff_table(ruff)
        if data is not None and _selects_i001(data):
            return _ruff_settings(data)
    if isort is not None:
        return _isort_settings(_isort_table(isort))
    return None


def _config_in(directory: Path, holds: Callable[[Path], bool], names: Sequence[str]) -> Path | None:
    """The first of the files `names` in `directory` that holds the tool's settings."""
    for name in names:
        candidate = directory / name
        if candidate.is_file() and holds(candidate):
            return candidate
    return None


def _read_toml(path: Path) -> dict[str, Any] | None:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None


def _read_cfg(path: Path) -> configparser.ConfigParser | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, configparser.Error):
        return None
    return parser


# ruff ---------------------------------------------------------------------------------------


def _has_ruff_config(path: Path) -> bool:
    return path.name != "pyproject.toml" or _ruff_table(path) is not None


def _ruff_table(path: Path) -> dict[str, Any] | None:
    data = _read_toml(path)
    if data is None or path.name != "pyproject.toml":
        return data
    tool = data.get("tool")
    ruff = tool.get("ruff") if isinstance(tool, dict) else None
    return ruff if isinstance(ruff, dict) else None


def _selectors(data: Mapping[str, Any], key: str) -> set[str]:
    lint = data.get("lint")
    found: set[str] = set()
    for table in (data, lint if isinstance(lint, dict) else {}):
        value = table.get(key, [])
        if isinstance(value, list):
            found |= {str(v) for v in value}
    return found


def _selects_i001(data: Mapping[str, Any]) -> bool:
    selected = _selectors(data, "select") | _selectors(data, "extend-select")
    ignored = _selectors(data, "ignore") | _selectors(data, "extend-ignore")
    return bool(selected & _I001_SELECTORS) and not ignored & _I001_SELECTORS


def _ruff_settings(data: Mapping[str, Any]) -> SorterSettings | None:
    if "extend" in data:
        return None  # settings inherited from another file: not followed
    lint = data.get("lint")
    lint_isort = lint.get("isort") if isinstance(lint, dict) else None
    table = lint_isort if isinstance(lint_isort, dict) else data.get("isort", {})
    if not isinstance(table, dict):
        return None
    table = dict(table)
    if not _is_default_section(table.pop("default-section", "third-party")):
        return None  # unknown modules go to another section than third-party: not modelled
    if not set(table) <= _RUFF_LAYOUT:
        return None
    named = {key.replace("-", "_"): value for key, value in table.items()}
    return _settings("ruff", {**named, "ensure_newline_before_comments": True})


# isort --------------------------------------------------------------------------------------


def _has_isort_config(path: Path) -> bool:
    if path.name == "pyproject.toml":
        data = _read_toml(path)
        tool = data.get("tool") if data is not None else None
        return isinstance(tool, dict) and isinstance(tool.get("isort"), dict)
    if path.name == "setup.cfg":
        parser = _read_cfg(path)
        return parser is not None and any(parser.has_section(s) for s in ("isort", "tool:isort"))
    return True


def _isort_table(path: Path) -> dict[str, Any]:
    if path.name == "pyproject.toml":
        data = _read_toml(path) or {}
        table = data.get("tool", {}).get("isort", {})
        return dict(table) if isinstance(table, dict) else {}
    parser = _read_cfg(path)
    if parser is None:
        return {"unreadable": True}
    for section in ("settings", "isort", "tool:isort"):
        if parser.has_section(section):
            return {key: _cfg_value(value) for key, value in parser.items(section)}
    return {}


def _cfg_value(text: str) -> object:
    """A .cfg value as TOML would hold it: a bool, or a list for comma-separated text."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def _isort_settings(table: Mapping[str, Any]) -> SorterSettings | None:
    named = {key.replace("-", "_"): value for key, value in table.items()}
    if not _is_default_section(named.pop("default_section", "THIRDPARTY")):
        return None  # unknown modules go to another section than third-party: not modelled
    if not named.keys() <= _ISORT_LAYOUT:
        return None
    profile = named.get("profile")
    if isinstance(profile, list):
        profile = profile[0] if len(profile) == 1 else None
    if profile is not None and profile not in _ORDER_NEUTRAL_PROFILES:
        return None
    if profile == "black":
        named.setdefault("ensure_newline_before_comments", True)
    return _settings("isort", named)


# both ---------------------------------------------------------------------------------------


def _settings(tool: str, named: Mapping[str, Any]) -> SorterSettings | None:
    try:
        if not _flag(named.get("order_by_type", True)):
            return None  # names sorted as plain text: not modelled
        return SorterSettings(
            tool,
            known_first_party=_names(named.get("known_first_party", [])),
            known_third_party=_names(named.get("known_third_party", [])),
            known_local_folder=_names(named.get("known_local_folder", [])),
            force_single_line=_flag(named.get("force_single_line", False)),
            combine_as_imports=_flag(named.get("combine_as_imports", False)),
            case_sensitive=_flag(named.get("case_sensitive", False)),
            newline_before_comments=_flag(named.get("ensure_newline_before_comments", False)),
        )
    except ValueError:
        return None  # a value of a kind the sorter would not take either


def _is_default_section(value: object) -> bool:
    """Whether a ``default_section`` / ``default-section`` setting names the section the
    sorters use anyway for a module they cannot place: third-party (Django sets it)."""
    return isinstance(value, str) and value.replace("-", "").replace("_", "").upper() == (
        "THIRDPARTY"
    )


def _names(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(value)
    return tuple(value)


def _flag(value: object) -> bool:
    if isinstance(value, list) and len(value) == 1:
        value = str(value[0]).lower() == "true"
    if not isinstance(value, bool):
        raise ValueError(value)
    return value
