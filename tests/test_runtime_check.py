"""`verify --runtime` against real subprocesses of this interpreter on small repos: identity,
the one warning at the importing line, timings, and every failure as a result, not a raise."""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest

from ssot_migrate.base.errors import UsageError
from ssot_migrate.checks.runtime import check_paths, compare_modules
from ssot_migrate.checks.runtime_probes import IMPORTER_LINE, IMPORTER_NAME, RESULT_MARKER
from ssot_migrate.checks.runtime_results import (
    PathCheck,
    PathResult,
    format_comparisons,
    format_results,
)
from ssot_migrate.checks.runtime_runner import parse_elapsed
from ssot_migrate.shims.block import MovedName, ShimOrigin
from ssot_migrate.shims.legacy_module import shim_module

CANONICAL = "app.agents.execution_engine.ExecutionEngine"
LEGACY = "app.agents.engine.ExecutionEngine"
ORIGIN = ShimOrigin("phase2", "ExecutionEngine consolidation", "DeprecationWarning", "2026.06")
REEXPORT = "from .execution_engine import ExecutionEngine\n"
ENGINE = MovedName("ExecutionEngine", "app.agents.execution_engine", "ExecutionEngine")


def repo(root: Path, files: dict[str, str]) -> Path:
    """`app/agents/execution_engine.py` plus `files`; returns `root`."""
    files = {
        "app/__init__.py": "",
        "app/agents/__init__.py": "",
        "app/agents/execution_engine.py": "class ExecutionEngine:\n    pass\n",
        **files,
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def check_one(root: Path, legacy: str = LEGACY, timeout: float = 30.0) -> PathResult:
    [result] = check_paths([root], [PathCheck(legacy, CANONICAL)], timeout=timeout)
    return result


def test_a_shimmed_legacy_module_is_ok(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)  # check_paths sets it
    root = repo(tmp_path / "repo", {"app/agents/engine.py": REEXPORT})
    engine = root / "app/agents/engine.py"
    engine.write_bytes(shim_module(engine.read_bytes(), [ENGINE], ORIGIN))

    result = check_one(root)

    assert (result.same_object, result.warned_at_importer, result.error) == (True, True, None)
    assert result.ok
    [(category, filename, line)] = result.warnings
    assert (category, Path(filename).name, line) == ("DeprecationWarning", IMPORTER_NAME, 2)
    assert IMPORTER_LINE == 2
    assert not Path(filename).is_relative_to(tmp_path)  # written outside the repository
    assert not Path(filename).exists()  # and cleaned up
    assert isinstance(result.legacy_import_us, int) and result.legacy_import_us > 0
    assert isinstance(result.canonical_import_us, int) and result.canonical_import_us > 0
    [line_text] = format_results([result])
    assert re.fullmatch(
        rf"ok   {LEGACY} is {CANONICAL}; 1 warning at the importer; "
        r"from-import \d+\.\d ms vs \d+\.\d ms canonical",
        line_text,
    ), line_text
    assert not list(root.rglob("__pycache__"))  # nothing written into the user's tree


def test_a_package_that_replaces_showwarning_still_has_its_warning_seen(
    tmp_path: Path,
) -> None:
    """Field-trial #4: Airflow's settings replace `warnings.showwarning` at import time,
    which bypasses `catch_warnings(record=True)`; the check must still see the warning."""
    root = repo(
        tmp_path,
        {
            "app/__init__.py": """\
                import warnings


                def _quiet(message, category, filename, lineno, file=None, line=None):
                    pass


                warnings.showwarning = _quiet
            """,
            "app/agents/engine.py": REEXPORT,
        },
    )
    engine = root / "app/agents/engine.py"
    engine.write_bytes(shim_module(engine.read_bytes(), [ENGINE], ORIGIN))

    result = check_one(root)

    assert (result.same_object, result.warned_at_importer, result.error) == (True, True, None)
    [(category, filename, line)] = result.warnings
    assert (category, Path(filename).name, line) == ("DeprecationWarning", IMPORTER_NAME, 2)


def test_a_plain_reexport_is_the_same_object_but_not_deprecated(tmp_path: Path) -> None:
    root = repo(tmp_path, {"app/agents/engine.py": '''\
        print("importing engine")  # user output on stdout does not confuse the result
        from .execution_engine import ExecutionEngine
        '''})  # fmt: skip

    result = check_one(root)

    assert (result.same_object, result.warnings, result.warned_at_importer) == (True, (), False)
    assert result.error is None
    assert not result.ok
    assert result.legacy_import_us is not None and result.canonical_import_us is not None
    [line_text] = format_results([result])
    assert line_text.startswith(f"FAIL {LEGACY} is {CANONICAL}; no warning; from-import ")
    assert line_text.endswith(" canonical (expected exactly one warning, at the importing line)")


def test_a_same_named_different_class_is_not_the_same_object(tmp_path: Path) -> None:
    root = repo(tmp_path, {"app/agents/engine.py": "class ExecutionEngine:\n    pass\n"})

    result = check_one(root)

    assert (result.same_object, result.warnings, result.error) == (False, (), None)
    assert not result.ok
    assert "is not" in format_results([result])[0]


def test_a_warning_at_the_wrong_line_is_not_at_the_importer(tmp_path: Path) -> None:
    root = repo(tmp_path, {"app/agents/engine.py": '''\
        import warnings


        def __getattr__(name):
            if name != "ExecutionEngine":
                raise AttributeError(name)
            from .execution_engine import ExecutionEngine
            warnings.warn("moved", FutureWarning)  # stacklevel=1: points at this module
            return ExecutionEngine
        '''})  # fmt: skip

    result = check_one(root)

    assert result.same_object is True
    assert result.warnings == (("FutureWarning", str(root / "app/agents/engine.py"), 8),)
    assert (result.warned_at_importer, result.ok) == (False, False)
    assert "; 1 warning: FutureWarning at engine.py:8; " in format_results([result])[0]


def test_a_legacy_module_that_raises_is_an_error_result(tmp_path: Path) -> None:
    root = repo(tmp_path, {"app/agents/engine.py": "raise RuntimeError('boom')\n"})

    result = check_one(root)

    broken = root / "app/agents/engine.py"
    assert result == PathResult(
        LEGACY,
        CANONICAL,
        same_object=None,
        warnings=(),
        warned_at_importer=False,
        legacy_import_us=None,
        canonical_import_us=None,
        error=f"legacy import failed: RuntimeError: boom (at {broken}:1)",
    )
    assert format_results([result]) == [f"FAIL {LEGACY} -> {CANONICAL} ({result.error})"]


def test_missing_modules_and_names_are_error_results(tmp_path: Path) -> None:
    root = repo(tmp_path, {"app/agents/engine.py": REEXPORT})
    checks = [
        PathCheck("app.agents.nope.ExecutionEngine", CANONICAL),
        PathCheck("app.agents.engine.Nope", CANONICAL),
        PathCheck(LEGACY, "app.agents.gone.ExecutionEngine"),
        PathCheck("ExecutionEngine", CANONICAL),
    ]

    results = check_paths([root], checks)

    assert [r.error for r in results] == [
        "legacy import failed: ModuleNotFoundError: No module named 'app.agents.nope'",
        "legacy import failed: ImportError: cannot import name 'Nope' from 'app.agents.engine' "
        f"({root / 'app/agents/engine.py'})",
        "canonical import failed: ModuleNotFoundError: No module named 'app.agents.gone'",
        "not a dotted path to a name in a module: 'ExecutionEngine'",
    ]
    assert all(r.same_object is None and not r.ok for r in results)


def test_a_hanging_import_times_out_as_a_result(tmp_path: Path) -> None:
    root = repo(tmp_path, {"app/agents/engine.py": "import time\ntime.sleep(30)\n"})

    result = check_one(root, timeout=0.5)

    assert result.error == f"timed out after 0.5 s importing {LEGACY}"
    assert (result.same_object, result.ok) == (None, False)


def test_the_environment_pythonpath_does_not_leak_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repo(tmp_path / "repo", {"app/agents/engine.py": REEXPORT})
    decoy = repo(tmp_path / "decoy", {"decoy_only.py": "ExecutionEngine = 1\n"})
    monkeypatch.setenv("PYTHONPATH", str(decoy))
    monkeypatch.chdir(decoy)  # nor does the working directory (`-c` puts it on sys.path)

    leaked, fine = check_paths(
        [root], [PathCheck("decoy_only.ExecutionEngine", CANONICAL), PathCheck(LEGACY, CANONICAL)]
    )

    assert leaked.error == "legacy import failed: ModuleNotFoundError: No module named 'decoy_only'"
    assert (fine.same_object, fine.error) == (True, None)


def test_an_interpreter_that_cannot_run_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--python: cannot run"):
        check_paths([tmp_path], [PathCheck(LEGACY, CANONICAL)], python=str(tmp_path / "no-python"))


def test_parse_elapsed_takes_the_last_marker_line() -> None:
    stdout = f"user output\n{RESULT_MARKER}nonsense\nmore\n{RESULT_MARKER}1234\n"
    assert parse_elapsed(stdout) == 1234
    assert parse_elapsed("nothing here\n") is None


def test_a_lazy_legacy_path_is_timed_with_what_its_getattr_imports(tmp_path: Path) -> None:
    """Field-trial #14: the legacy *module* alone imports in no time, but getting the name
    through its ``__getattr__`` imports the canonical module; the timing must include it."""
    root = repo(
        tmp_path,
        {
            "app/agents/execution_engine.py": """\
                import time

                time.sleep(0.2)


                class ExecutionEngine:
                    pass
            """,
            "app/agents/lazy.py": """\
                import importlib


                def __getattr__(name):
                    return getattr(importlib.import_module("app.agents.execution_engine"), name)
            """,
        },
    )
    result = check_one(root, legacy="app.agents.lazy.ExecutionEngine")

    assert result.same_object is True
    assert result.legacy_import_us is not None and result.legacy_import_us >= 200_000


def test_format_results_lines() -> None:
    ok = PathResult(
        LEGACY, CANONICAL, True, (("DeprecationWarning", "/t/imp.py", 2),), True, 12345, 4100, None
    )
    many = PathResult(
        LEGACY,
        CANONICAL,
        False,
        tuple(("UserWarning", f"/x/m{i}.py", i) for i in range(4)),
        False,
        None,
        800,
        None,
    )
    assert format_results([ok, many]) == [
        f"ok   {LEGACY} is {CANONICAL}; 1 warning at the importer; "
        "from-import 12.3 ms vs 4.1 ms canonical",
        f"FAIL {LEGACY} is not {CANONICAL}; 4 warnings: UserWarning at m0.py:0, "
        "UserWarning at m1.py:1, UserWarning at m2.py:2, ...; from-import ? ms vs 0.8 ms canonical "
        "(a different object; expected exactly one warning, at the importing line)",
    ]


def test_checks_run_in_the_given_interpreter_not_in_this_process(tmp_path: Path) -> None:
    root = repo(tmp_path, {"app/agents/engine.py": REEXPORT})
    check_paths([root], [PathCheck(LEGACY, CANONICAL)], python=sys.executable)
    assert "app.agents.engine" not in sys.modules


def test_verify_runtime_checks_declared_lazy_paths_and_catches_a_wrong_declaration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Field trial #6: a declared legacy path served by a module __getattr__ is trusted
    statically (rewritten, shimmed) and proven at runtime; a declaration naming another
    object fails `verify --runtime`."""
    from ssot_migrate.cli.main import main

    legacy = '["app.forward.ExecutionEngine", "app.wrong.ExecutionEngine", "app.astray.Old"]'
    repo(tmp_path, {
        "pyproject.toml": f"""\
            [tool.ssot-migrate]

            [[tool.ssot-migrate.phases]]
            name = "phase2"
            symbols = [{{ name = "ExecutionEngine", canonical = "{CANONICAL}", legacy = {legacy} }}]
            """,
        "app/forward.py": """\
            def __getattr__(name):
                from app.agents import execution_engine

                return getattr(execution_engine, name)
            """,
        "app/wrong.py": """\
            class _Old:
                pass


            def __getattr__(name):
                if name == "ExecutionEngine":
                    return _Old
                raise AttributeError(name)
            """,
        "app/old.py": "class Old:\n    pass\n",
        "app/astray.py": """\
            def __getattr__(name):  # forwards to another class than the declared one
                from app import old

                return getattr(old, name)
            """,
        "app/user.py": """\
            from app.forward import ExecutionEngine
            from app.wrong import ExecutionEngine as Old
            from app.astray import Old as Older


            def make():
                return ExecutionEngine(), Old(), Older()
            """,
    })  # fmt: skip
    root = ["--root", str(tmp_path)]
    assert main([*root, "verify"]) == 0
    static = capsys.readouterr().out
    assert "ok   app.forward.ExecutionEngine: same object by declaration" in static
    assert main([*root, "run", "phase2", "--no-commit"]) == 0
    capsys.readouterr()
    assert (
        (tmp_path / "app/user.py")
        .read_text()
        .startswith("from app.agents.execution_engine import ExecutionEngine\n")
    )
    assert main([*root, "verify", "--runtime"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert any(
        line.startswith(
            f"ok   app.forward.ExecutionEngine is {CANONICAL}; 1 warning at the importer"
        )
        for line in lines
    ), lines
    # wrong's __getattr__ serves the name without deprecating it: its shim adds the warning
    # and leaves the serving to that __getattr__, so the wrong object is still caught.
    assert any(
        line.startswith(
            f"FAIL app.wrong.ExecutionEngine is not {CANONICAL}; 1 warning at the importer"
        )
        for line in lines
    ), lines
    # astray gets a shim (its __getattr__ spells no name), which only adds the warning: its
    # own __getattr__ still serves Old, so the wrong declaration stays visible.
    assert "_SSOT_LAZY" in (tmp_path / "app/astray.py").read_text()
    assert any(
        line.startswith(f"FAIL app.astray.Old is not {CANONICAL}; 1 warning at the importer")
        for line in lines
    ), lines


def test_a_path_the_module_own_getattr_deprecates_is_checked_for_identity_and_its_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """LangChain's langchain.chat_models forwards every name from its __getattr__ and warns
    itself, at its own line: the shims leave that path to it, and `verify --runtime` takes
    its warning as the deprecation (identity still checked) instead of failing it for not
    warning exactly once at the importer."""
    from ssot_migrate.cli.main import main

    repo(tmp_path, {
        "pyproject.toml": f"""\
            [tool.ssot-migrate]

            [[tool.ssot-migrate.phases]]
            name = "phase2"
            symbols = [{{ name = "ExecutionEngine", canonical = "{CANONICAL}", legacy = ["app.old.ExecutionEngine"] }}]
            """,
        "app/old.py": """\
            import warnings


            def __getattr__(name):
                from app.agents import execution_engine

                warnings.warn(f"app.old.{name} moved", DeprecationWarning)
                return getattr(execution_engine, name)
            """,
        "app/user.py": """\
            from app.old import ExecutionEngine


            def make():
                return ExecutionEngine()
            """,
    })  # fmt: skip
    root = ["--root", str(tmp_path)]
    assert main([*root, "run", "phase2", "--no-commit"]) == 0
    assert "already deprecated by its module's own __getattr__" in capsys.readouterr().err
    assert "_SSOT" not in (tmp_path / "app/old.py").read_text()

    assert main([*root, "verify", "--runtime"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(
        line.startswith(f"ok   app.old.ExecutionEngine is {CANONICAL}; deprecated by its own")
        for line in lines
    ), lines
    # Without the mark, the same warning (at app/old.py, not at the importer) fails.
    [plain] = check_paths([tmp_path], [PathCheck("app.old.ExecutionEngine", CANONICAL)])
    assert plain.same_object is True and plain.warnings and not plain.ok


def test_compare_modules_reports_each_lost_or_changed_attribute(tmp_path: Path) -> None:
    """Identity across processes: modules by name, classes and functions by module and
    qualified name, other values by type and repr (addresses masked, sets in a fixed hash
    order). A value that differs on every import is compared by type only; new names and
    the import system's own attributes (another tree, another __file__) are fine."""
    shared = textwrap.dedent("""\
        import os
        from .execution_engine import ExecutionEngine


        class Local:
            pass


        def make():
            return Local()


        DEFAULT = Local()
        TOKEN = os.urandom(8)
        LABELS = {"b", "a", "c"}
        """)
    before = repo(tmp_path / "before", {
        "app/agents/__init__.py": shared + "from . import helpers\nVERSION = (1, 2)\n",
        "app/agents/helpers.py": "",
    })  # fmt: skip
    after = repo(tmp_path / "after", {
        "app/agents/__init__.py": shared + "VERSION = (1, 3)\nNEW = 1\n\n\n"
        "class ExecutionEngine:  # a same-named different class\n    pass\n",
        "app/agents/helpers.py": "",
        "app/agents/only_after.py": "",
        "app/agents/broken.py": "raise RuntimeError('boom')\n",
    })  # fmt: skip
    (before / "app/agents/broken.py").write_text("")

    found = compare_modules(
        [before], [after], ["app.agents", "app.agents.only_after", "app.agents.broken"], {}
    )

    assert format_comparisons(found) == [
        "FAIL app.agents.ExecutionEngine changed: before class "
        "app.agents.execution_engine.ExecutionEngine; after class app.agents.ExecutionEngine",
        "FAIL app.agents.VERSION changed: before builtins.tuple (1, 2); after builtins.tuple (1, 3)",
        "FAIL app.agents.helpers lost: before module app.agents.helpers; "
        "after AttributeError: module 'app.agents' has no attribute 'helpers'",
        "note app.agents.only_after: cannot import it from the base: ModuleNotFoundError: No "
        "module named 'app.agents.only_after' (nothing to compare)",
        "FAIL app.agents.broken: cannot import it any more: RuntimeError: boom",
    ]
    assert found[0].compared == 13  # the 9 names above, execution_engine, 3 dunders
    assert "app.agents" not in sys.modules  # imported in subprocesses only


def test_compare_modules_looks_up_the_names_a_shim_serves_last(tmp_path: Path) -> None:
    """Serving a moved name imports its module, which sets the submodule attribute the
    package lost: looked up first, it would hide the loss."""
    before = repo(tmp_path / "before", {"app/agents/__init__.py": REEXPORT})
    after = repo(tmp_path / "after", {"app/agents/__init__.py": '''\
        def __getattr__(name):  # serves the name, but nothing loads .execution_engine before
            if name == "ExecutionEngine":
                from .execution_engine import ExecutionEngine
                return ExecutionEngine
            raise AttributeError(name)
        '''})  # fmt: skip

    [found] = compare_modules(
        [before], [after], ["app.agents"], {"app.agents": ["ExecutionEngine"]}
    )

    assert format_comparisons([found]) == [
        "FAIL app.agents.execution_engine lost: before module app.agents.execution_engine; "
        "after AttributeError: execution_engine"
    ]
    [unordered] = compare_modules([before], [after], ["app.agents"], {})
    assert unordered.ok  # why the order matters
    assert format_comparisons([unordered]) == [
        "ok   app.agents: all 5 attributes it had before the phase are still there, "
        "the same objects"
    ]


def test_verify_checks_every_path_a_shim_on_disk_serves_alias_paths_included(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Field report: once `Engine = ExecutionEngine` is behind a generated block, nothing
    names app.agents.legacy.Engine statically any more, and `verify` stopped checking it."""
    from ssot_migrate.cli.main import main

    repo(tmp_path, {
        "pyproject.toml": f"""\
            [[tool.ssot-migrate.phases]]
            name = "phase2"
            symbols = [{{ name = "ExecutionEngine", canonical = "{CANONICAL}" }}]
            """,
        "app/agents/legacy.py": """\
            from app.agents.execution_engine import ExecutionEngine

            Engine = ExecutionEngine
            """,
    })  # fmt: skip
    root = ["--root", str(tmp_path)]
    assert main([*root, "shim", "--phase", "phase2"]) == 0
    capsys.readouterr()
    assert main([*root, "verify"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "ok   app.agents.legacy.Engine: same object",
        "ok   app.agents.legacy.ExecutionEngine: same object",
    ]
    assert main([*root, "verify", "--runtime"]) == 0
    runtime = [line.partition(";")[0] for line in capsys.readouterr().out.splitlines()[2:]]
    assert runtime[:2] == [
        f"ok   app.agents.legacy.Engine is {CANONICAL}",
        f"ok   app.agents.legacy.ExecutionEngine is {CANONICAL}",
    ]
    assert runtime[2].startswith("note shimmed modules not compared")  # no git here
