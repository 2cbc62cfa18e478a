"""`retire` end to end, on small trees after a phase (copies of golden `before/` trees with
files added): code that still reaches a legacy path keeps it, in the tree or in a consumer
tree beside it, through an import, a dynamic import, a string or a ``mock.patch`` target; a
compatibility module left serving nothing is kept while code imports it as a module; a dry
run writes nothing and prints a diff git applies; a second retire changes nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from retire_trees import (
    COMPAT,
    PACKAGE,
    add_consumers,
    golden_tree,
    sources,
    three_shims,
)

from ssot_migrate.cli.main import main
from ssot_migrate.shims.block import BEGIN


def retire(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--root", str(repo), "retire", "p1", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_an_importer_in_a_consumer_tree_keeps_the_path_and_is_named_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = golden_tree(PACKAGE, tmp_path / "repo")
    add_consumers(repo, "../other")
    other = tmp_path / "other"
    (other / "svc").mkdir(parents=True)
    (other / "svc/__init__.py").write_text("")
    (other / "svc/x.py").write_text('"""Another service."""\n\nfrom app import Engine\n')
    before = sources(repo)
    code, _, err = retire(repo, capsys, "--no-commit")
    assert code == 1, err
    assert "kept app.Engine: 1 importer left: ../other/svc/x.py:3\n" in err  # from the root
    assert sources(repo) == before
    # Once the consumer moved to the canonical path, the path goes.
    (other / "svc/x.py").write_text(
        '"""Another service."""\n\nfrom app.core.engine import Engine\n'
    )
    code, _, err = retire(repo, capsys, "--no-commit")
    assert code == 0, err
    assert "retired 1 legacy path in 1 file" in err
    assert BEGIN.encode() not in (repo / "app/__init__.py").read_bytes()


def test_a_consumer_module_importing_the_package_and_reading_the_name_keeps_the_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = golden_tree(PACKAGE, tmp_path / "repo")
    add_consumers(repo, "../other")
    (tmp_path / "other").mkdir()
    (tmp_path / "other/use.py").write_text("import app\n\n\ndef make():\n    return app.Engine()\n")
    before = sources(repo)
    code, _, err = retire(repo, capsys, "--no-commit")
    assert code == 1, err
    assert "kept app.Engine: 1 importer left: ../other/use.py:5\n" in err
    assert sources(repo) == before


@pytest.mark.parametrize("entry", ["../missing", "../a-file.txt"])
def test_a_consumer_entry_that_is_not_a_directory_is_a_config_error_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entry: str
) -> None:
    repo = golden_tree(PACKAGE, tmp_path / "repo")
    (tmp_path / "a-file.txt").write_text("from app import Engine\n")
    add_consumers(repo, entry)
    listing = sorted(p.relative_to(repo) for p in repo.rglob("*"))
    before = sources(repo)
    code, out, err = retire(repo, capsys, "--no-commit")
    assert code == 2
    assert "tool.ssot-migrate.consumers[0]" in err
    assert f"'{entry}' is not a directory" in err
    assert "nothing was written" in err
    assert out == ""
    assert sources(repo) == before
    assert sorted(p.relative_to(repo) for p in repo.rglob("*")) == listing


@pytest.mark.parametrize(
    ("code_text", "line"),
    [
        pytest.param(
            'import importlib\n\n\ndef engine():\n    module = importlib.import_module("app")\n'
            '    return getattr(module, "Engine")\n',
            6,  # the line reading the name
            id="import_module-and-getattr",
        ),
        pytest.param('"""Plugins."""\n\nENGINE = "app.Engine"\n', 3, id="dotted-string"),
        pytest.param(
            "from unittest import mock\n\n\n"
            '@mock.patch("app.Engine.start")\ndef test_start(start):\n    pass\n',
            4,
            id="mock-patch-of-an-attribute",
        ),
    ],
)
def test_code_reaching_the_path_without_importing_it_keeps_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], code_text: str, line: int
) -> None:
    repo = golden_tree(PACKAGE, tmp_path / "repo", {"svc/dynamic.py": code_text})
    before = sources(repo)
    code, _, err = retire(repo, capsys, "--no-commit")
    assert code == 1, err
    assert f"kept app.Engine: 1 importer left: svc/dynamic.py:{line}\n" in err
    assert sources(repo) == before


def test_a_dynamic_import_of_the_canonical_module_does_not_keep_the_legacy_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dynamic = (
        "import importlib\n\n\ndef engine():\n"
        '    module = importlib.import_module("app.core.engine")\n'
        '    return getattr(module, "Engine")\n'
    )
    repo = golden_tree(PACKAGE, tmp_path / "repo", {"svc/dynamic.py": dynamic})
    code, _, err = retire(repo, capsys, "--no-commit")
    assert code == 0, err
    assert "retired 1 legacy path in 1 file" in err


def test_a_compatibility_module_imported_as_a_module_is_kept_and_the_summary_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = golden_tree(COMPAT, tmp_path / "repo", {"svc/loader.py": "import app.compat\n"})
    code, _, err = retire(repo, capsys, "--no-commit")
    assert code == 0, err
    assert (repo / "app/compat.py").read_text() == (
        '"""Compatibility: the engine used to live here."""\n\n'
        "# ssot-migrate: Engine retired; app.core.engine still loads here\n"
        '__import__("app.core.engine")\n'
    )
    assert "retired 1 legacy path in 1 file\n" in err
    assert "deleted" not in err
    assert (
        "kept app/compat.py: serves nothing any more, kept: imported as a module at "
        "svc/loader.py:1\n"
    ) in err


def test_a_compatibility_module_nobody_imports_is_deleted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The control of the test above: the same tree without svc/loader.py."""
    repo = golden_tree(COMPAT, tmp_path / "repo")
    code, _, err = retire(repo, capsys, "--no-commit")
    assert code == 0, err
    assert not (repo / "app/compat.py").exists()
    assert "deleted app/compat.py\n" in err


def _hermetic_git_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CEILING_DIRECTORIES=os.path.realpath(tmp_path),
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.com",
    )
    return env


def test_a_dry_run_writes_nothing_and_prints_a_diff_git_applies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = three_shims(tmp_path / "repo")
    before = sources(repo)
    code, diff, err = retire(repo, capsys, "--dry-run")
    assert code == 0, err
    assert sources(repo) == before
    assert "would retire 3 legacy paths in 3 files (1 compatibility module deleted)" in err
    assert "would delete app/compat.py\n" in err
    assert "diff --git a/app/compat.py b/app/compat.py\ndeleted file mode 100644\n" in diff
    assert "--- a/app/compat.py\n+++ /dev/null\n" in diff
    assert "--- a/app/__init__.py\n+++ b/app/__init__.py\n" in diff
    assert "--- a/app/api.py\n+++ b/app/api.py\n" in diff
    # The tree the diff makes is the tree an in-place retire makes.
    expected = three_shims(tmp_path / "in-place")
    assert main(["--root", str(expected), "-q", "retire", "p1", "--no-commit"]) == 0
    capsys.readouterr()
    applied = tmp_path / "applied"
    shutil.copytree(tmp_path / "repo", applied)
    env = _hermetic_git_env(tmp_path)
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "phase p1"]):
        subprocess.run(["git", *command], cwd=applied, env=env, check=True, capture_output=True)
    done = subprocess.run(
        ["git", "apply", "--whitespace=nowarn", "-"],
        cwd=applied, env=env, input=diff.encode(), capture_output=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    assert _without_git(sources(applied)) == sources(expected)


def _without_git(files: dict[str, bytes]) -> dict[str, bytes]:
    return {rel: data for rel, data in files.items() if not rel.startswith(".git/")}


def test_a_second_retire_after_a_successful_one_exits_0_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = three_shims(tmp_path / "repo")
    code, _, err = retire(repo, capsys, "--no-commit")
    assert code == 0, err
    assert "retired 3 legacy paths in 3 files (1 compatibility module deleted)" in err
    once = sources(repo)
    assert not (repo / "app/compat.py").exists()
    assert all(BEGIN.encode() not in data for data in once.values())
    code, out, err = retire(repo, capsys, "--no-commit")
    assert (code, out) == (0, "")
    assert err == "p1 (Engine): retired 0 legacy paths in 0 files\n"
    assert sources(repo) == once
    code, _, err = retire(repo, capsys, "--check", "--dry-run")
    assert code == 0, err
