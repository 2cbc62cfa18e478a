"""Golden cases: `fixtures/cases/<sentence_name>/`, one folder per case holding both what
the audit says of `before/` and what a run makes of it.

`case.toml` has a table per expectation: ``[audit]`` (args, exit_code, the stdout file,
optional stderr file), ``[run]`` (args, exit_code, optional stdout and stderr files,
`importable`; the tree it makes is `after/`, or `before/` untouched when there is no
`after/`), and for a run that generates shims ``[shims]`` (the legacy paths imported for
real after it, see test_shim_goldens_runtime). Each case is copied to a temporary folder
and run through `main()` twice: the first run must give the expected output (and `after/`),
the second must change nothing.
"""

from __future__ import annotations

import shutil
import textwrap
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CASES = FIXTURES / "cases"
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
        return self.folder.name


def case_specs() -> dict[Path, dict[str, Any]]:
    """Every case folder and its `case.toml`, in name order."""
    return {
        folder: tomllib.loads((folder / "case.toml").read_text())
        for folder in sorted(CASES.iterdir())
        if (folder / "case.toml").is_file()
    }


def load_cases(kind: str) -> list[Case]:
    """The cases with a `kind` table (``audit`` or ``run``)."""
    cases: list[Case] = []
    for folder, spec in case_specs().items():
        data = spec.get(kind)
        if data is None:
            continue
        cases.append(Case(folder, list(data["args"]), int(data.get("exit_code", 0)),
                          data.get("stdout"), data.get("stderr"),
                          bool(data.get("importable", False))))  # fmt: skip
    return cases


def expected_files(folder: Path) -> set[str]:
    """The names a case folder may hold: its case.toml, before/, after/ and the output files
    its tables name."""
    spec = tomllib.loads((folder / "case.toml").read_text())
    return {"case.toml", "before", "after"} | {
        value
        for table in spec.values()
        if isinstance(table, dict)
        for key, value in table.items()
        if key in ("stdout", "stderr")
    }


def prune_expected(folder: Path) -> list[str]:
    """Remove the files of a case folder no expectation names any more (`--update-goldens`:
    an output a case no longer checks must not linger as if it did); what was removed."""
    named = expected_files(folder)
    removed = []
    for path in sorted(folder.iterdir()):
        if path.name not in named:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
            removed.append(path.name)
    return removed


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
