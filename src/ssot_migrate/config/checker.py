"""The checker of a settings table: it reads typed values and collects problems, naming
each by file, line (when unambiguous) and key path."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from ssot_migrate.base.errors import Problem

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")

EXAMPLES = {
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
    "consumers": 'consumers = ["../other-service"]',
    "rename": "rename = true",
}

KeyPart = str | int
KeyPath = tuple[KeyPart, ...]


@dataclass(slots=True)
class Checker:
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
        example = EXAMPLES.get(key)
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

    def boolean(self, path: KeyPath, value: object) -> bool | None:
        if isinstance(value, bool):
            return value
        self.wrong_type(path, "true or false", value)
        return None

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


def key_location(display: str, text: str, path: KeyPath) -> str:
    """``file:line: key.path`` of any key of a TOML file (its line when one line assigns
    it), as config problems name places."""
    return Checker(display=display, text=text, prefix=()).where(path)
