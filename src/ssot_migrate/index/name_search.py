"""Could another file import a name from a module? A byte search over every file, read once."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ssot_migrate.index.facts import SourceFile, absolute_module
from ssot_migrate.io import workspace


def name_finder(files: Sequence[SourceFile]) -> Callable[[str, str], bool]:
    """`used_elsewhere(module, name)`: could another file import `name` from `module`
    (``from …module import …name``, ``module.name``)? A byte search over every file,
    read once; it errs towards "yes", which only keeps an object bound.

    Each name's files are searched once, for every module they spell it through (the last
    component of ``from a.b import name`` and of ``b.name``); the answers for all modules
    come from that one pass, so the work grows with the distinct names asked for, not with
    the number of questions times the number of files.
    """
    contents: dict[str, bytes] = {}
    spelled: dict[str, dict[bytes, set[str | None]] | None] = {}
    """name -> the last module components it is imported or read through -> the modules
    of the files doing so; None when a file could not be read (every answer is then yes)."""
    statement = re.compile(rb"from\s+[\w.]+\s+import\s")

    def search(name: str) -> dict[bytes, set[str | None]] | None:
        word = re.escape(name.encode())
        through = re.compile(rb"from\s+([\w.]+)\s+import\s+(?:\([^)]*|[^\n]*)\b" + word + rb"\b")
        attribute = re.compile(rb"\b(\w+)\." + word + rb"\b")
        found: dict[bytes, set[str | None]] = {}
        for source in files:
            data = contents.get(source.rel)
            if data is None:
                try:
                    data = contents[source.rel] = workspace.read_bytes(source.path)
                except OSError:
                    return None
            if name.encode() not in data:
                continue
            lasts = {m.group(1) for m in attribute.finditer(data)}
            # Each statement on its own (match, not finditer): a match spanning several
            # statements must not hide the module of a later one.
            for start in statement.finditer(data):
                match = through.match(data, start.start())
                if match is not None:
                    lasts.add(_last_component(source, match.group(1)))
            for last in lasts:
                found.setdefault(last, set()).add(source.module)
        return found

    def used_elsewhere(module: str, name: str) -> bool:
        if name not in spelled:
            spelled[name] = search(name)
        found = spelled[name]
        if found is None:
            return True
        readers = found.get(module.rpartition(".")[2].encode(), set()) | found.get(b"", set())
        return bool(readers - {module})

    return used_elsewhere


def _last_component(source: SourceFile, spelled: bytes) -> bytes:
    """The last component of the module ``from <spelled> import`` names in `source`:
    ``from .. import name`` in ``pkg/sub/m.py`` names ``pkg``. b"" when a relative import
    cannot be placed (it then counts as naming any module)."""
    dots = len(spelled) - len(spelled.lstrip(b"."))
    if not dots:
        return spelled.rpartition(b".")[2]
    module = absolute_module(source, spelled[dots:].decode("ascii", "replace"), dots)
    return module.rpartition(".")[2].encode() if module else b""
