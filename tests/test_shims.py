"""Shims proven at runtime: real subprocess imports with warnings as errors or recorded,
asserting identity (`legacy.S is canonical.S`), exactly one warning per importing site and
its file and line, for each kind of legacy module."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ssot_migrate.shims import MovedName, ShimOrigin, ShimRefused, shim_module

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
    assert text.startswith("from .registry import AgentRegistry\n\n__all__ = ")
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
    from ssot_migrate.extract import extract_facts
    from ssot_migrate.facts import ModuleFacts

    source = shim_module(b"from .execution_engine import ExecutionEngine\n", [ENGINE], ORIGIN)
    facts = extract_facts(source)
    assert isinstance(facts, ModuleFacts)
    guarded = [i for i in facts.imports if i.name == "ExecutionEngine"]
    assert [i.guard for i in guarded] == ["type-checking"]


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
        "a test with effects": "if load():\n    from app.agents.execution_engine import"
        " ExecutionEngine\n",
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
