"""A landing's git commands started ahead of need, so that git works while the main
process plans, verifies and renders."""

from __future__ import annotations

from pathlib import Path

from ssot_migrate.io import vcs, vcs_commits


class GitAhead:
    """A landing's git commands, started before their answers are needed so that git
    works while the main process plans, verifies and renders: once the tree is read, the
    status of the user's tree (if read in place: what changed since the read) and the
    first batch's tree (a temporary index read from the base); each next batch's before
    the one at hand is verified; the status at the end (the files the phase rewrites
    that have uncommitted changes) with the last batch. Stopped, and their scratch
    removed, by `close`."""

    def __init__(self, base: vcs.Base, tree: Path, in_place: bool) -> None:
        self._base, self._tree, self._in_place = base, tree, in_place
        self._status: vcs.DirtyPaths | None = None
        self._final: vcs.DirtyPaths | None = None
        self._next: vcs_commits.TreeBuilder | None = None  # the next batch's
        self._open: list[vcs_commits.TreeBuilder] = []

    def start(self) -> None:

        if self._in_place:
            self._status = vcs.DirtyPaths(self._base, untracked=False)
        self._next = self._track(vcs_commits.TreeBuilder(self._tree, self._base.sha))

    def dirty_after_read(self) -> set[str]:
        assert self._status is not None, "started in place"
        return self._status.paths()

    def builder(self, last: bool) -> vcs_commits.TreeBuilder:
        """The batch at hand's tree (started, with the next one's if not
        `last`; with the status at the end if `last`)."""

        current = self._next or self._track(vcs_commits.TreeBuilder(self._tree, self._base.sha))
        self._next = None
        if last:
            self._final = vcs.DirtyPaths(self._base, untracked=False)
        else:
            self._next = self._track(vcs_commits.TreeBuilder(self._tree, self._base.sha))
        return current

    def dirty_at_end(self) -> set[str]:

        if self._final is None:  # no batch
            return vcs.dirty_paths(self._base, untracked=False)
        return self._final.paths()

    def _track(self, builder: vcs_commits.TreeBuilder) -> vcs_commits.TreeBuilder:
        self._open.append(builder)
        return builder

    def close(self) -> None:
        for builder in self._open:
            builder.close()
        for status in (self._status, self._final):
            if status is not None:
                status.stop()
