"""The audit path stays light: LibCST (~0.3 s to import), GitPython and Jinja2 are imported
only by the commands that use them, so a warm audit is dominated by work, not imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_audit_does_not_import_heavy_libraries(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ssot-migrate]\n[[tool.ssot-migrate.phases]]\nname = "p"\n'
        'symbols = [{ name = "A", canonical = "pkg.mod.A" }]\n'
    )
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "mod.py").write_text("class A:\n    pass\n")
    script = (
        "import sys\n"
        "from ssot_migrate.cli.main import main\n"
        f"code = main(['--root', {str(tmp_path)!r}, 'audit', '--format', 'json'])\n"
        "heavy = sorted(m for m in ('libcst', 'git', 'jinja2', 'rich') if m in sys.modules)\n"
        "print('HEAVY', heavy, code)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert "HEAVY [] 0" in out
