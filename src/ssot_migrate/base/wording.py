"""Counts in words a reader can trust: ``1 site``, ``2 sites``, ``2 legacy modules``."""

from __future__ import annotations

_PLURALS = {
    noun: noun + "s"
    for noun in (
        "commit",
        "compatibility module",
        "file",
        "import",
        "legacy module",
        "legacy path",
        "public legacy path",
        "site",
        "star import",
        "string",
        "use",
        "variation",
    )
} | {"branch": "branches"}


def counted(count: int, phrase: str) -> str:
    """``2 legacy modules``, ``1 legacy module``: a count and a reason phrase, whose first
    noun (one of the nouns notes name their category by) agrees with it; a phrase that
    starts with none (``imported through``) is left as it is."""
    if count != 1:
        for noun, plural in _PLURALS.items():
            if phrase == noun or phrase.startswith(noun + " "):
                phrase = plural + phrase[len(noun) :]
                break
    return f"{count} {phrase}"
