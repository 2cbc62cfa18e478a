"""`audit --check` is a gate CI can trust: a file it cannot parse does not fail a gate that
passes (it is listed on stderr), `--strict` makes it a failure, and the exit codes are the
ones README's table and `exit_codes` give."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssot_migrate.base import exit_codes
from ssot_migrate.cli.main import main

CONFIG = """\
[tool.ssot-migrate]

[[tool.ssot-migrate.phases]]
name = "p"
symbols = [{ name = "Engine", canonical = "app.engine.Engine", target = TARGET }]
"""


def make_repo(root: Path, target: int) -> Path:
    files = {
        "pyproject.toml": CONFIG.replace("TARGET", str(target)).encode(),
        "app/__init__.py": b"from .engine import Engine\n",
        "app/engine.py": b"class Engine:\n    pass\n",
        "svc/use.py": b"from app import Engine\n",
        "svc/broken.py": b"def f(:\n    Engine\n",
    }
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


def gate(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--root", str(root), "audit", *args])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("output", ["table", "json", "sarif", "markdown"])
def test_a_passing_gate_passes_and_lists_what_it_could_not_parse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output: str
) -> None:
    code, err = gate(make_repo(tmp_path, target=5), capsys, "--check", "--format", output)
    assert code == exit_codes.EXIT_OK
    assert "skipped svc/broken.py:1:" in err


def test_strict_makes_a_file_that_does_not_parse_fail_the_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = gate(make_repo(tmp_path, target=5), capsys, "--check", "--strict")
    assert code == exit_codes.EXIT_CHECK_FAILED
    assert "--strict: 1 file could not be parsed" in err
    assert "skipped svc/broken.py:1:" in err


def test_a_failing_gate_fails_whatever_it_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = gate(make_repo(tmp_path, target=0), capsys, "--check")
    assert code == exit_codes.EXIT_CHECK_FAILED
    assert "Engine: 1 variation, target 0" in err


def test_without_the_gate_skipped_files_make_a_partial_audit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gate(make_repo(tmp_path, target=5), capsys)[0] == exit_codes.EXIT_PARTIAL


def test_strict_without_check_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = gate(make_repo(tmp_path, target=5), capsys, "--strict")
    assert code == exit_codes.EXIT_USAGE
    assert "--strict: only with --check" in err


def test_readme_table_lists_the_exit_codes_the_module_defines() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    table = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and line[2].isdigit()]
    defined = sorted(v for k, v in vars(exit_codes).items() if k.startswith("EXIT_"))
    assert [int(row[2 : row.index(" ", 2)]) for row in rows] == defined
    module_table = (exit_codes.__doc__ or "").split("| --- | --- |", 1)[1].strip().splitlines()
    assert rows == module_table
