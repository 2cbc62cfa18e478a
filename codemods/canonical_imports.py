"""Rewrite imports of a symbol's legacy paths to its canonical path, with minimal diffs.

The statement-level functions here are shared: `ssot-migrate run` applies them to the exact
import statements its resolver selected, and `CanonicalImportsCommand` applies them to a
whole module for use on its own (README: the `.libcst.codemod.yaml` this needs)::

    python -m libcst.tool codemod --no-format canonical_imports.CanonicalImportsCommand \\
        --move app.agents.ExecutionEngine=app.agents.execution_engine.ExecutionEngine \\
        src/

Policy (each rule has a golden case under fixtures/rewrite/):

- ``from legacy import S as A`` keeps ``as A``; a legacy *alias* ``from m import Engine``
  (``Engine = ExecutionEngine``) becomes ``from canonical import ExecutionEngine as Engine``:
  the file's local names never change.
- ``from legacy import S, Other``: ``Other`` stays; ``S`` gets its own statement on the next
  line, taking its trailing comment with it. On a line of several statements (``import os;
  from legacy import S, Other``) it is the next statement of that line instead.
- Relative imports stay relative (``from ..core import S`` -> ``from ..core.engine import
  S``) unless asked to be absolute.
- Every byte outside the edited statements is kept: comments, parentheses, commas and
  backslash continuations of the names that stay.

Standalone, the command matches imports by path as written (resolved against the file's
package); it does not follow re-export chains, so list every legacy path to move.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.helpers import get_full_name_for_node

from ssot_migrate.base.dotted import resolve_relative
from ssot_migrate.codemods.import_edits import (
    Destination,
    join_statements,
    rewrite_import_from,
    rewritten_string,
)


class CanonicalImportsCommand(VisitorBasedCodemodCommand):
    """The whole-module form: every ``from`` import of a listed legacy path, and every
    string whose whole value is one, moves to the canonical path."""

    DESCRIPTION = (
        "Rewrite imports of legacy paths of a symbol to its canonical path, keeping local "
        "names, relative style, block placement and every other byte."
    )

    @staticmethod
    def add_args(arg_parser: argparse.ArgumentParser) -> None:
        arg_parser.add_argument(
            "--move",
            dest="moves",
            action="append",
            required=True,
            metavar="LEGACY=CANONICAL",
            help="a legacy dotted path and the canonical path it moves to (repeatable)",
        )
        arg_parser.add_argument(
            "--absolute",
            dest="relative",
            action="store_false",
            help="write rewritten relative imports as absolute imports",
        )
        arg_parser.add_argument(
            "--no-strings",
            dest="strings",
            action="store_false",
            help="leave string literals alone",
        )

    def __init__(
        self,
        context: CodemodContext,
        moves: Sequence[str] | Mapping[str, str] = (),
        relative: bool = True,
        strings: bool = True,
    ) -> None:
        super().__init__(context)
        pairs = moves.items() if isinstance(moves, Mapping) else (_parse_move(m) for m in moves)
        self.paths: dict[str, str] = dict(pairs)
        self.relative = relative
        self.strings = strings

    def _moved(self, module: str | None) -> dict[str, Destination]:
        if module is None:
            return {}
        found = {}
        for legacy, canonical in self.paths.items():
            legacy_module, _, name = legacy.rpartition(".")
            if legacy_module == module:
                target_module, _, target_name = canonical.rpartition(".")
                found[name] = Destination(target_module, target_name)
        return found

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.FlattenSentinel[cst.SimpleStatementLine]:
        if len(updated_node.body) == 1:
            lines = self._rewritten(updated_node)
            return cst.FlattenSentinel(lines) if len(lines) != 1 else lines[0]
        return updated_node.with_changes(body=self._in_line(updated_node.body))

    def leave_SimpleStatementSuite(
        self, original_node: cst.SimpleStatementSuite, updated_node: cst.SimpleStatementSuite
    ) -> cst.SimpleStatementSuite:
        """``if x: from legacy import S``: the body on the header's line."""
        return updated_node.with_changes(body=self._in_line(updated_node.body))

    def _in_line(
        self, statements: Sequence[cst.BaseSmallStatement]
    ) -> list[cst.BaseSmallStatement]:
        """Statements sharing a line, each import rewritten where it stands."""
        body: list[cst.BaseSmallStatement] = []
        for statement in statements:
            alone = cst.SimpleStatementLine(
                body=[statement.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)]
            )
            joined = join_statements(self._rewritten(alone))
            if joined is None:  # a comment that would stand mid-line: left as it is
                body.append(statement)
                continue
            *first, last = joined.body
            body += [*first, last.with_changes(semicolon=statement.semicolon)]
        return body

    def _rewritten(self, line: cst.SimpleStatementLine) -> list[cst.SimpleStatementLine]:
        node = line.body[0]
        if not isinstance(node, cst.ImportFrom) or isinstance(node.names, cst.ImportStar):
            return [line]
        package = self.context.full_package_name
        module = get_full_name_for_node(node.module) if node.module is not None else ""
        absolute = resolve_relative(package, len(node.relative), module or "")
        moved = self._moved(absolute)
        if not moved:
            return [line]
        return rewrite_import_from(line, moved, package, self.relative)

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.SimpleString:
        if not self.strings:
            return updated_node
        return rewritten_string(updated_node, self.paths) or updated_node


def _parse_move(text: str) -> tuple[str, str]:
    legacy, separator, canonical = text.partition("=")
    if not separator or "." not in legacy or "." not in canonical:
        raise ValueError(f"--move {text!r}: expected LEGACY.PATH=CANONICAL.PATH")
    return legacy.strip(), canonical.strip()
