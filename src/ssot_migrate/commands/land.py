"""`run` through git: a phase built from HEAD and committed on its own branch (or batch
branches), without touching the user's branch, index, working tree or stash."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ssot_migrate.analysis.grouping import find_codeowners
from ssot_migrate.base.exit_codes import EXIT_PARTIAL
from ssot_migrate.base.templating import render as render_template
from ssot_migrate.commands.batch_check import (
    NeedsWorktree,
    batch_unverified,
    needs_reindex,
    prefilter_names,
)
from ssot_migrate.commands.batching import split_batches
from ssot_migrate.commands.branches import refuse_existing
from ssot_migrate.commands.git_ahead import GitAhead
from ssot_migrate.commands.project import (
    RunOptions,
    audit_all,
    check_phase,
    load,
    project_files,
    read_by_a_run,
    select_symbols,
)
from ssot_migrate.commands.run import RunResult, plan_phase, record_cycles
from ssot_migrate.config.model import Config, SymbolSpec
from ssot_migrate.index.facts import SourceFile
from ssot_migrate.io import vcs, vcs_commits, vcs_history, workspace
from ssot_migrate.io.writing import write_changes
from ssot_migrate.rewrite.outcomes import ChangeKind, FileChange


@dataclass(frozen=True, slots=True)
class LandedBranch:
    name: str
    sha: str
    label: str
    files: tuple[str, ...]
    """The rewritten importers of this branch's slice (shims are in every branch)."""
    pr_path: Path
    pr_text: str
    committed: int = 0
    """Files in the commit: the slice plus the shims."""


@dataclass(frozen=True, slots=True)
class LandResult:
    run: RunResult
    branches: tuple[LandedBranch, ...]
    base_name: str
    base_sha: str
    dirty_overlap: tuple[str, ...]
    """Files the phase rewrites that have uncommitted changes in the user's tree."""
    refused: tuple[str, ...] = ()
    """Batches not committed because they did not pass their own verify."""

    @property
    def exit_code(self) -> int:
        return EXIT_PARTIAL if self.refused else self.run.exit_code


def land_phase(
    options: RunOptions,
    phase: str,
    symbols: Sequence[str],
    *,
    strings: bool = True,
    shims: bool = True,
    branch: str | None = None,
    force_branch: bool = False,
    batch_size: int | None = None,
    batch_by: str | None = None,
    say: Callable[[str], object] | None = None,
) -> LandResult:
    """Build the phase from HEAD and commit it on new branch(es). `say`: told first, before
    any git work, when the repository's top level is not the root (the commits go to a
    repository the user may not have meant).

    Read in place when every file a run reads holds in the user's tree what HEAD holds
    (nothing is written there but the tool's cache; the commits are hashed from a scratch
    folder holding only the rewritten files), else in a temporary worktree at HEAD. The
    user's branch, index, working tree and stash are never touched.
    """

    vcs.refuse_bare(options.root)
    config = load(options)
    check_phase(config, phase)
    specs = select_symbols(config, symbols, phase)  # usage errors before any git work
    base = vcs.open_base(config.root)
    root_rel = config.root.resolve().relative_to(base.top.resolve())
    name = branch or default_branch(config, phase, specs)
    if root_rel != Path(".") and say is not None:
        say(
            f"committing in the git repository at {base.top} (--root is its folder "
            f"{root_rel.as_posix()}/): branch {name} from {base.name}"
        )
    landing = _Landing(
        options, config, base, root_rel, phase, symbols, strings, shims,
        name, force_branch, batch_size, batch_by,
    )  # fmt: skip
    discovered: list[tuple[SourceFile, ...]] = []

    def discover() -> None:  # while git walks the tree for its status
        if config.root == base.top / root_rel:  # the paths the landing reads in place
            discovered.append(project_files(config))

    match = vcs.head_match(base, read_by_a_run, discover)
    if match is not None:
        try:
            return landing.land(base.top, match, discovered[0] if discovered else None)
        except NeedsWorktree:
            pass  # nothing was committed: build it again from a worktree
    with vcs_commits.worktree(base, only=read_by_a_run) as tree:
        return landing.land(tree, None)


@dataclass(frozen=True, slots=True)
class _Landing:
    options: RunOptions
    config: Config
    base: Any  # vcs.Base (GitPython is imported only by commands that use git)
    root_rel: Path
    phase: str
    symbols: Sequence[str]
    strings: bool
    shims: bool
    name: str
    force_branch: bool
    batch_size: int | None
    batch_by: str | None

    def from_top(self, rel: str) -> str:
        """A path from the root (``rel``, posix) as git names it: from the top."""
        top = self.root_rel.as_posix()  # string work: 20,000 Path joins take ~0.1 s
        return rel if top == "." else f"{top}/{rel}"

    def land(
        self, tree: Path, match: Any, files: tuple[SourceFile, ...] | None = None
    ) -> LandResult:
        """Plan the phase in `tree` and commit its batches. `match` (a vcs.HeadMatch):
        `tree` is the user's own, whose files a run reads match HEAD; it is read only;
        `files`: its source files, if discovered already. Raises NeedsWorktree, before
        any commit, when that cannot decide the phase."""
        ahead = GitAhead(self.base, tree, match is not None)
        try:
            return self._land(tree, match, ahead, files)
        finally:
            ahead.close()

    def _land(
        self, tree: Path, match: Any, ahead: GitAhead, files: tuple[SourceFile, ...] | None
    ) -> LandResult:

        base, config, phase, symbols = self.base, self.config, self.phase, self.symbols
        tree_root = tree / self.root_rel
        opts = dataclasses.replace(self.options, root=tree_root, config_file=config.config_file)
        # The cache is saved once, with the cycle record (or here, with nothing to do).
        planned = plan_phase(
            opts, phase, symbols, self.strings, self.shims, True, ahead.start, files
        )
        result, project = planned.result, planned.project
        if match is not None:
            listed = {self.from_top(f.rel) for f in project.files}
            if not listed <= match.tracked:  # a source git ignores only locally
                raise NeedsWorktree
        if not result.changes:
            project.cache.save(live={f.rel for f in project.files})
            return LandResult(result, (), base.name, base.sha, ())
        prefilter = prefilter_names(project, result.specs)
        if match is not None:
            touched = {self.from_top(c.rel) for c in result.changes}
            if touched & ahead.dirty_after_read() or needs_reindex(
                project, result.changes, prefilter
            ):
                raise NeedsWorktree  # edited since the plan read it; or batch_unverified
        # The base's cycles, for `verify` after merging.
        record_cycles(opts, result, store=config.root, project=project, record=planned.cycles)
        by_rel = {c.rel: c for c in result.changes}
        shim_rels = sorted(c.rel for c in result.changes if c.kind is ChangeKind.SHIM)
        owners = find_codeowners(tree_root)
        batches = split_batches(
            [r for r in by_rel if r not in shim_rels],
            self.batch_size,
            self.batch_by,
            workspace.read_text(owners) if owners else None,
        )
        names = [f"{self.name}/{label}" if label else self.name for label, _ in batches]
        refuse_existing(
            base,
            self.name,
            names,
            self.force_branch,
            batched=len(batches) > 1 or bool(self.batch_by or self.batch_size),
        )
        known = {  # the legacy paths before the phase: every batch must keep them working
            a.spec.name: set(a.all_legacy_paths) for a in audit_all(project, result.specs)
        }
        landed: list[LandedBranch] = []
        refusals: list[str] = []
        for number, ((label, rels), branch_name) in enumerate(zip(batches, names, strict=True)):
            batch = [by_rel[r] for r in (*shim_rels, *rels)]
            builder = ahead.builder(last=number == len(batches) - 1)
            with self._written(tree, tree_root, match, batch) as (selected, files_from, left):
                refusals.extend(left)
                paths = [self.from_top(c.rel) for c in selected]
                builder.add(paths, files_from)  # hashed while the batch is verified
                broken = batch_unverified(
                    project, opts, phase, symbols, selected, known, prefilter, match is None
                )
                if broken:  # a batch that does not pass its own verify is not committed
                    builder.close()
                    refusals.append(f"{branch_name}: not committed, verify fails: {broken[0]}")
                    continue
                context = {
                    "phase": phase,
                    "title": _phase_title(config, phase, result.specs),
                    "batch": label,
                    "specs": result.specs,
                    "sites": sum(c.sites for c in selected if c.rel not in shim_rels),
                    "files": len(selected),
                    "shims": shim_rels,
                    "symbols": ", ".join(s.name for s in result.specs),
                    "phase_trailer": vcs_history.PHASE_TRAILER,
                    "symbols_trailer": vcs_history.SYMBOLS_TRAILER,
                    "batch_trailer": vcs_history.BATCH_TRAILER,
                }
                message = render_template("commit.txt.j2", **context)
                sha = vcs_commits.commit_branch(
                    tree, base.sha, branch_name, message, builder.tree(), self.force_branch
                )
            pr_text = render_template(
                "pr.md.j2",
                **{**context, "files": [c.rel for c in selected], "branch": branch_name,
                   "base_name": base.name, "base_sha": base.sha},
            )  # fmt: skip
            pr_path = vcs.git_dir(base) / "ssot-migrate" / f"{branch_name}.md"
            workspace.write_atomic(pr_path, pr_text.encode())
            landed.append(
                LandedBranch(branch_name, sha, label, tuple(rels), pr_path, pr_text, len(selected))
            )
        touched = {self.from_top(c.rel) for c in result.changes}
        # What the phase rewrites was in HEAD: tracked, so no walk for untracked files.
        overlap = tuple(sorted(touched & ahead.dirty_at_end()))
        return LandResult(result, tuple(landed), base.name, base.sha, overlap, tuple(refusals))

    @contextlib.contextmanager
    def _written(
        self, tree: Path, tree_root: Path, match: Any, batch: Sequence[FileChange]
    ) -> Iterator[tuple[list[FileChange], Path | None, list[str]]]:
        """The batch's changes as files to commit: (those written, the folder holding
        them if not `tree`, why each other one is not committed). In a worktree they are
        written in place (the worktree is scratch) and put back afterwards, so the tree
        is at the base commit between batches without a checkout of the whole tree; in
        the user's tree (`match`) they go to a scratch folder instead, with the tracked
        ``.gitattributes``."""
        if match is None:
            written, _ = write_changes(tree_root, batch, scratch=True)
            kept = set(written)
            selected = [c for c in batch if c.rel in kept]
            try:
                yield selected, None, []
            finally:
                _put_back(tree, tree_root, self.base.sha, selected)
            return
        with workspace.scratch_folder("ssot-migrate-batch-") as scratch:
            for rel in match.attributes:
                workspace.copy_into_scratch(tree / rel, scratch / rel)
            selected, left = [], []
            for change in batch:
                source = tree_root / change.rel
                try:
                    if workspace.read_bytes(source) != change.before:
                        left.append(f"{change.rel}: changed during the run: not committed")
                        continue
                    target = scratch / self.root_rel / change.rel
                    workspace.write_scratch_copy(target, change.after, like=source)
                except OSError as error:
                    left.append(f"{change.rel}: {error.strerror or error}: not committed")
                    continue
                selected.append(change)
            yield selected, scratch, left


def _put_back(tree: Path, tree_root: Path, sha: str, changes: Sequence[FileChange]) -> None:
    """Restore the files of `changes` to what they held; if one cannot be, check out the
    whole tree at `sha` (slow, but the next batch must start from the base)."""

    undo = [FileChange(c.rel, c.after, c.before, c.sites, c.forms) for c in changes]
    _, refused = write_changes(tree_root, undo, scratch=True)
    if refused:
        vcs_commits.reset(tree, sha)


def _phase_title(config: Config, phase: str, specs: Sequence[SymbolSpec]) -> str:
    """The phase's title, unless `specs` are only some of its symbols: their names then
    (a title would claim the others moved too)."""
    title = next((p.title for p in config.phases if p.name == phase), "")
    if title and not _only_some(config, phase, specs):
        return title
    return ", ".join(s.name for s in specs)


def default_branch(config: Config, phase: str, specs: Sequence[SymbolSpec]) -> str:
    """``PREFIX/PHASE``; for only some of its symbols (``--symbol``), ``PREFIX/PHASE-S1-S2``:
    a later run for the others gets a branch of its own."""
    name = f"{config.branch_prefix}/{phase}"
    if _only_some(config, phase, specs):
        name += "".join(f"-{s.name}" for s in specs)
    return name


def _only_some(config: Config, phase: str, specs: Sequence[SymbolSpec]) -> bool:
    chosen = next((p for p in config.phases if p.name == phase), None)
    return chosen is not None and {s.name for s in specs} < {s.name for s in chosen.symbols}
