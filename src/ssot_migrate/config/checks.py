"""The per-key checks of the settings table's top-level keys (source roots, patterns, branch
prefix, relative imports, target version, shims), building the checked `Config`."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from ssot_migrate.base.dotted import is_dotted_identifier
from ssot_migrate.config.checker import EXAMPLES, Checker, KeyPath
from ssot_migrate.config.model import DEFAULT_SHIM_EXCLUDE, Config, RelativeImports, ShimSettings
from ssot_migrate.config.phase_checks import cross_check, phases

TOP_KEYS = (
    "source-roots",
    "exclude",
    "shim-exclude",
    "branch-prefix",
    "relative-imports",
    "target-version",
    "shims",
    "phases",
    "consumers",
)
_SHIM_KEYS = ("category", "removal")
_RELATIVE_IMPORTS: tuple[RelativeImports, ...] = ("keep", "absolute")

_REF_FORBIDDEN = frozenset("~^:?*[\\")
_VERSION = re.compile(r"(\d+)\.(\d+)\Z")
_VERSION_GUESS = re.compile(r"[\s<>=!~^]*(?:python|py|cp)?(\d)\.?(\d{1,2})(?!\d)", re.IGNORECASE)


def build(checker: Checker, table: dict[str, Any], root: Path, path: Path) -> Config:
    checker.unknown_keys((), table, TOP_KEYS)
    roots = _source_roots(checker, table.get("source-roots", ["."]), root)
    exclude = _patterns(checker, "exclude", table.get("exclude", []))
    shim_exclude = _patterns(
        checker, "shim-exclude", table.get("shim-exclude", list(DEFAULT_SHIM_EXCLUDE))
    )
    branch_prefix = _branch_prefix(checker, table.get("branch-prefix", "ssot"))
    relative = _relative_imports(checker, table.get("relative-imports", "keep"))
    version = _target_version(checker, table.get("target-version"))
    shims = _shims(checker, table.get("shims", {}))
    consumers = checker.string_list(("consumers",), table.get("consumers", [])) or []
    drafts = phases(checker, table.get("phases", []))
    cross_check(checker, drafts)
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
        consumers=tuple(consumers),
    )


def _source_roots(checker: Checker, value: object, root: Path) -> tuple[Path, ...]:
    key: KeyPath = ("source-roots",)
    entries = checker.string_list(key, value)
    if entries is None:
        return (root,)
    if not entries:
        checker.report(
            key, "is empty", f"list at least one folder, e.g. {EXAMPLES['source-roots']}"
        )
    roots: list[Path] = []
    for index, entry in enumerate(entries):
        found = _source_root(checker, (*key, index), entry, root)
        if found is not None and found not in roots:
            roots.append(found)
    return tuple(roots) or (root,)


def _source_root(checker: Checker, key: KeyPath, entry: str, root: Path) -> Path | None:
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


def _patterns(checker: Checker, key: str, value: object) -> tuple[str, ...]:
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


def _branch_prefix(checker: Checker, value: object) -> str:
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


def _relative_imports(checker: Checker, value: object) -> RelativeImports:
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


def _target_version(checker: Checker, value: object) -> tuple[int, int] | None:
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
    checker.report(key, what, fix or f"write it as {EXAMPLES['target-version']}")
    return None


def _shims(checker: Checker, value: object) -> ShimSettings:
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
