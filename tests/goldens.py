"""Golden cases: `fixtures/<group>/<sentence_name>/` with `before/`, optional `after/`,
`case.toml` (args, exit_code, stdout file, optional stderr file) and the expected output.

Each case is copied to a temporary folder, run through `main()` twice: the first run must
turn `before/` into `after/` (or leave it untouched when there is no `after/`) and print
the expected output; the second run must change nothing.
"""

from __future__ import annotations

import shutil
import textwrap
import tomllib
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
IGNORED = {".ssot-migrate-cache", "__pycache__"}


@dataclass(frozen=True)
class Case:
    folder: Path
    args: list[str]
    exit_code: int
    stdout: str | None
    stderr: str | None = None
    """Expected stderr file (the run summary goes there, so `--dry-run > x.patch` works)."""
    importable: bool = False
    """Every module of the resulting tree imports in a fresh interpreter (no module of the
    migration imports a half-initialised one)."""

    @property
    def name(self) -> str:
        return f"{self.folder.parent.name}/{self.folder.name}"


def load_cases(group: str) -> list[Case]:
    cases: list[Case] = []
    if not (FIXTURES / group).is_dir():
        return cases
    for folder in sorted((FIXTURES / group).iterdir()):
        spec = folder / "case.toml"
        if not spec.is_file():
            continue
        data = tomllib.loads(spec.read_text())
        cases.append(Case(folder, list(data["args"]), int(data.get("exit_code", 0)),
                          data.get("stdout"), data.get("stderr"),
                          bool(data.get("importable", False))))  # fmt: skip
    return cases


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file below `root` with its exact bytes (caches left out)."""
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not IGNORED & set(path.relative_to(root).parts):
            files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def copy_case(case: Case, destination: Path) -> Path:
    work = destination / "repo"
    shutil.copytree(case.folder / "before", work, symlinks=True)
    return work


IMPORT_ALL = """
import importlib, json, pathlib, sys, traceback
root = pathlib.Path(sys.argv[1])
failed = []
for path in sorted(root.rglob("*.py")):
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    try:
        importlib.import_module(".".join(parts))
    except BaseException:
        failed.append(".".join(parts) + ": " + traceback.format_exc().strip().splitlines()[-1])
sys.stdout.write("\\n@@failures@@" + json.dumps(failed) + "\\n")
"""


def import_every_module(root: Path) -> str:
    """Import every module under `root` (a source root) in a fresh interpreter, in path
    order; the failures, one per line (empty when all import). What the modules print is
    ignored."""
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", IMPORT_ALL, str(root)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    marker = "@@failures@@"
    if marker not in done.stdout:
        return f"the import script did not finish: {done.stderr.strip()}"
    return "\n".join(json.loads(done.stdout.rpartition(marker)[2]))


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write `files` (rel -> text, dedented) under `root`; returns `root`."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root
