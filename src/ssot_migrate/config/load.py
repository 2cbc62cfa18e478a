"""The migration plan: `[tool.ssot-migrate]` in pyproject.toml, or ssot-migrate.toml."""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal

from ssot_migrate.base.dotted import is_dotted_identifier, is_identifier, split_path
from ssot_migrate.base.errors import ConfigError, Problem, UsageError

RelativeImports = Literal["keep", "absolute"]
DEFAULT_SHIM_EXCLUDE = ("tests/**", "**/tests/**", "test_*.py", "*_test.py", "conftest.py")
"""Test files: a test module that imports a symbol for its own tests, or star-imports test
helpers, is never a public path that deserves a deprecation shim."""

DEFAULT_TARGET_VERSION = (3, 8)
"""The oldest Python assumed when neither the config nor the project's metadata names one:
the oldest the shims are tested on, and old enough for most projects that never said."""


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    """One symbol of a phase.

    `name` is the handle users type (`--symbol ExecutionEngine`); `canonical` is the dotted
    path of the definition, which may end in another name (an alias's target).
    """

    name: str
    canonical: str
    legacy: tuple[str, ...] = ()
    target: int = 0

    @property
    def canonical_module(self) -> str:
        return split_path(self.canonical)[0]

    @property
    def canonical_name(self) -> str:
        return split_path(self.canonical)[1]


@dataclass(frozen=True, slots=True)
class Phase:
    name: str
    title: str
    symbols: tuple[SymbolSpec, ...]


@dataclass(frozen=True, slots=True)
class ShimSettings:
    category: str = "DeprecationWarning"
    removal: str | None = None


@dataclass(frozen=True, slots=True)
class Config:
    root: Path
    """The repository (absolute); every relative path in the config is relative to it."""
    config_file: Path | None
    """Where the settings came from; None when no config file exists (defaults)."""
    source_roots: tuple[Path, ...] = ()
    """Absolute sys.path entries holding the top-level packages."""
    exclude: tuple[str, ...] = ()
    """gitignore-style patterns, relative to root."""
    shim_exclude: tuple[str, ...] = DEFAULT_SHIM_EXCLUDE
    """gitignore-style patterns of files never shimmed (test files by default)."""
    branch_prefix: str = "ssot"
    relative_imports: RelativeImports = "keep"
    shims: ShimSettings = field(default_factory=ShimSettings)
    phases: tuple[Phase, ...] = ()
    target_version: tuple[int, int] | None = None
    """``target-version``: the oldest Python the project supports, as the generated shims
    must run there; None when the config does not say (the project's metadata may)."""

    def all_symbols(self) -> tuple[SymbolSpec, ...]:
        """Every symbol of every phase, in plan order, each once."""
        seen: dict[str, SymbolSpec] = {}
        for phase in self.phases:
            for spec in phase.symbols:
                seen.setdefault(spec.name, spec)
        return tuple(seen.values())


# --------------------------------------------------------------------------- loading

SECTION = ("tool", "ssot-migrate")
"""Where the settings live in pyproject.toml (and optionally in ssot-migrate.toml)."""

CONFIG_FILE_NAME = "ssot-migrate.toml"
PYPROJECT_NAME = "pyproject.toml"

CLI_COMMANDS = frozenset(
    {"init", "audit", "plan", "run", "shim", "status", "verify", "registry", "rollback"}
)
"""Phase names that would shadow a command in the `ssot-migrate PHASE` shorthand."""

_TOP_KEYS = (
    "source-roots",
    "exclude",
    "shim-exclude",
    "branch-prefix",
    "relative-imports",
    "target-version",
    "shims",
    "phases",
)
_SHIM_KEYS = ("category", "removal")
_PHASE_KEYS = ("name", "title", "symbols")
_SYMBOL_KEYS = ("name", "canonical", "legacy", "target")
_RELATIVE_IMPORTS: tuple[RelativeImports, ...] = ("keep", "absolute")

_PHASE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")
_SYNTAX_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*\Z")
_SYNTAX_AT_END = re.compile(r"\s*\(at end of document\)\s*\Z")
_REF_FORBIDDEN = frozenset("~^:?*[\\")
_VERSION = re.compile(r"(\d+)\.(\d+)\Z")
_VERSION_GUESS = re.compile(r"[\s<>=!~^]*(?:python|py|cp)?(\d)\.?(\d{1,2})(?!\d)", re.IGNORECASE)

_EXAMPLES = {
    "source-roots": 'source-roots = ["."]',
    "exclude": 'exclude = ["backups/**"]',
    "shim-exclude": 'shim-exclude = ["tests/**", "test_*.py"]',
    "branch-prefix": 'branch-prefix = "ssot"',
    "relative-imports": 'relative-imports = "keep"',
    "target-version": 'target-version = "3.8"',
    "shims": 'a table: [tool.ssot-migrate.shims] with category = "DeprecationWarning"',
    "category": 'category = "DeprecationWarning"',
    "removal": 'removal = "2026.06"',
    "phases": "[[tool.ssot-migrate.phases]] tables, one per phase",
    "title": 'title = "ExecutionEngine consolidation"',
    "symbols": 'symbols = [{ name = "Engine", canonical = "app.engine.Engine" }]',
    "canonical": 'canonical = "app.engine.Engine"',
    "legacy": 'legacy = ["app.old_engine.Engine"]',
    "target": "target = 0",
}

KeyPart = str | int
KeyPath = tuple[KeyPart, ...]


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
    checker = _Checker(display=display, text=text, prefix=prefix)
    config = _build(checker, table, root, path)
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
    return _Checker(display=display, text=text, prefix=prefix).where(path)


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
    if "tool" in document and not any(key in document for key in _TOP_KEYS):
        return None  # a pyproject-like file of other tools: no settings here
    return (), document


def _refuse_mixed(document: dict[str, Any], display: str, *, allow_top_level: bool) -> None:
    mixed = sorted(key for key in document if key in _TOP_KEYS)
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


# --------------------------------------------------------------------------- checking


@dataclass(slots=True)
class _Checker:
    """Collects problems, naming each by file, line (when unambiguous) and key path."""

    display: str
    text: str
    prefix: KeyPath
    problems: list[Problem] = field(default_factory=list)

    def report(self, path: KeyPath, what: str, fix: str | None = None) -> None:
        self.problems.append(Problem(self.where(path), what, fix))

    def key_text(self, path: KeyPath) -> str:
        return format_key_path(self.prefix + path)

    def where(self, path: KeyPath) -> str:
        full = self.prefix + path
        line = _key_line(self.text, _last_key(full))
        file = f"{self.display}:{line}" if line else self.display
        return f"{file}: {format_key_path(full)}"

    def wrong_type(self, path: KeyPath, expected: str, value: object) -> None:
        key = _last_key(path)
        example = _EXAMPLES.get(key)
        fix = f"write it as {example}" if example else None
        if expected == "a string" and isinstance(value, int | float | date | time):
            fix = f"quote the value, e.g. {example}" if example else "quote the value"
        self.report(path, f"expected {expected}, got {describe_value(value)}", fix)

    def unknown_keys(self, path: KeyPath, table: dict[str, Any], allowed: Sequence[str]) -> None:
        for key in table:
            if key in allowed:
                continue
            close = difflib.get_close_matches(key.replace("_", "-"), allowed, n=1, cutoff=0.6)
            if close:
                fix = f"did you mean '{close[0]}'?"
            else:
                fix = f"remove it; known keys here: {', '.join(allowed)}"
            self.report((*path, key), f"unknown key '{key}'", fix)

    def string(self, path: KeyPath, value: object) -> str | None:
        if isinstance(value, str):
            return value
        self.wrong_type(path, "a string", value)
        return None

    def string_list(self, path: KeyPath, value: object) -> list[str] | None:
        if not isinstance(value, list):
            self.wrong_type(path, "an array of strings", value)
            return None
        items: list[str] = []
        for index, item in enumerate(value):
            if isinstance(item, str):
                items.append(item)
            else:
                self.wrong_type((*path, index), "a string", item)
        return items if len(items) == len(value) else None

    def table(self, path: KeyPath, value: object) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.wrong_type(path, "a table", value)
        return None

    def table_list(self, path: KeyPath, value: object) -> list[tuple[int, dict[str, Any]]]:
        """The tables of an array of tables, with their indexes; bad items are reported."""
        if not isinstance(value, list):
            self.wrong_type(path, "an array of tables", value)
            return []
        tables: list[tuple[int, dict[str, Any]]] = []
        for index, item in enumerate(value):
            if isinstance(item, dict):
                tables.append((index, item))
            else:
                self.wrong_type((*path, index), "a table", item)
        return tables

    def required(self, path: KeyPath, table: dict[str, Any], key: str, example: str) -> object:
        if key in table:
            return table[key]
        self.report(path, f"missing required key '{key}'", f"add {example}")
        return None


def format_key_path(path: KeyPath) -> str:
    """``("tool", "ssot-migrate", "phases", 0, "name")`` -> ``tool.ssot-migrate.phases[0].name``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            key = part if _BARE_KEY.match(part) else json.dumps(part)
            text += f".{key}" if text else key
    return text


def _last_key(path: KeyPath) -> str:
    return next((part for part in reversed(path) if isinstance(part, str)), "")


def _key_line(text: str, key: str) -> int | None:
    """The line where `key` is assigned, when exactly one line assigns it (else None)."""
    if not key:
        return None
    quoted = re.escape(key) if _BARE_KEY.match(key) else re.escape(json.dumps(key))
    pattern = re.compile(
        rf"""(?:^[ \t]*|[{{,][ \t]*|\.[ \t]*)(?:{quoted}|"{quoted}"|'{quoted}')[ \t]*=""",
        re.MULTILINE,
    )
    lines = {text.count("\n", 0, match.start()) + 1 for match in pattern.finditer(text)}
    return lines.pop() if len(lines) == 1 else None


def describe_value(value: object) -> str:
    """A TOML type name and a short rendering of the value, for messages."""
    kinds: tuple[tuple[type | tuple[type, ...], str], ...] = (
        (bool, "boolean"),
        (int, "integer"),
        (float, "float"),
        (str, "string"),
        (list, "array"),
        (dict, "table"),
        (datetime, "date-time"),
        (date, "date"),
        (time, "time"),
    )
    kind = next((name for cls, name in kinds if isinstance(value, cls)), type(value).__name__)
    if isinstance(value, list | dict):
        return kind
    shown = json.dumps(value) if isinstance(value, bool | str) else str(value)
    return f"{kind} {shown if len(shown) <= 40 else shown[:37] + '...'}"


def _build(checker: _Checker, table: dict[str, Any], root: Path, path: Path) -> Config:
    checker.unknown_keys((), table, _TOP_KEYS)
    roots = _source_roots(checker, table.get("source-roots", ["."]), root)
    exclude = _patterns(checker, "exclude", table.get("exclude", []))
    shim_exclude = _patterns(
        checker, "shim-exclude", table.get("shim-exclude", list(DEFAULT_SHIM_EXCLUDE))
    )
    branch_prefix = _branch_prefix(checker, table.get("branch-prefix", "ssot"))
    relative = _relative_imports(checker, table.get("relative-imports", "keep"))
    version = _target_version(checker, table.get("target-version"))
    shims = _shims(checker, table.get("shims", {}))
    drafts = _phases(checker, table.get("phases", []))
    _cross_check(checker, drafts)
    return Config(
        root=root,
        config_file=path,
        source_roots=roots,
        exclude=exclude,
        shim_exclude=shim_exclude,
        branch_prefix=branch_prefix,
        relative_imports=relative,
        shims=shims,
        phases=tuple(draft.phase() for draft in drafts),
        target_version=version,
    )


def _source_roots(checker: _Checker, value: object, root: Path) -> tuple[Path, ...]:
    key: KeyPath = ("source-roots",)
    entries = checker.string_list(key, value)
    if entries is None:
        return (root,)
    if not entries:
        checker.report(
            key, "is empty", f"list at least one folder, e.g. {_EXAMPLES['source-roots']}"
        )
    roots: list[Path] = []
    for index, entry in enumerate(entries):
        found = _source_root(checker, (*key, index), entry, root)
        if found is not None and found not in roots:
            roots.append(found)
    return tuple(roots) or (root,)


def _source_root(checker: _Checker, key: KeyPath, entry: str, root: Path) -> Path | None:
    path = Path(os.path.normpath(root / entry))
    if not path.is_relative_to(root):
        checker.report(key, f"'{entry}' is outside the root {root}", "list folders inside the root")
        return None
    if not path.is_dir():
        what = f"'{entry}' is not a directory under the root {root}"
        fix = "paths are relative to the root (--root), not to the config file"
        checker.report(key, what, fix)
        return None
    return path


def _patterns(checker: _Checker, key: str, value: object) -> tuple[str, ...]:
    """A list of gitignore-style patterns (`exclude`, `shim-exclude`)."""
    patterns = checker.string_list((key,), value)
    if patterns is None:
        return ()
    for index, pattern in enumerate(patterns):
        reason = _pattern_problem(pattern)
        if reason:
            fix = "use gitignore syntax, e.g. backups/** or *_pb2.py"
            checker.report((key, index), reason, fix)
    return tuple(patterns)


def _pattern_problem(pattern: str) -> str | None:
    if not pattern.strip():
        return "is an empty pattern (it matches nothing)"
    import pathspec  # only configs with `exclude` pay for the import

    try:
        pathspec.GitIgnoreSpec.from_lines([pattern])
    except ValueError as exc:
        return f"'{pattern}' is not a valid gitignore pattern ({exc})"
    return None


def _branch_prefix(checker: _Checker, value: object) -> str:
    prefix = checker.string(("branch-prefix",), value)
    if prefix is None:
        return "ssot"
    reason = ref_component_problem(prefix)
    if reason:
        fix = "use letters, digits, '-', '_', '.' and '/', e.g. branch-prefix = \"ssot\""
        checker.report(
            ("branch-prefix",), f"'{prefix}' is not usable in a branch name: {reason}", fix
        )
    return prefix


def ref_component_problem(text: str) -> str | None:
    """Why `text` cannot start a git branch name (roughly `git check-ref-format`), or None."""
    bad = sorted({ch for ch in text if ch in _REF_FORBIDDEN or ch.isspace() or ord(ch) < 32})
    reasons = (
        (not text, "it is empty"),
        (bool(bad), f"it contains {', '.join(repr(ch) for ch in bad)}"),
        (".." in text, "it contains '..'"),
        ("@{" in text or text == "@", "it contains '@{' or is '@'"),
        (text.startswith(("-", "/")), "it starts with '-' or '/'"),
        (text.endswith(("/", ".")) or "//" in text, "it ends with '/' or '.', or has '//'"),
        (
            any(part.startswith(".") or part.endswith(".lock") for part in text.split("/")),
            "a part starts with '.' or ends with '.lock'",
        ),
    )
    return next((reason for failed, reason in reasons if failed), None)


def _relative_imports(checker: _Checker, value: object) -> RelativeImports:
    key: KeyPath = ("relative-imports",)
    text = checker.string(key, value)
    if text is None:
        return "keep"
    for choice in _RELATIVE_IMPORTS:
        if text == choice:
            return choice
    checker.report(
        key, f"'{text}' is not one of: keep, absolute", 'write relative-imports = "keep"'
    )
    return "keep"


def _target_version(checker: _Checker, value: object) -> tuple[int, int] | None:
    key: KeyPath = ("target-version",)
    text = None if value is None else checker.string(key, value)
    if text is None:
        return None  # not set (the project's metadata may say), or reported
    found = _VERSION.match(text)
    if found is not None and found.group(1) == "3":
        return int(found.group(1)), int(found.group(2))
    if found is not None:
        what = f"'{text}' is not a Python 3 version"
        checker.report(key, what, "ssot-migrate's shims run on Python 3.7 or newer")
        return None
    guess = _VERSION_GUESS.match(text)
    fix = f'did you mean "{guess.group(1)}.{guess.group(2)}"?' if guess else None
    what = f"'{text}' is not a Python version (major.minor, the oldest the project supports)"
    checker.report(key, what, fix or f"write it as {_EXAMPLES['target-version']}")
    return None


def key_location(display: str, text: str, path: KeyPath) -> str:
    """``file:line: key.path`` of any key of a TOML file (its line when one line assigns
    it), as config problems name places."""
    return _Checker(display=display, text=text, prefix=()).where(path)


def _shims(checker: _Checker, value: object) -> ShimSettings:
    table = checker.table(("shims",), value)
    if table is None:
        return ShimSettings()
    checker.unknown_keys(("shims",), table, _SHIM_KEYS)
    category = checker.string(("shims", "category"), table.get("category", "DeprecationWarning"))
    if category is not None and not is_dotted_identifier(category):
        what = f"'{category}' is not a dotted Python name"
        checker.report(("shims", "category"), what, "name a warning class, e.g. DeprecationWarning")
    removal = None
    if "removal" in table:
        removal = checker.string(("shims", "removal"), table["removal"])
    return ShimSettings(category=category or "DeprecationWarning", removal=removal)


# --------------------------------------------------------------------------- phases


@dataclass(slots=True)
class _PhaseDraft:
    """A phase as read, with the index of each entry so cross-checks can name it."""

    index: int
    name: str | None
    title: str
    symbols: list[tuple[int, SymbolSpec]]

    def phase(self) -> Phase:
        specs = tuple(spec for _, spec in self.symbols)
        return Phase(name=self.name or "", title=self.title, symbols=specs)


def _phases(checker: _Checker, value: object) -> list[_PhaseDraft]:
    return [
        _phase(checker, index, table) for index, table in checker.table_list(("phases",), value)
    ]


def _phase(checker: _Checker, index: int, table: dict[str, Any]) -> _PhaseDraft:
    key: KeyPath = ("phases", index)
    checker.unknown_keys(key, table, _PHASE_KEYS)
    raw_name = checker.required(key, table, "name", 'name = "phase1"')
    name = None if raw_name is None else checker.string((*key, "name"), raw_name)
    if name is not None and not _phase_name_ok(checker, (*key, "name"), name):
        name = None
    title = checker.string((*key, "title"), table.get("title", "")) or ""
    symbols = [
        (position, spec)
        for position, entry in checker.table_list((*key, "symbols"), table.get("symbols", []))
        if (spec := _symbol(checker, (*key, "symbols", position), entry)) is not None
    ]
    return _PhaseDraft(index=index, name=name, title=title, symbols=symbols)


def _phase_name_ok(checker: _Checker, key: KeyPath, name: str) -> bool:
    if not _PHASE_NAME.match(name):
        what = f"'{name}' is not a valid phase name"
        fix = "start with a letter or digit; then use letters, digits, '_', '.', '-'"
        checker.report(key, what, fix)
        return False
    if name in CLI_COMMANDS:
        what = f"'{name}' is also an ssot-migrate command, so `ssot-migrate {name}` is ambiguous"
        checker.report(key, what, f"rename the phase, e.g. '{name}-phase' or 'phase1'")
        return False
    return True


def _symbol(checker: _Checker, key: KeyPath, table: dict[str, Any]) -> SymbolSpec | None:
    """The symbol, or None without a valid name and canonical.

    A bad legacy list or target is reported and replaced by its default, so the
    cross-checks still see the symbol (no Config is returned when anything was reported).
    """
    checker.unknown_keys(key, table, _SYMBOL_KEYS)
    name = _symbol_name(checker, key, table)
    canonical = _canonical(checker, key, table)
    legacy = _legacy(checker, (*key, "legacy"), table.get("legacy", []), canonical)
    target = _target(checker, (*key, "target"), table.get("target", 0))
    if name is None or canonical is None:
        return None
    return SymbolSpec(name=name, canonical=canonical, legacy=legacy or (), target=target or 0)


def _symbol_name(checker: _Checker, key: KeyPath, table: dict[str, Any]) -> str | None:
    raw = checker.required(key, table, "name", 'name = "Engine" (the handle for --symbol)')
    name = None if raw is None else checker.string((*key, "name"), raw)
    if name is not None and not is_identifier(name):
        what = f"'{name}' is not a Python identifier"
        checker.report((*key, "name"), what, 'use the class or function name, e.g. name = "Engine"')
        return None
    return name


def _canonical(checker: _Checker, key: KeyPath, table: dict[str, Any]) -> str | None:
    raw = checker.required(key, table, "canonical", _EXAMPLES["canonical"])
    canonical = None if raw is None else checker.string((*key, "canonical"), raw)
    if canonical is None:
        return None
    reason = module_path_problem(canonical)
    if reason:
        checker.report(
            (*key, "canonical"), reason, f"write the full path, e.g. {_EXAMPLES['canonical']}"
        )
        return None
    return canonical


def module_path_problem(path: str) -> str | None:
    """Why `path` is not ``module.Name`` (a dotted identifier with at least one dot)."""
    if not is_dotted_identifier(path):
        return f"'{path}' is not a dotted Python path"
    if "." not in path:
        return f"'{path}' has no module part (expected module.Name)"
    return None


def _legacy(
    checker: _Checker, key: KeyPath, value: object, canonical: str | None
) -> tuple[str, ...] | None:
    paths = checker.string_list(key, value)
    if paths is None:
        return None
    ok = True
    for index, path in enumerate(paths):
        reason = module_path_problem(path)
        if reason is None and path == canonical:
            reason = f"'{path}' is the canonical path itself"
        elif reason is None and path in paths[:index]:
            reason = f"'{path}' is listed twice"
        if reason:
            checker.report(
                (*key, index), reason, f"list only old paths, e.g. {_EXAMPLES['legacy']}"
            )
            ok = False
    return tuple(paths) if ok else None


def _target(checker: _Checker, key: KeyPath, value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        checker.wrong_type(key, "an integer >= 0", value)
        return None
    if value < 0:
        checker.report(
            key,
            f"expected an integer >= 0, got {value}",
            "write target = 0 (or the number of variations allowed)",
        )
        return None
    return value


def _cross_check(checker: _Checker, drafts: list[_PhaseDraft]) -> None:
    _unique_phase_names(checker, drafts)
    _unique_symbols_per_phase(checker, drafts)
    _one_canonical_per_name(checker, drafts)
    _one_canonical_per_legacy(checker, drafts)


def _entries(drafts: list[_PhaseDraft]) -> Iterator[tuple[KeyPath, _PhaseDraft, SymbolSpec]]:
    for draft in drafts:
        for index, spec in draft.symbols:
            yield ("phases", draft.index, "symbols", index), draft, spec


def _unique_phase_names(checker: _Checker, drafts: list[_PhaseDraft]) -> None:
    seen: dict[str, int] = {}
    for draft in drafts:
        if draft.name is None:
            continue
        if draft.name in seen:
            what = f"phase name '{draft.name}' is already used by {checker.key_text(('phases', seen[draft.name]))}"
            checker.report(("phases", draft.index, "name"), what, "give each phase its own name")
        seen.setdefault(draft.name, draft.index)


def _unique_symbols_per_phase(checker: _Checker, drafts: list[_PhaseDraft]) -> None:
    seen: dict[tuple[int, str], KeyPath] = {}
    for key, draft, spec in _entries(drafts):
        first = seen.setdefault((draft.index, spec.name), key)
        if first != key:
            what = f"symbol '{spec.name}' is listed twice in this phase (also {checker.key_text(first)})"
            checker.report((*key, "name"), what, "remove one of them")


def _one_canonical_per_name(checker: _Checker, drafts: list[_PhaseDraft]) -> None:
    seen: dict[str, tuple[KeyPath, SymbolSpec]] = {}
    for key, _, spec in _entries(drafts):
        first_key, first = seen.setdefault(spec.name, (key, spec))
        if first_key[1] != key[1] and first.canonical != spec.canonical:
            what = (
                f"symbol '{spec.name}' has canonical '{spec.canonical}' here but "
                f"'{first.canonical}' in {checker.key_text(first_key)}"
            )
            fix = "use one canonical path per symbol name, or give one of them another name"
            checker.report((*key, "canonical"), what, fix)


def _one_canonical_per_legacy(checker: _Checker, drafts: list[_PhaseDraft]) -> None:
    seen: dict[str, tuple[KeyPath, SymbolSpec]] = {}
    for key, _, spec in _entries(drafts):
        for index, path in enumerate(spec.legacy):
            first_key, first = seen.setdefault(path, (key, spec))
            if first.canonical != spec.canonical:
                what = (
                    f"legacy path '{path}' is also listed by {checker.key_text(first_key)} "
                    f"with canonical '{first.canonical}'"
                )
                fix = "a legacy path can be migrated to one canonical path only"
                checker.report((*key, "legacy", index), what, fix)


# --------------------------------------------------------------------------- init
