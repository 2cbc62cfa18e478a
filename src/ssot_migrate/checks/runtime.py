"""`verify --runtime`: prove legacy import paths at runtime, in the target repo's interpreter.

For each (legacy, canonical) pair, fresh subprocesses of that interpreter (the user's code
is never imported into this process) check that the legacy path gives the very same object
as the canonical one, that importing it warns exactly once, at the importing line, and how
long ``from <module> import <name>`` takes for each path in a fresh process. And for each
shimmed module, fresh imports from the tree before the phase and from the current one
(`compare_modules`): every attribute it had is still reachable, the same object.

The importer file lives in a temporary folder the child interpreter creates and removes:
this package writes files only through `ssot_migrate.io.workspace`, and the folder is outside
the user's tree. ``PYTHONDONTWRITEBYTECODE=1`` keeps ``__pycache__`` out of it too, so the
timings include compiling any module that has no bytecode cache yet.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ssot_migrate.base.dotted import is_dotted_identifier, split_path
from ssot_migrate.base.errors import Problem, UsageError

IMPORTER_NAME = "ssot_migrate_importer.py"
IMPORTER_LINE = 2
"""The line of the importer file that holds ``from <legacy module> import <name>``."""
RESULT_MARKER = "@@ssot-migrate-result@@ "
"""Prefixes the child's JSON line, so what user code prints at import time is ignored."""

# Runs in the target interpreter (any Python 3.6+): stdlib imports come first, before the
# source roots shadow anything, and `os._exit` ends the child even if user code left
# non-daemon threads or atexit hooks behind.
_IDENTITY_SCRIPT = r"""
import json, os, runpy, sys, tempfile, traceback, warnings

ARGS = json.loads(sys.argv[1])
sys.path[:] = ARGS["roots"] + [entry for entry in sys.path if entry]


def describe(stage, error, importer):
    text = str(error).strip().splitlines()
    line = type(error).__name__ + (": " + text[0] if text else "")
    frames = traceback.extract_tb(error.__traceback__)
    if frames:
        where = frames[-1]
        if where.filename != importer and not where.filename.startswith("<"):
            line += " (at %s:%d)" % (where.filename, where.lineno)
    return stage + " failed: " + line


def observe(folder):
    result = {"same": None, "warnings": [], "error": None}
    importer = os.path.join(folder, ARGS["importer_name"])
    with open(importer, "w", encoding="utf-8") as stream:
        stream.write(ARGS["importer"])
    result["importer"] = importer
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # Code under test may replace warnings.showwarning at import time (Airflow does);
        # the recorder stays in place so no warning escapes the count.
        recorder = warnings.showwarning
        keep = type(warnings)

        class Guarded(keep):
            def __setattr__(self, name, value):
                if name != "showwarning":
                    keep.__setattr__(self, name, value)

        warnings.__class__ = Guarded
        try:
            legacy = runpy.run_path(importer, run_name="ssot_migrate_importer")[ARGS["name"]]
        except BaseException as error:
            result["error"] = describe("legacy import", error, importer)
        finally:
            warnings.__class__ = keep
            warnings.showwarning = recorder
    result["warnings"] = [[w.category.__name__, w.filename, w.lineno] for w in caught]
    if result["error"] is not None:
        return result
    space = {}
    try:
        exec(ARGS["canonical"], space)
    except BaseException as error:
        result["error"] = describe("canonical import", error, "<canonical>")
        return result
    result["same"] = legacy is space["canonical_object"]
    return result


with tempfile.TemporaryDirectory(prefix="ssot-migrate-") as folder:
    result = observe(folder)
os.write(1, ("\n" + ARGS["marker"] + json.dumps(result) + "\n").encode("ascii"))
os._exit(0)
"""

# Times the statement a user writes, ``from <module> import <name>``, in a fresh process: for
# a lazy path that includes what its `__getattr__` imports, so a legacy path is never shown
# as cheaper than the canonical module it ends up importing.
_TIMING_SCRIPT = (
    "import os, sys, time, warnings\n"
    "sys.path[:] = sys.argv[1:] + [entry for entry in sys.path if entry]\n"
    "warnings.simplefilter('ignore')\n"
    "start = time.perf_counter()\n"
    "from {module} import {name}\n"
    "elapsed = time.perf_counter() - start\n"
    "sys.stdout.write('\\n{marker}%d\\n' % round(elapsed * 1e6))\n"
    "sys.stdout.flush()\n"
    "os._exit(0)\n"
)


@dataclass(frozen=True, slots=True)
class PathCheck:
    legacy: str
    """Dotted path, e.g. ``app.agents.engine.ExecutionEngine``."""
    canonical: str
    """Dotted path, e.g. ``app.agents.execution_engine.ExecutionEngine``."""
    own_deprecation: bool = False
    """The legacy module's own ``__getattr__`` deprecates the name (the shim left it to
    it): its warnings are the project's, so any number of them anywhere is fine."""
    shimmed: bool = True
    """A generated block on disk serves the path (or its module's own ``__getattr__``
    deprecates it): it must warn. A public path whose module took no shim (none could run
    on the project's Python, or `--no-shims`) is checked for identity only."""


@dataclass(frozen=True, slots=True)
class PathResult:
    legacy: str
    canonical: str
    same_object: bool | None
    """None when an import failed."""
    warnings: tuple[tuple[str, str, int], ...]
    """(category name, filename, line) of each warning raised importing the legacy path."""
    warned_at_importer: bool
    """Exactly one warning, located at the importer file's import line."""
    legacy_import_us: int | None
    """Microseconds ``from <legacy module> import <name>`` takes in a fresh process (for a
    lazy path, including what its ``__getattr__`` imports)."""
    canonical_import_us: int | None
    error: str | None
    """One line: what went wrong (an import's exception, a timeout, ...)."""
    own_deprecation: bool = False
    """See `PathCheck.own_deprecation`: then at least one warning, anywhere, is enough."""
    shimmed: bool = True
    """See `PathCheck.shimmed`: an unshimmed path owes no warning."""

    @property
    def warned(self) -> bool:
        """The deprecation the path must give: one warning at the importer, or the module's
        own (at least one warning, its category and place are the project's choice); none
        where no shim serves the path."""
        if not self.shimmed:
            return True
        return self.warned_at_importer or (self.own_deprecation and bool(self.warnings))

    @property
    def ok(self) -> bool:
        return self.same_object is True and self.warned and self.error is None


@dataclass(frozen=True, slots=True)
class _Runner:
    """Runs the target interpreter with the source roots first on its sys.path."""

    python: str
    roots: tuple[str, ...]
    env: dict[str, str]
    timeout: float

    def run(self, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        """Raises `subprocess.TimeoutExpired`; a missing interpreter is a `UsageError`."""
        try:
            return subprocess.run(
                [self.python, *args],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                env=self.env,
                timeout=self.timeout,
                text=True,
                encoding="utf-8",
                errors="replace",
                check=False,
            )
        except OSError as error:
            problem = Problem("--python", f"cannot run {self.python}: {error.strerror or error}")
            raise UsageError([problem]) from None


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
    runner = _Runner(python, tuple(str(Path(p).absolute()) for p in sys_path), _env(), timeout)
    return [_check(runner, check) for check in checks]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _check(runner: _Runner, check: PathCheck) -> PathResult:
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


def _observe(runner: _Runner, check: PathCheck) -> dict[str, object]:
    """The identity run: the child's JSON result, or ``{"error": ...}``."""
    module, name = split_path(check.legacy)
    canonical_module, canonical_name = split_path(check.canonical)
    args = {
        "roots": list(runner.roots),
        "importer_name": IMPORTER_NAME,
        "importer": _importer_source(module, name),
        "name": name,
        "canonical": f"from {canonical_module} import {canonical_name} as canonical_object\n",
        "marker": RESULT_MARKER,
    }
    done = runner.run(["-c", _IDENTITY_SCRIPT, json.dumps(args)])
    return _child_result(runner, done)


def _child_result(runner: _Runner, done: subprocess.CompletedProcess[str]) -> dict[str, object]:
    """The JSON object a child script printed after `RESULT_MARKER` (the last such line:
    what user code prints at import time comes before it), or ``{"error": ...}``."""
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_MARKER):
            loaded = json.loads(line[len(RESULT_MARKER) :])
            if isinstance(loaded, dict):
                return loaded
    return {"error": f"no result from {runner.python} ({_exit_reason(done)})"}


def _importer_source(module: str, name: str) -> str:
    """The import goes on line `IMPORTER_LINE` (2), after a comment line."""
    return f"# written by ssot-migrate verify --runtime\nfrom {module} import {name}\n"


def _import_time(runner: _Runner, path: str) -> tuple[int | None, str | None]:
    """Microseconds that ``from <module> import <name>`` of `path` takes in a fresh
    process, or an error."""
    module, name = split_path(path)
    script = _TIMING_SCRIPT.format(module=module, name=name, marker=RESULT_MARKER)
    try:
        done = runner.run(["-c", script, *runner.roots])
    except subprocess.TimeoutExpired:
        return None, f"timed out after {runner.timeout:g} s importing {path} alone"
    if done.returncode != 0:
        return None, f"importing {path} alone failed: {_exit_reason(done)}"
    return parse_elapsed(done.stdout), None


def parse_elapsed(stdout: str) -> int | None:
    """The microseconds the timing script printed after `RESULT_MARKER` (the last such
    line: what user code prints at import time comes before it), or None."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_MARKER) and line[len(RESULT_MARKER) :].isdigit():
            return int(line[len(RESULT_MARKER) :])
    return None


def _exit_reason(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    last = lines[-1].strip() if lines else "no output"
    return f"exit code {done.returncode}: {last}"


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


def format_results(results: Sequence[PathResult]) -> list[str]:
    """One line per result, ``ok   ...`` or ``FAIL ... (reason)``."""
    return [_format(result) for result in results]


def _format(result: PathResult) -> str:
    relation = {True: "is", False: "is not", None: "->"}[result.same_object]
    head = f"{'ok  ' if result.ok else 'FAIL'} {result.legacy} {relation} {result.canonical}"
    if result.error is not None:
        return f"{head} ({result.error})"
    parts = [head, _describe_warnings(result), _describe_timing(result)]
    line = "; ".join(parts)
    if result.ok:
        return line
    reasons = []
    if result.same_object is not True:
        reasons.append("a different object")
    if not result.warned:
        reasons.append(
            "expected a warning from the module's own __getattr__"
            if result.own_deprecation
            else "expected exactly one warning, at the importing line"
        )
    return f"{line} ({'; '.join(reasons)})"


def _describe_warnings(result: PathResult) -> str:
    if not result.shimmed and not result.warnings:
        return "no warning (no shim in its module: nothing serves it with one)"
    if result.warned_at_importer:
        return "1 warning at the importer"
    if not result.warnings:
        return "no warning"
    if result.own_deprecation:
        categories = ", ".join(sorted({category for category, _, _ in result.warnings}))
        count = len(result.warnings)
        return f"deprecated by its own __getattr__ ({count} x {categories})"
    shown = ", ".join(
        f"{category} at {Path(filename).name}:{line}"
        for category, filename, line in result.warnings[:3]
    )
    more = ", ..." if len(result.warnings) > 3 else ""
    count = len(result.warnings)
    return f"{count} warning{'s' if count > 1 else ''}: {shown}{more}"


def _describe_timing(result: PathResult) -> str:
    legacy, canonical = _ms(result.legacy_import_us), _ms(result.canonical_import_us)
    return f"from-import {legacy} vs {canonical} canonical"


def _ms(microseconds: int | None) -> str:
    return "? ms" if microseconds is None else f"{microseconds / 1000:.1f} ms"


# Before and after a phase: what a module gives for each attribute, described so that two
# processes (two trees) can be compared. Runs in the target interpreter (any Python 3.6+).
_ATTRIBUTES_SCRIPT = r"""
import hashlib, importlib, json, os, re, sys, types, warnings

ARGS = json.loads(sys.argv[1])
sys.path[:] = ARGS["roots"] + [entry for entry in sys.path if entry]
ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def first_line(error):
    text = str(error).strip().splitlines()
    return type(error).__name__ + (": " + text[0] if text else "")


def describe(value):
    if isinstance(value, types.ModuleType):
        return ["module", value.__name__]
    if isinstance(value, type):
        return ["class", "%s.%s" % (value.__module__, value.__qualname__)]
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", None)
    if callable(value) and isinstance(module, str) and isinstance(qualname, str):
        return [type(value).__name__, "%s.%s" % (module, qualname)]
    kind = "%s.%s" % (type(value).__module__, type(value).__qualname__)
    try:
        text = ADDRESS.sub("0x...", repr(value))
    except Exception as error:
        return [kind, "(repr failed: %s)" % type(error).__name__]
    if len(text) > 120:
        digest = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:12]
        text = "%s... (%d characters, sha256 %s)" % (text[:80], len(text), digest)
    return [kind, text]


def observe():
    result = {"error": None, "attributes": {}, "missing": {}}
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("ignore")
        try:
            module = importlib.import_module(ARGS["module"])
        except BaseException as error:
            result["error"] = first_line(error)
            return result
        warnings.simplefilter("ignore")  # whatever the module's code set
        names = ARGS["names"]
        if names is None:
            names = set(vars(module))
            try:
                names |= set(dir(module))
            except Exception:
                pass
        # What the module holds first, then what its __getattr__ serves; the names a shim
        # serves last: serving one imports its module, which may set a lost attribute.
        present, last = set(vars(module)), set(ARGS["last"])
        order = sorted(set(names) - set(ARGS["skipped"]), key=lambda n: (n in last, n not in present, n))
        for name in order:
            try:
                value = getattr(module, name)
            except Exception as error:
                result["missing"][name] = first_line(error)
                continue
            try:
                result["attributes"][name] = describe(value)
            except Exception as error:
                result["attributes"][name] = ["?", "(description failed: %s)" % first_line(error)]
    return result


result = observe()
os.write(1, ("\n" + ARGS["marker"] + json.dumps(result) + "\n").encode("ascii"))
os._exit(0)
"""

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


@dataclass(frozen=True, slots=True)
class AttributeChange:
    attribute: str
    before: str
    """What the base gave: ``module pkg.core.engine``, ``class a.b.C``, ..."""
    after: str
    """What the current tree gives, or the error getattr raised."""
    lost: bool
    """getattr failed on the current tree (else: a different object)."""


@dataclass(frozen=True, slots=True)
class ModuleComparison:
    """One module imported from the base and from the current tree."""

    module: str
    compared: int
    """The base's attributes compared."""
    changes: tuple[AttributeChange, ...] = ()
    error: str | None = None
    """The current tree could not import it."""
    note: str | None = None
    """The base could not import it: nothing to compare."""

    @property
    def ok(self) -> bool:
        return self.error is None and not self.changes


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
    before = _Runner(python, _absolute(before_roots), _seeded_env(), timeout)
    after = _Runner(python, _absolute(after_roots), _seeded_env(), timeout)
    return [_compare(before, after, module, served.get(module, ())) for module in modules]


def _absolute(roots: Sequence[Path]) -> tuple[str, ...]:
    return tuple(str(Path(p).absolute()) for p in roots)


def _seeded_env() -> dict[str, str]:
    """A fixed hash seed: a set's repr is then the same in every process."""
    return {**_env(), "PYTHONHASHSEED": "0"}


def _compare(
    before: _Runner, after: _Runner, module: str, last: Collection[str]
) -> ModuleComparison:
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
    runner: _Runner, module: str, names: list[str] | None, last: Collection[str]
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
        done = runner.run(["-c", _ATTRIBUTES_SCRIPT, json.dumps(args)])
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {runner.timeout:g} s"}
    return _child_result(runner, done)


def _described(value: object) -> dict[str, tuple[str, str]]:
    if not isinstance(value, dict):
        return {}
    return {
        str(name): (str(pair[0]), str(pair[1]))
        for name, pair in value.items()
        if isinstance(pair, list) and len(pair) == 2
    }


def format_comparisons(comparisons: Sequence[ModuleComparison]) -> list[str]:
    """``ok`` per module whose attributes all stayed, a ``FAIL`` per lost or changed
    attribute (module.attribute, before, after), ``note`` where the base had nothing."""
    lines = []
    for found in comparisons:
        if found.note is not None:
            lines.append(f"note {found.module}: {found.note} (nothing to compare)")
        elif found.error is not None:
            lines.append(f"FAIL {found.module}: cannot import it any more: {found.error}")
        elif found.ok:
            lines.append(
                f"ok   {found.module}: all {found.compared} attributes it had before the phase "
                "are still there, the same objects"
            )
        for change in found.changes:
            what = "lost" if change.lost else "changed"
            lines.append(
                f"FAIL {found.module}.{change.attribute} {what}: before {change.before}; "
                f"after {change.after}"
            )
    return lines
