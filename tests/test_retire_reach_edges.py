"""What retire's first version missed: code reading the name from the module object at run
time (``module.Engine`` after ``import_module``, ``getattr(app, "Engine")``,
``mock.patch.object(app, "Engine")``) keeps the path; a dry-run diff of a latin-1 module
applies with git (the diff is written as bytes); a CRLF shimmed module is retired."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from retire_trees import PACKAGE, golden_tree, sources

from ssot_migrate.cli.main import main


@pytest.mark.parametrize(
    "code_text",
    [
        pytest.param(
            'import importlib\n\n\ndef engine():\n    module = importlib.import_module("app")\n'
            "    return module.Engine\n",
            id="import_module-then-attribute",
        ),
        pytest.param(
            'import app\n\n\ndef engine():\n    return getattr(app, "Engine")\n',
            id="getattr-on-an-imported-module",
        ),
        pytest.param(
            "from unittest import mock\n\nimport app\n\n\ndef check():\n"
            '    with mock.patch.object(app, "Engine"):\n        return True\n',
            id="mock-patch-object",
        ),
    ],
)
def test_code_reading_the_name_from_the_module_keeps_the_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], code_text: str
) -> None:
    repo = golden_tree(PACKAGE, tmp_path / "repo", {"svc/dynamic.py": code_text})
    before = sources(repo)
    code = main(["--root", str(repo), "retire", "p1", "--no-commit"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert sources(repo) == before


def test_a_dry_run_diff_of_a_latin1_module_applies(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    repo = golden_tree(PACKAGE, tmp_path / "repo")
    init = repo / "app/__init__.py"
    init.write_bytes(
        b"# -*- coding: latin-1 -*-\n"
        + init.read_bytes().replace(b"The app package.", b"The app package (caf\xe9).")
    )
    assert main(["--root", str(repo), "retire", "p1", "--dry-run"]) == 0
    diff = capsysbinary.readouterr().out
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
               GIT_CEILING_DIRECTORIES=os.path.realpath(tmp_path))  # fmt: skip
    applied = tmp_path / "applied"
    shutil.copytree(repo, applied)
    subprocess.run(["git", "init", "-q"], cwd=applied, env=env, check=True)
    done = subprocess.run(["git", "apply", "-"], cwd=applied, env=env, input=diff,
                          capture_output=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()


def test_a_crlf_shimmed_module_is_retired(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = golden_tree(PACKAGE, tmp_path / "repo")
    init = repo / "app/__init__.py"
    init.write_bytes(init.read_bytes().replace(b"\n", b"\r\n"))  # what `run` makes of a CRLF file
    code = main(["--root", str(repo), "retire", "p1", "--no-commit"])
    err = capsys.readouterr().err
    assert "retired 1 legacy path in 1 file" in err
    assert code == 0 and b"ssot-migrate shim" not in init.read_bytes()


def test_the_name_as_a_first_argument_or_in_a_docstring_does_not_keep_the_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Django's field trial: `create_model("Q", ...)` names a model, and a docstring spells
    # ``django.db.models.Q``; neither reads the name from the module.
    code_text = (
        '"""Docs: ``app.Engine`` was the old path."""\n'
        "import app\n\n\n"
        "def register(name, *bases):\n    return name\n\n\n"
        'MODEL = register("Engine", app)\n'
    )
    repo = golden_tree(PACKAGE, tmp_path / "repo", {"svc/names.py": code_text})
    assert main(["--root", str(repo), "retire", "p1", "--no-commit"]) == 0
    assert "retired 1 legacy path" in capsys.readouterr().err
