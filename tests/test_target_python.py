"""The oldest Python a project supports: read from its own files in order of precedence,
specifiers parsed by PEP 440, unreadable declarations reported with the key to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssot_migrate.base.errors import ConfigError
from ssot_migrate.config.load import load_config
from ssot_migrate.config.target_python import TargetPython, oldest_release, target_python

SECTION = "[tool.ssot-migrate]\n"


def oldest(root: Path, files: dict[str, str]) -> TargetPython:
    for rel, text in files.items():
        (root / rel).write_text(text)
    return target_python(load_config(root))


@pytest.mark.parametrize(
    ("specifier", "version"),
    [
        (">=3.8", (3, 8)),
        (">=3.8,<4", (3, 8)),
        ("~=3.8", (3, 8)),
        ("~=3.8.1", (3, 8)),
        (">3.7", (3, 7)),  # PEP 440: 3.7.1 > 3.7, so 3.7 is still supported
        (">3.7.99", (3, 8)),
        (">=3.8.1", (3, 8)),
        (">= 3.9, != 3.9.*", (3, 10)),
        ("==3.9.*", (3, 9)),
        ("===3.9", (3, 9)),
        (">=3.12a1", (3, 12)),
        (">=2.7, !=3.0.*, !=3.1.*", (2, 7)),
        ("!=3.9.*", None),  # no lower bound: it says nothing about the oldest
        ("<4", None),
        ("", None),
        (">=4", None),  # admits no Python release
    ],
)
def test_oldest_release_of_a_specifier(specifier: str, version: tuple[int, int] | None) -> None:
    assert oldest_release(specifier) == version


def test_the_tool_own_target_version_wins(tmp_path: Path) -> None:
    found = oldest(
        tmp_path,
        {
            "pyproject.toml": f'[project]\nrequires-python = ">=3.10"\n{SECTION}target-version = "3.9"\n'
        },
    )
    assert found == TargetPython((3, 9), 'target-version = "3.9" in pyproject.toml')


def test_requires_python_comes_before_setup_files_and_linters(tmp_path: Path) -> None:
    found = oldest(
        tmp_path,
        {
            "pyproject.toml": '[project]\nrequires-python = ">=3.9"\n[tool.ruff]\ntarget-version = "py37"\n',
            "setup.cfg": "[options]\npython_requires = >=3.7\n",
        },
    )
    assert found == TargetPython((3, 9), 'requires-python = ">=3.9" in pyproject.toml')


def test_setup_cfg_then_setup_py(tmp_path: Path) -> None:
    setup_py = "from setuptools import setup\nsetup(name='x', python_requires='>=3.10')\n"
    found = oldest(
        tmp_path, {"setup.cfg": "[options]\npython_requires = ~=3.9\n", "setup.py": setup_py}
    )
    assert found == TargetPython((3, 9), 'python_requires = "~=3.9" in setup.cfg')
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = x\n")
    found = target_python(load_config(tmp_path))
    assert found == TargetPython((3, 10), 'python_requires = ">=3.10" in setup.py')


def test_setup_py_is_parsed_never_run(tmp_path: Path) -> None:
    setup_py = (
        "raise SystemExit('setup.py was executed')\n"
        "REQUIRES = '>=3.10'\n"
        "setup(python_requires=REQUIRES)\n"  # computed: nothing we can read
    )
    found = oldest(
        tmp_path,
        {"setup.py": setup_py, "pyproject.toml": '[tool.black]\ntarget-version = ["py311"]\n'},
    )
    assert found.version == (3, 11)


def test_linters_give_the_oldest_of_their_versions(tmp_path: Path) -> None:
    found = oldest(
        tmp_path,
        {
            "pyproject.toml": (
                '[tool.ruff]\ntarget-version = "py310"\n'
                '[tool.black]\ntarget-version = ["py312", "py39", "py311"]\n'
            )
        },
    )
    assert found == TargetPython((3, 9), 'black\'s target-version "py39" in pyproject.toml')


def test_nothing_declared_is_3_8(tmp_path: Path) -> None:
    found = oldest(tmp_path, {"pyproject.toml": '[project]\nname = "x"\nrequires-python = "<4"\n'})
    assert found == TargetPython((3, 8), "nothing declares it, so the default")


@pytest.mark.parametrize(
    ("files", "where", "what"),
    [
        (
            {"pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.8;"\n'},
            "pyproject.toml:3: project.requires-python",
            "'>=3.8;' is not a version specifier",
        ),
        (
            {"pyproject.toml": "[project]\nrequires-python = 3.8\n"},
            "pyproject.toml:2: project.requires-python",
            "expected a string, got float 3.8",
        ),
        (
            {"setup.cfg": "[options]\npython_requires = 3.8+\n"},
            "setup.cfg: [options] python_requires",
            "'3.8+' is not a version specifier",
        ),
        (
            {"pyproject.toml": '[tool.ruff]\ntarget-version = "3.8"\n'},
            "pyproject.toml:2: tool.ruff.target-version",
            'expected a version like "py38", got string "3.8"',
        ),
    ],
)
def test_an_unreadable_declaration_is_a_config_error(
    tmp_path: Path, files: dict[str, str], where: str, what: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        oldest(tmp_path, files)
    (problem,) = caught.value.problems
    assert problem.where == f"{tmp_path.resolve()}/{where}"
    assert problem.what.startswith(what)
    assert problem.fix is not None and 'target-version = "3.8"' in problem.fix
