"""Interrupted `retire --no-commit` runs, as tests/test_faults.py does for `run`: on a tree
where two shimmed modules are retired and a compatibility module is deleted, a run killed
at any point of its file system writes, or stopped after any prefix of its writes, leaves
every file with its bytes before or after the retire (a deleted one there or gone), and a
rerun finishes the retire as one uninterrupted run does."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from retire_trees import sources, three_shims

from ssot_migrate.cli.main import main

EDITED = ("app/__init__.py", "app/api.py")
DELETED = "app/compat.py"

KILLER = """
import os, shutil, signal, sys

from ssot_migrate.cli.main import main

template, work, args = sys.argv[1], sys.argv[2], sys.argv[3:]
# Every call that changes the file system at the end of a write: the temp file's flush,
# its mode, its rename over the file, a deletion.
POINTS = ("fsync", "chmod", "replace", "rename", "unlink")


def killed_at(limit):
    seen = 0

    def point(real):
        def call(*args, **kwargs):
            nonlocal seen
            seen += 1
            if seen == limit:
                os.kill(os.getpid(), signal.SIGKILL)  # no cleanup runs: a real crash
            return real(*args, **kwargs)

        return call

    for name in POINTS:
        setattr(os, name, point(getattr(os, name)))


# One whole run first, which imports what the command imports lazily; then a run per
# point, each in a fresh copy of the tree, forked from this process: the run is killed
# just before its limit-th point.
warm = os.path.join(work, "warm-up")
shutil.copytree(template, warm)
assert main(["--root", warm, *args]) == 0
for limit in range(1, 100):
    victim = os.path.join(work, f"victim-{limit}")
    shutil.copytree(template, victim)
    pid = os.fork()
    if pid == 0:
        killed_at(limit)
        os._exit(main(["--root", victim, *args]))
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        print(limit, "killed", os.WTERMSIG(status), flush=True)
        continue
    print(limit, "exit", os.WEXITSTATUS(status), flush=True)
    break
"""


def is_temp(rel: str) -> bool:
    return rel.endswith(".ssot-tmp")


def assert_old_or_new(
    now: dict[str, bytes], before: dict[str, bytes], after: dict[str, bytes]
) -> None:
    for rel in sorted(before.keys() | after.keys()):
        assert now.get(rel) in (before.get(rel), after.get(rel)), f"{rel} is neither old nor new"
    extra = [rel for rel in now.keys() - before.keys() - after.keys() if not is_temp(rel)]
    assert not extra, f"files neither old nor new: {extra}"


def reference(tmp_path: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The tree's files before and after an uninterrupted retire."""
    tree = three_shims(tmp_path / "reference")
    before = sources(tree)
    assert main(["--root", str(tree), "-q", "retire", "p1", "--no-commit"]) == 0
    after = sources(tree)
    assert set(before) - set(after) == {DELETED}
    assert {rel for rel in after if after[rel] != before[rel]} == set(EDITED)
    return before, after


def test_a_retire_killed_at_any_point_leaves_old_or_new_files_and_a_rerun_finishes(
    tmp_path: Path,
) -> None:
    before, after = reference(tmp_path)
    template = three_shims(tmp_path / "template")
    work = tmp_path / "victims"
    work.mkdir()
    driver = subprocess.run(
        [sys.executable, "-c", KILLER, str(template), str(work), "-q", "retire", "p1",
         "--no-commit"],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert driver.returncode == 0, driver.stderr
    outcomes = [line.split() for line in driver.stdout.splitlines()]
    *kills, last = outcomes
    assert last[1:] == ["exit", "0"], outcomes  # the run with no point left finished
    assert sources(work / f"victim-{last[0]}") == after
    states: set[tuple[str, ...]] = set()
    temps = 0
    for limit, how, signal_number in kills:
        assert (how, int(signal_number)) == ("killed", signal.SIGKILL), outcomes
        victim = work / f"victim-{limit}"
        now = sources(victim)
        assert_old_or_new(now, before, after)
        states.add(tuple(rel for rel in sorted(after) if now.get(rel) == after[rel] != before[rel]))
        temps += any(is_temp(rel) for rel in now)
        assert main(["--root", str(victim), "-q", "retire", "p1", "--no-commit"]) == 0
        assert sources(victim) == after, f"killed at point {limit}, the rerun did not finish"
    # The kills fell between the writes (before any, after one, after two: the deletion
    # is the last point) and inside them (a temp file written, not yet renamed).
    assert states == {(), EDITED[:1], EDITED}, states
    assert temps >= 2 and len(kills) >= 7, (temps, len(kills))


def test_a_retire_stopped_after_any_prefix_of_its_writes_converges_when_run_again(
    tmp_path: Path,
) -> None:
    from ssot_migrate.commands import retire as retiring
    from ssot_migrate.commands.project import RunOptions
    from ssot_migrate.io import writing

    before, after = reference(tmp_path)
    result = retiring.plan_retire(RunOptions(three_shims(tmp_path / "probe")), "p1", [])
    changes = list(result.changes)
    assert sorted(c.rel for c in changes) == sorted([*EDITED, DELETED])
    assert [c.rel for c in changes if c.deleted] == [DELETED]
    for written in range(len(changes) + 1):
        victim = three_shims(tmp_path / f"victim-{written}")
        done, refused = writing.write_changes(victim, changes[:written])
        assert len(done) == written and not refused
        assert_old_or_new(sources(victim), before, after)
        assert main(["--root", str(victim), "-q", "retire", "p1", "--no-commit"]) == 0
        assert sources(victim) == after, f"stopped after {written} files"
        # And the prefix in the other order: the last writes first.
        victim = three_shims(tmp_path / f"victim-reversed-{written}")
        writing.write_changes(victim, changes[len(changes) - written :])
        assert_old_or_new(sources(victim), before, after)
        assert main(["--root", str(victim), "-q", "retire", "p1", "--no-commit"]) == 0
        assert sources(victim) == after, f"stopped with the last {written} files written"
