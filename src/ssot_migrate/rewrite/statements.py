"""One import statement as a snippet of the file's text (alone on its line, or sharing it
with other statements), and the edits that replace it, add statements after it or remove
it, its comment and its ``;`` going with it or staying as they must."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import libcst as cst

from ssot_migrate.base.source_text import LINE_BREAK
from ssot_migrate.codemods.import_edits import import_statement, join_statements
from ssot_migrate.index.facts import ImportFact
from ssot_migrate.rewrite.text import Edit, Refused, Text

_SEPARATOR_AFTER = re.compile(r"[ \t]*;[ \t]*")


_SEPARATOR_BEFORE = re.compile(r"[ \t]*;[ \t]*\Z")


_DIRECTIVE = re.compile(
    r"#\s*(type:|noqa|pylint:|pyright:|mypy:|isort:|fmt:|ruff:|flake8:|pragma)", re.IGNORECASE
)
"""A comment that tells a tool about its own line: it goes with a statement that goes."""


@dataclass
class Statement:
    """One import statement to rewrite, as a snippet of the file's text."""

    start: int
    end: int
    indent: str
    line: cst.SimpleStatementLine
    """`source` parsed."""
    source: str
    """The text replaced: the statement, and when it is alone on its line what follows it
    there (its `;`, its comment)."""
    own: str
    """The statement's own text (a comment between its parentheses is in it)."""
    block: tuple[int, int]
    first_line: int
    inline: bool = False
    """It shares its line with other statements (``import os; from m import S``): only its
    own text is replaced, and what replaces it stays on that line, ``;``-separated."""
    removal: tuple[int, int] | None = None
    """The text that goes when the statement goes (None: it cannot go on its own)."""
    comment_at_end: bool = False
    """(inline) Nothing follows it on its last line, so a comment may end that line."""
    line_comment: bool = False
    """(inline) It is the last statement of a line that ends in a comment."""

    # An import statement holds no string: a `#` in its text starts a comment.

    @property
    def commented(self) -> bool:
        """A comment in it, after it on its own line, or after it as a line's last statement."""
        return self.line_comment or "#" in self.source

    @property
    def inner_comment(self) -> bool:
        """A comment inside the statement (between its parentheses), not after it."""
        return "#" in self.own


def statement_at(text: Text, fact: ImportFact) -> Statement:
    start = text.offset(fact.stmt.line, fact.stmt.col)
    end = text.offset(fact.stmt.end_line, fact.stmt.end_col)
    line_start = text.starts[fact.stmt.line - 1]
    line_end = text.line_end(fact.stmt.end_line)
    before = text.text[line_start:start]
    indent = before.replace("\ufeff", "")
    after = text.text[end:line_end]
    separator = _SEPARATOR_AFTER.match(after)
    rest = after[separator.end() :] if separator else ""
    follows = bool(rest) and not rest.startswith("#")
    if not indent.strip() and not follows:
        # Alone on its line (with its trailing `;` or comment): the line is its text.
        source = text.text[start:line_end]
        line = _statement_line(source, fact)
        match = LINE_BREAK.match(text.text, line_end)
        whole = (start - len(indent), match.end() if match else line_end)
        own = text.text[start:end]
        return Statement(
            start, line_end, indent, line, source, own, fact.block, fact.stmt.line, False, whole
        )
    # `import os; from m import S`, `from m import S; x = 1`, `if x: from m import S`
    if indent.strip() and not indent.rstrip().endswith((";", ":")):
        raise Refused(f"line {fact.stmt.line}: unexpected statement shape")
    source = text.text[start:end]
    line = _statement_line(source, fact)
    removal = None
    if separator is not None and follows and not rest.startswith("\\"):
        removal = (start, end + separator.end())  # `S; ` goes, the next statement moves up
    elif (previous := _SEPARATOR_BEFORE.search(before)) is not None:
        removal = (line_start + previous.start(), end)  # `; S` goes
    return Statement(
        start,
        end,
        indent,
        line,
        source,
        source,
        fact.block,
        fact.stmt.line,
        inline=True,
        removal=removal,
        comment_at_end=not after.strip(),
        line_comment=not follows and "#" in after,
    )


def _statement_line(snippet: str, fact: ImportFact) -> cst.SimpleStatementLine:
    module = cst.parse_module(snippet)
    if len(module.body) != 1 or not isinstance(module.body[0], cst.SimpleStatementLine):
        raise Refused(f"line {fact.stmt.line}: unexpected statement shape")
    line = module.body[0]
    if len(line.body) != 1:
        raise Refused(f"line {fact.stmt.line}: several statements on one line")
    return line


def _render(lines: Sequence[cst.SimpleStatementLine], text: Text, indent: str) -> str:
    rendered = [
        cst.Module(body=[line], default_newline=text.newline).code.rstrip("\r\n") for line in lines
    ]
    return (text.newline + indent).join(rendered)


def rendered(statement: Statement, lines: Sequence[cst.SimpleStatementLine], text: Text) -> str:
    """`lines` as the text that takes `statement`'s place: one a line at its indentation, or
    ``;``-separated on its line when it shares the line with other statements."""
    if not statement.inline:
        return _render(lines, text, statement.indent)
    joined = join_statements(lines, statement.comment_at_end)
    if joined is None:
        raise Refused(
            f"line {statement.first_line}: a comment of the import would stand inside a line "
            "of several statements"
        )
    return _render([joined], text, "")


def _replacement(
    statement: Statement, lines: Sequence[cst.SimpleStatementLine], text: Text
) -> Edit:
    """`statement` replaced by `lines`; without lines, the statement goes. A comment ending
    its own line then stays on a line of its own, unless it is a tool's directive for that
    line (``# noqa``, ``# type: ignore``); a line it shares keeps its comment."""
    if lines:
        return Edit(statement.start, statement.end, rendered(statement, lines, text))
    if statement.removal is None:
        raise Refused(f"line {statement.first_line}: the import cannot leave its line alone")
    comment = statement.line.trailing_whitespace.comment
    if not statement.inline and comment is not None and not _DIRECTIVE.match(comment.value):
        return Edit(statement.start, statement.end, comment.value)
    start, end = statement.removal
    return Edit(start, end, "")


def insertion(statement: Statement, lines: Sequence[cst.SimpleStatementLine], text: Text) -> Edit:
    """`lines` added right after `statement`: on the next lines, or as the next statements of
    its line when it shares the line."""
    if statement.inline:
        return Edit(statement.end, statement.end, "; " + rendered(statement, lines, text))
    insert = _render(lines, text, statement.indent)
    return Edit(statement.end, statement.end, text.newline + statement.indent + insert)


def joined_removals(text: Text, edits: Iterable[Edit]) -> list[Edit]:
    """`edits` with the removals of statements that follow each other on a line joined.

    A removed statement followed on its line by another takes the ``;`` after it, the last
    one of the line the ``;`` before it: when both go (``import os; L1; L2``) they reach the
    same ``;``. Such a run goes with the ``;`` before its first statement instead, or, when
    it is all the line holds, as the line (see `_line_removal`).
    """
    runs: list[tuple[Edit, bool]] = []  # (edit, whether it joins overlapping removals)
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if runs:
            last, overlapping = runs[-1]
            if (
                not last.text
                and not edit.text
                and edit.start <= last.end
                and _line_of(text, edit.start) == _line_of(text, last.start)
            ):
                joined = Edit(last.start, max(last.end, edit.end), "")
                runs[-1] = (joined, overlapping or edit.start < last.end)
                continue
        runs.append((edit, False))
    return [_line_removal(text, edit) if overlapping else edit for edit, overlapping in runs]


def _line_of(text: Text, offset: int) -> int:
    return bisect.bisect_right(text.starts, offset)


def _line_removal(text: Text, run: Edit) -> Edit:
    """The removal of statements that end their line (`run` holds them and the ``;``
    between them): with the ``;`` before the first; when nothing else stands on the line,
    the line goes, except a plain comment, which stays on a line of its own as with one
    import (a tool's directive goes with the statements)."""
    line = _line_of(text, run.start)
    line_start, line_end = text.starts[line - 1], text.line_end(line)
    before = text.text[line_start : run.start]
    separator = _SEPARATOR_BEFORE.search(before)
    if separator is not None:
        return Edit(line_start + separator.start(), run.end, "")
    indent = before.replace("\ufeff", "")
    if indent.strip():
        raise Refused(f"line {line}: the imports that go are all the block on that line holds")
    rest = text.text[run.end : line_end]
    trailing = _SEPARATOR_AFTER.match(rest)  # `L1; L2;  # c`
    comment = rest[trailing.end() if trailing else 0 :].strip()
    if comment and not _DIRECTIVE.match(comment):
        return Edit(run.start, line_end, comment)
    line_break = LINE_BREAK.match(text.text, line_end)
    return Edit(run.start - len(indent), line_break.end() if line_break else line_end, "")


def statement_edit(
    statement: Statement,
    lines: list[cst.SimpleStatementLine],
    text: Text,
    extra_modules: list[tuple[str, str | None]],
) -> Edit:
    added = dict.fromkeys(extra_modules)
    return _replacement(statement, [*lines, *(import_statement(m, a) for m, a in added)], text)
