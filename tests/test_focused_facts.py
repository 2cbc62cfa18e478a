"""The index records a file's attribute chains for the names it searches for (see
`extract.extract_facts`): every chain of a root that names one, none elsewhere. Names
learned in a later round of the prefilter's fixed point (an alias) reach the files read
before them, and the cache serves facts made for more names, never for fewer."""

from __future__ import annotations

from pathlib import Path

from ssot_migrate.index.build import build_index
from ssot_migrate.index.cache import FactsCache
from ssot_migrate.index.discovery import discover_files
from ssot_migrate.index.facts import ModuleFacts

LIB = b"class Engine:\n    pass\n\n\nMotor = Engine\n"
USER = (
    b"import lib\n"
    b"import os\n"
    b"from lib import Engine\n\n"
    b"made = lib.Motor()\n"  # names an alias only the second round learns
    b"where = os.path.join('a', 'b')\n"  # no name of interest: not recorded
)


def _tree(root: Path) -> None:
    (root / "lib.py").write_bytes(LIB)
    (root / "user.py").write_bytes(USER)


def _chains(facts: ModuleFacts) -> set[str]:
    return {use.dotted for use in facts.attributes}


def test_a_file_read_before_a_later_round_gets_that_rounds_chains(tmp_path: Path) -> None:
    _tree(tmp_path)
    files = discover_files(tmp_path, [tmp_path], [])
    index = build_index(files, {"Engine"}, FactsCache(tmp_path, enabled=False), jobs=1)
    facts = index.facts["user.py"]
    assert _chains(facts) == {"lib.Motor"}
    assert facts.chains_for == ("Engine", "Motor")


def test_cached_facts_serve_fewer_names_and_are_made_again_for_more(tmp_path: Path) -> None:
    _tree(tmp_path)
    files = discover_files(tmp_path, [tmp_path], [])
    first = build_index(files, {"Engine"}, FactsCache(tmp_path), jobs=1)
    assert first.facts["user.py"].chains_for == ("Engine", "Motor")
    fewer = build_index(files, {"Motor"}, FactsCache(tmp_path), jobs=1)
    assert fewer.facts["user.py"] == first.facts["user.py"]  # from the cache, as it was
    everything = build_index(files, None, FactsCache(tmp_path), jobs=1)
    facts = everything.facts["user.py"]
    assert facts.chains_for is None and _chains(facts) == {"lib.Motor", "os.path.join", "os.path"}
