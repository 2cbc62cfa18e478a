"""The lines `run` ends with: counts that agree with their nouns, and with `--review`, the
shims counted are the ones accepted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ssot_migrate.base.wording import counted
from ssot_migrate.cli.main import main

CONFIG = """\
[tool.ssot-migrate]

[[tool.ssot-migrate.phases]]
name = "phase2"
symbols = [{ name = "Engine", canonical = "app.engine.Engine" }]
"""
FILES = {  # svc.a and svc.b re-export Engine, which svc.use imports through them
    "pyproject.toml": CONFIG.encode(),
    "app/__init__.py": b"from .engine import Engine\n",
    "app/engine.py": b"class Engine:\n    pass\n",
    "svc/a.py": b"from app import Engine\n",
    "svc/b.py": b"from app import Engine\n",
    "svc/use.py": b"from svc.a import Engine\nfrom svc.b import Engine as E2\n",
}


def make_repo(root: Path, files: dict[str, bytes] = FILES) -> Path:
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


@pytest.mark.parametrize(
    ("count", "phrase", "expected"),
    [
        (1, "legacy module", "1 legacy module"),
        (2, "legacy module", "2 legacy modules"),
        (3, "star import", "3 star imports"),
        (2, "string left alone (--no-strings)", "2 strings left alone (--no-strings)"),
        (0, "file", "0 files"),
        (2, "imported through", "2 imported through"),
        (2, "stringly", "2 stringly"),  # a noun is a whole word
    ],
)
def test_a_count_agrees_with_its_noun(count: int, phrase: str, expected: str) -> None:
    assert counted(count, phrase) == expected


def test_the_summary_counts_agree_with_their_nouns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path)
    assert main(["--root", str(repo), "run", "phase2", "--dry-run"]) == 0
    err = capsys.readouterr().err
    assert "would rewrite 4 sites in 4 files" in err
    assert "left alone: 4 legacy modules" in err
    one = make_repo(
        tmp_path / "one",
        {
            **FILES,
            "svc/a.py": b"",
            "svc/b.py": b"",
            "svc/use.py": b"from app import Engine\n\nEngine()\n",
        },
    )
    assert main(["--root", str(one), "run", "phase2", "--dry-run", "--no-shims"]) == 0
    assert "would rewrite 1 site in 1 file" in capsys.readouterr().err


def test_review_counts_the_shims_it_accepted(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "ssot_migrate.cli", "--root", str(repo), "phase2", "--review"],
        input="a\ns\ns\ns\n", capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "rewrote 1 site in 1 file (shim 1)" in done.stderr
    assert "shims: 1 legacy module keeps working with a warning (1 imported through)" in (
        done.stderr
    )


def test_a_change_says_what_it_is_to_the_run() -> None:
    """Typed outcomes (issue 13): a shim, a file whose only edits are strings, an importer."""
    from ssot_migrate.rewrite.outcomes import ChangeKind, FileChange

    def kind(forms: dict[str, int]) -> ChangeKind:
        return FileChange("m.py", b"", b"", sum(forms.values()), forms).kind

    assert kind({"shim": 1, "from-import": 2}) is ChangeKind.SHIM
    assert kind({"string": 3}) is ChangeKind.STRING
    assert kind({"string": 1, "module-attribute": 1}) is ChangeKind.IMPORTER


def test_strings_naming_an_attribute_through_a_legacy_path_are_counted_as_one_group(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One count for every such string, as for every other reason a site is left alone (it
    made one group per string: a long line on a real tree); -v still names each one."""
    files = {
        **FILES,
        "svc/mocks.py": b'A = "svc.a.Engine.start"\nB = "svc.b.Engine.stop"\n',
    }
    repo = make_repo(tmp_path, files)
    assert main(["--root", str(repo), "run", "phase2", "--dry-run"]) == 0
    err = capsys.readouterr().err
    assert "2 strings only starting with a legacy path" in err
    assert "'svc.a.Engine.start'" not in err
    assert main(["--root", str(repo), "-v", "run", "phase2", "--dry-run"]) == 0
    verbose = capsys.readouterr().err
    assert "svc/mocks.py:1: string 'svc.a.Engine.start' only starts with a legacy path" in verbose
