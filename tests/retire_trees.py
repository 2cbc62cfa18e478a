"""Trees after a phase, with their shims, for the `retire` tests: copies of golden `before/`
trees (`fixtures/cases/*retire*`, `*deleted*`), with files added."""

from __future__ import annotations

import shutil
from pathlib import Path

from goldens import CASES, snapshot

PACKAGE = "a_package_re_export_nobody_imports_through_is_retired"
"""app/__init__.py re-exports Engine behind a shim; nobody imports through it."""
DUNDER_ALL = "a_name_in_dunder_all_nobody_imports_through_is_retired_and_leaves_dunder_all"
"""app/api.py re-exports Engine behind a shim and lists it in __all__."""
COMPAT = "a_compatibility_module_nobody_imports_through_is_deleted"
"""app/compat.py holds nothing but the load of app.core.engine and its shim block."""


def golden_tree(case: str, root: Path, files: dict[str, str] | None = None) -> Path:
    """The `before/` tree of golden `case` at `root`, with `files` written over it."""
    shutil.copytree(CASES / case / "before", root)
    for rel, text in (files or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def three_shims(root: Path) -> Path:
    """One tree holding three shimmed modules of phase p1 whose paths nobody reaches:
    app/__init__.py and app/api.py are retired (edited), app/compat.py is deleted."""
    golden_tree(PACKAGE, root)
    for case, rel in [(DUNDER_ALL, "app/api.py"), (DUNDER_ALL, "svc/user.py"),
                      (COMPAT, "app/compat.py")]:  # fmt: skip
        shutil.copyfile(CASES / case / "before" / rel, root / rel)
    return root


def sources(root: Path) -> dict[str, bytes]:
    """Every file of the tree with its bytes (the tool's cache left out)."""
    return snapshot(root)


def add_consumers(root: Path, *entries: str) -> None:
    """``consumers = [...]`` in the tree's ``[tool.ssot-migrate]`` table."""
    config = root / "pyproject.toml"
    text = config.read_text()
    listed = ", ".join(f'"{e}"' for e in entries)
    assert '\nsource-roots = ["."]\n' in text
    config.write_text(text.replace('\nsource-roots = ["."]\n',
                                   f'\nsource-roots = ["."]\nconsumers = [{listed}]\n'))  # fmt: skip
