"""The facts cache: what it vouches for is on disk, across saves of one instance."""

from __future__ import annotations

from pathlib import Path

from ssot_migrate.cache import FactsCache, FileState, content_key
from ssot_migrate.extract import extract_facts


def test_a_key_a_save_drops_is_not_vouched_for_afterwards(tmp_path: Path) -> None:
    """A file re-read as racily clean has no key until parsed again; a save meanwhile drops
    its facts from disk. Its summary must go with them, or a later parse of the same content
    is skipped (the summary says "parsed") and its facts are never written again: the next
    run finds a state and a summary but no facts (found by running two phases in a row on a
    freshly copied tree)."""
    old, new = b"class A:\n    pass\n", b"class B:\n    pass\n"
    key_a, key_b = content_key(old), content_key(new)
    first = FactsCache(tmp_path)
    first.remember("a.py", FileState((1, 1, 1), key_a, False, {}))
    first.put(key_a, extract_facts(old))
    first.save()

    second = FactsCache(tmp_path)
    second.remember("a.py", FileState((2, 2, 2), None, False, {}))  # racily clean: re-read
    second.remember("b.py", FileState((3, 3, 3), key_b, False, {}))
    second.put(key_b, extract_facts(new))
    second.save()  # a.py's facts are no one's now: dropped
    second.remember("a.py", FileState((2, 2, 2), key_a, False, {}))  # its content, hashed again
    assert second.summary(key_a) is None, "a summary without facts on disk"
    second.put(key_a, extract_facts(old))  # parsed again, as the index then does
    second.save()

    third = FactsCache(tmp_path)
    assert third.summary(key_a) is not None
    assert third.get(key_a) == extract_facts(old)
