"""Shims proven at runtime: real subprocess imports with warnings as errors or recorded,
asserting identity (`legacy.S is canonical.S`), exactly one warning per importing site and
its file and line, for each kind of legacy module."""

from __future__ import annotations

import ast
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ssot_migrate.shims import legacy_module as shims
from ssot_migrate.shims.block import MovedName, ShimOrigin, ShimRefused, served
from ssot_migrate.shims.legacy_module import shim_module
from ssot_migrate.shims.own_getattr import deprecated_by_own_getattr
from ssot_migrate.shims.runs_on import check_runs_on

ORIGIN = ShimOrigin("phase2", "ExecutionEngine consolidation", "DeprecationWarning", "2026.06")
ENGINE = MovedName("ExecutionEngine", "app.agents.execution_engine", "ExecutionEngine")


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def base(root: Path) -> None:
    write(
        root,
        {
            "app/__init__.py": "",
            "app/agents/execution_engine.py": "class ExecutionEngine:\n    pass\n",
            "app/agents/registry.py": "class AgentRegistry:\n    pass\n",
        },
    )


def shim(root: Path, rel: str, names: list[MovedName]) -> str:
    path = root / rel
    path.write_bytes(shim_module(path.read_bytes(), names, ORIGIN))
    return path.read_text()


def observe(root: Path, importer: str) -> dict[str, object]:
    """Import `importer` (written to imp.py) in a fresh interpreter, recording warnings."""
    (root / "imp.py").write_text(textwrap.dedent(importer))
    script = textwrap.dedent(
        f"""
        import json, sys, warnings
        sys.path.insert(0, {str(root)!r})
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            import imp
        from app.agents.execution_engine import ExecutionEngine
        print(json.dumps({{
            "same": getattr(imp, "S", ExecutionEngine) is ExecutionEngine,
            "warnings": [[w.category.__name__, w.filename.rsplit("/", 1)[-1], w.lineno]
                         for w in caught],
        }}))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_compat_module_serves_the_same_object_and_warns_once_at_the_importer(
    tmp_path: Path,
) -> None:
    base(tmp_path)
    write(tmp_path, {"app/agents/__init__.py": "", "app/agents/engine.py": '''\
        """Compatibility module."""
        from .execution_engine import ExecutionEngine
        '''})  # fmt: skip
    text = shim(tmp_path, "app/agents/engine.py", [ENGINE])
    assert text.startswith('"""Compatibility module."""\n')
    assert "from .execution_engine import ExecutionEngine\n" not in text
    for importer, line in [
        ("X = 1\nfrom app.agents.engine import ExecutionEngine as S\n", 2),
        ("import app.agents.engine\nS = app.agents.engine.ExecutionEngine\n", 2),
        ("from app.agents.engine import *\nS = ExecutionEngine\n", 1),
    ]:
        seen = observe(
            tmp_path, importer.replace("*\nS = ExecutionEngine", "*\nS = ExecutionEngine")
        )
        assert seen == {"same": True, "warnings": [["DeprecationWarning", "imp.py", line]]}


def test_package_init_keeps_its_other_names_without_warnings(tmp_path: Path) -> None:
    base(tmp_path)
    write(tmp_path, {"app/agents/__init__.py": '''\
        from .execution_engine import ExecutionEngine
        from .registry import AgentRegistry

        __all__ = ["AgentRegistry", "ExecutionEngine"]
        VERSION = 2
        '''})  # fmt: skip
    text = shim(tmp_path, "app/agents/__init__.py", [ENGINE])
    assert text.startswith(
        "# ssot-migrate: ExecutionEngine is served by the shim below; .execution_engine still"
        ' loads here\n__import__("execution_engine", globals(), level=1)\n'
        "from .registry import AgentRegistry\n\n__all__ = "
    )
    quiet = observe(tmp_path, "from app.agents import AgentRegistry, VERSION\n")
    assert quiet["warnings"] == []
    loud = observe(tmp_path, "from app.agents import AgentRegistry, ExecutionEngine as S\n")
    assert loud == {"same": True, "warnings": [["DeprecationWarning", "imp.py", 1]]}
    star = observe(tmp_path, "from app.agents import *\nS = ExecutionEngine\n")
    assert star == {"same": True, "warnings": [["DeprecationWarning", "imp.py", 1]]}
    listed = observe(tmp_path, "import app.agents\nassert 'ExecutionEngine' in dir(app.agents)\n")
    assert listed["warnings"] == []


def test_existing_getattr_is_kept_for_the_other_names(tmp_path: Path) -> None:
    base(tmp_path)
    write(tmp_path, {"app/agents/__init__.py": '''\
        from .execution_engine import ExecutionEngine


        def __getattr__(name):
            if name == "LAZY":
                return 42
            raise AttributeError(name)
        '''})  # fmt: skip
    shim(tmp_path, "app/agents/__init__.py", [ENGINE])
    seen = observe(
        tmp_path, "from app.agents import LAZY, ExecutionEngine as S\nassert LAZY == 42\n"
    )
    assert seen == {"same": True, "warnings": [["DeprecationWarning", "imp.py", 1]]}


def test_aliased_legacy_name_in_a_nested_package(tmp_path: Path) -> None:
    base(tmp_path)
    write(tmp_path, {
        "app/agents/__init__.py": "",
        "app/core/__init__.py": "",
        "app/core/legacy/__init__.py": "",
        "app/core/legacy/managers.py": '''\
            from app.agents.execution_engine import ExecutionEngine as UnifiedEngine

            Engine = UnifiedEngine
            ''',
    })  # fmt: skip
    moved = [
        MovedName("Engine", ENGINE.module, ENGINE.attribute),
        MovedName("UnifiedEngine", ENGINE.module, ENGINE.attribute),
    ]
    text = shim(tmp_path, "app/core/legacy/managers.py", moved)
    assert "Engine = UnifiedEngine" not in text
    seen = observe(tmp_path, "from app.core.legacy.managers import Engine as S\n")
    assert seen == {"same": True, "warnings": [["DeprecationWarning", "imp.py", 1]]}


def test_shimming_twice_changes_nothing() -> None:
    source = b"from .execution_engine import ExecutionEngine\nfrom .registry import AgentRegistry\n"
    once = shim_module(source, [ENGINE], ORIGIN)
    assert shim_module(once, [ENGINE], ORIGIN) == once
    # A module whose only statement goes (it loads nothing the module's package did not).
    emptied = shim_module(b"from . import ExecutionEngine\n", [ENGINE], ORIGIN)
    assert emptied.startswith(b"# >>> ssot-migrate shim >>>\n")
    assert shim_module(emptied, [ENGINE], ORIGIN) == emptied


def test_a_module_that_uses_the_name_itself_keeps_working(tmp_path: Path) -> None:
    base(tmp_path)
    write(tmp_path, {"app/agents/__init__.py": '''\
        from .execution_engine import ExecutionEngine


        def make():
            return ExecutionEngine()
        '''})  # fmt: skip
    text = shim(tmp_path, "app/agents/__init__.py", [ENGINE])
    assert text.startswith("from .execution_engine import ExecutionEngine\n")
    inside = observe(tmp_path, "import app.agents\nS = type(app.agents.make())\n")
    assert inside == {"same": True, "warnings": []}
    outside = observe(tmp_path, "X = 0\nfrom app.agents import ExecutionEngine as S\n")
    assert outside == {"same": True, "warnings": [["DeprecationWarning", "imp.py", 2]]}
    star = observe(tmp_path, "from app.agents import *\nS = ExecutionEngine\n")
    assert star == {"same": True, "warnings": [["DeprecationWarning", "imp.py", 1]]}


def test_an_unterminated_block_is_refused() -> None:
    with pytest.raises(ShimRefused, match="unterminated"):
        shim_module(b"# >>> ssot-migrate shim >>>\nx = 1\n", [ENGINE], ORIGIN)


def test_names_are_validated_before_the_template() -> None:
    with pytest.raises(ValueError, match="dotted module path"):
        shim_module(b"", [MovedName("S", "app.agents..x", "S")], ORIGIN)
    with pytest.raises(ValueError, match="warning category"):
        shim_module(b"", [ENGINE], ShimOrigin("p", "t", "Deprecation Warning"))


def test_config_text_cannot_escape_into_code(tmp_path: Path) -> None:
    base(tmp_path)
    write(
        tmp_path,
        {
            "app/agents/__init__.py": "",
            "app/agents/engine.py": "from .execution_engine import ExecutionEngine\n",
        },
    )
    origin = ShimOrigin(
        "phase2",
        'evil\nimport os; os.system("x")',
        "DeprecationWarning",
        '2026"}; raise SystemExit #',
    )
    path = tmp_path / "app/agents/engine.py"
    path.write_bytes(shim_module(path.read_bytes(), [ENGINE], origin))
    assert "\nimport os;" not in path.read_text()
    seen = observe(tmp_path, "from app.agents.engine import ExecutionEngine as S\n")
    assert seen == {"same": True, "warnings": [["DeprecationWarning", "imp.py", 1]]}


def test_a_later_phase_keeps_serving_the_earlier_phase_names(tmp_path: Path) -> None:
    base(tmp_path)
    write(
        tmp_path,
        {
            "app/agents/__init__.py": "from .execution_engine import ExecutionEngine\nfrom .registry import AgentRegistry\n"
        },
    )
    shim(tmp_path, "app/agents/__init__.py", [ENGINE])
    registry = MovedName("AgentRegistry", "app.agents.registry", "AgentRegistry")
    text = shim(tmp_path, "app/agents/__init__.py", [registry])
    assert '"ExecutionEngine": (' in text and '"AgentRegistry": (' in text
    seen = observe(tmp_path, "from app.agents import ExecutionEngine as S\n")
    assert seen == {"same": True, "warnings": [["DeprecationWarning", "imp.py", 1]]}


def test_code_after_an_existing_getattr_still_reaches_its_lazy_names(tmp_path: Path) -> None:
    """Found on Airflow: module code between the old __getattr__ and the generated block
    (here a plugin import) must keep reading the module's other lazy names."""
    base(tmp_path)
    write(tmp_path, {
        "app/agents/__init__.py": '''\
            from .execution_engine import ExecutionEngine

            __all__ = ["ExecutionEngine"]


            def __getattr__(name):
                if name == "LAZY":
                    return 42
                raise AttributeError(name)


            from . import plugin  # runs while the package is still initialising
            ''',
        "app/agents/plugin.py": "from app.agents import LAZY\n",
    })  # fmt: skip
    shim(tmp_path, "app/agents/__init__.py", [ENGINE])
    seen = observe(tmp_path, "from app.agents import ExecutionEngine as S\n")
    assert seen == {"same": True, "warnings": [["DeprecationWarning", "imp.py", 1]]}


def test_the_shim_type_checking_import_is_not_an_import_time_edge() -> None:
    from ssot_migrate.index.extract import extract_facts
    from ssot_migrate.index.facts import ModuleFacts

    source = shim_module(b"from .execution_engine import ExecutionEngine\n", [ENGINE], ORIGIN)
    facts = extract_facts(source)
    assert isinstance(facts, ModuleFacts)
    guarded = [i for i in facts.imports if i.name == "ExecutionEngine"]
    assert [i.guard for i in guarded] == ["type-checking"]


SHIM_GOLDENS = Path(__file__).resolve().parent.parent / "fixtures" / "cases"


def python_c(tree: Path, code: str, *flags: str) -> subprocess.CompletedProcess[str]:
    """`python [flags] -c code` in `tree` (the script's `<string>` is the importer)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [sys.executable, *flags, "-c", code], cwd=tree, env=env, capture_output=True, text=True
    )


def golden_after(tmp_path: Path, case: str) -> Path:
    tree = tmp_path / case
    shutil.copytree(SHIM_GOLDENS / case / "after", tree)
    return tree


FORWARDING = "forwarding_getattr_in_front_of_a_shim_warns_once_at_the_importer"
DECLARED = "declared_lazy_legacy_path_is_rewritten_and_its_module_shimmed"
BOTH = "declared_lazy_path_in_front_of_a_shimmed_module_warns_once"


@pytest.mark.parametrize(
    ("case", "importer", "named"),
    [
        (FORWARDING, "from facade import Thing", "lib.models.Thing"),
        (FORWARDING, "import facade; Thing = facade.Thing", "lib.models.Thing"),
        (FORWARDING, "from helped import Thing", "lib.models.Thing"),
        (DECLARED, "from facade import Thing", "facade.Thing"),
        (BOTH, "from facade import Thing", "facade.Thing"),
        (BOTH, "import facade; Thing = facade.Thing", "facade.Thing"),
    ],
)
def test_a_name_served_through_a_getattr_warns_once_at_the_users_line(
    tmp_path: Path, case: str, importer: str, named: str
) -> None:
    """Field trial #5: facade (and helped, through a helper function) forward every name to
    lib.models from their module __getattr__. Before, the `hasattr` probe of `from package
    import X` and the import both warned, at the forwarder's line. Undeclared, the one
    warning is lib.models' shim's; declared (#6), facade's own shim names facade.Thing (and a
    shimmed lib.models behind it stays quiet)."""
    tree = golden_after(tmp_path, case)
    code = f"{importer}\nfrom lib.models.impl import Thing as T\nassert Thing is T\n"
    done = python_c(tree, code, "-W", "always")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        f"<string>:1: DeprecationWarning: {named} is deprecated: "
        'use "from lib.models.impl import Thing" instead'
    ]


def test_a_module_a_getattr_imports_lazily_is_itself_the_importer(tmp_path: Path) -> None:
    """A module body run by another module's lazy __getattr__ (importlib.import_module) is
    where the legacy import is written: the warning stays there, not at the __getattr__."""
    base(tmp_path)
    write(tmp_path, {
        "app/agents/__init__.py": "",
        "app/agents/engine.py": "from .execution_engine import ExecutionEngine\n",
        "lazy/__init__.py": '''\
            import importlib


            def __getattr__(name):
                return importlib.import_module(f"lazy.{name}")
            ''',
        "lazy/user.py": "# loaded lazily\nfrom app.agents.engine import ExecutionEngine\n",
    })  # fmt: skip
    shim(tmp_path, "app/agents/engine.py", [ENGINE])
    seen = observe(tmp_path, "import lazy\nlazy.user\n")
    assert seen["warnings"] == [["DeprecationWarning", "user.py", 2]]


def test_a_name_the_module_own_getattr_deprecates_keeps_its_category(tmp_path: Path) -> None:
    """Field trial #7: compat's own __getattr__ warns with MyDeprecation; after the run it
    still does, so a project filter on that category keeps working."""
    case = "name_already_deprecated_by_the_module_own_getattr_keeps_its_warning"
    tree = golden_after(tmp_path, case)
    assert (tree / "compat.py").read_bytes() == (
        SHIM_GOLDENS / case / "before/compat.py"
    ).read_bytes()
    done = python_c(tree, "from compat import Thing", "-W", "always")
    assert done.stderr.splitlines() == [
        "<string>:1: MyDeprecation: compat.Thing: use pkg.core.Thing"
    ]
    silenced = (
        "import warnings\nfrom compat import MyDeprecation\n"
        "warnings.filterwarnings('ignore', category=MyDeprecation)\nfrom compat import Thing\n"
    )
    done = python_c(tree, silenced, "-W", "error")
    assert (done.returncode, done.stderr) == (0, "")


@pytest.mark.parametrize(
    ("source", "served"),
    [
        # the name compared in the body, which warns
        (
            'import warnings\n\n\ndef __getattr__(name):\n    if name == "Thing":\n'
            '        warnings.warn("moved", DeprecationWarning)\n        return 1\n',
            {"Thing"},
        ),
        # the same body without a warning only loads lazily: the shim adds the warning
        ('def __getattr__(name):\n    if name == "Thing":\n        return 1\n', set()),
        # a mapping the body reads, through a module-level helper function that warns
        (
            '_LOOKUP = {"Thing": "pkg.core"}\n\n\ndef _find(name):\n'
            "    warn(name, MyDeprecation)\n    return _LOOKUP[name]\n\n\n"
            "def __getattr__(name):\n    return _find(name)\n",
            {"Thing"},
        ),
        # LangChain's create_importer(..., deprecated_lookups=LOOKUP) assigned at module level
        (
            "from x import create_importer\n\n"
            'DEPRECATED = {"Thing": "pkg.core", "Other": "pkg.other"}\n'
            "_importer = create_importer(__package__, deprecated_lookups=DEPRECATED)\n\n\n"
            "def __getattr__(name):\n    return _importer(name)\n",
            {"Thing", "Other"},
        ),
        # Airflow's __lazy_imports: one table, a flag per entry says which ones warn; which
        # entries are deprecated is data, so none counts and the shim adds its warning
        (
            "import warnings\n\n"
            '__lazy_imports = {"Thing": ("pkg.core", False), "Other": ("pkg.other", True)}\n\n\n'
            "def __getattr__(name):\n"
            "    path, deprecated = __lazy_imports.get(name, ('', False))\n"
            "    if deprecated:\n        warnings.warn(name, DeprecationWarning)\n"
            "    return path\n",
            set(),
        ),
        # LangChain-community's _module_lookup: lazy loading, no deprecation
        (
            "import importlib\n\n"
            '_module_lookup = {"Thing": "pkg.core"}\n\n\n'
            "def __getattr__(name):\n    if name in _module_lookup:\n"
            "        return getattr(importlib.import_module(_module_lookup[name]), name)\n"
            "    raise AttributeError(name)\n",
            set(),
        ),
        # __all__ read by the body, inside a module-level if block
        (
            'import sys\n\nif sys:\n    __all__ = ["Thing"]\n\n\n'
            "def __getattr__(name):\n    if name in __all__:\n"
            "        raise DeprecationWarning(name)\n"
            "    raise AttributeError(name)\n",
            {"Thing"},
        ),
        # a forwarder that spells no name, for names the module binds: never asked for them
        (
            "from lib.models import Thing, Other, Missing\n\n\n"
            "def __getattr__(name):\n    from lib import models\n\n"
            "    warnings.warn(name, DeprecationWarning)\n    return getattr(models, name)\n",
            set(),
        ),
        # a deprecating forwarder (langchain.chat_models 0.1): the names the module binds
        # only for type checkers come from it, with its own warning
        (
            "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
            "    from lib.models import Thing\nelse:\n    Other = 1\n\n\n"
            "def __getattr__(name):\n    from lib import models\n\n"
            "    warn_deprecated(name)\n    return getattr(models, name)\n",
            {"Thing", "Missing"},
        ),
        # ... unless a star import may bind any name
        (
            "from lib.models import *\n\n\n"
            "def __getattr__(name):\n    warnings.warn(name, DeprecationWarning)\n",
            set(),
        ),
        # the name spelled elsewhere in the module, but no module __getattr__
        ('__all__ = ["Thing"]\nTABLE = {"Thing": 1}\nwarnings.warn("x")\n', set()),
    ],
)
def test_names_an_own_getattr_serves_are_found_statically(source: str, served: set[str]) -> None:
    assert deprecated_by_own_getattr(source.encode(), ["Thing", "Other", "Missing"]) == served


def test_the_generated_block_does_not_count_as_the_module_own_getattr() -> None:
    shimmed = shim_module(b"from .execution_engine import ExecutionEngine\n", [ENGINE], ORIGIN)
    assert deprecated_by_own_getattr(shimmed, ["ExecutionEngine"]) == set()


def _before_block(source: str) -> str:
    """The user's part of a shimmed module (everything before the generated block)."""
    shimmed = shim_module(source.encode(), [ENGINE], ORIGIN).decode()
    return shimmed.partition("# >>> ssot-migrate shim >>>")[0]


def test_a_type_checking_block_emptied_by_the_shim_goes_with_its_blank_lines() -> None:
    source = (
        "import os\n\nif TYPE_CHECKING:\n"
        "    from app.agents.execution_engine import ExecutionEngine\n\n"
        "if typing.TYPE_CHECKING:\n    if TYPE_CHECKING:\n"
        "        from app.agents.execution_engine import ExecutionEngine\n\n"
        "X = os.sep\n"
    )
    assert _before_block(source) == "import os\n\nX = os.sep\n\n"


def test_an_emptied_block_keeps_pass_when_removing_it_would_lose_something() -> None:
    kept = {
        "an else branch": "if TYPE_CHECKING:\n    from app.agents.execution_engine import"
        " ExecutionEngine\nelse:\n    X = 1\n",
        # `from .. import` loads nothing new (the module's own package): nothing stays
        "a test with effects": "if load():\n    from .. import ExecutionEngine\n",
        "a comment on the if": "if TYPE_CHECKING:  # for mypy\n    from"
        " app.agents.execution_engine import ExecutionEngine\n",
        "a comment above it": "import os\n\n# typing only\nif TYPE_CHECKING:\n    from"
        " app.agents.execution_engine import ExecutionEngine\n",
    }
    for why, source in kept.items():
        user = _before_block(source)
        assert "    pass\n" in user and "if " in user, why
    inside = "if TYPE_CHECKING:\n    # why\n    from app.agents.execution_engine import E\n"
    moved = MovedName("E", "app.agents.execution_engine", "E")
    shimmed = shim_module(inside.encode(), [moved], ORIGIN).decode()
    assert shimmed.startswith("if TYPE_CHECKING:\n    # why\n    pass\n")


def test_regenerating_a_crlf_shim_keeps_its_line_breaks() -> None:
    source = b'__all__ = ["ExecutionEngine"]\r\nfrom app.agents.execution_engine import ExecutionEngine\r\n'
    once = shim_module(source, [ENGINE], ORIGIN)
    assert b"\n" not in once.replace(b"\r\n", b"")
    assert shim_module(once, [ENGINE], ORIGIN) == once


def test_a_later_shim_of_a_crlf_module_keeps_serving_the_earlier_names() -> None:
    source = (
        b"from app.agents.execution_engine import ExecutionEngine\r\n"
        b"from app.agents.registry import AgentRegistry\r\n"
    )
    registry = MovedName("AgentRegistry", "app.agents.registry", "AgentRegistry")
    first = shim_module(source, [ENGINE], ORIGIN)
    later = shim_module(first, [registry], ORIGIN)
    assert {m.name for m in served(later.decode())} == {"ExecutionEngine", "AgentRegistry"}


def shimmed_golden(tmp_path: Path, case: str) -> Path:
    """The `before/` tree of a shim golden, shimmed by this code (not read from `after/`)."""
    from ssot_migrate.cli.main import main

    tree = tmp_path / case
    shutil.copytree(SHIM_GOLDENS / case / "before", tree)
    assert main(["--root", str(tree), "-q", "shim", "--phase", "phase2"]) == 0
    return tree


@pytest.mark.parametrize(
    ("case", "code"),
    [
        # the field report: `import pkg.core; pkg.core.engine.X` raised AttributeError
        (
            "package_init_importing_only_the_moved_name_still_loads_its_submodule",
            "import pkg.core\nassert pkg.core.engine.ExecutionEngine\n"
            "assert 'ExecutionEngine' not in vars(pkg.core)\n",
        ),
        (
            "every_spelling_of_a_removed_import_still_loads_what_it_loaded",
            "import pkg.core, pkg.api\nassert pkg.core.engine.helper\n"
            "assert pkg.api.v1.handlers.handle\nassert 'handlers' not in vars(pkg.api)\n",
        ),
        (
            "an_import_from_another_package_still_runs_that_module_in_place",
            "import app.plugins\nassert app.plugins.LOADED == ['engine'], app.plugins.LOADED\n"
            "assert 'engines' not in vars(app.plugins)\n",
        ),
        (
            "try_except_importerror_keeps_trying_the_import",
            "import pkg.core\nassert pkg.core.HAS_ENGINE is True and pkg.core.engine\n",
        ),
    ],
)
def test_a_shimmed_module_still_loads_what_its_removed_imports_loaded(
    tmp_path: Path, case: str, code: str
) -> None:
    """What loading the module of a removed import set (a package's submodule attribute, a
    registration done at import time) is still there, at the same point, without warnings
    and without a binding the module did not have."""
    tree = shimmed_golden(tmp_path, case)
    done = python_c(tree, code, "-W", "error")
    assert done.returncode == 0, done.stderr


def test_a_removed_import_in_a_try_block_still_falls_back_when_it_fails(tmp_path: Path) -> None:
    tree = shimmed_golden(tmp_path, "try_except_importerror_keeps_trying_the_import")
    (tree / "pkg/core/engine.py").unlink()  # an install without the engine
    done = python_c(tree, "import pkg.core\nassert pkg.core.HAS_ENGINE is False\n")
    assert done.returncode == 0, done.stderr


def test_only_imports_that_run_keep_loading_their_module() -> None:
    """`if TYPE_CHECKING:` bodies (and the `else:` of `if not TYPE_CHECKING:`) never run:
    their imports leave nothing behind; the branches that run keep loading their module."""
    source = (
        "if TYPE_CHECKING:\n    from .typed import ExecutionEngine\n"
        "else:\n    from .runs import ExecutionEngine\n"
        "if not TYPE_CHECKING:\n    from .also_runs import ExecutionEngine\n"
        "else:\n    from .typed import ExecutionEngine\n"
    )
    load = (
        "    # ssot-migrate: ExecutionEngine is served by the shim below; .{0} still loads here\n"
    )
    assert _before_block(source) == (
        "if TYPE_CHECKING:\n    pass\nelse:\n"
        + load.format("runs")
        + '    __import__("runs", globals(), level=1)\n'
        + "if not TYPE_CHECKING:\n"
        + load.format("also_runs")
        + '    __import__("also_runs", globals(), level=1)\n'
        + "else:\n    pass\n\n"
    )


# --------------------------------------------------------------------------- oldest Python


def _runs_on(python: tuple[int, int], block: str, module: str = "") -> str | None:
    text = module + block
    first_line = module.count("\n") + 1
    return check_runs_on(python, ast.parse(text), block, first_line, "shim_block.py.j2")


@pytest.mark.parametrize(
    ("block", "python", "why"),
    [
        ("_S: dict[str, bool] = {}\n", (3, 8), "line 3: the annotation `dict[str, bool]`"),
        ("def f() -> list[str]:\n    pass\n", (3, 8), "line 3: the annotation `list[str]`"),
        ("def f(x: int | None):\n    pass\n", (3, 9), "needs Python 3.10 (PEP 604, X | Y)"),
        ("class C:\n    x: tuple[int]\n", (3, 8), "needs Python 3.9 (PEP 585, tuple[...])"),
        ("if (n := 1):\n    pass\n", (3, 7), "line 3 of the generated block: Assignment expr"),
        ("x = 1\n", (3, 6), "the generated block needs Python 3.7 (module __getattr__, PEP 562)"),
    ],
)
def test_a_block_the_oldest_python_cannot_run_is_named_with_its_line(
    block: str, python: tuple[int, int], why: str
) -> None:
    reason = _runs_on(python, block, module='"""Doc."""\nimport os\n')
    assert reason is not None and why in reason


@pytest.mark.parametrize(
    ("block", "python", "module"),
    [
        ("_S: dict[str, bool] = {}\n", (3, 9), ""),
        ("_S: dict[str, bool] = {}\n", (3, 8), '"""Doc."""\nfrom __future__ import annotations\n'),
        ('_S: "dict[str, bool]" = {}\ndef f() -> "list[str] | None":\n    pass\n', (3, 8), ""),
        ("def f():\n    local: list[int] = []\n", (3, 8), ""),  # never evaluated
        ("x = 1\n", (3, 8), "y: list[int] = []\nmatch = 1\n"),  # the module's own code
    ],
)
def test_a_block_the_oldest_python_runs_passes(
    block: str, python: tuple[int, int], module: str
) -> None:
    assert _runs_on(python, block, module) is None


def test_a_template_with_a_runtime_generic_annotation_is_refused_for_python_3_8(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The final check catches a template regression: the field report's line, put back."""
    real = shims.render_block

    def regressed(*args: object, **kwargs: object) -> str:
        block = real(*args, **kwargs)  # type: ignore[arg-type]
        return block.replace('_SSOT_SHIMS: "dict[str, bool]"', "_SSOT_SHIMS: dict[str, bool]")

    monkeypatch.setattr(shims, "render_block", regressed)
    source = b"from .execution_engine import ExecutionEngine\n"
    origin = dataclasses.replace(ORIGIN, python=(3, 8), python_from='requires-python = ">=3.8"')
    with pytest.raises(ShimRefused) as refused:
        shim_module(source, [ENGINE], origin)
    assert str(refused.value).startswith(
        'it would not run on Python 3.8, the oldest the project supports (requires-python = ">=3.8"): '
    )
    assert "the annotation `dict[str, bool]` is evaluated at import time" in str(refused.value)
    assert shim_module(source, [ENGINE], dataclasses.replace(ORIGIN, python=(3, 9)))


def test_the_generated_blocks_run_on_python_3_7_without_future_annotations() -> None:
    module_class = (
        b"from .execution_engine import ExecutionEngine\n\n\ndef f():\n    return ExecutionEngine\n"
    )
    for source in (b"from .execution_engine import ExecutionEngine\n", module_class):
        oldest = dataclasses.replace(ORIGIN, python=(3, 7))
        assert b"# >>> ssot-migrate shim >>>" in shim_module(source, [ENGINE], oldest)
    with pytest.raises(ShimRefused, match=r"needs Python 3\.7 \(module __getattr__, PEP 562\)"):
        shim_module(
            b"from x import ExecutionEngine\n", [ENGINE], dataclasses.replace(ORIGIN, python=(3, 6))
        )
