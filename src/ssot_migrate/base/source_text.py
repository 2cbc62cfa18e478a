"""Python source bytes as text, as Python reads them: the encoding its cookie or BOM names
(PEP 263, default UTF-8), and the line breaks Python counts (CRLF, CR, LF)."""

from __future__ import annotations

import io
import re
import tokenize

LINE_BREAK = re.compile(r"\r\n|\r|\n")


def source_encoding(data: bytes) -> str:
    """The encoding of `data` (SyntaxError for a cookie naming none Python knows)."""
    return tokenize.detect_encoding(io.BytesIO(data).readline)[0]


def decode_source(data: bytes, errors: str = "strict") -> str:
    """`data` decoded in its own encoding (see `source_encoding`)."""
    return data.decode(source_encoding(data), errors)
