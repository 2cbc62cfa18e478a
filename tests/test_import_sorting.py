"""Import blocks the project's sorter keeps sorted stay sorted (issue 12).

The goldens under fixtures/cases/ show the run's output; here ruff itself (the dev
extras' ruff, run with each tree's own config) says that a sorted golden's before/ and
after/ both pass ``ruff check --select I``, and that the unsorted golden's block really
was unsorted. Then the pieces: which config names the sorter (`sorter_settings`) and where
a new statement goes (`import_order`).
"""

from __future__ import annotations

import ast
import random
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from goldens import CASES, write_tree

from ssot_migrate.codemods.import_edits import append_names
from ssot_migrate.rewrite.import_order import (
    Region,
    import_blocks,
    in_sorter_order,
    statement_texts,
)
from ssot_migrate.rewrite.sort_keys import member_key, statement_key
from ssot_migrate.rewrite.sorter_settings import SorterSettings, settings_for

SORTED = ["new_imports_go_where_the_project_s_import_sorter_puts_them_in_a_sorted_block"]
UNSORTED = "an_import_block_the_sorter_did_not_sort_keeps_its_order"


def _ruff() -> str:
    beside = Path(sys.executable).parent / "ruff"
    found = str(beside) if beside.exists() else shutil.which("ruff")
    if found is None:
        pytest.skip("ruff is not installed (the dev extras have it)")
    return found


def _sorter_passes(tree: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``ruff check --select I`` on a copy of `tree` (out of this repository's config)."""
    work = tmp_path / tree.name
    shutil.copytree(tree, work)
    return subprocess.run(
        [_ruff(), "check", "--no-cache", "--select", "I", "."],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("name", SORTED)
def test_a_sorted_golden_passes_the_sorter_before_and_after(name: str, tmp_path: Path) -> None:
    case = CASES / name
    before = _sorter_passes(case / "before", tmp_path / "before")
    after = _sorter_passes(case / "after", tmp_path / "after")
    assert before.returncode == 0, before.stdout
    assert after.returncode == 0, after.stdout


def test_the_unsorted_golden_block_was_not_sorted(tmp_path: Path) -> None:
    done = _sorter_passes(CASES / UNSORTED / "before", tmp_path)
    assert done.returncode == 1
    assert "svc/a.py" in done.stdout


# where a statement goes ---------------------------------------------------------------------

RUFF = SorterSettings("ruff", known_first_party=("app",), newline_before_comments=True)


def _in_project(top: str) -> bool:
    return top in {"app", "svc"}


def _placed(before: str, after: str, settings: SorterSettings = RUFF) -> str:
    """`after` (a rewrite of `before`) with the sorted first block of `before` kept sorted."""
    before, after = textwrap.dedent(before), textwrap.dedent(after)
    block = import_blocks(before)[0]
    lines = after.count("\n") + 1
    region = Region(0, lines, statement_texts(before, block))
    return in_sorter_order(after, [region], settings, _in_project)


def test_a_new_first_party_import_opens_its_own_section() -> None:
    before = "import os\n\nimport requests\n"
    after = "import os\nfrom app.engine import Engine\n\nimport requests\n"
    assert _placed(before, after) == (
        "import os\n\nimport requests\n\nfrom app.engine import Engine\n"
    )


def test_a_section_emptied_by_the_move_leaves_one_blank_line() -> None:
    before = "import os\n\nfrom app import Engine\n\nfrom . import x\n"
    after = "import os\n\nfrom app.z import Engine\n\nfrom . import x\n"
    assert _placed(before, after) == after  # in order already: untouched
    after = "import os\n\nfrom zapp import Engine\n\nfrom . import x\n"
    assert _placed(before, after) == "import os\n\nfrom zapp import Engine\n\nfrom . import x\n"


def test_force_single_line_splits_a_new_statement_of_several_names() -> None:
    settings = SorterSettings("isort", known_first_party=("app",), force_single_line=True)
    before = "from app.a import X\nfrom app.c import Y\n"
    after = "from app.a import X\nfrom app.b import Q, P\nfrom app.c import Y\n"
    assert _placed(before, after, settings) == (
        "from app.a import X\nfrom app.b import P\nfrom app.b import Q\nfrom app.c import Y\n"
    )


def test_the_last_line_of_a_file_without_a_final_line_break_keeps_having_none() -> None:
    before = "from app.b import B\nfrom app.c import C"
    after = "from app.b import B\nfrom app.z import Z\nfrom app.c import C"
    assert _placed(before, after) == "from app.b import B\nfrom app.c import C\nfrom app.z import Z"


@pytest.mark.parametrize(
    "after",
    [
        # a comment standing apart (a blank line below it) is no statement's
        "from app.z import Z\nfrom app.b import B\n# apart\n\nfrom app.c import C\n",
        # two statements binding one name: their order decides which wins
        "from app.z import B\nfrom app.b import B\nfrom app.c import C\n",
        # a sorter directive
        "from app.z import Z  # isort: skip\nfrom app.b import B\nfrom app.c import C\n",
        # statements sharing a line
        "from app.z import Z; from app.b import B\nfrom app.c import C\n",
    ],
)
def test_blocks_that_cannot_be_moved_line_by_line_stay_as_they_are(after: str) -> None:
    before = "from app.a import Z\nfrom app.b import B\nfrom app.c import C\n"
    assert _placed(before, after) == after


def test_crlf_line_breaks_are_kept() -> None:
    before = "import os\r\n\r\nfrom app.b import B\r\n"
    after = "import os\r\nfrom app.a import A\r\n\r\nfrom app.b import B\r\n"
    assert (
        _placed(before, after) == "import os\r\n\r\nfrom app.a import A\r\nfrom app.b import B\r\n"
    )


# which sorter -------------------------------------------------------------------------------


def test_ruff_selecting_i_is_the_sorter(tmp_path: Path) -> None:
    write_tree(
        tmp_path, {"ruff.toml": 'extend-select = ["I"]\n[lint.isort]\nknown-first-party = ["a"]\n'}
    )
    assert settings_for(tmp_path, tmp_path) == SorterSettings(
        "ruff", known_first_party=("a",), newline_before_comments=True
    )


def test_ruff_without_i_leaves_the_order_to_isort_if_set_up(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": '[tool.ruff.lint]\nselect = ["E"]\n',
            "setup.cfg": "[isort]\nprofile = black\nforce_single_line = true\n"
            "known_first_party = a, b\n",
        },
    )
    assert settings_for(tmp_path, tmp_path) == SorterSettings(
        "isort", known_first_party=("a", "b"), force_single_line=True, newline_before_comments=True
    )


@pytest.mark.parametrize(
    ("files", "tool"),
    [  # Django's: unknown modules to third-party, which is where the sorters put them anyway
        ({"pyproject.toml": '[tool.isort]\nprofile = "black"\ndefault_section = "THIRDPARTY"\n'
          'known_first_party = "django"\n'}, "isort"),
        ({"ruff.toml": '[lint]\nselect = ["I"]\n[lint.isort]\ndefault-section = "third-party"\n'
          'known-first-party = ["django"]\n'}, "ruff"),
    ],
)  # fmt: skip
def test_a_default_section_of_third_party_changes_nothing(
    tmp_path: Path, files: dict[str, str], tool: str
) -> None:
    write_tree(tmp_path, files)
    found = settings_for(tmp_path, tmp_path)
    assert found is not None
    assert (found.tool, found.known_first_party) == (tool, ("django",))


def test_the_nearest_config_wins(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": '[tool.ruff.lint]\nselect = ["I"]\n',
            "sub/pyproject.toml": "[tool.ruff]\nline-length = 90\n",  # ruff here, without I
        },
    )
    assert settings_for(tmp_path / "sub", tmp_path) is None
    assert settings_for(tmp_path, tmp_path) is not None


@pytest.mark.parametrize(
    "files",
    [
        {"ruff.toml": '[lint]\nselect = ["I"]\n[lint.isort]\nforce-sort-within-sections = true\n'},
        {"ruff.toml": '[lint]\nselect = ["I"]\nignore = ["I001"]\n'},
        {"ruff.toml": 'extend = "../ruff.toml"\n[lint]\nselect = ["I"]\n'},
        {".isort.cfg": "[settings]\nprofile = google\n"},
        {"pyproject.toml": "[tool.isort]\nforce_sort_within_sections = true\n"},
        {"pyproject.toml": "[tool.isort]\norder_by_type = false\n"},
        {"pyproject.toml": '[project]\nname = "x"\n'},
        {"pyproject.toml": '[tool.isort]\ndefault_section = "FIRSTPARTY"\n'},
        {"ruff.toml": '[lint]\nselect = ["I"]\n[lint.isort]\ndefault-section = "first-party"\n'},
    ],
)
def test_settings_not_understood_or_no_sorter_give_none(
    tmp_path: Path, files: dict[str, str]
) -> None:
    write_tree(tmp_path, files)
    assert settings_for(tmp_path, tmp_path) is None


# names appended to an import the block keeps -----------------------------------------------


def _appended(code: str, names: list[tuple[str, str]]) -> str:
    line = cst.parse_module(code).body[0]
    assert isinstance(line, cst.SimpleStatementLine)
    merged = append_names(line, names, lambda name, local: member_key(name, local, RUFF))
    return cst.Module(body=[merged]).code


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("from m import A, C\n", "from m import A, B, C\n"),
        ("from m import A\n", "from m import A, B\n"),
        ("from m import C, A\n", "from m import C, A, B\n"),  # not in order: at the end
        (
            "from m import (\n    A,\n    C,  # c\n)\n",
            "from m import (\n    A,\n    B,\n    C,  # c\n)\n",
        ),
        ("from m import (\n    C,\n)\n", "from m import (\n    B,\n    C,\n)\n"),
        ("from m import CONST, C\n", "from m import CONST, B, C\n"),  # constants first
    ],
)
def test_an_appended_name_goes_where_the_sorter_puts_it(code: str, expected: str) -> None:
    assert _appended(code, [("B", "B")]) == expected


# the order is ruff's -----------------------------------------------------------------------

_MODULES = [
    "os", "os.path", "sys", "collections.abc", "json", "__future__", "requests", "Requests2",
    "yaml", "numpy.linalg", "numpy", "app", "app.a", "app.a10", "app.a9", "app.B", "app.b",
    "app.core.x2", "app.core.x10", "svc", "svc.helpers",
]  # fmt: skip
_NAMES = ["A", "b", "CONST", "Cls", "z9", "z10", "_x", "Zeta", "alpha", "Beta"]


def _random_block(rng: random.Random) -> str:
    """Import statements of mixed kinds and sections, in the order `statement_key` gives,
    one blank line between sections, names in `member_key` order."""
    statements: list[tuple[tuple[object, ...], str]] = []
    for _ in range(rng.randint(2, 8)):
        module = rng.choice(_MODULES)
        future = module == "__future__"
        names = ["annotations"] if future else rng.sample(_NAMES, rng.randint(1, 3))
        level = rng.choice([0, 0, 0, 1, 2])
        if rng.random() < 0.3 and module != "__future__":
            text = f"import {module}"
        elif level and module != "__future__":
            text = (
                f"from {'.' * level}{module.split('.')[-1] if rng.random() < 0.5 else ''} import "
            )
            text += ", ".join(sorted(names, key=lambda n: member_key(n, n, RUFF)))
        else:
            text = f"from {module} import "
            text += ", ".join(sorted(names, key=lambda n: member_key(n, n, RUFF)))
        node = ast.parse(text).body[0]
        assert isinstance(node, ast.Import | ast.ImportFrom)
        statements.append((statement_key(node, RUFF, _in_project), text))
    # One statement a module (the sorter would merge two `from` imports of one module).
    by_module = {text.partition(" import ")[0]: (key, text) for key, text in statements}
    unique = {text: key for key, text in sorted(by_module.values())}
    out: list[str] = []
    section = None
    for text, key in unique.items():
        if section is not None and key[0] != section:
            out.append("")
        section = key[0]
        out.append(text)
    return "\n".join(out) + "\n"


def test_statement_key_orders_blocks_as_ruff_does(tmp_path: Path) -> None:
    """300 random blocks laid out in `statement_key`'s order: ruff finds each sorted."""
    rng = random.Random(12)
    package = tmp_path / "svc"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ruff.lint]\nselect = ["I"]\n[tool.ruff.lint.isort]\nknown-first-party = ["app"]\n'
    )
    for number in range(300):
        (package / f"m{number}.py").write_text(_random_block(rng))
    done = subprocess.run(
        [_ruff(), "check", "--no-cache", "--select", "I", "--output-format", "concise", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[:3000]
