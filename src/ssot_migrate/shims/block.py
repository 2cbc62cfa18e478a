"""The generated shim block: the names it serves (`MovedName`) and where it comes from
(`ShimOrigin`), rendering it between its two marker lines, and reading an existing one back
from a module's text (`served_names`) or cutting it out (`without_block`). The reader
parses what the templates write: the two stay together."""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ssot_migrate.base.dotted import is_dotted_identifier, is_identifier, split_path
from ssot_migrate.base.source_text import LINE_BREAK, decode_source
from ssot_migrate.base.templating import render
from ssot_migrate.config.model import DEFAULT_TARGET_VERSION

BEGIN = "# >>> ssot-migrate shim >>>"
END = "# <<< ssot-migrate shim <<<"
PREVIOUS_GETATTR = "_SSOT_PREVIOUS_GETATTR"


@dataclass(frozen=True, slots=True)
class MovedName:
    """``legacy.<name>`` now lives at ``<module>.<attribute>``."""

    name: str
    module: str
    attribute: str
    lazy: bool = False
    """A declared lazy legacy path: the module's own ``__getattr__`` keeps serving the name
    (so ``verify --runtime`` still proves what it serves); the shim only adds the warning."""


@dataclass(frozen=True, slots=True)
class ShimOrigin:
    """Where a shim comes from, for its header and its warning."""

    phase: str
    title: str
    category: str = "DeprecationWarning"
    removal: str | None = None
    plan: str = "pyproject.toml"
    """The config file the plan lives in (its name, as the header shows it)."""
    python: tuple[int, int] = DEFAULT_TARGET_VERSION
    """The oldest Python the project supports: the shimmed module must still run there."""
    python_from: str = "the default"
    """Where that version is declared, for the reason a shim is refused."""


class ShimRefused(Exception):
    """The module cannot take a shim safely; the message says why."""


def check_names(names: Sequence[MovedName], origin: ShimOrigin) -> None:
    """Everything that reaches the template must be a (dotted) identifier."""
    for moved in names:
        if not (is_identifier(moved.name) and is_identifier(moved.attribute)):
            raise ValueError(f"not an identifier: {moved.name!r} / {moved.attribute!r}")
        if not is_dotted_identifier(moved.module):
            raise ValueError(f"not a dotted module path: {moved.module!r}")
    if not is_dotted_identifier(origin.category):
        raise ValueError(f"not a dotted warning category: {origin.category!r}")


def render_block(
    names: Sequence[MovedName],
    origin: ShimOrigin,
    previous_getattr: bool = False,
    has_all: bool = True,
    template: str = "shim_block.py.j2",
) -> str:
    check_names(names, origin)
    category_module, category_name = split_path(origin.category)
    removal = origin.removal
    return render(
        template,
        begin=BEGIN,
        end=END,
        phase=origin.phase,
        plan=" ".join(origin.plan.split()) or "the default settings",
        # User text lands in a comment and a string literal: one line, and a repr.
        title=" ".join((origin.title or "no title").split()),
        names=sorted(names, key=lambda m: m.name),
        lazy_literal=_lazy_literal(names),
        category_module=category_module,
        category_name=category_name,
        removal_literal=repr(f"{_REMOVAL}{removal}" if removal else ""),
        previous_getattr=PREVIOUS_GETATTR if previous_getattr else None,
        has_all=has_all,
    )


def _lazy_literal(names: Sequence[MovedName]) -> str:
    """``frozenset({"A", "B"})`` of the lazy names (empty string when there are none)."""
    lazy = sorted(m.name for m in names if m.lazy)
    return "frozenset({" + ", ".join(f'"{n}"' for n in lazy) + "})" if lazy else ""


# `\r?`: a CRLF module's block has CRLF line breaks too (`$` stops before the `\n` only).
_SERVED = re.compile(r'^    "(\w+)": \("([\w.]+)", "(\w+)"\),\r?$', re.MULTILINE)
_LAZY = re.compile(r"^_SSOT_LAZY = frozenset\(\{(.*)\}\)\r?$", re.MULTILINE)


def served_names(source: bytes) -> list[MovedName]:
    """The names a module's generated shim block serves (none without a block)."""
    return served(decode_source(source, errors="replace"))


def served(text: str) -> list[MovedName]:
    """The names an existing generated block serves (its `_SSOT_MOVED` entries)."""
    start, end = text.find(BEGIN), text.find(END)
    if start == -1 or end == -1:
        return []
    lazy_line = _LAZY.search(text, start, end)
    lazy = set(re.findall(r'"(\w+)"', lazy_line.group(1))) if lazy_line else set()
    return [
        MovedName(name, module, attribute, name in lazy)
        for name, module, attribute in (m.groups() for m in _SERVED.finditer(text, start, end))
    ]


_WHEN = re.compile(r"^_SSOT_WHEN = (?P<literal>.*)$", re.MULTILINE)
_REMOVAL = " and goes away in "


def removal_of(text: str) -> str | None:
    """The removal version or date a generated block was made with (its ``_SSOT_WHEN``),
    or None when it names none."""
    found = _WHEN.search(text)
    if found is None:
        return None
    try:
        value = ast.literal_eval(found.group("literal").strip())
    except (ValueError, SyntaxError):
        return None
    if isinstance(value, str) and value.startswith(_REMOVAL):
        return value[len(_REMOVAL) :]
    return None


def served_anywhere(text: str) -> list[MovedName]:
    """The `_SSOT_MOVED` entries anywhere in `text`: `served`, for a block whose markers may
    have been edited by hand."""
    return [
        MovedName(name, module, attribute)
        for name, module, attribute in (m.groups() for m in _SERVED.finditer(text))
    ]


def without_block(text: str) -> str:
    start = text.find(BEGIN)
    if start == -1:
        return text
    end = text.find(END, start)
    if end == -1:
        raise ShimRefused(f"an unterminated {BEGIN!r} block: remove it by hand")
    after = end + len(END)
    while after < len(text) and text[after] in "\r\n":
        after += 1
    head = text[:start].rstrip("\r\n")
    # The file's own line break (CRLF stays CRLF when the block is regenerated).
    newline = found.group() if (found := LINE_BREAK.search(text)) else "\n"
    return head + (newline if head.strip() else "") + text[after:]
