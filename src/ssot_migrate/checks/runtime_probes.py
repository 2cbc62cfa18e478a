"""The programs `verify --runtime` runs in the target interpreter (any Python 3.6+): the
identity probe (the legacy path gives the canonical object, and its warnings), the timing
of one ``from <module> import <name>``, and the description of a module's attributes. Each
prints its answer after `RESULT_MARKER`.

The importer file lives in a temporary folder the child interpreter creates and removes:
this package writes files only through `ssot_migrate.io.workspace`, and the folder is outside
the user's tree. ``PYTHONDONTWRITEBYTECODE=1`` keeps ``__pycache__`` out of it too, so the
timings include compiling any module that has no bytecode cache yet.
"""

from __future__ import annotations

IMPORTER_NAME = "ssot_migrate_importer.py"
IMPORTER_LINE = 2
"""The line of the importer file that holds ``from <legacy module> import <name>``."""
RESULT_MARKER = "@@ssot-migrate-result@@ "
"""Prefixes the child's JSON line, so what user code prints at import time is ignored."""

# Runs in the target interpreter (any Python 3.6+): stdlib imports come first, before the
# source roots shadow anything, and `os._exit` ends the child even if user code left
# non-daemon threads or atexit hooks behind.
IDENTITY_SCRIPT = r"""
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
TIMING_SCRIPT = (
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


def importer_source(module: str, name: str) -> str:
    """The import goes on line `IMPORTER_LINE` (2), after a comment line."""
    return f"# written by ssot-migrate verify --runtime\nfrom {module} import {name}\n"


# Before and after a phase: what a module gives for each attribute, described so that two
# processes (two trees) can be compared. Runs in the target interpreter (any Python 3.6+).
ATTRIBUTES_SCRIPT = r"""
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
