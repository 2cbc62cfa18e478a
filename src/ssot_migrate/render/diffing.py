"""Unified diffs of a run's changes, byte-exact so that `git apply` accepts them.

Lines are split on the file's own line breaks and compared as bytes, so CRLF files, a BOM,
a latin-1 file and a missing final newline all come out as git would write them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

_LINES = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
NO_NEWLINE = b"\\ No newline at end of file\n"


def split_lines(data: bytes) -> list[bytes]:
    return _LINES.findall(data)


def file_diff(
    rel: str, before: bytes, after: bytes, context: int = 3, deleted: bool = False
) -> bytes:
    """The unified diff of one file, with ``a/`` and ``b/`` prefixes as git writes them
    (`deleted`: the file goes, ``+++ /dev/null`` after git's ``deleted file`` header)."""
    name = rel.encode()
    lines = difflib.diff_bytes(
        difflib.unified_diff,
        split_lines(before),
        split_lines(after),
        fromfile=b"a/" + name,
        tofile=b"/dev/null" if deleted else b"b/" + name,
        n=context,
    )
    out: list[bytes] = []
    if deleted:
        out.append(b"diff --git a/" + name + b" b/" + name + b"\ndeleted file mode 100644\n")
    for line in lines:
        if line.endswith((b"\n", b"\r")):
            out.append(line)
        else:  # the last line of a file without a final newline
            out.append(line + b"\n" + NO_NEWLINE)
    return b"".join(out)


def patch(changes: Iterable[tuple[str, bytes, bytes]]) -> bytes:
    """Every file's diff, in order: a patch `git apply` takes from the repository root."""
    return b"".join(file_diff(rel, before, after) for rel, before, after in changes)
