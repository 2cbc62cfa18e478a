"""`Resolver.overlay` reuses what the base resolver found only where a file's new facts
cannot change it: on every golden tree, for every module file given any other file's facts
(an arbitrary rewrite), every name of every module and every star export resolves as a
resolver that reuses nothing finds it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssot_migrate.analysis.resolve import Resolver
from ssot_migrate.index.build import build_index
from ssot_migrate.index.cache import FactsCache
from ssot_migrate.index.discovery import auto_source_roots, discover_files
from ssot_migrate.index.facts import Index
from ssot_migrate.rewrite.verify import overlay_index

CASES = Path(__file__).resolve().parents[1] / "fixtures" / "cases"
TREES = sorted(p / "before" for p in CASES.iterdir() if (p / "before").is_dir())


def _index(root: Path) -> Index:
    files = discover_files(root, auto_source_roots(root), ())
    return build_index(files, None, FactsCache(root, enabled=False), 1, save=False)


def _questions(index: Index) -> list[tuple[str, str]]:
    """Every (module, name) a resolution may ask about in the tree."""
    names: set[str] = set()
    for facts in index.facts.values():
        names.update(b.name for b in facts.bindings)
        names.update(p for b in facts.bindings for p in b.target.split(".") if p)
        names.update(f.name for f in facts.imports if f.name)
    return [(m, n) for m in sorted(index.modules) for n in sorted(names)]


def _answers(resolver: Resolver, questions: list[tuple[str, str]]) -> list[object]:
    found: list[object] = [resolver.resolve_name(m, n) for m, n in questions]
    found += [resolver.exports(m) for m in sorted(resolver.index.modules)]
    return found


WALKS_INTO_A_MODULE = {  # each reaches pkg/leaf*.py through one kind of path only
    "pkg/__init__.py": b"",
    "pkg/leaf.py": b"Thing = 1\n",
    "pkg/leaf2.py": b"Thing = 2\n",
    "pkg/leaf3.py": b"Thing = 3\n",
    "pkg/leaf4.py": b"Thing = 4\n",
    "pkg/sub/__init__.py": b"from .. import leaf3\n",
    "pkg/sub/deep.py": b"from ...pkg import *\n",
    "alias_walk.py": b"import pkg\nX = pkg.leaf.Thing\n",
    "imported_name.py": b"from pkg import leaf2 as renamed\nY = renamed.Thing\n",
    "relative.py": b"from pkg.sub import leaf3\nZ = leaf3.Thing\n",
    "lazy.py": b"def __getattr__(name):\n    raise AttributeError(name)\n",
}
DECLARED = {"lazy.Served": "pkg.leaf4.Thing"}


def test_the_trees_are_there() -> None:
    assert len(TREES) > 50


@pytest.mark.parametrize("root", TREES, ids=lambda p: p.parent.name)
def test_an_overlay_answers_as_a_fresh_resolver_does(root: Path) -> None:
    _check_overlays(_index(root))


def test_paths_that_walk_into_a_module_keep_it_from_being_reused(tmp_path: Path) -> None:
    for rel, data in WALKS_INTO_A_MODULE.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    _check_overlays(_index(tmp_path), DECLARED)


def _check_overlays(index: Index, declared: dict[str, str] | None = None) -> None:
    questions = _questions(index) + [
        (m.rpartition(".")[0], m.rpartition(".")[2]) for m in declared or {}
    ]
    base = Resolver(index, declared)
    _answers(base, questions)  # everything the base can find, found (and kept)
    modules = [f for f in index.files if f.rel in index.facts and f.module]
    donors = [index.facts[f.rel] for f in modules]
    emptiest = min(donors, key=lambda f: len(f.bindings))  # the names it bound, unbound
    reused = 0
    for number, source in enumerate(modules):
        for replaced in (donors[(number + 1) % len(donors)], emptiest):
            after = overlay_index(index, {source.rel: replaced})
            overlay = base.overlay(after, source)
            reused += overlay._reused is not None
            fresh = Resolver(after, declared, like=base)
            assert _answers(overlay, questions) == _answers(fresh, questions), source.rel
    if len(modules) > 1:
        assert reused or all(
            s.module and s.module.rpartition(".")[2] in base.named_parts() for s in modules
        )
