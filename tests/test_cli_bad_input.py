"""Bad input: a clear message naming the place, the documented exit code, no traceback,
nothing written. One test per kind of bad input the audit issue lists."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ssot_migrate.cli.main import main
from ssot_migrate.index.build import build_index
from ssot_migrate.index.cache import FactsCache
from ssot_migrate.index.discovery import discover_files

CONFIG = """\
[tool.ssot-migrate]

[[tool.ssot-migrate.phases]]
name = "phase2"
symbols = [{ name = "Engine", canonical = "app.engine.Engine" }]
"""


def make_repo(root: Path, config: str = CONFIG, files: dict[str, bytes] | None = None) -> Path:
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "engine.py").write_text("class Engine:\n    pass\n")
    (root / "app" / "user.py").write_text("from app.engine import Engine\n")
    (root / "pyproject.toml").write_text(config)
    for rel, data in (files or {}).items():
        (root / rel).write_bytes(data)
    return root


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, captured.out, captured.err


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_nonexistent_root(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["--root", str(tmp_path / "nope"), "audit"], capsys)
    assert code == 2
    assert "--root" in err and "nope" in err


def test_toml_syntax_error_names_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_repo(tmp_path, CONFIG + "oops = [\n")
    before = snapshot(tmp_path)
    code, _, err = run(["--root", str(tmp_path), "audit"], capsys)
    assert code == 2
    assert "pyproject.toml:7:" in err
    assert snapshot(tmp_path) == before


def test_unknown_key_suggests_the_right_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_repo(
        tmp_path, CONFIG.replace("[tool.ssot-migrate]\n", '[tool.ssot-migrate]\nexlude = ["x"]\n')
    )
    code, _, err = run(["--root", str(tmp_path), "audit"], capsys)
    assert code == 2
    assert "exlude" in err and "did you mean 'exclude'" in err


def test_wrong_type(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_repo(
        tmp_path,
        CONFIG.replace(
            'canonical = "app.engine.Engine" }', 'canonical = "app.engine.Engine", target = "0" }'
        ),
    )
    code, _, err = run(["--root", str(tmp_path), "audit"], capsys)
    assert code == 2
    assert "phases[0].symbols[0].target" in err


def test_symbol_path_not_a_dotted_identifier(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_repo(tmp_path, CONFIG.replace("app.engine.Engine", "app.engine..Engine"))
    code, _, err = run(["--root", str(tmp_path), "audit"], capsys)
    assert code == 2
    assert "app.engine..Engine" in err


def test_canonical_module_missing_names_the_real_definition(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_repo(tmp_path, CONFIG.replace("app.engine.Engine", "app.engines.Engine"))
    code, _, err = run(["--root", str(tmp_path), "audit"], capsys)
    assert code == 2
    assert "no module 'app.engines'" in err
    assert "app.engine.Engine" in err  # the closest real path


def test_canonical_module_not_binding_the_symbol_lists_what_it_defines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_repo(tmp_path, CONFIG.replace("app.engine.Engine", "app.engine.Motor"))
    code, _, err = run(["--root", str(tmp_path), "audit"], capsys)
    assert code == 2
    assert "does not bind 'Motor'" in err and "it defines Engine" in err


@pytest.mark.parametrize(
    ("files", "canonical"),
    [
        ({}, "app.user.Engine"),  # a module that imports it from the definition
        ({"app/__init__.py": b"from .engine import Engine\n"}, "app.Engine"),  # a facade
        (
            {"app/facade.py": b"from app import engine as _e\n\nEngine = _e.Engine\n"},
            "app.facade.Engine",
        ),
        (
            {"app/engine.py": b"class _Factory:\n    pass\n\nEngine = _Factory\n"},
            "app.engine.Engine",
        ),
    ],
    ids=[
        "importer",
        "package-facade",
        "alias-of-a-module-attribute",
        "public-alias-of-a-private-class",
    ],
)
def test_a_facade_or_alias_canonical_is_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], files: dict[str, bytes], canonical: str
) -> None:
    """Canonical is whatever path the team names, as long as it reaches the object."""
    make_repo(tmp_path, CONFIG.replace("app.engine.Engine", canonical), files)
    code, out, err = run(["--root", str(tmp_path), "audit", "--format", "json"], capsys)
    assert code == 0, err
    assert '"canonical": "' + canonical + '"' in out


@pytest.mark.parametrize(
    ("files", "canonical", "message"),
    [
        ({}, "nope.Engine", "canonical 'nope.Engine': no module 'nope' under the source roots"),
        ({"app/user.py": b"from app import engine as Engine\n"}, "app.user.Engine",
         "'app.user.Engine' is bound to the module app.engine, not to an object in it"),
        ({"app/user.py": b"from collections import OrderedDict as Engine\n"}, "app.user.Engine",
         "'app.user.Engine' is bound to collections.OrderedDict, which is not defined under"),
        ({"app/user.py": b"from app.gone import Engine\n"}, "app.user.Engine",
         "app.user binds 'Engine', but it resolves nowhere (no module named 'app.gone')"),
    ],
    ids=["missing-module", "bound-to-a-module", "bound-outside-the-source-roots", "bound-to-nothing"],
)  # fmt: skip
def test_canonical_bound_to_no_object_of_the_repository_is_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, bytes],
    canonical: str,
    message: str,
) -> None:
    make_repo(tmp_path, CONFIG.replace("app.engine.Engine", canonical), files)
    before = snapshot(tmp_path)
    code, _, err = run(["--root", str(tmp_path), "run", "phase2", "--no-commit"], capsys)
    assert code == 2
    assert message in err
    cache = ".ssot-migrate-cache"
    assert {rel: d for rel, d in snapshot(tmp_path).items() if not rel.startswith(cache)} == before


def test_a_hint_never_proposes_a_private_path_when_a_public_one_exists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {"app/_impl.py": b"class Engine:\n    pass\n"}
    make_repo(tmp_path, CONFIG.replace("app.engine.Engine", "app.engines.Engine"), files)
    code, _, err = run(["--root", str(tmp_path), "audit"], capsys)
    assert code == 2
    assert "Engine is defined at app.engine.Engine: use that" in err
    assert "_impl" not in err


def test_a_hint_names_a_private_definition_as_private(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {"app/engine.py": b"class _Factory:\n    pass\n"}
    config = CONFIG.replace("app.engine.Engine", "app.engines._Factory")
    make_repo(tmp_path, config, files)
    code, _, err = run(["--root", str(tmp_path), "audit"], capsys)
    assert code == 2
    assert "defined at app.engine._Factory (a private path): name a public path" in err


def test_legacy_path_no_module_could_serve_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A declared legacy path must name a module that binds the name, or one whose module
    __getattr__ may serve it; a missing module or a plain module is an error at its key."""
    legacy = ', legacy = ["app.Engine", "app.lazy.Engine", "app.engin.Engine"]'
    config = CONFIG.replace('"app.engine.Engine" }', f'"app.engine.Engine"{legacy} }}')
    lazy = (
        b"def __getattr__(name):\n    from app import engine\n\n    return getattr(engine, name)\n"
    )
    make_repo(tmp_path, config, {"app/lazy.py": lazy})
    sources = {rel: data for rel, data in snapshot(tmp_path).items() if rel.endswith(".py")}
    for command in (["audit"], ["run", "phase2", "--no-commit"], ["plan"]):
        code, _, err = run(["--root", str(tmp_path), *command], capsys)
        assert code == 2, command
        assert {rel: data for rel, data in snapshot(tmp_path).items() if rel in sources} == sources
        assert err.count("legacy '") == 2  # app.lazy.Engine may come from its __getattr__
        key = "tool.ssot-migrate.phases[0].symbols[0].legacy"
        assert (
            f"pyproject.toml:5: {key}[0]: legacy 'app.Engine': app does not bind 'Engine' and "
            "has no module-level __getattr__ that could serve it lazily" in err
        )
        assert f"{key}[2]: legacy 'app.engin.Engine': no module 'app.engin'" in err
        assert "did you mean module 'app.engine'?" in err
        assert "(Engine is defined at app.engine.Engine)" in err


def test_two_phases_with_the_same_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    second = '\n[[tool.ssot-migrate.phases]]\nname = "phase2"\nsymbols = []\n'
    make_repo(tmp_path, CONFIG + second)
    code, _, err = run(["--root", str(tmp_path), "audit"], capsys)
    assert code == 2
    assert "phase2" in err and "phases[1].name" in err


def test_two_phases_claiming_one_symbol_with_different_canonicals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    second = (
        '\n[[tool.ssot-migrate.phases]]\nname = "phase3"\n'
        'symbols = [{ name = "Engine", canonical = "app.user.Engine" }]\n'
    )
    make_repo(tmp_path, CONFIG + second)
    code, _, err = run(["--root", str(tmp_path), "audit"], capsys)
    assert code == 2
    assert "phases[1].symbols[0]" in err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["audit", "--phase", "phase9"], "unknown phase 'phase9'"),
        (["audit", "--symbol", "Engin"], "did you mean 'Engine'?"),
        (["audit", "--group-by", "team"], "unknown grouping 'team'"),
        (["audit", "--group-by", "dir:zero"], "dir depth 'zero'"),
        (["audit", "--group-by", "owner"], "CODEOWNERS"),
        (["audit", "--check", "--baseline", "missing.json"], "no baseline at"),
        (["audit", "--format", "xml"], "xml"),
    ],
)
def test_unknown_names_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    make_repo(tmp_path)
    code, _, err = run(["--root", str(tmp_path), *args], capsys)
    assert code == 2
    assert needle in err


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"from app.engine import Engine\n\x00\x01binary", "binary file"),
        (b"from app.engine import Engine\nx = '\xff\xfe'\n", "not valid text"),
        (b"from app.engine import Engine\ndef broken(:\n", "invalid syntax"),
    ],
    ids=["binary", "non-utf8", "syntax-error"],
)
def test_unparseable_source_is_reported_and_the_run_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, reason: str
) -> None:
    make_repo(tmp_path, files={"app/bad.py": content})
    code, out, err = run(["--root", str(tmp_path), "audit", "--format", "json"], capsys)
    assert code == 3
    assert "skipped app/bad.py:" in err and reason in err
    assert '"sites": 1' in out  # app/user.py still counted


def test_empty_file_is_fine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_repo(tmp_path, files={"app/empty.py": b""})
    code, _, _ = run(["--root", str(tmp_path), "audit"], capsys)
    assert code == 1 or code == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file; see the test below")
def test_unreadable_file_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_repo(tmp_path, files={"app/secret.py": b"from app.engine import Engine\n"})
    (tmp_path / "app" / "secret.py").chmod(0)
    code, _, err = run(["--root", str(tmp_path), "audit"], capsys)
    assert code == 3
    assert "skipped app/secret.py:1: Permission denied" in err


def test_file_vanishing_between_discovery_and_read_is_reported(tmp_path: Path) -> None:
    """The same code path as an unreadable file, reproducible as root: the read fails."""
    make_repo(tmp_path, files={"app/gone.py": b"from app.engine import Engine\n"})
    files = discover_files(tmp_path, [tmp_path], [])
    (tmp_path / "app" / "gone.py").unlink()
    index = build_index(files, {"Engine"}, FactsCache(tmp_path, enabled=False), jobs=1)
    assert index.unreadable == {"app/gone.py": "No such file or directory"}
    assert "app/user.py" in index.facts


def test_console_script_exit_code_and_message(tmp_path: Path) -> None:
    """The installed entry point, as CI runs it: exit 2, one clear line, no traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "ssot_migrate.cli", "--root", str(tmp_path / "missing"), "audit"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: --root:")
    assert "Traceback" not in result.stderr
