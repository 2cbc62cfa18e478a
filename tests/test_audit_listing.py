"""A warm audit of an unchanged tree is answered from its listing: every discovered file's
name and stat, with the tool, the config and the question. Any change to one of them, or a
file changed too recently to be told apart by its mtime, makes the audit run again."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from hash_seeds import printed_under_seeds

from ssot_migrate.cli.main import main
from ssot_migrate.commands import audit as auditing

CONFIG = """\
[[tool.ssot-migrate.phases]]
name = "p"
symbols = [{ name = "Engine", canonical = "app.engine.Engine" }]
"""
FILES = {
    "pyproject.toml": CONFIG,
    "app/__init__.py": "from app.engine import Engine\n",
    "app/engine.py": "class Engine:\n    pass\n",
    "app/user.py": "from app import Engine\n",
}


def make_repo(root: Path, age: float = 60.0) -> Path:
    """The files, last changed `age` seconds ago (0: just now)."""
    for rel, text in FILES.items():
        write(root, rel, text, age)
    return root


def write(root: Path, rel: str, text: str, age: float) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if age:
        then = time.time() - age
        os.utime(path, (then, then))


def audit(root: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    code = main(["--root", str(root), "audit", "--format", "json"])
    out = capsys.readouterr().out
    assert code in (0, 1), out
    result: dict[str, object] = json.loads(out)
    return result


def no_index(*args: object, **kwargs: object) -> None:
    raise AssertionError("the audit indexed the tree again")


def test_an_unchanged_tree_is_answered_from_its_listing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(tmp_path)
    first = audit(root, capsys)
    monkeypatch.setattr(auditing, "open_project", no_index)
    assert audit(root, capsys) == first


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        ("app/user.py", "from app.engine import Engine\n"),  # an edit
        ("app/other.py", "from app import Engine\n"),  # a new file
        ("pyproject.toml", CONFIG.replace('"p"', '"q"')),  # the config
    ],
    ids=["edited", "added", "config"],
)
def test_any_change_audits_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rel: str, text: str
) -> None:
    root = make_repo(tmp_path)
    first = audit(root, capsys)
    write(root, rel, text, age=30.0)
    assert audit(root, capsys) != first


def test_a_removed_file_audits_again(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_repo(tmp_path)
    first = audit(root, capsys)
    (root / "app" / "user.py").unlink()
    assert audit(root, capsys) != first


def test_a_file_changed_just_before_the_last_run_is_not_trusted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within the clock's resolution an edit need not change the mtime: a file changed
    within seconds of the run that stored the answer does not vouch for it."""
    root = make_repo(tmp_path, age=0)
    audit(root, capsys)
    monkeypatch.setattr(auditing, "open_project", no_index)
    with pytest.raises(AssertionError, match="indexed the tree again"):
        main(["--root", str(root), "audit", "--format", "json"])


def test_the_question_does_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from ssot_migrate.commands.audit import audit_question\n"
        "from ssot_migrate.commands.project import RunOptions, load\n"
        "config = load(RunOptions(Path(sys.argv[1])))\n"
        "print(audit_question(config, config.all_symbols()))\n"
    )
    answers = printed_under_seeds(script, str(root))
    assert len(answers) == 1, answers
