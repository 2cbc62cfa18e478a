"""The third step's reminders and its undo: `audit --due` lists the shims whose removal has
come (`--check` fails on them), `status` lists the paths a retire took, and
`rollback PHASE --retire` reverts only the retire, bringing the shims back."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from retire_trees import PACKAGE, golden_tree
from test_git_flow import _hermetic_git

from ssot_migrate.cli.main import main

__all__ = ["_hermetic_git"]  # the fixture, used by name (autouse)

SHIM = b"# >>> ssot-migrate shim >>>"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def committed(tmp_path: Path, version: str = "2.0") -> Path:
    """The package re-export tree after its phase, at project `version`, as a repository."""
    repo = golden_tree(PACKAGE, tmp_path / "repo")
    config = repo / "pyproject.toml"
    config.write_text(config.read_text().replace('version = "2.0"', f'version = "{version}"'))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    message = "the phase\n\nSSOT-Migrate-Phase: p1\nSSOT-Migrate-Symbols: Engine\n"
    git(repo, "commit", "-q", "-m", message)
    return repo


def test_audit_due_lists_a_shim_whose_removal_has_come_and_check_fails_on_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = committed(tmp_path)
    assert main(["--root", str(repo), "audit", "--due"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("app/__init__.py: app.Engine is due: removal version 2.0 reached")
    assert "run `ssot-migrate retire p1`" in out
    assert main(["--root", str(repo), "audit", "--due", "--check"]) == 1
    capsys.readouterr()
    assert main(["--root", str(repo), "audit", "--due", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [s["paths"] for s in document["shims"]] == [["app.Engine"]]


def test_audit_due_passes_before_the_removal_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = committed(tmp_path, version="1.9")
    assert main(["--root", str(repo), "audit", "--due", "--check"]) == 0
    assert capsys.readouterr().out == "no shim is due\n"


def test_audit_due_takes_no_sarif(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = committed(tmp_path)
    assert main(["--root", str(repo), "audit", "--due", "--format", "sarif"]) == 2
    assert "--due writes table or json" in capsys.readouterr().err


def test_status_lists_retired_paths_and_rollback_retire_brings_the_shim_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = committed(tmp_path)
    shimmed = (repo / "app/__init__.py").read_bytes()
    assert main(["--root", str(repo), "retire", "p1"]) == 0
    assert git(repo, "log", "-1", "--format=%(trailers:key=SSOT-Migrate-Retired,valueonly)",
               "ssot/p1-retire") == "app.Engine"  # fmt: skip
    git(repo, "merge", "-q", "ssot/p1-retire")
    assert SHIM not in (repo / "app/__init__.py").read_bytes()
    capsys.readouterr()
    assert main(["--root", str(repo), "status", "--format", "json"]) == 0
    (phase,) = json.loads(capsys.readouterr().out)["phases"]
    assert phase["retired"] == ["app.Engine"]
    assert main(["--root", str(repo), "rollback", "p1", "--retire"]) == 0
    assert (repo / "app/__init__.py").read_bytes() == shimmed
    assert main(["--root", str(repo), "status", "--format", "json"]) == 0
    (phase,) = json.loads(capsys.readouterr().out)["phases"]
    assert phase["retired"] == []
    # The retire is undone, not the phase: its commit stays, unreverted.
    assert git(repo, "log", "--format=%s").splitlines()[1:] == [
        "ssot-migrate p1: retire the legacy paths of Engine from app.core.engine",
        "the phase",
    ]
    assert main(["--root", str(repo), "rollback", "p1", "--retire"]) == 2
