"""The README's way to run the codemod through LibCST, followed step by step in a fresh
project outside this checkout (issue 12).

`python -m libcst.tool codemod` finds a command only in the `modules` of the nearest
`.libcst.codemod.yaml` at or above its working directory, and gives each file the module
name of its path under that file's `repo_root`. Inside this checkout the repository's own
file answers both, so a run here proves nothing about a user's project: the steps are read
from the README (its yaml block and its console block) and run, verbatim but for `python`
being this interpreter, in a `src/` layout project under `tmp_path`, where no enclosing
folder holds such a file.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
FULL_NAME = "ssot_migrate.codemods.canonical_imports.CanonicalImportsCommand"

# A src/ layout: an absolute and a relative legacy import, and a package re-exporting.
PROJECT = {
    "src/app/__init__.py": "",
    "src/app/agents/__init__.py": "from app.agents.execution_engine import ExecutionEngine\n",
    "src/app/agents/execution_engine.py": "class ExecutionEngine:\n    pass\n",
    "src/app/main.py": (
        "import os\n"
        "from app.agents import ExecutionEngine  # why\n"
        "\n"
        "print(os.sep,ExecutionEngine)\n"  # unformatted on purpose: nothing reformats it
    ),
    "src/app/jobs/__init__.py": "",
    "src/app/jobs/run.py": "from ..agents import ExecutionEngine\n",
}
REWRITTEN = {
    "src/app/main.py": (
        "import os\n"
        "from app.agents.execution_engine import ExecutionEngine  # why\n"
        "\n"
        "print(os.sep,ExecutionEngine)\n"
    ),
    "src/app/jobs/run.py": "from ..agents.execution_engine import ExecutionEngine\n",
}


def readme_steps() -> tuple[str, list[str]]:
    """The `.libcst.codemod.yaml` and the command the README's LibCST paragraph shows."""
    text = README.read_text(encoding="utf-8")
    start = text.index("The codemod also runs on its own, through LibCST")
    paragraph = text[start : text.index("\n## ", start)]
    yaml = re.search(r"```yaml\n(.*?)```", paragraph, re.DOTALL)
    console = re.search(r"```console\n\$ (.*?)```", paragraph, re.DOTALL)
    assert yaml is not None, "the README shows no .libcst.codemod.yaml"
    assert console is not None, "the README shows no command"
    assert f"`-x` and the command's full name,\n`{FULL_NAME}`" in paragraph
    command = shlex.split(console.group(1).replace("\\\n", " "))
    assert command[:3] == ["python", "-m", "libcst.tool"], command
    return yaml.group(1), [sys.executable, *command[1:]]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The project's folder under tmp_path, with no LibCST config in it or above it."""
    for folder in [tmp_path, *tmp_path.parents]:
        assert not (folder / ".libcst.codemod.yaml").exists(), folder
    root = tmp_path / "project"
    for rel, content in PROJECT.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(content)
    return root


def files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def codemod(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


def assert_rewritten(root: Path, result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr
    assert "Failed to codemod 0 files" in result.stderr, result.stderr
    for rel, content in PROJECT.items():
        assert (root / rel).read_text() == REWRITTEN.get(rel, content), rel


def test_the_readme_config_and_command_rewrite_a_project_outside_the_checkout(
    project: Path,
) -> None:
    yaml, command = readme_steps()
    (project / ".libcst.codemod.yaml").write_text(yaml)
    assert_rewritten(project, codemod(command, cwd=project))
    assert files(project) == {*PROJECT, ".libcst.codemod.yaml"}  # nothing else written


def test_the_full_name_needs_no_config(project: Path) -> None:
    """`-x` and the full name, run from the folder holding the packages, with no yaml."""
    _, command = readme_steps()
    at = command.index("canonical_imports.CanonicalImportsCommand")
    command[at : at + 1] = ["-x", FULL_NAME]
    assert command[-1] == "src/"
    command[-1] = "."
    assert_rewritten(project, codemod(command, cwd=project / "src"))


def test_the_readme_command_without_its_config_finds_no_command(project: Path) -> None:
    """What issue 12 reported: no `.libcst.codemod.yaml`, no command."""
    _, command = readme_steps()
    result = codemod(command, cwd=project)
    assert result.returncode == 1
    assert "Could not find canonical_imports in any configured modules" in result.stderr
    assert (project / "src/app/main.py").read_text() == PROJECT["src/app/main.py"]
