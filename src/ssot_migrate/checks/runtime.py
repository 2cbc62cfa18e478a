"""`verify --runtime`: prove legacy import paths at runtime, in the target repo's interpreter.

For each (legacy, canonical) pair, fresh subprocesses of that interpreter (the user's code
is never imported into this process) check that the legacy path gives the very same object
as the canonical one, that importing it warns exactly once, at the importing line, and how
long ``from <module> import <name>`` takes for each path in a fresh process. And for each
shimmed module, fresh imports from the tree before the phase and from the current one
(`compare_modules`): every attribute it had is still reachable, the same object.

The programs the subprocesses run are in `runtime_probes`, running them in `runtime_runner`,
the values and their report lines in `runtime_results`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from ssot_migrate.base.dotted import is_dotted_identifier, split_path
from ssot_migrate.checks.runtime_probes import (
    ATTRIBUTES_SCRIPT,
    IDENTITY_SCRIPT,
    IMPORTER_LINE,
    IMPORTER_NAME,
    RESULT_MARKER,
    TIMING_SCRIPT,
    importer_source,
)
from ssot_migrate.checks.runtime_results import (
    AttributeChange,
    ModuleComparison,
    PathCheck,
    PathResult,
)
from ssot_migrate.checks.runtime_runner import (
    Runner,
    child_result,
    env,
    exit_reason,
    parse_elapsed,
    seeded_env,
)


def check_paths(
    sys_path: Sequence[Path],
    checks: Sequence[PathCheck],
    python: str = sys.executable,
    timeout: float = 60.0,
) -> list[PathResult]:
    """One result per check, in order; `timeout` applies to each subprocess.

    Failures of the user's code (an import that raises, a missing module, a timeout) are
    results with `error` set; only an interpreter that cannot be started raises
    (`UsageError`).
    """
    runner = Runner(python, tuple(str(Path(p).absolute()) for p in sys_path), env(), timeout)
    return [_check(runner, check) for check in checks]


def _check(runner: Runner, check: PathCheck) -> PathResult:
    for path in (check.legacy, check.canonical):
        if not (is_dotted_identifier(path) and split_path(path)[0]):
            return _failed(check, f"not a dotted path to a name in a module: {path!r}")
    try:
        seen = _observe(runner, check)
    except subprocess.TimeoutExpired:
        return _failed(check, f"timed out after {runner.timeout:g} s importing {check.legacy}")
    error = _str_or_none(seen.get("error"))
    warnings = _warnings(seen.get("warnings"))
    if error is not None:
        return _failed(check, error, warnings)
    importer = seen.get("importer")
    same = seen.get("same")
    legacy_us, legacy_error = _import_time(runner, check.legacy)
    canonical_us, canonical_error = _import_time(runner, check.canonical)
    return PathResult(
        legacy=check.legacy,
        canonical=check.canonical,
        same_object=same if isinstance(same, bool) else None,
        warnings=warnings,
        warned_at_importer=[(w[1], w[2]) for w in warnings] == [(importer, IMPORTER_LINE)],
        legacy_import_us=legacy_us,
        canonical_import_us=canonical_us,
        error=legacy_error or canonical_error,
        own_deprecation=check.own_deprecation,
        shimmed=check.shimmed,
    )


def _failed(
    check: PathCheck, error: str, warnings: tuple[tuple[str, str, int], ...] = ()
) -> PathResult:
    return PathResult(
        check.legacy, check.canonical, None, warnings, False, None, None, error,
        check.own_deprecation, check.shimmed,
    )  # fmt: skip


def _observe(runner: Runner, check: PathCheck) -> dict[str, object]:
    """The identity run: the child's JSON result, or ``{"error": ...}``."""
    module, name = split_path(check.legacy)
    canonical_module, canonical_name = split_path(check.canonical)
    args = {
        "roots": list(runner.roots),
        "importer_name": IMPORTER_NAME,
        "importer": importer_source(module, name),
        "name": name,
        "canonical": f"from {canonical_module} import {canonical_name} as canonical_object\n",
        "marker": RESULT_MARKER,
    }
    done = runner.run(["-c", IDENTITY_SCRIPT, json.dumps(args)])
    return child_result(runner, done)


def _import_time(runner: Runner, path: str) -> tuple[int | None, str | None]:
    """Microseconds that ``from <module> import <name>`` of `path` takes in a fresh
    process, or an error."""
    module, name = split_path(path)
    script = TIMING_SCRIPT.format(module=module, name=name, marker=RESULT_MARKER)
    try:
        done = runner.run(["-c", script, *runner.roots])
    except subprocess.TimeoutExpired:
        return None, f"timed out after {runner.timeout:g} s importing {path} alone"
    if done.returncode != 0:
        return None, f"importing {path} alone failed: {exit_reason(done)}"
    return parse_elapsed(done.stdout), None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _warnings(value: object) -> tuple[tuple[str, str, int], ...]:
    if not isinstance(value, list):
        return ()
    return tuple(
        (str(item[0]), str(item[1]), int(item[2]))
        for item in value
        if isinstance(item, list) and len(item) == 3
    )


UNCOMPARED = (
    "__annotations__",
    "__builtins__",
    "__cached__",
    "__file__",
    "__loader__",
    "__path__",
    "__spec__",
)
"""Not compared: what says where and how the module was loaded (another tree, another
path), and the annotations a generated shim block adds to."""


def compare_modules(
    before_roots: Sequence[Path],
    after_roots: Sequence[Path],
    modules: Sequence[str],
    served: Mapping[str, Collection[str]],
    python: str = sys.executable,
    timeout: float = 60.0,
) -> list[ModuleComparison]:
    """Each of `modules` imported in fresh interpreters from `before_roots` (twice) and from
    `after_roots`: every attribute it had before must still be there (getattr works; a
    moved name may warn) and be the same object, by an identity that holds across
    processes: a module by ``__name__``; a class, function or other callable with a
    ``__qualname__`` by ``__module__`` + ``__qualname__``; anything else by its type and its
    ``repr`` with memory addresses masked (long ones by length and digest). A value the
    two imports of the base disagree on (a timestamp, a random token) is compared by type
    only. New attributes are fine; `UNCOMPARED` ones are not looked at. `served`: the names
    each module's generated block serves, looked up after all others (serving one imports
    its canonical module, which could set the very submodule attribute the module lost).
    """
    before = Runner(python, _absolute(before_roots), seeded_env(), timeout)
    after = Runner(python, _absolute(after_roots), seeded_env(), timeout)
    return [_compare(before, after, module, served.get(module, ())) for module in modules]


def _absolute(roots: Sequence[Path]) -> tuple[str, ...]:
    return tuple(str(Path(p).absolute()) for p in roots)


def _compare(before: Runner, after: Runner, module: str, last: Collection[str]) -> ModuleComparison:
    first = _attributes(before, module, None, last)
    if first.get("error") is not None:
        return ModuleComparison(module, 0, note=f"cannot import it from the base: {first['error']}")
    base = _described(first.get("attributes"))
    again = _described(_attributes(before, module, sorted(base), last).get("attributes"))
    now = _attributes(after, module, sorted(base), last)
    if now.get("error") is not None:
        return ModuleComparison(module, len(base), error=str(now["error"]))
    current = _described(now.get("attributes"))
    missing = now.get("missing")
    missing = missing if isinstance(missing, dict) else {}
    changes = []
    for name, (kind, detail) in sorted(base.items()):
        was = f"{kind} {detail}"
        if name not in current:
            error = str(missing.get(name, "not reported"))
            changes.append(AttributeChange(name, was, error, lost=True))
            continue
        stable = again.get(name) == (kind, detail)
        new_kind, new_detail = current[name]
        if new_kind != kind or (stable and new_detail != detail):
            changes.append(AttributeChange(name, was, f"{new_kind} {new_detail}", lost=False))
    return ModuleComparison(module, len(base), tuple(changes))


def _attributes(
    runner: Runner, module: str, names: list[str] | None, last: Collection[str]
) -> dict[str, object]:
    """The child's report on `module` (``names``: None for all it has), or ``{"error": ...}``."""
    args = {
        "roots": list(runner.roots),
        "module": module,
        "names": names,
        "last": sorted(last),
        "skipped": list(UNCOMPARED),
        "marker": RESULT_MARKER,
    }
    try:
        done = runner.run(["-c", ATTRIBUTES_SCRIPT, json.dumps(args)])
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {runner.timeout:g} s"}
    return child_result(runner, done)


def _described(value: object) -> dict[str, tuple[str, str]]:
    if not isinstance(value, dict):
        return {}
    return {
        str(name): (str(pair[0]), str(pair[1]))
        for name, pair in value.items()
        if isinstance(pair, list) and len(pair) == 2
    }


_IMPORT_PROBE = """
import importlib, json, sys, warnings
args = json.loads(sys.argv[1])
sys.path[:0] = args["roots"]
found = {}
for path in args["paths"]:
    module, _, name = path.rpartition(".")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            getattr(importlib.import_module(module), name)
        found[path] = None
    except Exception as error:
        found[path] = type(error).__name__ + ": " + str(error)
sys.stdout.write("\\n" + args["marker"] + json.dumps(found) + "\\n")
"""


def import_failures(
    roots: Sequence[Path], paths: Sequence[str], python: str = sys.executable, timeout: float = 60.0
) -> dict[str, str | None]:
    """``from module import name`` for each dotted path in a fresh interpreter: the error
    each raised, or None for a path that still imports (a timed-out or crashed child says
    so for every path)."""
    runner = Runner(python, _absolute(roots), seeded_env(), timeout)
    args = {"roots": list(runner.roots), "paths": list(paths), "marker": RESULT_MARKER}
    try:
        done = runner.run(["-c", _IMPORT_PROBE, json.dumps(args)])
    except subprocess.TimeoutExpired:
        return dict.fromkeys(paths, f"timed out after {timeout:g} s")
    result = child_result(runner, done)
    if "error" in result and not set(paths) & set(result):
        return dict.fromkeys(paths, str(result["error"]))
    return {p: None if result.get(p) is None else str(result.get(p)) for p in paths}
