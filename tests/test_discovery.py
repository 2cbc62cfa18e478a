"""Discovery: which files are modules, under which names; what is never walked."""

from __future__ import annotations

import os
from pathlib import Path

from ssot_migrate.index.discovery import auto_source_roots, discover_files


def write(root: Path, rel: str, text: str = "") -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def rels(
    root: Path, exclude: tuple[str, ...] = (), roots: list[Path] | None = None
) -> dict[str, str | None]:
    return {f.rel: f.module for f in discover_files(root, roots or [root], exclude)}


def test_modules_packages_and_namespace_folders(tmp_path: Path) -> None:
    write(tmp_path, "app/__init__.py")
    write(tmp_path, "app/core/engine.py")  # app/core has no __init__: a namespace package
    write(tmp_path, "my-scripts/tool.py")  # not importable: still indexed, no module name
    write(tmp_path, "README.md")
    assert rels(tmp_path) == {
        "app/__init__.py": "app",
        "app/core/engine.py": "app.core.engine",
        "my-scripts/tool.py": None,
    }


def test_virtualenvs_caches_and_vcs_folders_are_never_walked(tmp_path: Path) -> None:
    write(tmp_path, "app/x.py")
    write(tmp_path, "env/pyvenv.cfg", "home = /usr\n")
    write(tmp_path, "env/lib/site.py")
    write(tmp_path, ".git/hooks/h.py")
    write(tmp_path, "node_modules/pkg/a.py")
    write(tmp_path, "app/__pycache__/x.py")
    assert list(rels(tmp_path)) == ["app/x.py"]


def test_gitignore_nested_negation_and_exclude(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "build/\n*_pb2.py\n")
    write(tmp_path, "app/.gitignore", "generated/\n!keep_pb2.py\n")
    write(tmp_path, "app/a.py")
    write(tmp_path, "app/x_pb2.py")
    write(tmp_path, "app/keep_pb2.py")
    write(tmp_path, "app/generated/g.py")
    write(tmp_path, "build/b.py")
    write(tmp_path, "backups/old/a.py")
    assert sorted(rels(tmp_path, exclude=("backups/**",))) == ["app/a.py", "app/keep_pb2.py"]


def test_symlink_loops_do_not_hang(tmp_path: Path) -> None:
    write(tmp_path, "app/a.py")
    os.symlink(tmp_path / "app", tmp_path / "app" / "loop")
    os.symlink(tmp_path / "missing.py", tmp_path / "app" / "dangling.py")
    assert list(rels(tmp_path)) == ["app/a.py"]


def test_src_layout_and_deepest_source_root_wins(tmp_path: Path) -> None:
    write(tmp_path, "src/pkg/__init__.py")
    write(tmp_path, "services/api/src/api/main.py")
    write(tmp_path, "tools/run.py")
    roots = auto_source_roots(tmp_path)
    assert set(roots) == {tmp_path, tmp_path / "src", tmp_path / "services/api/src"}
    assert rels(tmp_path, roots=list(roots)) == {
        "services/api/src/api/main.py": "api.main",
        "src/pkg/__init__.py": "pkg",
        "tools/run.py": "tools.run",
    }
