"""The usual mistakes of a newcomer at the command line: a mistyped command, global options
after the command, running from a subfolder."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from ssot_migrate.base.command_names import COMMANDS
from ssot_migrate.cli.app import app
from ssot_migrate.cli.argv import normalised
from ssot_migrate.cli.main import main

CONFIG = """\
[tool.ssot-migrate]

[[tool.ssot-migrate.phases]]
name = "phase2"
symbols = [{ name = "Engine", canonical = "app.engine.Engine" }]
"""
FILES = {
    "pyproject.toml": CONFIG.encode(),
    "app/__init__.py": b"from .engine import Engine\n",
    "app/engine.py": b"class Engine:\n    pass\n",
    "svc/use.py": b"from app import Engine\n",
}


def make_repo(root: Path) -> Path:
    for rel, data in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.py")}


GROUP = typer.main.get_command(app)


def test_the_command_list_is_the_one_phase_names_are_checked_against() -> None:
    assert list(GROUP.commands) == list(COMMANDS)


@pytest.mark.parametrize(
    ("typed", "meant"), [("audti", "audit"), ("statsu", "status"), ("phase3", "phase2")]
)
def test_a_mistyped_word_names_the_closest_command_or_phase(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], typed: str, meant: str
) -> None:
    repo = make_repo(tmp_path)
    before = files_of(repo)
    assert main(["--root", str(repo), typed]) == 2
    err = capsys.readouterr().err
    assert f"no such command {typed!r} (did you mean {meant!r}?)" in err
    assert (
        "commands: audit, init, plan, registry, retire, rollback, run, shim, status, verify" in err
    )
    assert "unknown phase" not in err
    assert files_of(repo) == before


def test_a_configured_phase_still_runs_through_the_shorthand(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    assert main(["--root", str(repo), "phase2", "--no-commit", "--no-shims"]) == 0
    assert (repo / "svc/use.py").read_bytes() == b"from app.engine import Engine\n"


def test_the_shorthand_reads_settings_named_after_the_phase(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "repo")
    moved = tmp_path / "elsewhere.toml"
    moved.write_text((repo / "pyproject.toml").read_text())
    (repo / "pyproject.toml").write_text("")
    code = main(["phase2", "--root", str(repo), "--config", str(moved), "--dry-run", "--no-shims"])
    assert code == 0, capsys.readouterr().err
    assert "would rewrite 1 site in 1 file" in capsys.readouterr().err


def test_a_word_without_a_near_command_lists_them_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(make_repo(tmp_path)), "zzz"]) == 2
    err = capsys.readouterr().err
    assert "no such command 'zzz'\n" in err
    assert "configured phases (for `ssot-migrate PHASE`): phase2" in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["audit", "-v"], ["-v", "audit"]),
        (["audit", "--root", "R", "-q"], ["--root", "R", "-q", "audit"]),
        (["audit", "--root=R", "--config", "C"], ["--root=R", "--config", "C", "audit"]),
        (["-j", "1", "run", "p", "-j", "2"], ["-j", "1", "-j", "2", "run", "p"]),
        (["run", "p", "--branch", "-v"], ["run", "p", "--branch", "-v"]),  # a value stays
        (["run", "p", "--", "-v"], ["run", "p", "--", "-v"]),
        (["--no-color", "status", "--no-cache"], ["--no-color", "--no-cache", "status"]),
        (["--help"], ["--help"]),
    ],
)
def test_global_options_after_the_command_are_moved_before_it(
    argv: list[str], expected: list[str]
) -> None:
    assert normalised(GROUP, argv) == expected


def test_audit_v_after_the_command_lists_every_site(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path)
    assert main(["--root", str(repo), "-v", "audit"]) == 0
    before = capsys.readouterr().out
    assert main(["audit", "-v", "--root", str(repo)]) == 0
    assert capsys.readouterr().out == before
    assert "svc/use.py" in before
    header = next(line for line in before.splitlines() if "┃ where" in line)
    assert [c.strip() for c in header.strip("┃").split("┃")] == [
        "where", "import", "path", "form", "scope", "guard", "status"
    ]  # fmt: skip


def test_from_a_subfolder_the_settings_are_found_upwards(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / ".git").mkdir()
    monkeypatch.chdir(repo / "svc")
    assert main(["audit", "--phase", "phase2", "-v"]) == 0
    assert "svc/use.py" in capsys.readouterr().out  # paths from the settings' folder


def test_the_search_stops_at_the_git_top_level(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_repo(tmp_path)  # settings above the repository: not this repository's
    inner = tmp_path / "inner"
    (inner / ".git").mkdir(parents=True)
    (inner / "sub").mkdir()
    monkeypatch.chdir(inner / "sub")
    assert main(["audit", "--phase", "phase2"]) == 2
    assert "unknown phase 'phase2'" in capsys.readouterr().err


def test_settings_found_upwards_that_are_wrong_are_reported_not_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The search finds what the loader would read: a section that is not a table is the
    settings' folder, and loading it says what is wrong."""
    make_repo(tmp_path)  # settings above: not to be taken instead
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "pyproject.toml").write_text('[tool]\n"ssot-migrate" = 1\n')
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    assert main(["audit"]) == 2
    assert "tool.ssot-migrate: expected a table" in capsys.readouterr().err
