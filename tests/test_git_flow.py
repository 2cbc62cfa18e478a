"""Git integration, end to end against real `git` in throwaway repositories: `run` lands a
phase as one commit (or batch commits) on new branches without touching the user's branch,
working tree, index or stash; unsafe repository states are refused; batch branches merge
in any order to the single-commit tree; PR descriptions, `status`, `rollback` and `plan`.

No mocks (one test injects a faulty rewrite into the planner, to see a batch refused):
every repository is built with the `git` binary under pytest's tmp_path, with a
hermetic git configuration (no global or system config, fixed identity, discovery stopped
at tmp_path so an enclosing repository is never found).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ssot_migrate.cli.main import main

PYPROJECT = """\
[tool.ssot-migrate]
branch-prefix = "ssot"
[tool.ssot-migrate.shims]
removal = "2026.06"
[[tool.ssot-migrate.phases]]
name = "phase2"
title = "Engine consolidation"
symbols = [{ name = "Engine", canonical = "app.engine.Engine" }]
"""

FILES: dict[str, bytes] = {
    "pyproject.toml": PYPROJECT.encode(),
    "CODEOWNERS": b"/svc_a/ @team-a\n/svc_b/ @team-b\n/svc_c/ @team-c\n",
    "app/__init__.py": b"from .engine import Engine\n",
    "app/engine.py": b"class Engine:\n    pass\n",
    "svc_a/__init__.py": b"",
    "svc_a/one.py": b"from app import Engine\n\n\ndef make():\n    return Engine()\n",
    "svc_a/two.py": b"from app import Engine\n\n\ndef build():\n    return [Engine()]\n",
    "svc_b/__init__.py": b"",
    "svc_b/three.py": b"from app import Engine\n\n\ndef three():\n    return Engine()\n",
    "svc_c/__init__.py": b"",
    "svc_c/four.py": b"from app import Engine\n\nENGINE = Engine()\n",
}
SHIM = "app/__init__.py"
IMPORTERS = ("svc_a/one.py", "svc_a/two.py", "svc_b/three.py", "svc_c/four.py")
PHASE_FILES = {SHIM, *IMPORTERS}
DIR_BATCHES = {
    "ssot/phase2/svc_a": {"svc_a/one.py", "svc_a/two.py"},
    "ssot/phase2/svc_b": {"svc_b/three.py"},
    "ssot/phase2/svc_c": {"svc_c/four.py"},
}
OWNER_BATCHES = {
    "ssot/phase2/team-a": {"svc_a/one.py", "svc_a/two.py"},
    "ssot/phase2/team-b": {"svc_b/three.py"},
    "ssot/phase2/team-c": {"svc_c/four.py"},
}
NOT_SNAPSHOTTED = {".git", ".ssot-migrate-cache", "__pycache__"}  # the tool's own cache


def rewritten(rel: str) -> bytes:
    return FILES[rel].replace(b"from app import Engine", b"from app.engine import Engine")


# helpers ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _hermetic_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """For our git calls and the tool's alike (in-process and subprocess)."""
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR"):
        monkeypatch.delenv(key, raising=False)
    env = {
        "GIT_AUTHOR_NAME": "Test Author",
        "GIT_AUTHOR_EMAIL": "author@example.com",
        "GIT_COMMITTER_NAME": "Test Committer",
        "GIT_COMMITTER_EMAIL": "committer@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CEILING_DIRECTORIES": os.path.realpath(tmp_path),
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_EDITOR": "true",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)


def git_run(repo: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=repo, input=input, capture_output=True, text=True, check=False
    )


def git(repo: Path, *args: str, input: str | None = None) -> str:
    """Run git in `repo`; fail the test with git's output if it fails. Stripped stdout."""
    proc = git_run(repo, *args, input=input)
    assert proc.returncode == 0, f"git {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}"
    return proc.stdout.strip()


def write_files(root: Path, files: dict[str, bytes] = FILES) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def make_repo(tmp_path: Path, name: str = "repo", files: dict[str, bytes] = FILES) -> Path:
    """The fixture, committed as the initial commit on `main`."""
    repo = write_files(tmp_path / name, files)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Test Author")
    git(repo, "config", "user.email", "author@example.com")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial")
    return repo


def commit_file(repo: Path, rel: str, data: bytes, message: str) -> str:
    (repo / rel).parent.mkdir(parents=True, exist_ok=True)
    (repo / rel).write_bytes(data)
    git(repo, "add", rel)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file's bytes, except .git, the tool's cache and bytecode."""
    found = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if NOT_SNAPSHOTTED & set(rel.parts) or not path.is_file():
            continue
        found[rel.as_posix()] = path.read_bytes()
    return found


def heads(repo: Path) -> dict[str, str]:
    """Local branches: short name -> commit."""
    out = git(repo, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads")
    return dict(line.split(" ", 1) for line in out.splitlines())


def changed_files(repo: Path, old: str, new: str) -> set[str]:
    return set(git(repo, "diff", "--name-only", "--no-renames", old, new).splitlines())


def show(repo: Path, rev: str, rel: str) -> bytes:
    return subprocess.run(
        ["git", "show", f"{rev}:{rel}"], cwd=repo, capture_output=True, check=True
    ).stdout


def trailers(repo: Path, rev: str) -> dict[str, list[str]]:
    """The trailers of `rev`'s message, as `git interpret-trailers --parse` reads them."""
    message = git(repo, "log", "-1", "--format=%B", rev)
    parsed = git(repo, "interpret-trailers", "--parse", input=message + "\n")
    found: dict[str, list[str]] = {}
    for line in parsed.splitlines():
        key, _, value = line.partition(":")
        found.setdefault(key.strip(), []).append(value.strip())
    return found


def is_ancestor(repo: Path, old: str, new: str) -> bool:
    return git_run(repo, "merge-base", "--is-ancestor", old, new).returncode == 0


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Any:
    """`cli(repo, *args)`: `ssot-migrate --root repo *args` in-process."""

    def call(repo: Path, *args: str) -> Result:
        capsys.readouterr()
        code = main(["--root", str(repo), *args])
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return call


def cli_subprocess(repo: Path, *args: str, stdin: str = "") -> Result:
    proc = subprocess.run(
        [sys.executable, "-m", "ssot_migrate.cli", "--root", str(repo), *args],
        input=stdin, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    return Result(proc.returncode, proc.stdout, proc.stderr)


def symbol_entry(document: dict[str, Any], phase: str, symbol: str) -> dict[str, Any]:
    [found] = [p for p in document["phases"] if p["name"] == phase]
    [entry] = [s for s in found["symbols"] if s["name"] == symbol]
    return entry


def audit_variations(cli: Any, repo: Path) -> int:
    result = cli(repo, "audit", "--format", "json")
    assert result.code == 0, result.err
    [entry] = [s for s in json.loads(result.out)["symbols"] if s["name"] == "Engine"]
    return int(entry["counts"]["variations"])


def status(cli: Any, repo: Path) -> dict[str, Any]:
    result = cli(repo, "status", "--format", "json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert (document["schema"], document["version"]) == ("ssot-migrate/status", 1)
    return symbol_entry(document, "phase2", "Engine")


# 1. one commit on a new branch ------------------------------------------------------------


def test_run_lands_the_phase_as_one_commit_on_a_new_branch(tmp_path: Path, cli: Any) -> None:
    repo = make_repo(tmp_path)
    base = git(repo, "rev-parse", "HEAD")
    files_before = snapshot(repo)

    result = cli(repo, "run", "phase2")

    assert result.code == 0, result.err
    assert set(heads(repo)) == {"main", "ssot/phase2"}
    assert git(repo, "rev-parse", "main") == base, "the user's branch did not move"
    assert git(repo, "symbolic-ref", "HEAD") == "refs/heads/main", "still on main"
    assert git(repo, "rev-parse", "ssot/phase2^") == base, "branched from HEAD"
    assert git(repo, "rev-list", "--count", f"{base}..ssot/phase2") == "1", "ONE commit"
    found = trailers(repo, "ssot/phase2")
    assert found.get("SSOT-Migrate-Phase") == ["phase2"]
    assert found.get("SSOT-Migrate-Symbols") == ["Engine"]
    message = git(repo, "log", "-1", "--format=%B", "ssot/phase2").splitlines()
    assert message[-1].split(":")[0] in found, "the message ends with the trailers"

    assert changed_files(repo, base, "ssot/phase2") == PHASE_FILES
    for rel in IMPORTERS:
        assert show(repo, "ssot/phase2", rel) == rewritten(rel)
    # The shim is exactly what `run --no-commit` writes on the same sources.
    oracle = write_files(tmp_path / "oracle")
    assert cli(oracle, "run", "phase2", "--no-commit").code == 0
    shim = show(repo, "ssot/phase2", SHIM)
    assert shim == (oracle / SHIM).read_bytes()
    assert shim != FILES[SHIM] and b"__getattr__" in shim
    assert snapshot(repo) == files_before, "the working tree is not where the phase lands"
    assert git(repo, "status", "--porcelain") == ""

    named = cli(repo, "run", "phase2", "--branch", "engine-move")
    assert named.code == 0, named.err
    assert set(heads(repo)) == {"main", "ssot/phase2", "engine-move"}
    assert git(repo, "rev-parse", "engine-move^") == base
    assert changed_files(repo, base, "engine-move") == PHASE_FILES
    assert trailers(repo, "engine-move").get("SSOT-Migrate-Phase") == ["phase2"]
    assert git(repo, "rev-parse", "main") == base


# 2. the user's working tree, index and stash --------------------------------------------


def test_run_leaves_working_tree_index_and_stash_exactly_as_they_were(
    tmp_path: Path, cli: Any
) -> None:
    repo = make_repo(tmp_path)
    base = git(repo, "rev-parse", "HEAD")
    (repo / "svc_c/four.py").write_bytes(FILES["svc_c/four.py"] + b"STASHED = 1\n")
    git(repo, "stash", "push", "-q", "-m", "wip on four")
    (repo / "svc_a/one.py").write_bytes(FILES["svc_a/one.py"] + b"\nDIRTY = 'unstaged'\n")
    staged = FILES["svc_b/three.py"] + b"\nSTAGED = 1\n"
    (repo / "svc_b/three.py").write_bytes(staged)
    git(repo, "add", "svc_b/three.py")
    (repo / "svc_b/three.py").write_bytes(staged + b"ALSO_UNSTAGED = 2\n")  # both, one file
    (repo / "notes.txt").write_bytes(b"untracked notes\n")
    (repo / "svc_c/extra.py").write_bytes(b"from app import Engine\n\nEXTRA = Engine\n")

    def state() -> dict[str, Any]:
        return {
            "files": snapshot(repo),
            "diff": git(repo, "diff", "--binary"),
            "cached": git(repo, "diff", "--cached", "--binary"),
            "index": git(repo, "ls-files", "--stage"),
            "status": git(repo, "status", "--porcelain=v1", "--untracked-files=all"),
            "stash": git(repo, "stash", "list", "--format=%H %gs"),
            "stash_tree": git(repo, "rev-parse", "stash@{0}^{tree}"),
            "head": git(repo, "symbolic-ref", "HEAD"),
            "main": git(repo, "rev-parse", "main"),
        }

    before = state()
    assert before["diff"] and before["cached"] and before["stash"], "the setup is dirty"

    result = cli(repo, "run", "phase2")

    assert result.code == 0, result.err
    after = state()
    for key, value in before.items():
        assert after[key] == value, f"{key} changed"
    assert "svc_a/one.py" in result.err, "the run names the uncommitted change it overlaps"
    # Built from HEAD, not from the dirty, staged, stashed or untracked files.
    assert git(repo, "rev-parse", "ssot/phase2^") == base
    assert changed_files(repo, base, "ssot/phase2") == PHASE_FILES
    for rel in IMPORTERS:
        assert show(repo, "ssot/phase2", rel) == rewritten(rel)
    assert git_run(repo, "cat-file", "-e", "ssot/phase2:svc_c/extra.py").returncode != 0
    assert git_run(repo, "cat-file", "-e", "ssot/phase2:notes.txt").returncode != 0


# 3. refusals ------------------------------------------------------------------------------


def _diverge_on_notes(repo: Path) -> None:
    """A branch `topic` and `main` both add NOTES.txt, differently (a sure conflict)."""
    git(repo, "checkout", "-q", "-b", "topic")
    commit_file(repo, "NOTES.txt", b"topic side\n", "topic notes")
    git(repo, "checkout", "-q", "main")
    commit_file(repo, "NOTES.txt", b"main side\n", "main notes")


def _setup_refusal(tmp_path: Path, case: str) -> Path:
    if case == "not-a-repo":
        plain = write_files(tmp_path / "plain")
        assert git_run(plain, "rev-parse", "--git-dir").returncode != 0, "precondition"
        return plain
    if case == "no-commit":
        repo = write_files(tmp_path / "repo")
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A")
        return repo
    repo = make_repo(tmp_path)
    git_dir = repo / ".git"
    if case == "existing-branch":
        git(repo, "checkout", "-q", "-b", "ssot/phase2")
        commit_file(repo, "NOTES.txt", b"someone's earlier attempt\n", "earlier attempt")
        git(repo, "checkout", "-q", "main")
        return repo
    _diverge_on_notes(repo)
    if case == "merge":
        assert git_run(repo, "merge", "--no-edit", "topic").returncode != 0
        assert (git_dir / "MERGE_HEAD").exists()
    elif case == "rebase":
        git(repo, "checkout", "-q", "topic")
        assert git_run(repo, "rebase", "main").returncode != 0
        assert (git_dir / "rebase-merge").exists() or (git_dir / "rebase-apply").exists()
    elif case == "cherry-pick":
        assert git_run(repo, "cherry-pick", "topic").returncode != 0
        assert (git_dir / "CHERRY_PICK_HEAD").exists()
    else:  # pragma: no cover
        raise AssertionError(case)
    return repo


def _enclosing_repo_refs(folder: Path) -> tuple[str, str] | None:
    """A repository around tmp_path (e.g. a `git init` in /tmp), seen without the ceiling."""
    env = {k: v for k, v in os.environ.items() if k != "GIT_CEILING_DIRECTORIES"}
    top = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=folder, env=env,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if top.returncode != 0:
        return None
    refs = subprocess.run(
        ["git", "for-each-ref"], cwd=top.stdout.strip(), env=env,
        capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    return top.stdout.strip(), refs


REFUSALS = {
    "not-a-repo": "not a git repository",
    "merge": "merge",
    "rebase": "rebase",
    "cherry-pick": "cherry-pick",
    "existing-branch": "already exists",
    "no-commit": "no commit",
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_run_refuses_unsafe_repository_states(tmp_path: Path, cli: Any, case: str) -> None:
    repo = _setup_refusal(tmp_path, case)
    is_repo = case != "not-a-repo"
    files_before = snapshot(repo)
    refs_before = git(repo, "for-each-ref") if is_repo else ""
    head_before = git_run(repo, "rev-parse", "-q", "--verify", "HEAD").stdout if is_repo else ""
    git_files = {p.name for p in (repo / ".git").iterdir()} if is_repo else set()

    enclosing = _enclosing_repo_refs(repo) if not is_repo else None

    result = cli(repo, "run", "phase2")

    if enclosing is not None:  # GIT_CEILING_DIRECTORIES stops git's own discovery here
        assert _enclosing_repo_refs(repo) == enclosing, "an enclosing repository was touched"
    assert result.code == 2, (result.out, result.err)
    assert "Traceback" not in result.err
    keyword = REFUSALS[case]
    assert any(keyword in line.lower() for line in result.err.splitlines()), result.err
    assert snapshot(repo) == files_before, "nothing was written"
    if is_repo:
        assert git(repo, "for-each-ref") == refs_before, "no branch created or moved"
        assert git_run(repo, "rev-parse", "-q", "--verify", "HEAD").stdout == head_before
        state_files = {"MERGE_HEAD", "CHERRY_PICK_HEAD", "rebase-merge", "rebase-apply"}
        assert {p.name for p in (repo / ".git").iterdir()} & state_files == git_files & state_files
    if case == "no-commit":
        assert heads(repo) == {}

    if case == "existing-branch":
        old = heads(repo)["ssot/phase2"]
        forced = cli(repo, "run", "phase2", "--force-branch")
        assert forced.code == 0, forced.err
        moved = heads(repo)["ssot/phase2"]
        assert moved != old
        assert git(repo, "rev-parse", "ssot/phase2^") == git(repo, "rev-parse", "main")
        assert not is_ancestor(repo, old, moved), "the branch was moved, not built on"
        assert changed_files(repo, "main", "ssot/phase2") == PHASE_FILES
        assert trailers(repo, "ssot/phase2").get("SSOT-Migrate-Phase") == ["phase2"]


def test_force_branch_never_moves_a_branch_checked_out_in_another_worktree(
    tmp_path: Path, cli: Any
) -> None:
    repo = make_repo(tmp_path)
    git(repo, "branch", "ssot/phase2")
    other = tmp_path / "other"
    git(repo, "worktree", "add", "-q", str(other), "ssot/phase2")
    refs_before, files_before = git(repo, "for-each-ref"), snapshot(other)

    result = cli(repo, "run", "phase2", "--force-branch")

    assert result.code == 2, (result.out, result.err)
    assert "checked out" in result.err and str(other) in result.err, result.err
    assert "Traceback" not in result.err
    assert git(repo, "for-each-ref") == refs_before, "no branch created or moved"
    assert snapshot(other) == files_before
    assert git(other, "status", "--porcelain") == ""


# 4. batches -------------------------------------------------------------------------------

BATCH_MODES = {
    "size": (["--batch-size", "2"], {"ssot/phase2/batch-1": None, "ssot/phase2/batch-2": None}),
    "dir": (["--batch-by", "dir"], DIR_BATCHES),
    "owners": (["--batch-by", "owners"], OWNER_BATCHES),
}


@pytest.mark.parametrize("mode", list(BATCH_MODES))
def test_batches_branch_from_one_base_with_disjoint_slices(
    tmp_path: Path, cli: Any, mode: str
) -> None:
    options, expected = BATCH_MODES[mode]
    repo = make_repo(tmp_path)
    base = git(repo, "rev-parse", "HEAD")

    result = cli(repo, "run", "phase2", *options)

    assert result.code == 0, result.err
    assert set(heads(repo)) == {"main", *expected}
    assert git(repo, "rev-parse", "main") == base
    slices: dict[str, set[str]] = {}
    for branch, files in expected.items():
        assert git(repo, "merge-base", branch, "main") == base, branch
        assert git(repo, "rev-list", "--count", f"{base}..{branch}") == "1", branch
        changed = changed_files(repo, base, branch)
        assert SHIM in changed, f"{branch} carries the shim"
        slices[branch] = changed - {SHIM}
        assert slices[branch] <= set(IMPORTERS), (branch, changed)
        if files is not None:
            assert slices[branch] == files, branch
        for rel in slices[branch]:
            assert show(repo, branch, rel) == rewritten(rel)
        found = trailers(repo, branch)
        assert found.get("SSOT-Migrate-Phase") == ["phase2"], branch
        assert found.get("SSOT-Migrate-Symbols") == ["Engine"], branch
        label = branch.rsplit("/", 1)[1]
        labels = [label, f"@{label}"] if mode == "owners" else [label]
        assert found.get("SSOT-Migrate-Batch", [None])[0] in labels, (branch, found)
        assert len(found.get("SSOT-Migrate-Batch", [])) == 1
    all_files = [rel for files in slices.values() for rel in files]
    assert sorted(all_files) == sorted(IMPORTERS), "every importer in exactly one slice"
    if mode == "size":
        assert sorted(len(files) for files in slices.values()) == [2, 2]


# A rewrite of svc_a/one.py that breaks the legacy path svc_a.one.Engine (svc_d imports it;
# `shim-exclude` keeps the module an importer like any other, not a shim every batch holds):
# `Engine` becomes another class. The second also binds a new alias, `Motor`, which the
# index's byte prefilter never looked for: that batch is verified by indexing it from disk.
BROKEN_REWRITES = {
    "in-memory": b"from app.other import Other as Engine\n\n\ndef make():\n    return Engine()\n",
    "from-disk": b"from app.engine import Engine as Motor\nfrom app.other import Other as Engine\n"
    b"\n\ndef make():\n    return Engine(), Motor()\n",
}


@pytest.mark.parametrize("how", sorted(BROKEN_REWRITES))
def test_a_batch_that_fails_its_own_verify_is_not_committed(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    from dataclasses import replace

    from ssot_migrate.commands import batch_check
    from ssot_migrate.commands import land as landing
    from ssot_migrate.commands import run as running

    pyproject = PYPROJECT.replace(
        "[tool.ssot-migrate]\n", '[tool.ssot-migrate]\nshim-exclude = ["svc_a/one.py"]\n'
    )
    files = {
        **FILES,
        "pyproject.toml": pyproject.encode(),
        "app/other.py": b"class Other:\n    pass\n",
        "svc_d/__init__.py": b"",
        "svc_d/five.py": b"from svc_a.one import Engine\n\n\ndef five():\n    return Engine()\n",
    }
    repo = make_repo(tmp_path, files=files)
    before = snapshot(repo)
    plan, from_disk = running.plan_phase, batch_check.unverified
    disk_checks: list[str] = []

    def faulty_plan(*args: Any, **kwargs: Any) -> Any:
        planned = plan(*args, **kwargs)
        changes = tuple(
            replace(c, after=BROKEN_REWRITES[how], facts=None) if c.rel == "svc_a/one.py" else c
            for c in planned.result.changes
        )
        return replace(planned, result=replace(planned.result, changes=changes))

    def counted(*args: Any, **kwargs: Any) -> list[str]:
        disk_checks.append(how)
        return from_disk(*args, **kwargs)

    monkeypatch.setattr(landing, "plan_phase", faulty_plan)
    monkeypatch.setattr(batch_check, "unverified", counted)
    result = cli(repo, "run", "phase2", "--batch-by", "dir")

    assert result.code == 3, (result.out, result.err)
    assert "ssot/phase2/svc_a: not committed, verify fails: svc_a.one.Engine" in result.err
    assert set(heads(repo)) == {"main", "ssot/phase2/svc_b", "ssot/phase2/svc_c",
                                "ssot/phase2/svc_d"}  # fmt: skip
    base = git(repo, "rev-parse", "main")
    assert changed_files(repo, base, "ssot/phase2/svc_d") == {SHIM, "svc_d/five.py"}
    assert show(repo, "ssot/phase2/svc_d", "svc_a/one.py") == files["svc_a/one.py"]
    assert len(disk_checks) == (1 if how == "from-disk" else 0), "which verify ran"
    assert snapshot(repo) == before


# 5. batch branches merge in any order ---------------------------------------------------


def test_dir_batches_merge_in_every_order_into_the_single_commit_tree(
    tmp_path: Path, cli: Any
) -> None:
    repo = make_repo(tmp_path)
    base = git(repo, "rev-parse", "HEAD")
    batched = cli(repo, "run", "phase2", "--batch-by", "dir")
    assert batched.code == 0, batched.err
    single = cli(repo, "run", "phase2", "--branch", "single")
    assert single.code == 0, single.err
    expected_tree = git(repo, "rev-parse", "single^{tree}")
    assert expected_tree != git(repo, "rev-parse", f"{base}^{{tree}}")

    for order in itertools.permutations(DIR_BATCHES):
        git(repo, "checkout", "-q", "-B", "trial", base)
        for branch in order:
            merged = git_run(repo, "merge", "--no-edit", branch)
            assert merged.returncode == 0, (order, branch, merged.stdout, merged.stderr)
        assert git(repo, "ls-files", "--unmerged") == "", order
        assert git(repo, "rev-parse", "HEAD^{tree}") == expected_tree, order


# 6. PR descriptions -----------------------------------------------------------------------


def test_pr_description_is_written_per_branch_and_printed_on_request(
    tmp_path: Path, cli: Any
) -> None:
    repo = make_repo(tmp_path)
    assert cli(repo, "run", "phase2", "--batch-by", "dir").code == 0
    git_dir = Path(git(repo, "rev-parse", "--absolute-git-dir"))
    for branch, files in DIR_BATCHES.items():
        page = git_dir / "ssot-migrate" / f"{branch}.md"
        assert page.is_file(), f"no PR description at {page}"
        text = page.read_text(encoding="utf-8")
        assert "phase2" in text and "Engine" in text
        assert "ssot-migrate verify" in text, "says how to verify"
        for rel in IMPORTERS:
            assert (rel in text) == (rel in files), (branch, rel)

    printed = cli(repo, "run", "phase2", "--branch", "pr-preview", "--print-pr")
    assert printed.code == 0, printed.err
    assert "phase2" in printed.out and "Engine" in printed.out
    assert "ssot-migrate verify" in printed.out
    for rel in IMPORTERS:
        assert rel in printed.out


# 7. status --format json ------------------------------------------------------------------


def test_status_json_follows_landed_commits_branches_and_variations(
    tmp_path: Path, cli: Any
) -> None:
    repo = make_repo(tmp_path)
    other = "unrelated\n\nSSOT-Migrate-Phase: phase9\nSSOT-Migrate-Symbols: Other\n"
    git(repo, "commit", "-q", "--allow-empty", "-m", other)  # names another phase: not landed
    assert cli(repo, "run", "phase2", "--batch-by", "dir").code == 0
    batch_commit = {branch: git(repo, "rev-parse", branch) for branch in DIR_BATCHES}

    def merged_flags(entry: dict[str, Any]) -> dict[str, bool]:
        return {b["name"]: b["merged"] for b in entry["branches"]}

    before = status(cli, repo)
    assert before["landed"] == []
    assert merged_flags(before) == dict.fromkeys(DIR_BATCHES, False)
    assert before["variations"] > 0
    assert before["variations"] == audit_variations(cli, repo)

    git(repo, "merge", "--no-edit", "ssot/phase2/svc_a")
    one = status(cli, repo)
    assert set(one["landed"]) == {batch_commit["ssot/phase2/svc_a"]}
    assert all(len(sha) == 40 for sha in one["landed"])
    assert merged_flags(one) == {
        "ssot/phase2/svc_a": True,
        "ssot/phase2/svc_b": False,
        "ssot/phase2/svc_c": False,
    }
    assert one["variations"] < before["variations"]
    assert one["variations"] == audit_variations(cli, repo)

    for branch in ("ssot/phase2/svc_b", "ssot/phase2/svc_c"):
        git(repo, "merge", "--no-edit", branch)
    done = status(cli, repo)
    assert set(done["landed"]) == set(batch_commit.values())
    assert merged_flags(done) == dict.fromkeys(DIR_BATCHES, True)
    assert done["variations"] == audit_variations(cli, repo)
    assert done["variations"] < one["variations"]


# 8. rollback ------------------------------------------------------------------------------


def test_rollback_reverts_without_rewriting_history_and_deletes_unmerged_batches(
    tmp_path: Path, cli: Any
) -> None:
    # The single-commit branch, merged into main, rolled back by revert commits.
    repo = make_repo(tmp_path, "single")
    base = git(repo, "rev-parse", "HEAD")
    assert cli(repo, "run", "phase2").code == 0
    phase_commit = git(repo, "rev-parse", "ssot/phase2")
    git(repo, "merge", "--no-edit", "ssot/phase2")
    landed = git(repo, "rev-parse", "HEAD")
    assert (repo / "svc_a/one.py").read_bytes() == rewritten("svc_a/one.py")

    local_edit = rewritten("svc_c/four.py") + b"# local edit\n"
    (repo / "svc_c/four.py").write_bytes(local_edit)
    refused = cli(repo, "rollback", "phase2")
    assert refused.code == 2, (refused.out, refused.err)
    assert git(repo, "rev-parse", "HEAD") == landed, "a dirty tree is refused"
    assert (repo / "svc_c/four.py").read_bytes() == local_edit
    git(repo, "checkout", "--", "svc_c/four.py")

    result = cli(repo, "rollback", "phase2")
    assert result.code == 0, result.err
    assert git(repo, "symbolic-ref", "HEAD") == "refs/heads/main"
    head = git(repo, "rev-parse", "HEAD")
    assert head != landed, "revert commit(s) were made"
    assert is_ancestor(repo, landed, head) and is_ancestor(repo, phase_commit, head)
    assert snapshot(repo) == FILES, "the files are back to their pre-phase content"
    assert git(repo, "rev-parse", "HEAD^{tree}") == git(repo, "rev-parse", f"{base}^{{tree}}")
    assert git(repo, "status", "--porcelain") == ""

    # Batch branches: one merged, two not; --branches deletes the unmerged ones.
    repo = make_repo(tmp_path, "batches")
    assert cli(repo, "run", "phase2", "--batch-by", "dir").code == 0
    git(repo, "merge", "--no-edit", "ssot/phase2/svc_a")
    merged_head = git(repo, "rev-parse", "HEAD")
    unmerged = {"ssot/phase2/svc_b", "ssot/phase2/svc_c"}

    asked = cli_subprocess(repo, "rollback", "phase2", "--branches", stdin="")
    assert asked.code in (1, 2), (asked.code, asked.out, asked.err)
    assert "Traceback" not in asked.err
    assert set(heads(repo)) >= unmerged, "no answer: nothing deleted"
    git(repo, "reset", "-q", "--hard", merged_head)  # whatever else it did, start over

    deleted = cli(repo, "rollback", "phase2", "--branches", "--yes")
    assert deleted.code == 0, deleted.err
    assert not set(heads(repo)) & unmerged
    assert "main" in heads(repo)


# 8b. verify after a landed phase -----------------------------------------------------------


def test_verify_after_a_merged_phase_compares_cycles_with_the_pre_run_record(
    tmp_path: Path, cli: Any
) -> None:
    """Field-trial #2: the git flow records the base's import cycles before it writes, so
    `verify` after merging tells an old cycle from one the phase made."""
    repo = make_repo(tmp_path)
    commit_file(repo, "app/engine.py", b"import app.util\n\n\nclass Engine:\n    pass\n", "a")
    commit_file(repo, "app/util.py", b"import app.engine\n", "an old cycle")
    assert cli(repo, "run", "phase2").code == 0
    git(repo, "merge", "-q", "--no-edit", "ssot/phase2")

    kept = cli(repo, "verify", "--phase", "phase2")
    assert kept.code == 0, (kept.out, kept.err)
    assert "note import cycle (was there before) among {app.engine, app.util}" in kept.out
    assert "no pre-run record" not in kept.out

    # svc_a.one now imports app.engine directly; app.engine importing it back is new.
    engine = b"import app.util\nimport svc_a.one\n\n\nclass Engine:\n    pass\n"
    commit_file(repo, "app/engine.py", engine, "a new cycle")
    new = cli(repo, "verify", "--phase", "phase2")
    assert new.code != 0, (new.out, new.err)
    assert "FAIL new import cycle among {app.engine, app.util, svc_a.one}" in new.out


def test_verify_in_a_fresh_clone_compares_cycles_with_the_tree_before_the_phase(
    tmp_path: Path, cli: Any
) -> None:
    """Field trial: the pre-run record lives in the cache of the checkout that ran the
    phase; a fresh clone (CI's) has none. `verify` then takes the cycles of the tree before
    the phase (the parent of its oldest commit) from git. A cycle within one that was there
    before, with fewer modules, is not new."""
    repo = make_repo(tmp_path)
    commit_file(repo, "app/engine.py", b"import app.util\n\n\nclass Engine:\n    pass\n", "a")
    commit_file(repo, "app/util.py", b"import app.engine\nimport app.extra\n", "an old cycle")
    commit_file(repo, "app/extra.py", b"import app.util\n", "three modules in it")
    assert cli(repo, "run", "phase2").code == 0
    git(repo, "merge", "-q", "--no-edit", "ssot/phase2")
    clone = tmp_path / "clone"
    git(repo, "clone", "-q", str(repo), str(clone))
    git(clone, "config", "user.name", "Test Author")
    git(clone, "config", "user.email", "author@example.com")
    assert not (clone / ".ssot-migrate-cache").exists()

    fresh = cli(clone, "verify", "--phase", "phase2")
    assert fresh.code == 0, (fresh.out, fresh.err)
    assert (
        "note import cycle (was there before) among {app.engine, app.extra, app.util}" in fresh.out
    )

    # app.extra leaves the cycle: {app.engine, app.util} lies within the old one.
    commit_file(clone, "app/extra.py", b"", "a smaller cycle")
    smaller = cli(clone, "verify", "--phase", "phase2")
    assert smaller.code == 0, (smaller.out, smaller.err)
    assert "note import cycle (was there before) among {app.engine, app.util}" in smaller.out

    commit_file(
        clone,
        "app/engine.py",
        b"import app.util\nimport svc_a.one\n\n\nclass Engine:\n    pass\n",
        "new",
    )
    new = cli(clone, "verify", "--phase", "phase2")
    assert new.code != 0
    assert "FAIL new import cycle among {app.engine, app.util, svc_a.one}" in new.out


def test_a_facade_canonical_lands_without_a_new_import_cycle(tmp_path: Path, cli: Any) -> None:
    """A facade canonical (pkg.http.View over pkg/http/view.py): the landed, merged phase
    leaves a module the facade imports at import time as it was, so `verify` finds no new
    import cycle, `verify --runtime` passes, and every module still imports."""
    from goldens import CASES, import_every_module

    case = "facade_canonical_moves_importers_to_the_package_and_leaves_what_it_imports"
    files = {
        path.relative_to(CASES / case / "before").as_posix(): path.read_bytes()
        for path in (CASES / case / "before").rglob("*")
        if path.is_file()
    }
    repo = make_repo(tmp_path, files=files)
    assert cli(repo, "run", "p1").code == 0
    git(repo, "merge", "-q", "--no-edit", "ssot/p1")
    static = cli(repo, "verify")
    assert static.code == 0 and "FAIL" not in static.out, static.out
    runtime = cli(repo, "verify", "--runtime")
    assert runtime.code == 0 and "FAIL" not in runtime.out, runtime.out
    assert import_every_module(repo) == ""
    assert cli(repo, "audit", "--check").code == 0


# 8c. verify --runtime: every shimmed module against the tree before the phase ---------------

CORE_PYPROJECT = """\
[tool.ssot-migrate]
branch-prefix = "ssot"
[[tool.ssot-migrate.phases]]
name = "phase2"
title = "Engine consolidation"
symbols = [{ name = "ExecutionEngine", canonical = "pkg.core.engine.ExecutionEngine" }]
"""
CORE_FILES: dict[str, bytes] = {
    "pyproject.toml": CORE_PYPROJECT.encode(),
    "pkg/__init__.py": b"",
    "pkg/core/__init__.py": b"from .engine import ExecutionEngine\n",
    "pkg/core/engine.py": b"class ExecutionEngine:\n    pass\n",
    "svc/__init__.py": b"",
    "svc/user.py": b"from pkg.core import ExecutionEngine\n\nENGINE = ExecutionEngine()\n",
}
CORE = "pkg/core/__init__.py"
LOST = (
    "FAIL pkg.core.engine lost: before module pkg.core.engine; "
    "after AttributeError: module 'pkg.core' has no attribute 'engine'"
)


def drop_the_load(repo: Path) -> bytes:
    """The shimmed pkg/core/__init__.py without the line that still loads .engine (what
    the shim did before it kept the loads)."""
    text = (repo / CORE).read_bytes()
    load = b'__import__("engine", globals(), level=1)\n'
    assert text.count(load) == 1, text
    return text.replace(load, b"")


def test_verify_runtime_finds_a_submodule_a_landed_shim_no_longer_loads(
    tmp_path: Path, cli: Any
) -> None:
    """The field report, through git: pkg/core/__init__.py only imported the name from
    .engine, which also made pkg.core.engine reachable. The landed phase keeps it so, and
    `verify --runtime` proves it against the parent of the phase commit; a shim that drops
    the load (by hand here) fails, naming pkg.core.engine."""
    repo = make_repo(tmp_path, files=CORE_FILES)
    base = git(repo, "rev-parse", "HEAD")
    assert cli(repo, "run", "phase2").code == 0
    git(repo, "merge", "-q", "--no-edit", "ssot/phase2")

    kept = cli(repo, "verify", "--runtime", "--phase", "phase2")
    assert kept.code == 0, (kept.out, kept.err)
    lines = kept.out.splitlines()
    assert f"note shimmed modules compared with {base[:12]}, the parent of " in kept.out
    assert any(
        line.startswith("ok   pkg.core: all ") and line.endswith(" the same objects")
        for line in lines
    ), lines
    assert not any(line.startswith("FAIL") for line in lines), lines

    commit_file(repo, CORE, drop_the_load(repo), "a shim that forgets the submodule")
    lost = cli(repo, "verify", "--runtime", "--phase", "phase2")
    assert lost.code == 1, (lost.out, lost.err)
    assert [line for line in lost.out.splitlines() if line.startswith("FAIL")] == [LOST]
    assert heads(repo)["main"] == git(repo, "rev-parse", "HEAD")  # verify wrote nothing
    assert git(repo, "worktree", "list").count("\n") == 0, "its worktree is gone"


def test_verify_runtime_compares_uncommitted_shims_with_head(tmp_path: Path, cli: Any) -> None:
    """`run --no-commit`: the phase's changes are in the working tree, HEAD is the base."""
    repo = make_repo(tmp_path, files=CORE_FILES)
    head = git(repo, "rev-parse", "HEAD")
    assert cli(repo, "run", "phase2", "--no-commit").code == 0

    kept = cli(repo, "verify", "--runtime")
    assert kept.code == 0, (kept.out, kept.err)
    assert f"note shimmed modules compared with {head[:12]}, HEAD: " in kept.out
    assert "ok   pkg.core: all " in kept.out

    (repo / CORE).write_bytes(drop_the_load(repo))
    lost = cli(repo, "verify", "--runtime")
    assert lost.code == 1, (lost.out, lost.err)
    assert [line for line in lost.out.splitlines() if line.startswith("FAIL")] == [LOST]


def test_verify_runtime_says_when_it_has_no_base_to_compare_with(tmp_path: Path, cli: Any) -> None:
    """Outside git, or with the shims committed by hand (no phase trailer, nothing
    uncommitted): one note line, not a failure."""
    outside = write_files(tmp_path / "plain", CORE_FILES)
    assert cli(outside, "run", "phase2", "--no-commit").code == 0
    result = cli(outside, "verify", "--runtime")
    assert result.code == 0, (result.out, result.err)
    [note] = [line for line in result.out.splitlines() if "not compared" in line]
    assert note == (
        "note shimmed modules not compared with the tree before the phase: "
        f"{outside} is not in a git repository with a commit"
    )

    repo = make_repo(tmp_path, files=CORE_FILES)
    assert cli(repo, "run", "phase2", "--no-commit").code == 0
    git(repo, "commit", "-q", "-a", "-m", "shims, committed by hand")
    result = cli(repo, "verify", "--runtime")
    assert result.code == 0, (result.out, result.err)
    [note] = [line for line in result.out.splitlines() if "not compared" in line]
    assert note.endswith(": no commit of phase2 on main, no uncommitted change of it")


# 9. plan --format json --------------------------------------------------------------------


def test_plan_json_lists_phases_symbols_and_legacy_paths(tmp_path: Path, cli: Any) -> None:
    repo = make_repo(tmp_path)
    result = cli(repo, "plan", "--format", "json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert (document["schema"], document["version"]) == ("ssot-migrate/plan", 1)
    [phase] = [p for p in document["phases"] if p["name"] == "phase2"]
    assert phase["title"] == "Engine consolidation"
    entry = symbol_entry(document, "phase2", "Engine")
    assert entry["canonical"] == "app.engine.Engine"
    paths = [p if isinstance(p, str) else p["path"] for p in entry["legacy_paths"]]
    assert "app.Engine" in paths
    assert "app.engine.Engine" not in paths
    assert isinstance(entry["status"], str) and entry["status"]


# 10. bare checkouts and submodules --------------------------------------------------------


def test_bare_repository_is_refused_with_a_clear_message(tmp_path: Path, cli: Any) -> None:
    source = make_repo(tmp_path, "source")
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(source), str(bare))
    refs_before = git(bare, "for-each-ref")
    files_before = snapshot(bare)

    result = cli(bare, "run", "phase2")

    assert result.code == 2, (result.out, result.err)
    assert "Traceback" not in result.err
    err = result.err.lower()
    assert any(word in err for word in ("bare", "work tree", "working tree", "worktree")), err
    assert git(bare, "for-each-ref") == refs_before
    assert snapshot(bare) == files_before


def test_submodule_is_left_alone(tmp_path: Path, cli: Any) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    git(lib, "init", "-q", "-b", "main")
    commit_file(lib, "tool.py", b"from app import Engine\n\nTOOL = Engine\n", "lib")
    repo = make_repo(tmp_path)
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib), "sub")
    git(repo, "commit", "-q", "-m", "add the submodule")
    base = git(repo, "rev-parse", "HEAD")
    sub = repo / "sub"

    def sub_state() -> tuple[str, str, str, dict[str, bytes]]:
        return (
            git(sub, "rev-parse", "HEAD"),
            git(sub, "for-each-ref"),  # no branch made in the submodule
            git(sub, "status", "--porcelain", "--untracked-files=all"),
            snapshot(sub),
        )

    sub_before = sub_state()
    gitlink = git(repo, "ls-tree", "HEAD", "sub")
    files_before = snapshot(repo)

    result = cli(repo, "run", "phase2")

    assert result.code == 0, result.err
    assert git(repo, "rev-parse", "ssot/phase2^") == base
    assert changed_files(repo, base, "ssot/phase2") == PHASE_FILES
    assert git(repo, "ls-tree", "ssot/phase2", "sub") == gitlink
    assert sub_state() == sub_before
    assert snapshot(repo) == files_before
    assert git(repo, "status", "--porcelain") == ""


def test_detached_head_no_ref_names_is_refused(tmp_path: Path, cli: Any) -> None:
    """A detached HEAD that no branch or tag names cannot be a phase's base."""
    repo = make_repo(tmp_path)
    (repo / "NOTES.txt").write_text("one more commit\n")
    git(repo, "add", "NOTES.txt")
    git(repo, "commit", "-q", "-m", "notes")
    git(repo, "checkout", "-q", "--detach", "HEAD")
    git(repo, "commit", "-q", "--allow-empty", "-m", "detached work")
    before = heads(repo)
    result = cli(repo, "run", "phase2")
    assert result.code == 2
    assert "detached" in result.err.lower()
    assert heads(repo) == before


def test_the_scratch_worktree_of_a_landed_phase_holds_only_what_a_run_reads(
    tmp_path: Path,
) -> None:
    from ssot_migrate.commands.project import read_by_a_run
    from ssot_migrate.io import vcs, vcs_commits

    extra = {
        "data/big.json": b"{}\n" * 1000,
        "docs/guide.md": b"# guide\n",
        ".gitattributes": b"*.py text eol=lf\n",
        "svc_a/.gitignore": b"generated/\n",
        "setup.cfg": b"[options]\npython_requires = >=3.8\n",
        "CODEOWNERS": b"svc_a/ @team-a\n",
    }
    repo = make_repo(tmp_path, files={**FILES, **extra})
    with vcs_commits.worktree(vcs.open_base(repo), only=read_by_a_run) as tree:
        written = {p.relative_to(tree).as_posix() for p in tree.rglob("*") if p.is_file()}
        written -= {".git"}
        index = set(git(tree, "ls-files").splitlines())
    assert written == {*FILES, ".gitattributes", "svc_a/.gitignore", "setup.cfg", "CODEOWNERS"}
    assert index == {*FILES, *extra}  # what a commit starts from is the whole base tree


def _counting_worktrees(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many scratch worktrees the runs made (each one is appended)."""
    from ssot_migrate.io import vcs_commits

    made: list[int] = []
    real = vcs_commits.worktree

    def counted(*args: Any, **kwargs: Any) -> Any:
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(vcs_commits, "worktree", counted)
    return made


def test_a_clean_tree_is_read_in_place_and_lands_what_a_worktree_would(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When every file a run reads matches HEAD, the phase is planned in the user's own
    tree (no checkout) and its commit hashed from a scratch folder: the commit must be
    the one a worktree gives, filters and file modes included, and the tree untouched."""
    files = {**FILES, ".gitattributes": b"*.py text eol=crlf\n"}
    trees = {}
    for name, untracked in (("in-place", None), ("worktree", "notes_draft.py")):
        repo = make_repo(tmp_path, name, files)
        (repo / "svc_b/three.py").chmod(0o755)
        git(repo, "add", "svc_b/three.py")
        git(repo, "commit", "-q", "-m", "executable")
        git(repo, "rm", "-q", "-r", "--cached", ".")
        git(repo, "reset", "-q", "--hard")  # checked out again: CRLF in the work tree
        assert b"\r\n" in (repo / "svc_a/one.py").read_bytes()
        if untracked:  # an untracked source: the run must read HEAD from a worktree
            (repo / untracked).write_bytes(b"X = 1\n")
        made = _counting_worktrees(monkeypatch)
        before = snapshot(repo)
        result = cli(repo, "run", "phase2")
        assert result.code == 0, result.err
        assert len(made) == (1 if untracked else 0)
        assert snapshot(repo) == before
        assert changed_files(repo, "main", "ssot/phase2") == PHASE_FILES
        assert "100755" in git(repo, "ls-tree", "ssot/phase2", "svc_b/three.py")
        assert b"\r\n" not in show(repo, "ssot/phase2", "svc_a/one.py")  # cleaned: eol=crlf
        trees[name] = git(repo, "rev-parse", "ssot/phase2^{tree}")
    assert trees["in-place"] == trees["worktree"]


def test_a_source_git_ignores_only_locally_makes_the_run_read_a_worktree(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file ignored through .git/info/exclude shows in no status, yet a walk of the
    user's tree would read it: HEAD, which lacks it, is read from a worktree instead."""
    repo = make_repo(tmp_path)
    (repo / ".git" / "info" / "exclude").write_text("local_only.py\n")
    (repo / "local_only.py").write_bytes(b"from app import Engine\n\nLOCAL = Engine\n")
    made = _counting_worktrees(monkeypatch)
    result = cli(repo, "run", "phase2")
    assert result.code == 0, result.err
    assert made == [1]
    assert changed_files(repo, "main", "ssot/phase2") == PHASE_FILES
    assert (repo / "local_only.py").read_bytes() == b"from app import Engine\n\nLOCAL = Engine\n"


def test_a_skip_worktree_file_makes_the_run_read_a_worktree(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A skip-worktree file may differ from HEAD without any status saying so."""
    repo = make_repo(tmp_path)
    git(repo, "update-index", "--skip-worktree", "svc_c/four.py")
    (repo / "svc_c/four.py").write_bytes(FILES["svc_c/four.py"] + b"\nLOCAL_EDIT = 1\n")
    made = _counting_worktrees(monkeypatch)
    result = cli(repo, "run", "phase2")
    assert result.code == 0, result.err
    assert made == [1]
    assert show(repo, "ssot/phase2", "svc_c/four.py") == rewritten("svc_c/four.py")


def test_a_file_edited_after_the_tree_was_found_clean_is_never_committed(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tree matched HEAD when the run began; an edit landing before the plan reads the
    file must not reach the commit: the phase is built again from a worktree at HEAD."""
    from ssot_migrate.commands import land as landing
    from ssot_migrate.commands import run as running

    repo = make_repo(tmp_path)
    edited = FILES["svc_a/one.py"] + b"\nUNCOMMITTED = 1\n"
    real = running.plan_phase

    def edit_then_plan(*args: Any, **kwargs: Any) -> Any:
        (repo / "svc_a/one.py").write_bytes(edited)  # the user, mid-run
        return real(*args, **kwargs)

    monkeypatch.setattr(landing, "plan_phase", edit_then_plan)
    made = _counting_worktrees(monkeypatch)
    result = cli(repo, "run", "phase2")
    assert result.code == 0, result.err
    assert made == [1]
    assert show(repo, "ssot/phase2", "svc_a/one.py") == rewritten("svc_a/one.py")
    assert (repo / "svc_a/one.py").read_bytes() == edited


@pytest.mark.parametrize("rel", ["svc_a/.gitignore", "setup.cfg", "svc_b/extra.py"])
def test_an_untracked_file_a_run_reads_makes_the_run_read_a_worktree(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch, rel: str
) -> None:
    repo = make_repo(tmp_path)
    (repo / rel).write_bytes(b"one.py\n" if rel.endswith(".gitignore") else b"\n")
    made = _counting_worktrees(monkeypatch)
    result = cli(repo, "run", "phase2")
    assert result.code == 0, result.err
    assert made == [1]
    assert changed_files(repo, "main", "ssot/phase2") == PHASE_FILES
