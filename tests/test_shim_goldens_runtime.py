"""The generated shims of the golden cases with a ``[shims]`` table, their `after/` imported
for real: every legacy path the table lists is the canonical object and warns exactly once,
at the importer's line.

Under every CPython from 3.8 (the oldest a project may declare by default) that is
installed: the running one, pyenv's (``~/.pyenv/versions/3.X.*``) and ``python3.X`` on
PATH; the others are skipped, saying so. `runtime_check`'s child scripts run there too."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from goldens import case_specs

from ssot_migrate.checks.runtime import check_paths, compare_modules
from ssot_migrate.checks.runtime_results import PathCheck, format_comparisons
from ssot_migrate.shims.block import BEGIN, served_names

CANONICAL = "app.agents.execution_engine.ExecutionEngine"
SPECS = {folder: spec["shims"] for folder, spec in case_specs().items() if "shims" in spec}
CASES = sorted(SPECS)
PYENV = Path.home() / ".pyenv" / "versions"
OLDEST, NEWEST_KNOWN = 8, 13
"""Minor versions of 3.x always listed (skipped when absent); newer installed ones join."""


def installed() -> dict[int, Path]:
    """The newest pyenv patch release of each CPython 3.X installed, by minor version."""
    found: dict[int, tuple[int, Path]] = {}
    for python in PYENV.glob("3.*.*/bin/python3"):
        version = re.fullmatch(r"3\.(\d+)\.(\d+)", python.parent.parent.name)
        if version is not None:
            minor, patch = int(version.group(1)), int(version.group(2))
            if patch >= found.get(minor, (-1, python))[0]:
                found[minor] = (patch, python)
    return {minor: python for minor, (_, python) in found.items()}


def interpreter(minor: int) -> str | None:
    if (3, minor) == sys.version_info[:2]:
        return sys.executable
    found = PYENV_PYTHONS.get(minor)
    return str(found) if found is not None else shutil.which(f"python3.{minor}")


PYENV_PYTHONS = installed()
MINORS = sorted(
    {*range(OLDEST, NEWEST_KNOWN + 1), sys.version_info[1]}
    | {m for m in PYENV_PYTHONS if m >= OLDEST}
)


@pytest.mark.parametrize("minor", MINORS, ids=[f"py3.{m}" for m in MINORS])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_shim_golden_serves_the_same_object_and_warns_at_the_importer(
    case: Path, minor: int
) -> None:
    """`legacy` paths of case.toml; optional `canonical` (default: CANONICAL) and the
    `category` of the one warning (default: DeprecationWarning)."""
    python = interpreter(minor)
    if python is None:
        pytest.skip(f"CPython 3.{minor} is not installed (not in {PYENV}, no python3.{minor})")
    spec = SPECS[case]
    legacy, canonical = spec["legacy"], spec.get("canonical", CANONICAL)
    category = spec.get("category", "DeprecationWarning")
    tree = case / "after" if (case / "after").is_dir() else case / "before"
    results = check_paths([tree], [PathCheck(path, canonical) for path in legacy], python)
    assert [(r.legacy, r.same_object, r.warned_at_importer, r.error) for r in results] == [
        (path, True, True, None) for path in legacy
    ]
    assert [[w[0] for w in r.warnings] for r in results] == [[category] for _ in legacy]


def shimmed_modules(tree: Path) -> list[str]:
    """The modules of `tree` that hold a generated shim block."""
    return sorted(
        ".".join(path.relative_to(tree).with_suffix("").parts).removesuffix(".__init__")
        for path in tree.rglob("*.py")
        if BEGIN in path.read_text()
    )


SHIMMED = [c for c in CASES if (c / "after").is_dir() and shimmed_modules(c / "after")]


@pytest.mark.parametrize("case", SHIMMED, ids=[c.name for c in SHIMMED])
def test_shim_golden_modules_keep_every_attribute_they_had_before(case: Path) -> None:
    """Each shimmed module of `after/`, imported beside its `before/` self: every attribute
    it had is still reachable and the same object (a submodule its removed import loaded
    included); `verify --runtime`'s own comparison."""
    after = case / "after"
    modules = shimmed_modules(after)
    served = {
        module: [m.name for m in served_names(path.read_bytes())]
        for module in modules
        for path in [
            after / module.replace(".", "/") / "__init__.py",
            after / f"{module.replace('.', '/')}.py",
        ]
        if path.is_file()
    }
    found = compare_modules([case / "before"], [after], modules, served)
    assert format_comparisons([c for c in found if not c.ok]) == []
    assert all(c.note is None and c.compared for c in found)


# The child imports a legacy path with warnings recorded, takes the statement the warning
# advises, runs it in a fresh namespace and says whether it bound the legacy local name to
# the very same object.
ADVICE_SCRIPT = """
import json, re, sys, warnings
root, module, name = sys.argv[1:]
sys.path.insert(0, root)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    imported = {}
    exec("from %s import %s" % (module, name), imported)
messages = [str(w.message) for w in caught]
advised = [m.group(1) for m in (re.search(r'use "([^"]*)" instead', t) for t in messages) if m]
fresh = {}
for statement in advised:
    exec(statement, fresh)
print(json.dumps({"messages": messages, "advised": advised,
                  "same": name in fresh and fresh[name] is imported[name]}))
"""


def shimmed_paths() -> list[tuple[Path, str, str]]:
    """(tree, legacy path, canonical) of every golden's legacy path a generated block serves."""
    found = []
    for case in CASES:
        spec = SPECS[case]
        tree = case / "after"
        for path in spec["legacy"]:
            parts = path.split(".")[:-1]
            files = [tree.joinpath(*parts).with_suffix(".py"), tree.joinpath(*parts, "__init__.py")]
            if any(f.is_file() and BEGIN in f.read_text() for f in files):
                found.append((tree, path, spec.get("canonical", CANONICAL)))
    return found


SHIMMED = shimmed_paths()


@pytest.mark.parametrize(
    ("tree", "legacy", "canonical"), SHIMMED, ids=[f"{t.parent.name}:{p}" for t, p, _ in SHIMMED]
)
def test_the_warning_advises_a_statement_that_binds_the_same_object(
    tree: Path, legacy: str, canonical: str
) -> None:
    module, _, name = legacy.rpartition(".")
    done = subprocess.run(
        [sys.executable, "-c", ADVICE_SCRIPT, str(tree), module, name],
        capture_output=True,
        text=True,
        check=True,
    )
    seen = json.loads(done.stdout)
    canonical_module, _, canonical_name = canonical.rpartition(".")
    alias = "" if name == canonical_name else f" as {name}"
    assert seen["advised"] == [f"from {canonical_module} import {canonical_name}{alias}"]
    assert seen["messages"][0].startswith(f"{legacy} is deprecated")
    assert seen["same"] is True
