"""PEP 695 syntax (Python 3.12+) made readable to an older stdlib parser, by text.

``def f[T](x: T)``, ``class Box[T: int](Base)`` and ``type Alias[T] = list[T]`` are the
newer syntax that most 3.12-only code uses, and reading such a file with LibCST costs a
hundred times what `ast.parse` does. Here each type parameter list becomes spaces of the
same width (a list over several lines keeps its line breaks behind backslashes), and
``type NAME =`` becomes ``NAME=1 or`` padded to its width, so every other byte, line and
column stays where it was, and NAME is bound to an object defined here (`type` makes a
TypeAliasType, no alias of its value). What a parameter list spells (a bound such as
``T: mod.Base``) is not indexed. If the result still does not parse (a PEP 701 f-string),
the caller hands it to LibCST, which then has only that left to replace.
"""

from __future__ import annotations

import re

_DEFINITION = re.compile(rb"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+[A-Za-z_]\w*[ \t]*\[", re.M)
_TYPE_STATEMENT = re.compile(rb"^([ \t]*)type[ \t]+([A-Za-z_]\w*)[ \t]*(\[)?", re.M)
_EQUALS = re.compile(rb"[ \t]*=(?!=)")
_OPENING = b"([{"
_CLOSING = b")]}"


def blank_type_parameters(source: bytes) -> bytes | None:
    """`source` with its PEP 695 constructs replaced as described above, or None when it
    has none this can replace (or a list holds a string, which this does not scan)."""
    data = bytearray(source)
    changed = False
    for match in _DEFINITION.finditer(source):
        end = _closing_bracket(source, match.end() - 1)
        if end is None:
            return None
        _blank(data, match.end() - 1, end + 1)
        changed = True
    for match in _TYPE_STATEMENT.finditer(source):
        start = match.end(1)  # where `type` starts
        after = match.end()
        if match.group(3) is not None:
            end = _closing_bracket(source, match.start(3))
            if end is None:
                return None
            after = end + 1
        equals = _EQUALS.match(source, after)
        if equals is None:
            continue  # `type(x)`, `type = 3`: not a type statement
        name = match.group(2)
        width = equals.end() - start
        replacement = name + b"=1 or"
        if len(replacement) > width:
            return None
        data[start : equals.end()] = replacement.ljust(width)
        changed = True
    return bytes(data) if changed else None


def _closing_bracket(source: bytes, opening: int) -> int | None:
    """The offset of the bracket closing the one at `opening`; None past a quote or the
    end of the file."""
    depth = 0
    for index in range(opening, len(source)):
        char = source[index]
        if char in _OPENING:
            depth += 1
        elif char in _CLOSING:
            depth -= 1
            if depth == 0:
                return index
        elif char in b"'\"#":
            return None
    return None


def _blank(data: bytearray, start: int, end: int) -> None:
    """Spaces over data[start:end], keeping its line breaks, each after a backslash (the
    character before it in the list) so that the statement still continues there."""
    for index in range(start, end):
        if data[index] in b"\r\n":
            if index > start and data[index - 1] not in b"\r\n":
                data[index - 1] = 0x5C  # a backslash: the next line continues this one
        else:
            data[index] = 0x20
