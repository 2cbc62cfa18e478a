"""The import blocks of a file that stood in its sorter's order, kept in it by the rewrite:
how the sorter orders an appended name, which statements it puts together, and each block
an edit touched sorted again (the order itself is `import_order`'s)."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ssot_migrate.analysis.resolve import Resolver
from ssot_migrate.codemods.import_edits import NameOrder
from ssot_migrate.index.facts import SourceFile
from ssot_migrate.rewrite.import_order import (
    ImportBlock,
    Region,
    import_blocks,
    in_order,
    in_sorter_order,
    statement_texts,
)
from ssot_migrate.rewrite.layout import Layout
from ssot_migrate.rewrite.plan import FilePlan
from ssot_migrate.rewrite.sort_keys import member_key
from ssot_migrate.rewrite.sorter_settings import SorterSettings
from ssot_migrate.rewrite.text import Edit, Text, line_starts, shifted


def _edits_imports(plan: FilePlan) -> bool:
    """Whether the rewrite edits an import statement, which may stand in a sorted block
    (the sorter sorts a function's, a class's or an ``if``'s blocks too)."""
    lines = {f.span.line for f in plan.from_moves} | {s.line for s in plan.module_sites}
    return any(f.span.line in lines for f in plan.facts.imports)


@dataclass(frozen=True, slots=True)
class SortedBlocks:
    """The file's import blocks that stood in its sorter's order."""

    settings: SorterSettings
    is_project: Callable[[str], bool]
    blocks: tuple[ImportBlock, ...]

    def together(self, first: int, second: int) -> bool:
        """Whether the statements at lines `first` and `second` (1-based) stand in one of
        the blocks of a sorter that combines a module's imports: it will put the names of
        one beside the other anyway."""
        if self.settings.force_single_line:
            return False
        block = self._block_at(first)
        return block is not None and block is self._block_at(second)

    def name_order(self, line: int) -> NameOrder | None:
        """How the sorter orders the names of the statement at `line` (1-based), when it
        is in one of the blocks (None: it is not)."""
        if self._block_at(line) is None:
            return None
        settings = self.settings
        return lambda name, local: member_key(name, local, settings)

    def _block_at(self, line: int) -> ImportBlock | None:
        """The block holding the statement at `line` (1-based; blocks count from 0)."""
        return next((b for b in self.blocks if b.first_line < line <= b.last_line + 1), None)

    def kept_sorted(self, old: Text, edits: Sequence[Edit], new_text: str) -> str:
        """`new_text` (`old` with `edits`) with each block an edit touched in order again."""
        regions = []
        new_starts = line_starts(new_text)
        for block in self.blocks:
            start = old.starts[block.first_line]
            end = old.line_end(block.last_line + 1)
            if any(start <= e.start <= end for e in edits):
                first = bisect.bisect_right(new_starts, shifted(start, edits)) - 1
                last = bisect.bisect_right(new_starts, shifted(end, edits)) - 1
                regions.append(Region(first, last, statement_texts(old.text, block)))
        return in_sorter_order(new_text, regions, self.settings, self.is_project)


def sorted_blocks(
    plan: FilePlan,
    text: Text,
    layout: Layout,
    resolver: Resolver,
    sorters: Callable[[SourceFile], SorterSettings | None],
) -> SortedBlocks | None:
    """The blocks a rewrite of the file must keep sorted (None: no sorter, or none)."""
    if not _edits_imports(plan):
        return None
    settings = sorters(plan.source)
    if settings is None:
        return None
    is_project = resolver.index.is_module
    tree = layout.tree()
    if tree is None:
        return None
    found = import_blocks(text.text, tree)
    blocks = tuple(b for b in found if in_order(b, settings, is_project))
    return SortedBlocks(settings, is_project, blocks) if blocks else None
