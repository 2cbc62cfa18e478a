"""The facts cache: what it vouches for is on disk, across saves of one instance."""

from __future__ import annotations

from pathlib import Path

from hash_seeds import printed_under_seeds

from ssot_migrate.index.cache import FactsCache, FileState, content_key
from ssot_migrate.index.extract import extract_facts


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


def test_the_audit_fingerprint_does_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    """A memoised audit is reused by the next run only if the fingerprint is the same in
    another process: sets of module names must not enter it in hash order."""
    repo = tmp_path / "repo"
    parts = [f"part{i}" for i in range(12)]  # the canonical module imports all of them
    files = {
        "pyproject.toml": '[[tool.ssot-migrate.phases]]\nname = "p"\n'
        'symbols = [{ name = "S", canonical = "pkg.S" }]\n',
        "pkg/__init__.py": "".join(f"from . import {p}\n" for p in parts) + "class S:\n    pass\n",
        **{f"pkg/{p}.py": "" for p in parts},
        "tests/test_a.py": "",
        "tests/test_b.py": "",
    }
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from ssot_migrate.commands.project import RunOptions, load, open_project\n"
        "options = RunOptions(Path(sys.argv[1]))\n"
        "config = load(options)\n"
        "specs = config.all_symbols()\n"
        "print(open_project(options, config, specs).fingerprint(specs).hex())\n"
    )
    prints = printed_under_seeds(script, str(repo), seeds=("1", "2", "3", "4", "5"))
    assert len(prints) == 1, prints
