"""The codemod on its own, as `python -m libcst.tool codemod` runs it: LibCST's own test
harness (assertCodemod) for the statement rules, and one real subprocess run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from libcst.codemod import CodemodContext, CodemodTest

from ssot_migrate.codemods.canonical_imports import CanonicalImportsCommand

MOVES = {
    "app.agents.ExecutionEngine": "app.agents.execution_engine.ExecutionEngine",
    "app.agents.legacy.Engine": "app.agents.execution_engine.ExecutionEngine",
}


class TestCanonicalImports(CodemodTest):
    TRANSFORM = CanonicalImportsCommand

    def test_from_import_keeps_its_alias(self) -> None:
        self.assertCodemod(
            "from app.agents import ExecutionEngine as EE  # why\n",
            "from app.agents.execution_engine import ExecutionEngine as EE  # why\n",
            moves=MOVES,
        )

    def test_legacy_alias_keeps_the_local_name(self) -> None:
        self.assertCodemod(
            "from app.agents.legacy import Engine\n",
            "from app.agents.execution_engine import ExecutionEngine as Engine\n",
            moves=MOVES,
        )

    def test_other_names_stay_and_the_symbol_moves_to_the_next_line(self) -> None:
        before = (
            "from app.agents import (\n    Registry,  # keep\n    ExecutionEngine,  # move\n)\n"
        )
        after = (
            "from app.agents import (\n    Registry,  # keep\n)\n"
            "from app.agents.execution_engine import ExecutionEngine  # move\n"
        )
        self.assertCodemod(before, after, moves=MOVES)

    def test_an_import_sharing_its_line_is_rewritten_where_it_stands(self) -> None:
        self.assertCodemod(
            "import os; from app.agents import ExecutionEngine, Registry; import sys  # c\n"
            "if os: from app.agents import ExecutionEngine as EE\n",
            "import os; from app.agents import Registry; "
            "from app.agents.execution_engine import ExecutionEngine; import sys  # c\n"
            "if os: from app.agents.execution_engine import ExecutionEngine as EE\n",
            moves=MOVES,
        )

    def test_a_moved_comment_that_would_stand_mid_line_leaves_the_import_alone(self) -> None:
        code = "import os; from app.agents import (\n    ExecutionEngine,  # e\n    Registry,\n)\n"
        self.assertCodemod(code, code, moves=MOVES)

    def test_relative_import_stays_relative(self) -> None:
        self.assertCodemod(
            "from ..agents import ExecutionEngine\n",
            "from ..agents.execution_engine import ExecutionEngine\n",
            moves=MOVES,
            context_override=CodemodContext(
                full_module_name="app.core.service", full_package_name="app.core"
            ),
        )

    def test_relative_import_made_absolute(self) -> None:
        self.assertCodemod(
            "from ..agents import ExecutionEngine\n",
            "from app.agents.execution_engine import ExecutionEngine\n",
            moves=MOVES,
            relative=False,
            context_override=CodemodContext(
                full_module_name="app.core.service", full_package_name="app.core"
            ),
        )

    def test_function_level_import_stays_where_it_is(self) -> None:
        before = (
            "def f():\n    from app.agents import ExecutionEngine\n    return ExecutionEngine\n"
        )
        after = (
            "def f():\n    from app.agents.execution_engine import ExecutionEngine\n"
            "    return ExecutionEngine\n"
        )
        self.assertCodemod(before, after, moves=MOVES)

    def test_whole_string_paths_move_prefixes_do_not(self) -> None:
        before = 'patch("app.agents.ExecutionEngine")\npatch("app.agents.ExecutionEngine.run")\n'
        after = (
            'patch("app.agents.execution_engine.ExecutionEngine")\n'
            'patch("app.agents.ExecutionEngine.run")\n'
        )
        self.assertCodemod(before, after, moves=MOVES)

    def test_strings_left_alone_when_asked(self) -> None:
        code = 'patch("app.agents.ExecutionEngine")\n'
        self.assertCodemod(code, code, moves=MOVES, strings=False)

    def test_unrelated_imports_untouched(self) -> None:
        code = "from app.agents import Registry\nimport os\n"
        self.assertCodemod(code, code, moves=MOVES)


def test_libcst_tool_runs_the_codemod(tmp_path: Path) -> None:
    """`python -m libcst.tool codemod` finds our command through .libcst.codemod.yaml."""
    config = Path(__file__).resolve().parents[1] / ".libcst.codemod.yaml"
    (tmp_path / ".libcst.codemod.yaml").write_text(config.read_text())
    target = tmp_path / "svc" / "user.py"
    target.parent.mkdir()
    target.write_text("from app.agents import ExecutionEngine, Registry\n")
    result = subprocess.run(
        [
            sys.executable, "-m", "libcst.tool", "codemod", "--no-format",
            "canonical_imports.CanonicalImportsCommand",
            "--move", "app.agents.ExecutionEngine=app.agents.execution_engine.ExecutionEngine",
            "svc",
        ],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert target.read_text() == (
        "from app.agents import Registry\nfrom app.agents.execution_engine import ExecutionEngine\n"
    )
