"""Where an import goes in a block that the project's import sorter keeps sorted.

A block is a run of consecutive top-level import statements (blank lines and comments
between them belong to it; any other statement ends it). Its statements are ordered the
way ruff's ``I001`` and isort order them by default: by section (future, standard library,
third party, first party, local), plain ``import`` statements before ``from`` ones, then
by module name (natural order, case-insensitive first), then by the first imported name.

`in_sorter_order` moves only the statements a rewrite wrote, each with the comment lines
right above it, to where the sorter would put them; the other lines keep their bytes and
their order, and nothing moves across other code. A block it cannot read line by line
(statements sharing a line, comments standing apart, sorter directives) stays as it is.
Pure: text in, text out. The sorter's keys (sections, statements, names) are `sort_keys`.

isort's API (``isort.place_module``, ``isort.check_code``) was weighed and not taken: the
sections need only the standard library's names and the project's own modules (the index
knows them better than isort's look at the file system), its check judges wrapping and
spacing that the rewrite does not touch (and prints to the terminal), its order is isort's
where ruff's differs in details, and importing it costs ~70 ms a run.
"""

from __future__ import annotations

import ast
import bisect
import itertools
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ssot_migrate.base.source_text import LINE_BREAK
from ssot_migrate.rewrite.sort_keys import IsProject, Key, statement_key
from ssot_migrate.rewrite.sorter_settings import SorterSettings

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_DIRECTIVE = re.compile(r"#\s*(isort|ruff|fmt)\s*:", re.IGNORECASE)
_HEADER = re.compile(r"#!|[ \t\f]*#.*?coding[:=]")
"""A shebang or an encoding cookie: it stays on the file's first lines."""


@dataclass(frozen=True, slots=True)
class ImportStatement:
    """A top-level import statement: 0-based line indexes."""

    first: int
    """Its first line, the comment lines right above it included."""
    start: int
    end: int
    """Its last line."""
    node: ast.Import | ast.ImportFrom


@dataclass(frozen=True, slots=True)
class ImportBlock:
    statements: tuple[ImportStatement, ...]
    whole_lines: bool
    """Every statement stands alone on its lines and no sorter directive is in the block:
    the block can be reordered line by line."""

    @property
    def first_line(self) -> int:
        return self.statements[0].first

    @property
    def last_line(self) -> int:
        return self.statements[-1].end


@dataclass(frozen=True, slots=True)
class Region:
    """Lines (0-based, inclusive) of a rewritten text holding a block that was sorted
    before the rewrite, and the texts of that block's statements then."""

    first: int
    last: int
    before: tuple[str, ...]


def lines_of(source: str) -> list[str]:
    """The lines of `source` with their line breaks (Python's: CRLF, CR, LF)."""
    return _LINE.findall(source)


def import_blocks(source: str, tree: ast.Module | None = None) -> list[ImportBlock]:
    """The import blocks of `source`, in every statement list (a function's, a class's, an
    ``if``'s too, as the sorter sorts them); `tree`: its parse, when at hand; none when it
    does not parse."""
    if tree is None:
        tree = _parsed(source)
        if tree is None:
            return []
    lines = lines_of(source)
    return [block for body in statement_lists(tree) for block in _blocks(lines, body, 0)]


def statement_lists(tree: ast.Module) -> Iterator[list[ast.stmt]]:
    """Every non-empty statement list of `tree`: its body, and those of its statements,
    handlers and match cases (no expression holds a statement list, so none is walked)."""
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        for name in ("body", "orelse", "finalbody"):
            statements = getattr(node, name, None)
            if isinstance(statements, list) and statements:
                yield statements
                todo.extend(statements)
        todo.extend(getattr(node, "handlers", ()))
        todo.extend(getattr(node, "cases", ()))


def _parsed(source: str) -> ast.Module | None:
    try:
        return ast.parse(source.removeprefix("\ufeff"))
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def _blocks(lines: Sequence[str], body: Sequence[ast.stmt], offset: int) -> list[ImportBlock]:
    """The import blocks of `body`, statements parsed from `lines[offset:]` (so their line
    numbers count from `offset`)."""
    blocks: list[list[ImportStatement]] = []
    previous_end = offset - 1
    in_block = False
    for node in body:
        start, end = node.lineno - 1 + offset, (node.end_lineno or node.lineno) - 1 + offset
        if isinstance(node, ast.Import | ast.ImportFrom):
            first = _attached_comments_start(lines, start, previous_end)
            if not in_block:
                blocks.append([])
            blocks[-1].append(ImportStatement(first, start, end, node))
            in_block = True
        else:
            in_block = False
        previous_end = end
    return [ImportBlock(tuple(b), _whole_lines(lines, b)) for b in blocks]


def _blocks_in(lines: Sequence[str], first: int, last: int) -> list[ImportBlock]:
    """The import blocks of lines `first`..`last` (parsed alone: a text's few lines; an
    indented block as the body of an ``if``, so its columns stay the text's)."""
    snippet = "".join(lines[first : last + 1])
    snippet = snippet if first == 0 else snippet.lstrip("\ufeff")
    if not snippet[:1].isspace():
        tree = _parsed(snippet)
        return [] if tree is None else _blocks(lines, tree.body, first)
    tree = _parsed("if True:\n" + snippet)
    if tree is None or not tree.body or not isinstance(tree.body[0], ast.If):
        return []
    return _blocks(lines, tree.body[0].body, first - 1)


def _attached_comments_start(lines: Sequence[str], start: int, previous_end: int) -> int:
    """The first of the comment lines right above line `start` (none: `start`)."""
    first = start
    while first - 1 > previous_end and lines[first - 1].lstrip().startswith("#"):
        if first - 1 < 2 and _HEADER.match(lines[first - 1]):
            break
        first -= 1
    return first


def _whole_lines(lines: Sequence[str], statements: Sequence[ImportStatement]) -> bool:
    for statement in statements:
        node = statement.node
        if lines[statement.start].encode("utf-8")[: node.col_offset].strip():
            return False  # not the first statement of its line
        last = lines[statement.end].encode("utf-8")
        rest = last[node.end_col_offset or 0 :].decode("utf-8", "replace").strip()
        if rest and not rest.startswith("#"):
            return False
    block = lines[statements[0].first : statements[-1].end + 1]
    return not any(_DIRECTIVE.search(line) for line in block)


# the sorter's order -----------------------------------------------------------------------


def in_order(block: ImportBlock, settings: SorterSettings, is_project: IsProject) -> bool:
    """Whether the block's statements stand in the sorter's order (and can be moved)."""
    if not block.whole_lines:
        return False
    keys = [statement_key(s.node, settings, is_project) for s in block.statements]
    return all(a <= b for a, b in itertools.pairwise(keys))


def statement_texts(source: str, block: ImportBlock) -> tuple[str, ...]:
    """The text of each statement of `block` (without the comments above it)."""
    lines = lines_of(source)
    return tuple(_text(lines, s) for s in block.statements)


def _text(lines: Sequence[str], statement: ImportStatement) -> str:
    return "".join(lines[statement.start : statement.end + 1]).rstrip()


# placing ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Piece:
    """A statement's lines (with the comments above it) and its place in the order."""

    lines: tuple[str, ...]
    key: Key
    section: int
    commented: bool
    """Comment lines stand above the statement."""


def in_sorter_order(
    source: str,
    regions: Sequence[Region],
    settings: SorterSettings,
    is_project: IsProject,
) -> str:
    """`source` with, in each region's block, the statements that were not in it before
    placed where the sorter would put them (the block unchanged when it already is in
    order or cannot be reordered safely)."""
    if not regions:
        return source
    lines = lines_of(source)
    found = LINE_BREAK.search(source)
    newline = found.group() if found else "\n"
    for region in sorted(regions, key=lambda r: r.first, reverse=True):
        block = _block_in(_blocks_in(lines, region.first, region.last), region)
        if block is None or not block.whole_lines:
            continue
        placed = _placed_block(lines, block, region.before, settings, is_project, newline)
        if placed is not None:
            lines[block.first_line : block.last_line + 1] = placed
    return "".join(lines)


def _block_in(blocks: Sequence[ImportBlock], region: Region) -> ImportBlock | None:
    """The one block whose statements all start in `region` (None: none, or several)."""
    inside = [
        b for b in blocks if any(region.first <= s.start <= region.last for s in b.statements)
    ]
    if len(inside) != 1:
        return None
    block = inside[0]
    if all(region.first <= s.start <= region.last for s in block.statements):
        return block
    return None


def _placed_block(
    lines: Sequence[str],
    block: ImportBlock,
    before: Sequence[str],
    settings: SorterSettings,
    is_project: IsProject,
    newline: str,
) -> list[str] | None:
    """The block's lines with its new statements in the sorter's places (None: leave it)."""
    statements = block.statements
    keys = [statement_key(s.node, settings, is_project) for s in statements]
    if _binds_a_name_twice(statements):
        return None  # which import wins would depend on the order
    gaps = _blank_gaps(lines, statements)
    if gaps is None:
        return None  # a comment standing apart from the statements: not moved around
    known = Counter(before)
    kept: list[_Piece] = []
    kept_gaps: list[int] = []
    moving: list[_Piece] = []
    pending: int | None = None  # blank lines around statements taken out since the last kept
    for index, statement in enumerate(statements):
        gap_before = gaps[index - 1] if index else 0
        text = _text(lines, statement)
        piece_lines = _terminated(lines[statement.first : statement.end + 1], newline)
        if known[text] > 0:
            known[text] -= 1
            piece = _piece(piece_lines, keys[index], statement.first < statement.start)
            if kept:
                took_out = pending is not None
                gap = max(pending or 0, gap_before)
                kept_gaps.append(_gap(kept[-1], piece, gap, settings) if took_out else gap)
            pending = None
            kept.append(piece)
        else:
            pending = max(pending or 0, gap_before)
            moving += _pieces(statement, piece_lines, settings, is_project, newline)
    for piece in sorted(moving, key=lambda p: p.key):
        _insert(kept, kept_gaps, piece, settings)
    if any(a.key > b.key for a, b in itertools.pairwise(kept)):
        return None  # a kept statement out of place: not ours to fix
    out: list[str] = []
    for index, piece in enumerate(kept):
        if index:
            out += [newline] * kept_gaps[index - 1]
        out += piece.lines
    if not lines[block.last_line].endswith(("\n", "\r")):
        out[-1] = out[-1].rstrip("\r\n")  # the file ended there without a line break
    return None if out == lines[block.first_line : block.last_line + 1] else out


def _binds_a_name_twice(statements: Sequence[ImportStatement]) -> bool:
    """Whether two statements of the block may bind one name (``import a.b`` and
    ``import a.c`` both bind the package ``a``, which is one object: not counted)."""
    names: list[str] = []
    for statement in statements:
        node = statement.node
        for alias in node.names:
            if isinstance(node, ast.ImportFrom):
                names.append(alias.asname or alias.name)
            elif alias.asname is not None:
                names.append(alias.asname)
    return len(names) != len(set(names)) or "*" in names


def _blank_gaps(lines: Sequence[str], statements: Sequence[ImportStatement]) -> list[int] | None:
    """How many blank lines stand between each two statements (None: a line between two
    statements is not blank)."""
    gaps = []
    for first, second in itertools.pairwise(statements):
        between = lines[first.end + 1 : second.first]
        if any(line.strip() for line in between):
            return None
        gaps.append(len(between))
    return gaps


def _piece(lines: tuple[str, ...], key: Key, commented: bool = False) -> _Piece:
    section = key[0]
    assert isinstance(section, int)
    return _Piece(lines, key, section, commented)


def _terminated(lines: Sequence[str], newline: str) -> tuple[str, ...]:
    """`lines`, the last one ending with a line break (the file's last may have none)."""
    if lines and not lines[-1].endswith(("\n", "\r")):
        return (*lines[:-1], lines[-1] + newline)
    return tuple(lines)


def _pieces(
    statement: ImportStatement,
    lines: tuple[str, ...],
    settings: SorterSettings,
    is_project: IsProject,
    newline: str,
) -> list[_Piece]:
    """The new statement as the sorter wants it: one ``from`` import a line under
    ``force-single-line`` (when it is one line without comments), else as it is."""
    node = statement.node
    key = statement_key(node, settings, is_project)
    one_line = len(lines) == 1 and "#" not in lines[0] and "\\" not in lines[0]
    if not (settings.force_single_line and isinstance(node, ast.ImportFrom) and one_line):
        return [_piece(lines, key, statement.first < statement.start)]
    module = "." * node.level + (node.module or "")
    pieces = []
    for alias in node.names:
        single = ast.ImportFrom(module=node.module, names=[alias], level=node.level)
        as_part = f" as {alias.asname}" if alias.asname else ""
        text = f"from {module} import {alias.name}{as_part}{newline}"
        pieces.append(_piece((text,), statement_key(single, settings, is_project)))
    return pieces


def _insert(kept: list[_Piece], gaps: list[int], piece: _Piece, settings: SorterSettings) -> None:
    """Put `piece` after the statements the sorter puts before it: next to a neighbour of
    its section, or as a section of its own between blank lines."""
    index = bisect.bisect_right([p.key for p in kept], piece.key)
    before = kept[index - 1] if index > 0 else None
    after = kept[index] if index < len(kept) else None
    if before is not None and after is not None:
        old = gaps[index - 1]
        gaps[index - 1 : index] = [
            _gap(before, piece, old, settings),
            _gap(piece, after, old, settings),
        ]
    elif before is not None:
        gaps.append(_gap(before, piece, 1, settings))
    elif after is not None:
        gaps.insert(0, _gap(piece, after, 1, settings))
    kept.insert(index, piece)


def _gap(first: _Piece, second: _Piece, old: int, settings: SorterSettings) -> int:
    """The blank lines the sorter leaves between two statements: none in a section (one
    before a statement with comments above it, where the sorter wants that), at least one
    between sections."""
    if first.section != second.section:
        return max(old, 1)
    return 1 if second.commented and settings.newline_before_comments else 0
