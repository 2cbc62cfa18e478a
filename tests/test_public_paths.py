"""Which paths are public (a shim keeps them working), which are incidental, and the sites
left as they are by design: the rules of the issue on real monorepos, beyond the goldens."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from goldens import FIXTURES, write_tree

from ssot_migrate.cli.main import main
from ssot_migrate.commands.project import RunOptions, load, load_time_closures, open_project

CONFIG = """\
    [tool.ssot-migrate]

    [[tool.ssot-migrate.phases]]
    name = "p1"
    symbols = [{ name = "View", canonical = "pkg.http.View" }]
    """


def test_the_load_time_closure_follows_what_runs_when_the_canonical_module_is_imported(
    tmp_path: Path,
) -> None:
    """Module-level imports outside TYPE_CHECKING, transitively, with the packages they run
    on the way; not function-level imports, not the canonical module's own packages (they
    ran before it), and not what only a TYPE_CHECKING block names."""
    root = write_tree(tmp_path, {
        "pyproject.toml": CONFIG,
        "pkg/__init__.py": "import pkg.boot\n",
        "pkg/boot.py": "",
        "pkg/http/__init__.py": """\
            from typing import TYPE_CHECKING

            from .view import View
            from pkg.util.text import slug

            if TYPE_CHECKING:
                from pkg.typing_only import Hint

            try:
                import pkg.optional
            except ImportError:
                pass


            def later():
                import pkg.lazy
            """,
        "pkg/http/view.py": "from pkg.http.helpers import helper\n\n\nclass View:\n    pass\n",
        "pkg/http/helpers.py": "def helper():\n    pass\n",
        "pkg/util/__init__.py": "import pkg.util.registry\n",
        "pkg/util/registry.py": "",
        "pkg/util/text.py": "def slug():\n    pass\n",
        "pkg/typing_only.py": "class Hint:\n    pass\n",
        "pkg/optional.py": "",
        "pkg/lazy.py": "",
    })  # fmt: skip
    options = RunOptions(root)
    config = load(options)
    project = open_project(options, config, config.all_symbols())
    assert load_time_closures(project, ["pkg.http"])["pkg.http"] == {
        "pkg.http.view",
        "pkg.http.helpers",
        "pkg.util",  # runs on the way to pkg.util.text ...
        "pkg.util.registry",  # ... and imports this
        "pkg.util.text",
        "pkg.optional",
    }
    assert project.load_time["pkg.http"] == load_time_closures(project, ["pkg.http"])["pkg.http"]


def run_json(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(["--root", str(root), *args, "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_a_complete_phase_leaves_a_passing_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After `run`, `audit --check` for the phase passes: every non-canonical import is
    rewritten or left by design with its reason (the canonical module, what it imports at
    import time, a star import), and those are not counted against the target."""
    root = tmp_path / "repo"
    shutil.copytree(
        FIXTURES
        / "cases/facade_canonical_moves_importers_to_the_package_and_leaves_what_it_imports/before",
        root,
    )
    write_tree(root, {
        "svc/star.py": "from pkg.http.view import *\n\n\ndef make():\n    return View()\n",
        "svc/compat.py": "from pkg.http.view import View\n",
        "svc/user.py": "from svc.compat import View\n\n\ndef make():\n    return View()\n",
    })  # fmt: skip
    code, before = run_json(root, capsys, "audit", "--check")
    assert code == 1
    assert before["symbols"][0]["counts"]["variations"] == 5

    assert main(["--root", str(root), "run", "p1", "--no-commit"]) == 0
    capsys.readouterr()
    code, after = run_json(root, capsys, "audit", "--check")
    assert code == 0
    [symbol] = after["symbols"]
    assert symbol["counts"]["variations"] == 0
    left = {
        (s["file"], s["left_by_design"].split(":")[0])
        for s in symbol["sites"]
        if s["left_by_design"]
    }
    assert left == {
        ("pkg/http/__init__.py", "in the canonical module"),
        ("pkg/http/mixins.py", "imported by the canonical module at import time"),
        ("svc/star.py", "star import"),
    }
    # Per group too: the totals and the groups count variations by one rule.
    code, grouped = run_json(root, capsys, "audit", "--group-by", "dir")
    rows = grouped["symbols"][0]["groups"]["rows"]
    assert sum(r["sites"] for r in rows) == len(symbol["sites"])
    assert [r["variations"] for r in rows] == [0] * len(rows)
    roles = {p["path"]: (p["role"], p["reason"]) for p in symbol["legacy_paths"]}
    assert roles["svc.compat.View"] == ("public", "served by a generated shim")
    assert roles["pkg.http.view.View"] == ("incidental", "defining module: never shimmed")


def test_verify_runtime_expects_no_warning_where_no_shim_could_be_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Field trial (sympy 1.9 supports 3.6: sympy/__init__.py takes no shim): the public path
    of a module without a generated block is checked for identity only, so a phase whose
    shim could not be made can still pass `verify --runtime` (it failed on every run)."""
    root = tmp_path / "repo"
    case = "cases/a_module_that_cannot_take_a_shim_has_its_imports_rewritten/before"
    shutil.copytree(FIXTURES / case, root)
    assert main(["--root", str(root), "run", "p1", "--no-commit"]) == 3  # the shim refused
    capsys.readouterr()
    assert main(["--root", str(root), "verify", "--runtime"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(
        line.startswith("ok   pkg.Thing is pkg.sub.impl.Thing; no warning (no shim in its module")
        for line in lines
    ), lines
    assert any(
        line.startswith("ok   pkg.sub.Thing is pkg.sub.impl.Thing; 1 warning") for line in lines
    )
