"""Which files are the project's Python modules, and under which dotted names.

Walks the source roots without following directory symlinks (so symlink loops cannot hang
it), skips the folders every Python tool skips, and honours the config's `exclude` globs
and every `.gitignore` on the way (gitignore semantics via pathspec).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from ssot_migrate.base.dotted import is_identifier
from ssot_migrate.index.facts import SourceFile
from ssot_migrate.io.workspace import CACHE_DIR_NAME

# The folders ruff skips by default, plus our own cache.
SKIPPED_DIRS = frozenset(
    {
        ".bzr",
        ".direnv",
        ".eggs",
        ".git",
        ".git-rewrite",
        ".hg",
        ".mypy_cache",
        ".nox",
        ".pants.d",
        ".pytype",
        ".ruff_cache",
        ".svn",
        ".tox",
        ".venv",
        "__pypackages__",
        "_build",
        "buck-out",
        "dist",
        "node_modules",
        "venv",
        "__pycache__",
        CACHE_DIR_NAME,
        ".pytest_cache",
    }
)


class IgnoreRules:
    """gitignore semantics: the last matching pattern decides.

    Consecutive patterns of the same polarity are compiled into one alternation, so a
    100-line `.gitignore` costs a handful of regex searches per path, not a hundred.
    """

    def __init__(self, lines: Iterable[str]) -> None:
        groups: list[tuple[bool, list[str]]] = []
        self.invalid: list[str] = []
        lines = list(lines)
        if lines:  # most folders have no .gitignore: skip the import
            from pathspec.patterns.gitignore.base import GitIgnorePatternError
            from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern
        for line in lines:
            try:
                regex, include = GitIgnoreSpecPattern.pattern_to_regex(line)
            except (GitIgnorePatternError, ValueError):
                self.invalid.append(line)
                continue
            if regex is None or include is None:
                continue
            # Named groups cannot repeat inside one alternation; the names are not needed.
            regex = regex.replace("(?P<ps_d>", "(?:")
            if groups and groups[-1][0] is include:
                groups[-1][1].append(regex)
            else:
                groups.append((include, [regex]))
        self._groups = [(inc, re.compile("|".join(f"(?:{r})" for r in rs))) for inc, rs in groups]

    def __bool__(self) -> bool:
        return bool(self._groups)

    def decides(self, rel: str) -> bool | None:
        """True: ignored; False: re-included by a `!pattern`; None: no pattern matched."""
        for include, regex in reversed(self._groups):
            if regex.match(rel):
                return include
        return None


def _read_gitignore(directory: str) -> IgnoreRules | None:
    try:
        with open(os.path.join(directory, ".gitignore"), encoding="utf-8", errors="replace") as f:
            rules = IgnoreRules(f.read().splitlines())
    except OSError:
        return None
    return rules or None


@functools.lru_cache(maxsize=65536)
def _importable(part: str) -> bool:
    return is_identifier(part)


def _module_name(rel_to_root: str) -> tuple[str | None, bool]:
    parts = rel_to_root[:-3].split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    if not parts or not all(_importable(p) for p in parts):
        return None, is_package
    return ".".join(parts), is_package


def auto_source_roots(root: Path) -> tuple[Path, ...]:
    """For an unconfigured repo: the root itself and any ``src/`` layout folder under it."""
    roots = [root]
    for current, dirs, _files in os.walk(root):
        depth = Path(current).relative_to(root).parts
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".")]
        if "src" in dirs and not (Path(current) / "src" / "__init__.py").exists():
            roots.append(Path(current) / "src")
        if len(depth) >= 2:
            dirs.clear()
    return tuple(roots)


def discover_files(
    root: Path, source_roots: Iterable[Path], exclude: Iterable[str]
) -> tuple[SourceFile, ...]:
    """Every ``.py`` file under the source roots, each under its deepest source root."""
    roots = sorted({r.resolve() for r in source_roots}, key=lambda p: len(p.parts), reverse=True)
    root = root.resolve()
    excluded = IgnoreRules(exclude)
    found: dict[str, SourceFile] = {}
    root_prefix = len(str(root)) + 1
    for source_root in roots:
        prefix = len(str(source_root)) + 1
        for path in _walk(root, source_root, excluded):
            rel = path[root_prefix:].replace(os.sep, "/")
            if rel in found:
                continue  # already named under a deeper source root
            module, is_package = _module_name(path[prefix:].replace(os.sep, "/"))
            found[rel] = SourceFile(path, rel, module, is_package)
    return tuple(sorted(found.values(), key=lambda f: f.rel))


def _walk(root: Path, start: Path, excluded: IgnoreRules) -> Iterator[str]:
    if not start.is_dir():
        return
    stack: list[tuple[str, list[tuple[str, IgnoreRules]]]] = [(str(start), _inherited(root, start))]
    root_text = str(root)
    while stack:
        directory, rules = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue  # unreadable folder: nothing in it can be indexed
        names = {entry.name for entry in entries}
        if "pyvenv.cfg" in names and directory != str(start):
            continue  # a virtualenv: third-party code, not the project's
        if ".gitignore" in names:
            own = _read_gitignore(directory)
            if own is not None:
                rules = [*rules, (directory, own)]
        check = bool(excluded) or bool(rules)
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                if is_dir:
                    if name in SKIPPED_DIRS:
                        continue
                elif not (name.endswith(".py") and entry.is_file()):
                    continue
            except OSError:
                continue
            if check and _ignored(entry.path, is_dir, root_text, excluded, rules):
                continue
            if is_dir:
                stack.append((entry.path, rules))
            else:
                yield entry.path


def _inherited(root: Path, start: Path) -> list[tuple[str, IgnoreRules]]:
    """The .gitignore files of the folders between the repository root and a source root."""
    rules: list[tuple[str, IgnoreRules]] = []
    if start == root or root not in start.parents:
        return rules
    for folder in [root, *reversed(start.parents)]:
        if folder != root and root not in folder.parents:
            continue
        if folder == start:
            break
        own = _read_gitignore(str(folder))
        if own is not None and (str(folder), own) not in rules:
            rules.append((str(folder), own))
    return rules


def _ignored(
    path: str,
    is_dir: bool,
    root: str,
    excluded: IgnoreRules,
    rules: list[tuple[str, IgnoreRules]],
) -> bool:
    # `root` and every rule's base are ancestors of `path`: slicing is relpath, cheaply.
    suffix = "/" if is_dir else ""
    if excluded:
        decision = excluded.decides(path[len(root) + 1 :].replace(os.sep, "/") + suffix)
        if decision is not None:
            return decision
    for base, rule in reversed(rules):
        decision = rule.decides(path[len(base) + 1 :].replace(os.sep, "/") + suffix)
        if decision is not None:
            return decision
    return False
