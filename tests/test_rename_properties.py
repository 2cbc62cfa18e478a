"""`rename = true` must not change what any code gets: for generated modules that use an
alias (`ContextType`, imported through a compatibility module) in every kind of place the
rename must follow or leave alone, a run with renaming leaves every module-level name bound
to the same object (the alias aside, renamed away), every function returning what it did,
and a second run changes nothing. Proven by importing the module in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from goldens import write_tree
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

from ssot_migrate.cli.main import main

PROJECT = {
    "ssot-migrate.toml": (
        'source-roots = ["."]\n[[phases]]\nname = "p1"\n'
        'symbols = [ { name = "Context", canonical = "core.Context", rename = true } ]\n'
    ),
    "core/__init__.py": "class Context:\n    pass\n",
    "app/__init__.py": "",
    "app/compat.py": '"""Old names."""\nfrom core import Context\n\nContextType = Context\n',
}

# Each part uses the alias where the rename must follow it, or binds the same name where it
# must not; {i} keeps the names of different parts apart.
PARTS = (
    "def local{i}():\n    alias = ContextType\n    return alias\n",
    'def annotated{i}(a: ContextType = None) -> "ContextType":\n    return ContextType\n',
    "def parameter{i}(ContextType=({i},)):\n    return ContextType\n",
    "class Holder{i}:\n    ContextType = {i}\n\n    def get(self):\n        return self.ContextType\n"
    "\n\ndef holder{i}():\n    return Holder{i}().get()\n",
    "def nested{i}():\n    def inner():\n        return ContextType\n\n    return inner()\n",
    "def shadowed{i}():\n    def inner():\n        ContextType = {i}\n        return ContextType\n\n"
    "    return inner(), ContextType\n",
    "def comprehension{i}():\n    return [ContextType for _ in range(1)][0]\n",
    'def formatted{i}():\n    return f"{{ContextType.__name__}}-{i}"\n',
    "def lambda{i}():\n    return (lambda: ContextType)()\n",
)

SNAPSHOT = """
import importlib, json, sys, warnings
warnings.simplefilter("ignore")
module = importlib.import_module(sys.argv[1])

def describe(value):
    if isinstance(value, type):
        return ["class", value.__module__ + "." + value.__qualname__]
    if isinstance(value, tuple):
        return ["tuple", [describe(v) for v in value]]
    return ["value", repr(value)]

found = {}
for name, value in sorted(vars(module).items()):
    if name.startswith("__"):
        continue
    if callable(value) and not isinstance(value, type):
        found[name + "()"] = describe(value())
    else:
        found[name] = describe(value)
print(json.dumps(found))
"""


def snapshot(repo: Path, module: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", SNAPSHOT, module],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(parts=st.lists(st.sampled_from(range(len(PARTS))), min_size=1, max_size=6))
@example(parts=list(range(len(PARTS))))
def test_renaming_changes_no_runtime_binding_and_a_second_run_is_a_no_op(
    tmp_path_factory: pytest.TempPathFactory, parts: list[int]
) -> None:
    body = "\n\n".join(PARTS[p].format(i=n) for n, p in enumerate(parts))
    # A module of its own code (not a compatibility module, which would get a shim).
    text = f"from app.compat import ContextType\n\nSIZE = len('abc')\n\n\n{body}"
    note(text)
    repo = write_tree(tmp_path_factory.mktemp("rename"), {**PROJECT, "app/user.py": text})
    before = snapshot(repo, "app.user")
    assert main(["--root", str(repo), "-q", "run", "p1", "--no-commit"]) == 0
    after_text = (repo / "app/user.py").read_text()
    note(after_text)
    assert "ContextType = " not in after_text.split("\n", 1)[0]
    after = snapshot(repo, "app.user")
    expected = {k: v for k, v in before.items() if k != "ContextType"}
    if "ContextType" not in after:  # renamed: the import binds Context now
        expected["Context"] = before["ContextType"]
    assert after == expected
    if len(set(parts)) == len(PARTS):
        assert "ContextType" not in after, "every part at once is renamed (nothing refuses it)"
    assert main(["--root", str(repo), "-q", "run", "p1", "--no-commit"]) == 0
    assert (repo / "app/user.py").read_text() == after_text, "a second run changed the file"
