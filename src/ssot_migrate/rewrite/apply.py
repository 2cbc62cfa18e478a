"""Plan and apply a phase's rewrite: exact edits at the spans the resolver found.

Only the statements, attribute chains and strings that reach a symbol through a legacy
path are re-read with LibCST (the statement-level rules live in
``ssot_migrate.codemods.canonical_imports``); every other byte is copied as it was. A
rewritten file must parse and bind the same objects under the same names as before, or it
is left untouched and reported. Pure: bytes in, new bytes (or a reason) out.
"""

from __future__ import annotations

import ast
import bisect
import dataclasses
import io
import itertools
import re
import tokenize
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import libcst as cst

from ssot_migrate.analysis.audit import Site, SymbolAudit
from ssot_migrate.analysis.resolve import Resolver, local_import_target
from ssot_migrate.base.outcomes import Note
from ssot_migrate.codemods.import_edits import (
    Destination,
    NameOrder,
    alias_name,
    append_names,
    import_statement,
    join_statements,
    local_name,
    rewrite_import_from,
    rewrite_import_module,
    rewritten_string,
    without_names,
)
from ssot_migrate.index.extract import extract_facts
from ssot_migrate.index.facts import (
    AttributeUse,
    ImportFact,
    Index,
    ModuleFacts,
    ParseFailure,
    Progress,
    SourceFile,
    Span,
    absolute_module,
)
from ssot_migrate.index.newer_syntax import downgrade_source
from ssot_migrate.rewrite.fallbacks import FALLBACK_NOW_IDENTICAL, describe, identical_fallbacks
from ssot_migrate.rewrite.import_order import (
    ImportBlock,
    Region,
    import_blocks,
    in_order,
    in_sorter_order,
    member_key,
    statement_lists,
    statement_texts,
)
from ssot_migrate.rewrite.outcomes import FileChange, RewriteResult
from ssot_migrate.rewrite.sorter_settings import SorterLookup, SorterSettings

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass
class _FilePlan:
    source: SourceFile
    facts: ModuleFacts
    from_moves: dict[ImportFact, Destination] = field(default_factory=dict)
    module_sites: list[Site] = field(default_factory=list)
    strings: dict[str, str] = field(default_factory=dict)
    sites: Counter[str] = field(default_factory=Counter)
    destinations: Mapping[str, Destination] = field(default_factory=dict)
    """Every path that reaches a symbol of the run -> its canonical import."""
    used_elsewhere: Callable[[str, str], bool] = field(default=lambda module, name: True)
    """Whether another file may import `name` from `module` (then it must keep its object)."""
    rebound: set[tuple[tuple[int, int], str]] | None = None
    """`_rebinds` of the file as it is, once found (the rewrite and its check both ask)."""

    def rebinds(self, resolver: Resolver) -> set[tuple[tuple[int, int], str]]:
        if self.rebound is None:
            self.rebound = _rebinds(self.source, self.facts, resolver)
        return self.rebound


@dataclass(frozen=True, slots=True)
class RewritePlan:
    """Which files a run edits, and the sites it leaves alone (with reasons)."""

    files: Mapping[str, _FilePlan]
    notes: tuple[Note, ...]
    unrewritten: tuple[Note, ...] = ()
    """Imports of a symbol's name that resolve nowhere or to another object (the audit's
    unresolved and different-object sites): never rewritten, only counted."""


def plan_rewrites(
    index: Index,
    audits: Sequence[SymbolAudit],
    strings: bool = True,
    shimmed: Mapping[str, frozenset[str]] | None = None,
) -> RewritePlan:
    """The edits of a phase. `shimmed`: per file (`rel`), the names its shim takes away
    from the module's namespace (its module-level imports of them are the shim's to
    remove, not to rewrite); its strings are left alone too."""
    plans, notes = _plan(index, audits, strings, shimmed or {})
    return RewritePlan(plans, tuple(notes), _unrewritten(audits))


def _unrewritten(audits: Sequence[SymbolAudit]) -> tuple[Note, ...]:
    found = [
        Note(f.rel, f.line, f"{kind}: {f.path}: {f.detail}")
        for audit in audits
        for kind, findings in (("unresolved", audit.broken), ("different object", audit.different))
        for f in findings
    ]
    return tuple(sorted(found, key=lambda n: (n.rel, n.line, n.reason)))


class Parsing(Protocol):
    """Files handed over one by one, their facts collected at once (keyed as handed)."""

    def submit(
        self,
        key: str,
        data: bytes,
        interest: Collection[str] | None = None,
        roots: Collection[str] = (),
    ) -> None: ...

    def ready(self) -> Iterator[tuple[str, ModuleFacts | ParseFailure]]: ...


def apply_plan(
    plan: RewritePlan,
    read: Mapping[str, bytes],
    resolver: Resolver,
    relative: bool = True,
    used_elsewhere: Callable[[str, str], bool] | None = None,
    progress: Progress | None = None,
    parsing: Parsing | None = None,
    meanwhile: Callable[[], object] | None = None,
    sorters: Callable[[SourceFile], SorterSettings | None] | None = None,
) -> RewriteResult:
    """Rewrite every planned file of `read` (rel -> its bytes), verified one by one.

    `used_elsewhere(module, name)` says whether other files may import a module-level
    name; without it every such name is assumed to be (a module alias then stays).
    The rewritten files are parsed again before each is verified, that parse being most
    of a file's cost: by `parsing` (the caller's worker pool, handed each file as soon as
    it is rewritten, so that parsing overlaps the rewriting of the rest), else one by one
    here. It must read the whole file (``extract_facts(whole=True)``): a check does not
    trust a skeleton. `meanwhile`: work of the caller's done here once every file is
    rewritten, while the workers parse them (the main process would otherwise wait).
    `sorters`: the import sorter settings of a file (default: read from the config files
    next to it and above it, see `sorter_settings`); an import block the sorter kept
    sorted stays sorted (`import_order`).
    """
    refused: list[Note] = []
    rewritten: list[tuple[str, _FilePlan, bytes, bytes]] = []
    total = len(plan.files)
    sorter_of = SorterLookup() if sorters is None else sorters
    for number, (rel, file_plan) in enumerate(sorted(plan.files.items()), 1):
        if progress is not None and (number % 20 == 0 or number == total):
            progress("rewriting files", number, total)
        if used_elsewhere is not None:
            file_plan.used_elsewhere = used_elsewhere
        data = read.get(rel)
        if data is None:
            continue
        after = _rewrite(file_plan, data, resolver, relative, sorter_of)
        if isinstance(after, Note):
            refused.append(after)
        elif after != data:
            rewritten.append((rel, file_plan, data, after))
            if parsing is not None:
                parsing.submit(rel, after, *_focus(file_plan.facts))
    if meanwhile is not None:
        meanwhile()
    # Each file is checked as soon as its parse comes back, while the rest are parsed.
    by_rel = {rel: (file_plan, after) for rel, file_plan, _, after in rewritten}
    checked: dict[str, ModuleFacts | Note] = {}
    for rel, new in parsing.ready() if parsing is not None else ():
        file_plan, after = by_rel[rel]
        checked[rel] = _checked(file_plan, after, resolver, new)
    changes: list[FileChange] = []
    for rel, file_plan, data, after in rewritten:
        facts = checked.get(rel)
        if facts is None:
            new = extract_facts(after, True, *_focus(file_plan.facts))
            facts = _checked(file_plan, after, resolver, new)
        if isinstance(facts, Note):
            refused.append(facts)
        else:
            sites = file_plan.sites
            changes.append(FileChange(rel, data, after, sum(sites.values()), sites, facts))
    notes = (*plan.notes, *_identical_fallback_notes(plan, changes))
    return RewriteResult(tuple(changes), tuple(sorted(refused, key=_by_file)), notes)


def _identical_fallback_notes(plan: RewritePlan, changes: Iterable[FileChange]) -> Iterator[Note]:
    """A note for each ``try``/``except ImportError`` whose branches the rewrite left
    importing the same thing (one that already did before is not the rewrite's)."""
    for change in changes:
        if change.facts is not None and not any(
            f.guard == "import-error-handler" for f in change.facts.imports
        ):
            continue  # no import in an ImportError handler: no fallback to compare
        package = plan.files[change.rel].source.package
        after, before = _parse_tree(change.after), _parse_tree(change.before)
        if after is None:
            continue
        already = (
            Counter(f.imported for f in identical_fallbacks(before, package))
            if before
            else Counter()
        )
        for fallback in identical_fallbacks(after, package):
            if already[fallback.imported] > 0:
                already[fallback.imported] -= 1
                continue
            yield Note(
                change.rel,
                fallback.line,
                f"{FALLBACK_NOW_IDENTICAL}: the try body and its ImportError handler both "
                f"import {describe(fallback)} (kept: remove the try if the fallback is no "
                "longer needed)",
            )


def _by_file(note: Note) -> str:
    return note.rel


def _focus(facts: ModuleFacts) -> tuple[tuple[str, ...] | None, frozenset[str]]:
    """The chains to read a rewritten file for, to compare with `facts` (its facts
    before): those `facts` hold, all of each of their roots (see `_signature`)."""
    return facts.chains_for, facts.chain_roots() or frozenset()


# planning ---------------------------------------------------------------------------------


def _untouched_modules(audits: Sequence[SymbolAudit]) -> set[str]:
    """Modules whose strings are never rewritten: the canonical modules and what they
    import at import time (a lazy loader's table there must keep naming the definition)."""
    modules = set()
    for audit in audits:
        modules.add(audit.spec.canonical_module)
        modules |= audit.load_time
    return modules


def _plan(
    index: Index,
    audits: Sequence[SymbolAudit],
    strings: bool,
    shimmed: Mapping[str, frozenset[str]],
) -> tuple[dict[str, _FilePlan], list[Note]]:
    by_rel = {f.rel: f for f in index.files}
    untouched = _untouched_modules(audits) | {str(by_rel[rel].module) for rel in shimmed}
    plans: dict[str, _FilePlan] = {}
    notes: list[Note] = []
    destinations = _destinations(audits)

    def plan_for(rel: str) -> _FilePlan:
        if rel not in plans:
            plans[rel] = _FilePlan(by_rel[rel], index.facts[rel], destinations=destinations)
        return plans[rel]

    for audit in audits:
        canonical = Destination(audit.spec.canonical_module, audit.spec.canonical_name)
        for site in audit.sites:
            if site.canonical:
                continue
            if site.left:
                notes.append(Note(site.rel, site.line, site.left))
            elif site.scope == "module" and site.local in shimmed.get(site.rel, ()):
                notes.append(Note(site.rel, site.line, "legacy module: its shim serves the name"))
            elif site.form == "module-attribute":
                plan = plan_for(site.rel)
                plan.module_sites.append(site)
                plan.sites[site.form] += 1
            else:
                plan = plan_for(site.rel)
                fact = _import_at(plan.facts, site)
                if fact is not None:
                    plan.from_moves[fact] = canonical
                    plan.sites[site.form] += 1
        legacy_paths = {p.path for p in audit.legacy_paths}
        for found in audit.strings:
            if found.detail != "legacy":
                continue
            if not strings:
                notes.append(Note(found.rel, found.line, "string left alone (--no-strings)"))
            elif by_rel[found.rel].module in untouched:
                notes.append(Note(found.rel, found.line, "string in a canonical or shimmed module"))
            else:
                plan = plan_for(found.rel)
                plan.strings[found.path] = audit.spec.canonical
                plan.sites["string"] += 1
        notes.extend(_prefix_strings(index, legacy_paths, untouched, by_rel))
    return plans, notes


def _import_at(facts: ModuleFacts, site: Site) -> ImportFact | None:
    for fact in facts.imports:
        if fact.span.line == site.line and fact.span.col == site.col and fact.kind == "from":
            return fact
    return None


def _prefix_strings(
    index: Index, legacy: set[str], owned: set[str], by_rel: Mapping[str, SourceFile]
) -> Iterator[Note]:
    """Strings naming an attribute *through* a legacy path: reported, not rewritten."""
    if not legacy:
        return
    for rel, facts in index.facts.items():
        if by_rel[rel].module in owned:
            continue
        for ref in facts.strings:
            if any(ref.value.startswith(path + ".") for path in legacy):
                yield Note(
                    rel, ref.span.line, f"string {ref.value!r} only starts with a legacy path"
                )


# applying ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Edit:
    start: int
    end: int
    text: str


class _Text:
    """A file's decoded text with its encoding, and line/column to offset conversion."""

    def __init__(self, data: bytes) -> None:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        self.encoding = encoding
        self.text = data.decode(encoding)
        self.starts = _line_starts(self.text)
        self.newline = m.group() if (m := _LINE_BREAK.search(self.text)) else "\n"

    def offset(self, line: int, col: int) -> int:
        base = self.starts[line - 1]
        # The BOM is part of the text but not of the columns Python reports.
        if line == 1 and self.text.startswith("\ufeff"):
            base += 1
        return base + col

    def line_end(self, line: int) -> int:
        """Offset of the line break ending `line` (or of the end of the text)."""
        if line < len(self.starts):
            end = self.starts[line]
            while end > self.starts[line - 1] and self.text[end - 1] in "\r\n":
                end -= 1
            return end
        return len(self.text)

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding)


def _line_starts(text: str) -> list[int]:
    """The offset of each line's first character (Python's line breaks: CRLF, CR, LF)."""
    if "\r" not in text:  # the usual case, without a Python step per line
        lengths = map((1).__add__, map(len, text.split("\n")))
        return list(itertools.accumulate(lengths, initial=0))[:-1]
    return [0, *(m.end() for m in _LINE_BREAK.finditer(text))]


class _Refused(Exception):
    """The file cannot be rewritten safely; the message says why."""


def _rewrite(
    plan: _FilePlan,
    data: bytes,
    resolver: Resolver,
    relative: bool,
    sorters: Callable[[SourceFile], SorterSettings | None],
) -> bytes | Note:
    """The rewritten bytes, or why the file cannot be rewritten."""
    try:
        text = _Text(data)
        layout = _Layout(text)
        order = _sorted_blocks(plan, text, layout, resolver, sorters)
        edits = list(_edits(plan, text, resolver, relative, layout, order))
        new_text = _final_newline_as_before(text.text, _splice(text.text, edits))
        if order is not None:
            new_text = order.kept_sorted(text, edits, new_text)
        return text.encode(new_text)
    except _Refused as refused:
        return Note(plan.source.rel, 1, str(refused))
    except (SyntaxError, UnicodeError, LookupError, cst.ParserSyntaxError) as error:
        return Note(plan.source.rel, 1, f"cannot rewrite: {error}")


def _edits_imports(plan: _FilePlan) -> bool:
    """Whether the rewrite edits an import statement, which may stand in a sorted block
    (the sorter sorts a function's, a class's or an ``if``'s blocks too)."""
    lines = {f.span.line for f in plan.from_moves} | {s.line for s in plan.module_sites}
    return any(f.span.line in lines for f in plan.facts.imports)


@dataclass(frozen=True, slots=True)
class _SortedBlocks:
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

    def kept_sorted(self, old: _Text, edits: Sequence[_Edit], new_text: str) -> str:
        """`new_text` (`old` with `edits`) with each block an edit touched in order again."""
        regions = []
        new_starts = _line_starts(new_text)
        for block in self.blocks:
            start = old.starts[block.first_line]
            end = old.line_end(block.last_line + 1)
            if any(start <= e.start <= end for e in edits):
                first = bisect.bisect_right(new_starts, _shifted(start, edits)) - 1
                last = bisect.bisect_right(new_starts, _shifted(end, edits)) - 1
                regions.append(Region(first, last, statement_texts(old.text, block)))
        return in_sorter_order(new_text, regions, self.settings, self.is_project)


def _sorted_blocks(
    plan: _FilePlan,
    text: _Text,
    layout: _Layout,
    resolver: Resolver,
    sorters: Callable[[SourceFile], SorterSettings | None],
) -> _SortedBlocks | None:
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
    return _SortedBlocks(settings, is_project, blocks) if blocks else None


def _shifted(offset: int, edits: Sequence[_Edit]) -> int:
    """Where `offset` of the text stands once `edits` (sorted, apart) are applied; inside
    an edit, at the end of what replaces it."""
    shift = 0
    for edit in edits:
        if edit.end <= offset:
            shift += len(edit.text) - (edit.end - edit.start)
        elif edit.start < offset:
            return edit.start + shift + len(edit.text)
        else:
            break
    return offset + shift


def _checked(
    plan: _FilePlan, after: bytes, resolver: Resolver, new: ModuleFacts | ParseFailure
) -> ModuleFacts | Note:
    """The rewritten file's facts once `_verify` accepts it, or why it does not."""
    try:
        return _verify(plan, after, resolver, new)
    except _Refused as refused:
        return Note(plan.source.rel, 1, str(refused))


def _final_newline_as_before(old: str, new: str) -> str:
    """A file without a final line break keeps having none: removing its last line (an
    absorbed import) must not leave the line break before it at the end."""
    if old.endswith(("\n", "\r")) or not new.endswith(("\n", "\r")):
        return new
    return new[:-2] if new.endswith("\r\n") else new[:-1]


def _splice(text: str, edits: list[_Edit]) -> str:
    edits.sort(key=lambda e: (e.start, e.end))
    for before, after in itertools.pairwise(edits):
        if after.start < before.end:
            raise _Refused("overlapping edits (a statement reached twice)")
    pieces: list[str] = []
    cursor = 0
    for edit in edits:
        pieces.append(text[cursor : edit.start])
        pieces.append(edit.text)
        cursor = edit.end
    pieces.append(text[cursor:])
    return "".join(pieces)


_SEPARATOR_AFTER = re.compile(r"[ \t]*;[ \t]*")
_SEPARATOR_BEFORE = re.compile(r"[ \t]*;[ \t]*\Z")
_DIRECTIVE = re.compile(
    r"#\s*(type:|noqa|pylint:|pyright:|mypy:|isort:|fmt:|ruff:|flake8:|pragma)", re.IGNORECASE
)
"""A comment that tells a tool about its own line: it goes with a statement that goes."""


@dataclass
class _Statement:
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


def _statement(text: _Text, fact: ImportFact) -> _Statement:
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
        match = _LINE_BREAK.match(text.text, line_end)
        whole = (start - len(indent), match.end() if match else line_end)
        own = text.text[start:end]
        return _Statement(
            start, line_end, indent, line, source, own, fact.block, fact.stmt.line, False, whole
        )
    # `import os; from m import S`, `from m import S; x = 1`, `if x: from m import S`
    if indent.strip() and not indent.rstrip().endswith((";", ":")):
        raise _Refused(f"line {fact.stmt.line}: unexpected statement shape")
    source = text.text[start:end]
    line = _statement_line(source, fact)
    removal = None
    if separator is not None and follows and not rest.startswith("\\"):
        removal = (start, end + separator.end())  # `S; ` goes, the next statement moves up
    elif (previous := _SEPARATOR_BEFORE.search(before)) is not None:
        removal = (line_start + previous.start(), end)  # `; S` goes
    return _Statement(
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
        raise _Refused(f"line {fact.stmt.line}: unexpected statement shape")
    line = module.body[0]
    if len(line.body) != 1:
        raise _Refused(f"line {fact.stmt.line}: several statements on one line")
    return line


def _render(lines: Sequence[cst.SimpleStatementLine], text: _Text, indent: str) -> str:
    rendered = [
        cst.Module(body=[line], default_newline=text.newline).code.rstrip("\r\n") for line in lines
    ]
    return (text.newline + indent).join(rendered)


def _rendered(statement: _Statement, lines: Sequence[cst.SimpleStatementLine], text: _Text) -> str:
    """`lines` as the text that takes `statement`'s place: one a line at its indentation, or
    ``;``-separated on its line when it shares the line with other statements."""
    if not statement.inline:
        return _render(lines, text, statement.indent)
    joined = join_statements(lines, statement.comment_at_end)
    if joined is None:
        raise _Refused(
            f"line {statement.first_line}: a comment of the import would stand inside a line "
            "of several statements"
        )
    return _render([joined], text, "")


def _replacement(
    statement: _Statement, lines: Sequence[cst.SimpleStatementLine], text: _Text
) -> _Edit:
    """`statement` replaced by `lines`; without lines, the statement goes. A comment ending
    its own line then stays on a line of its own, unless it is a tool's directive for that
    line (``# noqa``, ``# type: ignore``); a line it shares keeps its comment."""
    if lines:
        return _Edit(statement.start, statement.end, _rendered(statement, lines, text))
    if statement.removal is None:
        raise _Refused(f"line {statement.first_line}: the import cannot leave its line alone")
    comment = statement.line.trailing_whitespace.comment
    if not statement.inline and comment is not None and not _DIRECTIVE.match(comment.value):
        return _Edit(statement.start, statement.end, comment.value)
    start, end = statement.removal
    return _Edit(start, end, "")


def _insertion(
    statement: _Statement, lines: Sequence[cst.SimpleStatementLine], text: _Text
) -> _Edit:
    """`lines` added right after `statement`: on the next lines, or as the next statements of
    its line when it shares the line."""
    if statement.inline:
        return _Edit(statement.end, statement.end, "; " + _rendered(statement, lines, text))
    insert = _render(lines, text, statement.indent)
    return _Edit(statement.end, statement.end, text.newline + statement.indent + insert)


def _edits(
    plan: _FilePlan,
    text: _Text,
    resolver: Resolver,
    relative: bool,
    layout: _Layout,
    order: _SortedBlocks | None = None,
) -> Iterator[_Edit]:
    package = plan.source.package
    extra_modules: dict[Span, list[tuple[str, str | None]]] = defaultdict(list)
    # Module-attribute sites first: they may turn `from P import m` into a from-move too.
    yield from list(_module_attribute_edits(plan, text, resolver, extra_modules))
    # from-imports: group the moved names by statement
    by_statement: dict[Span, dict[str, Destination]] = defaultdict(dict)
    facts_of: dict[Span, ImportFact] = {}
    for fact, destination in plan.from_moves.items():
        assert fact.name is not None
        by_statement[fact.stmt][fact.name] = destination
        facts_of[fact.stmt] = fact
    hosts = _Hosts(plan, resolver, layout, order)
    absorbed_names: dict[Span, list[tuple[str, str]]] = defaultdict(list)
    rewritten: dict[Span, _Edit] = {}
    for span, moved in sorted(by_statement.items()):  # source order: see `_Hosts.bound_at`
        fact = facts_of[span]
        statement = _statement(text, fact)
        node = statement.line.body[0]
        assert isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar)
        drop, targets = hosts.absorption(statement, span, moved)
        lines: list[cst.SimpleStatementLine] = []
        if len(drop) < len(node.names):
            line = statement.line
            if drop:
                line = line.with_changes(body=[without_names(node, set(drop))])
            lines = rewrite_import_from(line, moved, package, relative, frozenset(targets))
        bound_here: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for index, alias in enumerate(node.names):
            going = moved.get(alias_name(alias))
            if going is None or index in drop:
                continue
            pair = (going.name, local_name(alias))
            if going.module in targets:
                absorbed_names[targets[going.module]].append(pair)
            else:
                bound_here[going.module].add(pair)
        hosts.bound_at(statement.block, span, bound_here)
        rewritten[span] = _statement_edit(statement, lines, text, extra_modules.pop(span, []))
    for span, modules in extra_modules.items():
        fact = next(f for f in plan.facts.imports if f.stmt == span)
        additions = [import_statement(m, alias) for m, alias in dict.fromkeys(modules)]
        rewritten[span] = _insertion(_statement(text, fact), additions, text)
    for host_span, names in absorbed_names.items():
        host_fact = next(f for f in plan.facts.imports if f.stmt == host_span)
        host = _statement(text, host_fact)
        name_order = order.name_order(host.first_line) if order is not None else None
        merged = append_names(host.line, names, name_order)
        edit = _Edit(host.start, host.end, _rendered(host, [merged], text))
        if host_span in rewritten:
            raise _Refused(f"line {host_span.line}: a canonical import is also rewritten")
        rewritten[host_span] = edit
    yield from _joined_removals(text, rewritten.values())
    yield from _string_edits(plan, text)


def _joined_removals(text: _Text, edits: Iterable[_Edit]) -> list[_Edit]:
    """`edits` with the removals of statements that follow each other on a line joined.

    A removed statement followed on its line by another takes the ``;`` after it, the last
    one of the line the ``;`` before it: when both go (``import os; L1; L2``) they reach the
    same ``;``. Such a run goes with the ``;`` before its first statement instead, or, when
    it is all the line holds, as the line (see `_line_removal`).
    """
    runs: list[tuple[_Edit, bool]] = []  # (edit, whether it joins overlapping removals)
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if runs:
            last, overlapping = runs[-1]
            if (
                not last.text
                and not edit.text
                and edit.start <= last.end
                and _line_of(text, edit.start) == _line_of(text, last.start)
            ):
                joined = _Edit(last.start, max(last.end, edit.end), "")
                runs[-1] = (joined, overlapping or edit.start < last.end)
                continue
        runs.append((edit, False))
    return [_line_removal(text, edit) if overlapping else edit for edit, overlapping in runs]


def _line_of(text: _Text, offset: int) -> int:
    return bisect.bisect_right(text.starts, offset)


def _line_removal(text: _Text, run: _Edit) -> _Edit:
    """The removal of statements that end their line (`run` holds them and the ``;``
    between them): with the ``;`` before the first; when nothing else stands on the line,
    the line goes, except a plain comment, which stays on a line of its own as with one
    import (a tool's directive goes with the statements)."""
    line = _line_of(text, run.start)
    line_start, line_end = text.starts[line - 1], text.line_end(line)
    before = text.text[line_start : run.start]
    separator = _SEPARATOR_BEFORE.search(before)
    if separator is not None:
        return _Edit(line_start + separator.start(), run.end, "")
    indent = before.replace("\ufeff", "")
    if indent.strip():
        raise _Refused(f"line {line}: the imports that go are all the block on that line holds")
    rest = text.text[run.end : line_end]
    trailing = _SEPARATOR_AFTER.match(rest)  # `L1; L2;  # c`
    comment = rest[trailing.end() if trailing else 0 :].strip()
    if comment and not _DIRECTIVE.match(comment):
        return _Edit(run.start, line_end, comment)
    line_break = _LINE_BREAK.match(text.text, line_end)
    return _Edit(run.start - len(indent), line_break.end() if line_break else line_end, "")


def _statement_edit(
    statement: _Statement,
    lines: list[cst.SimpleStatementLine],
    text: _Text,
    extra_modules: list[tuple[str, str | None]],
) -> _Edit:
    added = dict.fromkeys(extra_modules)
    return _replacement(statement, [*lines, *(import_statement(m, a) for m, a in added)], text)


# absorbing a legacy import into a canonical one of its block -------------------------------


@dataclass(frozen=True, slots=True)
class _Host:
    """A ``from <module> import ...`` statement the run leaves, and the (name, local name)
    pairs it binds."""

    stmt: Span
    binds: frozenset[tuple[str, str]]


class _Hosts:
    """The file's ``from`` imports the run leaves, by (block, absolute module): canonical
    imports that may take over the names of a legacy import of the same block; and the
    legacy imports rewritten where they stand, which a later one need not repeat."""

    def __init__(
        self,
        plan: _FilePlan,
        resolver: Resolver,
        layout: _Layout,
        order: _SortedBlocks | None = None,
    ) -> None:
        self._order = order
        moved = {f.stmt for f in plan.from_moves}
        pairs: dict[Span, set[tuple[str, str]]] = defaultdict(set)
        keys: dict[Span, tuple[tuple[int, int], str]] = {}
        for fact in plan.facts.imports:
            if fact.kind != "from" or fact.stmt in moved or fact.name is None:
                continue
            module = absolute_module(plan.source, fact.module, fact.level)
            if module is not None:
                keys[fact.stmt] = (fact.block, module)
                pairs[fact.stmt].add((fact.name, str(fact.local_name)))
        self._hosts: dict[tuple[tuple[int, int], str], list[_Host]] = defaultdict(list)
        for stmt, key in keys.items():  # source order: facts come in it
            self._hosts[key].append(_Host(stmt, frozenset(pairs[stmt])))
        self._rewritten: dict[tuple[tuple[int, int], str], list[_Host]] = defaultdict(list)
        self._layout = layout
        self._project = lambda module: resolver.index.is_module(module.split(".")[0])

    def bound_at(
        self, block: tuple[int, int], stmt: Span, binds: Mapping[str, set[tuple[str, str]]]
    ) -> None:
        """A legacy statement, rewritten where it stands, binds these (name, local name)
        pairs of each canonical module: a later legacy import of its block that would bind
        one again may go, as a duplicate of a canonical import would (names are never
        appended to it: its text is rewritten)."""
        for module, pairs in binds.items():
            self._rewritten[(block, module)].append(_Host(stmt, frozenset(pairs)))

    def absorption(
        self, statement: _Statement, span: Span, moved: Mapping[str, Destination]
    ) -> tuple[frozenset[int], dict[str, Span]]:
        """Which names of a legacy statement canonical imports of its block take over:
        (indexes of the names one already binds, or an earlier legacy import rewritten where
        it stands, which go; destination module -> the import the names going there are
        appended to). A statement that cannot leave its line keeps all its names (it is
        rewritten where it stands)."""
        node = statement.line.body[0]
        assert isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar)
        going = {
            index: moved[alias_name(alias)]
            for index, alias in enumerate(node.names)
            if alias_name(alias) in moved
        }
        drop: set[int] = set()
        if not statement.inner_comment:  # dropping a name would drop its comment
            for index, destination in going.items():
                local = local_name(node.names[index])
                key = (statement.block, destination.module)
                hosts = [*self._hosts.get(key, []), *self._rewritten.get(key, [])]
                fitting = [h for h in hosts if (destination.name, local) in h.binds]
                if self._host(fitting, statement.block, span, frozenset({local})) is not None:
                    drop.add(index)
        targets: dict[str, Span] = {}
        if not statement.commented:
            for module in dict.fromkeys(d.module for i, d in going.items() if i not in drop):
                names = frozenset(
                    local_name(node.names[i])
                    for i, d in going.items()
                    if i not in drop and d.module == module
                )
                hosts = self._hosts.get((statement.block, module), [])
                host = self._host(hosts, statement.block, span, names)
                if host is not None:
                    targets[module] = host
        stays = len(node.names) > len(going)
        gone = all(i in drop or d.module in targets for i, d in going.items())
        if gone and not stays and statement.removal is None:
            return frozenset(), {}
        return frozenset(drop), targets

    def _host(
        self, hosts: Sequence[_Host], block: tuple[int, int], legacy: Span, names: frozenset[str]
    ) -> Span | None:
        """The import of `hosts` that may bind `names` in the legacy statement's place.

        An earlier one (the first) when no statement in between spells a name: the names
        are then bound sooner, and nothing in between reads or rebinds them. Else a later
        one (the nearest) when, besides, nothing in between runs code (a call, a decorator,
        a base class, a project module's import...) that could read them before they are
        bound again, or when both stand in a block the project's sorter keeps sorted (it
        puts a new statement of that module beside the later one and combines the two): if
        in doubt, none.
        """
        for host in hosts:
            if host.stmt[:2] < legacy[:2]:
                between = self._layout.between(block, host.stmt, legacy)
                if between is not None and not _spells(between, names):
                    return host.stmt
        for host in hosts:
            if host.stmt[:2] > legacy[:2]:
                between = self._layout.between(block, legacy, host.stmt)
                sorted_together = self._order is not None and self._order.together(
                    legacy[0], host.stmt[0]
                )
                if (
                    between is not None
                    and not _spells(between, names)
                    and (sorted_together or not _runs_code(between, self._project))
                ):
                    return host.stmt
        return None


class _Layout:
    """The file's statement lists, keyed like `ImportFact.block` (their first statement's
    line and UTF-8 column): read by the stdlib parser only when an absorption is weighed."""

    def __init__(self, text: _Text) -> None:
        self._text = text
        self._blocks: dict[tuple[int, int], list[ast.stmt]] | None = None
        self._tree: ast.Module | None = None
        self._parsed = False

    def between(self, block: tuple[int, int], first: Span, second: Span) -> list[ast.stmt] | None:
        """The statements strictly between two statements of `block` (None: not found)."""
        body = self._statement_lists().get(block)
        if body is None:
            return None
        where = {(st.lineno, st.col_offset): index for index, st in enumerate(body)}
        start, end = where.get(self._position(first)), where.get(self._position(second))
        if start is None or end is None:
            return None
        return body[start + 1 : end]

    def _position(self, span: Span) -> tuple[int, int]:
        """(line, column in UTF-8 bytes) as the stdlib parser counts; facts count characters."""
        text = self._text
        content = text.text[text.starts[span.line - 1] : text.line_end(span.line)]
        if span.line == 1:
            content = content.removeprefix("\ufeff")
        return span.line, len(content[: span.col].encode("utf-8"))

    def tree(self) -> ast.Module | None:
        """The file parsed by the stdlib parser (None: it does not parse)."""
        if not self._parsed:
            self._tree = _parse_tree(self._text.encode(self._text.text))
            self._parsed = True
        return self._tree

    def _statement_lists(self) -> dict[tuple[int, int], list[ast.stmt]]:
        if self._blocks is None:
            self._blocks = {}
            tree = self.tree()
            for statements in statement_lists(tree) if tree is not None else ():
                first = statements[0]
                self._blocks[(first.lineno, first.col_offset)] = statements
        return self._blocks


def _parse_tree(data: bytes) -> ast.Module | None:
    """The stdlib parser's tree, through same-shaped older syntax where it needs that."""
    try:
        return ast.parse(data)
    except SyntaxError:
        downgraded = downgrade_source(data)
        if downgraded is not None:
            try:
                return ast.parse(downgraded)
            except (SyntaxError, ValueError, MemoryError, RecursionError):
                return None
    except (ValueError, MemoryError, RecursionError):
        pass
    return None


def _running(nodes: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """Every node of `nodes` that runs where they stand: all but function bodies (a body
    runs when the function is called, and a call is code that runs: see `_runs_code`)."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            stack += [*node.decorator_list, node.args, *([node.returns] if node.returns else [])]
        else:
            stack.extend(ast.iter_child_nodes(node))


_NAMED = (
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.ExceptHandler, ast.MatchAs,
    ast.MatchStar,
)  # fmt: skip


def _spells(statements: Sequence[ast.stmt], names: frozenset[str]) -> bool:
    """Whether code of `statements` that runs where they stand names one of `names`: reads,
    binds or deletes it, as a name or an attribute (``module.S = ...``), or may bind it
    (``from m import *``)."""
    for node in _running(statements):
        spelled: Iterable[str | None] = ()
        if isinstance(node, ast.Name):
            spelled = (node.id,)
        elif isinstance(node, ast.Attribute):
            spelled = (node.attr,)
        elif isinstance(node, ast.alias):
            spelled = ("*",) if node.name == "*" else (node.asname or node.name.split(".")[0],)
        elif isinstance(node, _NAMED):
            spelled = (node.name,)
        elif isinstance(node, ast.MatchMapping):
            spelled = (node.rest,)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            spelled = node.names
        if any(name == "*" or name in names for name in spelled):
            return True
    return False


_INERT = (
    ast.Import, ast.ImportFrom, ast.alias, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr,
    ast.Pass, ast.If, ast.Try, ast.ExceptHandler, ast.FunctionDef, ast.AsyncFunctionDef,
    ast.ClassDef, ast.arguments, ast.arg, ast.Constant, ast.Name, ast.Attribute, ast.Subscript,
    ast.Slice, ast.Starred, ast.Tuple, ast.List, ast.Set, ast.Dict, ast.BinOp, ast.UnaryOp,
    ast.BoolOp, ast.Compare, ast.IfExp, ast.expr_context, ast.operator, ast.unaryop,
    ast.boolop, ast.cmpop,
)  # fmt: skip
"""What may stand between a legacy import and a later canonical one: imports, bindings of
literals and names, definitions, if/try blocks; no call, loop, with block, await, lambda."""


def _runs_code(statements: Sequence[ast.stmt], project: Callable[[str], bool]) -> bool:
    """Whether `statements` may run code that could read a name of the module: a call, a
    decorator, a class with bases or keywords (a metaclass, ``__init_subclass__``), an import
    of a module of the project (its code may import this one), or any form not `_INERT`."""
    for node in _running(statements):
        if not isinstance(node, _INERT):
            return True
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and (
            node.decorator_list
        ):
            return True
        if isinstance(node, ast.ClassDef) and (node.bases or node.keywords):
            return True
        if isinstance(node, ast.Import) and any(project(a.name) for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.level or project(node.module or "")):
            return True
    return False


def _module_attribute_edits(
    plan: _FilePlan,
    text: _Text,
    resolver: Resolver,
    extra_modules: dict[Span, list[tuple[str, str | None]]],
) -> Iterator[_Edit]:
    """``import L [as m]`` / ``from P import m`` used for ``m.S``: rewrite the import when it
    serves only the symbols, else keep it; import each other canonical module next to it,
    and point every use at its own."""
    imports = {(f.span.line, f.span.col): f for f in plan.facts.imports}
    heads: dict[tuple[ImportFact, str], None] = {}
    through: set[ImportFact] = set()
    for site in plan.module_sites:
        fact = imports[(site.line, site.col)]
        renames = fact.alias is not None or fact.kind == "from"
        # `import a.b` binds `a`: the site's own path says which module its chain names.
        head = str(fact.local_name) if renames else site.path.rpartition(".")[0]
        heads[(fact, head)] = None
        if site.through:
            through.add(fact)
    imported = _ModuleImports(plan.source, plan.facts, resolver)
    ambiguous = plan.rebinds(resolver)
    # In source order: an import added next to an earlier statement serves later ones.
    for fact, head in sorted(heads, key=lambda pair: (pair[0].stmt, pair[1])):
        if (fact.namespace, fact.local_name) in ambiguous:
            raise _Refused(
                f"line {fact.stmt.line}: imports bind {fact.local_name} to different modules"
            )
        yield from _module_import_edits(
            plan, text, resolver, fact, head, imported, extra_modules, fact in through
        )


def _module_import_edits(
    plan: _FilePlan,
    text: _Text,
    resolver: Resolver,
    fact: ImportFact,
    head: str,
    imported: _ModuleImports,
    extra_modules: dict[Span, list[tuple[str, str | None]]],
    through: bool = False,
) -> Iterator[_Edit]:
    """`through`: the imports stay as they are (the canonical module imports this file at
    import time, see `audit.Site.through`): each use names its canonical module through a
    binding the file has, or through the imported package (``pkg.S`` -> ``pkg.sub.S``)."""
    local = fact.local_name
    bound = resolver.resolve_import(plan.source, fact)
    if local is None or bound.kind != "module":
        return
    renames = fact.alias is not None or fact.kind == "from"
    # `head` is how the file spells the module; `module` is the module it denotes.
    module = bound.path if renames else head
    uses = [
        u
        for u in plan.facts.attributes
        if u.dotted.startswith(head + ".") and u.binder == fact.namespace
    ]
    attributes = set(_attributes(uses, head))
    moved = {a: d for a in attributes if (d := plan.destinations.get(f"{module}.{a}"))}
    moved = {a: d for a, d in moved.items() if f"{module}.{a}" != f"{d.module}.{d.name}"}
    if not moved:
        return  # every use already names the canonical path
    # One import per canonical module, in the order of their first uses.
    first_use: dict[str, tuple[int, int]] = {}
    for use, attribute in zip(uses, _attributes(uses, head), strict=True):
        if attribute in moved:
            where = (use.span.line, use.span.col)
            module_of = moved[attribute].module
            first_use[module_of] = min(first_use.get(module_of, where), where)
    canonicals = sorted(first_use, key=first_use.__getitem__)
    only_symbol = set(moved) == attributes and not _bare_use(text, fact, head)
    if only_symbol and renames and fact.scope == "module" and plan.source.module is not None:
        # `core.a.legacy` may be imported by another module that uses it for more.
        only_symbol = not plan.used_elsewhere(plan.source.module, head)
    spelled = {
        canonical: found
        for canonical in canonicals
        if (found := imported.spelling(canonical, fact, first_use[canonical])) is not None
    }
    # An import that served only the symbols gives its place to one canonical module (the
    # first used; for a plain `import L`, the first not imported already); the others are
    # imported next to it.
    taking = None
    if only_symbol and renames and not through:
        taking = canonicals[0]
    elif only_symbol and fact.module == head and not through:
        taking = next((c for c in canonicals if c not in spelled), None)
    new_heads: dict[str, str] = {}
    for canonical in canonicals:
        if through and canonical not in spelled:
            if not canonical.startswith(module + "."):
                raise _Refused(f"line {fact.stmt.line}: {head} cannot reach {canonical}")
            new_heads[canonical] = f"{head}.{canonical[len(module) + 1 :]}"
        elif canonical == taking and renames:
            new_heads[canonical] = head  # the name now denotes the canonical module itself
            if fact.kind == "from":
                parent, _, last = canonical.rpartition(".")
                plan.from_moves[fact] = Destination(parent, last)
            else:
                yield _module_statement_edit(text, fact, canonical)
        elif canonical == taking:
            new_heads[canonical] = canonical
            yield _module_statement_edit(text, fact, canonical)
        elif canonical in spelled:
            new_heads[canonical] = spelled[canonical]
        else:
            alias = _alias_for_added_import(plan, text, canonical, fact.namespace)
            extra_modules[fact.stmt].append((canonical, alias))
            new_heads[canonical] = alias or canonical
            imported.add(canonical, fact, alias or canonical)
    for use in uses:
        attribute = use.dotted[len(head) + 1 :]
        destination = moved.get(attribute)
        if destination is None:
            continue  # a longer chain (m.S.method): its m.S prefix is its own use
        new = f"{new_heads[destination.module]}.{destination.name}"
        if new != use.dotted:
            yield from _chain_edit(text, use, use.dotted, new)


class _ModuleImports:
    """The file's imports of modules (``import a.b``, ``from a import b``, ``import a.b as
    m``) and those the run adds: where each module is bound, and how the file spells it
    there. A module-level import serves every scope; a function's import only its own
    block."""

    def __init__(self, source: SourceFile, facts: ModuleFacts, resolver: Resolver) -> None:
        self._first: dict[tuple[tuple[int, int] | None, str], tuple[tuple[int, int], str]] = {}
        for fact in facts.imports:
            if fact.guard == "type-checking":
                continue  # binds nothing when the code runs
            if fact.kind == "import" and fact.alias is None:
                self.add(fact.module, fact, fact.module)
            elif fact.kind != "star" and fact.local_name is not None and fact.guard is None:
                # `from pkg import nodes`, `import pkg.nodes as n`: the module by its name
                # (only where nothing can leave the name bound to something else).
                bound = resolver.resolve_import(source, fact)
                if bound.kind == "module":
                    self.add(bound.path, fact, fact.local_name)

    def add(self, module: str, fact: ImportFact, spelled: str) -> None:
        """`module` is bound as `spelled` by `fact`'s statement, or right after it."""
        key = (_import_block(fact), module)
        where = (fact.stmt.line, fact.stmt.col)
        if key not in self._first or where < self._first[key][0]:
            self._first[key] = (where, spelled)

    def spelling(self, module: str, fact: ImportFact, use: tuple[int, int]) -> str | None:
        """How a use at `use` (line, column) served by `fact`'s import may spell `module`:
        through an import of it in the module or in `fact`'s block, bound before that use
        (None: there is none)."""
        for key in ((None, module), (_import_block(fact), module)):
            found = self._first.get(key)
            if found is not None and found[0] < use:
                return found[1]
        return None


def _attributes(uses: Iterable[AttributeUse], head: str) -> Iterator[str]:
    """The first attribute of each use of `head` (``m.S.method`` -> ``S``), in order."""
    for use in uses:
        yield use.dotted[len(head) + 1 :].split(".")[0]


def _alias_for_added_import(
    plan: _FilePlan, text: _Text, canonical: str, namespace: tuple[int, int]
) -> str | None:
    """None when a plain ``import a.b`` may be added to `namespace`: it binds ``a``, which
    no other import of that namespace and no module-level binding holds. Otherwise a free
    alias (``import a.b as a_b``), so the added import never takes a name the file already
    uses for something else (``from core.m import app``, ``app = Flask()``)."""
    top = canonical.split(".")[0]
    other_import = any(
        f.local_name == top and not (f.kind == "import" and f.alias is None)
        for f in plan.facts.imports
        if f.namespace == namespace
    )
    other_binding = any(
        b.name == top and not (b.kind == "import-module" and b.target == top)
        for b in plan.facts.bindings
    )
    if not (other_import or other_binding):
        return None
    base = canonical.replace(".", "_")
    candidates = (f"{base}_{n}" if n else base for n in itertools.count())
    return next(a for a in candidates if not re.search(rf"\b{re.escape(a)}\b", text.text))


def _import_block(fact: ImportFact) -> tuple[int, int] | None:
    """Where an import's binding is visible: None for the whole module, else its block."""
    return None if fact.scope == "module" else fact.block


def _module_statement_edit(text: _Text, fact: ImportFact, canonical: str) -> _Edit:
    statement = _statement(text, fact)
    line = rewrite_import_module(statement.line, fact.module, canonical)
    return _Edit(statement.start, statement.end, _rendered(statement, [line], text))


def _bare_use(text: _Text, fact: ImportFact, head: str) -> bool:
    """Whether `head` appears other than as ``head.attr`` outside its import statement."""
    start = text.offset(fact.stmt.line, fact.stmt.col)
    end = text.offset(fact.stmt.end_line, fact.stmt.end_col)  # the line may go on: `; m`
    body = text.text[:start] + text.text[end:]
    pattern = re.compile(r"(?<![\w.])" + re.escape(head) + r"(?![\w.])")
    return pattern.search(_code_only(body)) is not None


def _code_only(text: str) -> str:
    """`text` with comments blanked (a rough cut: strings stay, which only errs safe)."""
    return re.sub(r"#[^\r\n]*", "", text)


def _chain_edit(text: _Text, use: AttributeUse, old: str, new: str) -> Iterator[_Edit]:
    span = use.span
    start = text.offset(span.line, span.col)
    written = text.text[start : start + len(old)]
    if written == old:
        yield _Edit(start, start + len(old), new)
    else:
        raise _Refused(f"line {span.line}: {old} is written across lines or with spaces")


def _string_edits(plan: _FilePlan, text: _Text) -> Iterator[_Edit]:
    if not plan.strings:
        return
    for ref in plan.facts.strings:
        if ref.value not in plan.strings:
            continue
        start = text.offset(ref.span.line, ref.span.col)
        end = text.offset(ref.span.end_line, ref.span.end_col)
        literal = text.text[start:end]
        try:
            node = cst.parse_expression(literal)
        except cst.ParserSyntaxError:
            continue
        if isinstance(node, cst.SimpleString):
            new = rewritten_string(node, plan.strings)
            if new is not None:
                yield _Edit(start, end, new.value)


# verification -------------------------------------------------------------------------------


def _verify(
    plan: _FilePlan, after: bytes, resolver: Resolver, new: ModuleFacts | ParseFailure
) -> ModuleFacts:
    """The rewritten file (`after`, whose facts are `new`) parses and binds the same
    objects under the same names: its facts."""
    if not isinstance(new, ModuleFacts):
        raise _Refused(f"the rewrite does not parse (line {new.line}: {new.reason})")
    after_resolver = resolver_with(resolver, plan.source, new)
    interest = plan.facts.chains_for
    chains = _Compared(None if interest is None else frozenset(interest), plan.facts.chain_roots())
    old_signature = _signature(plan.source, plan.facts, resolver, chains)
    new_signature = _signature(plan.source, new, after_resolver, chains)
    if old_signature != new_signature:
        lost = (old_signature - new_signature) + (new_signature - old_signature)
        sample = ", ".join(sorted(str(k) for k in lost)[:3])
        raise _Refused(f"the rewrite would change what names are bound to ({sample})")
    old_names = {(f.scope, f.local_name) for f in plan.facts.imports}
    new_names = {(f.scope, f.local_name) for f in new.imports}
    if not old_names <= new_names:
        missing = ", ".join(sorted(str(n[1]) for n in old_names - new_names))
        raise _Refused(f"the rewrite would unbind {missing}")
    # By name: a namespace is keyed by its `def`'s position, which an added line moves.
    clashes = {n for _, n in _rebinds(plan.source, new, after_resolver)} - {
        n for _, n in plan.rebinds(resolver)
    }
    if clashes:
        names = ", ".join(sorted(clashes))
        raise _Refused(f"the rewrite would make imports bind {names} to different modules")
    changed = module_bindings_changed(plan.source, plan.facts, new, resolver, after_resolver)
    if changed:
        raise _Refused(f"the rewrite would change what module-level {changed} is bound to")
    return new


def _rebinds(
    source: SourceFile, facts: ModuleFacts, resolver: Resolver
) -> set[tuple[tuple[int, int], str]]:
    """(namespace, name) pairs that imports of the file bind to different modules or
    objects within one namespace (``import a.b as a`` and ``import a.c`` both bind ``a``):
    which one a use sees depends on where it stands, so rewrites keyed by the name are
    unsafe there. A function's imports are its own namespace; a class body shares the
    module's (it sees the module's binding until its own runs). Targets are compared as
    what they resolve to (``from core.m import app``, where core.m imports the package
    ``app``, and ``import app.engine`` both bind the package), else as the dotted path they
    import (``from a import b as m`` and ``import a.b as m`` agree).
    """
    bound: dict[tuple[tuple[int, int], str], set[str]] = defaultdict(set)
    for fact in facts.imports:
        name = fact.local_name
        if name is None:
            continue
        target = resolver.resolve_import(source, fact)
        if target.found:
            what = f"{target.kind} {target.path}"
        elif fact.kind == "import":
            what = fact.module if fact.alias else fact.module.split(".")[0]
        else:
            module = absolute_module(source, fact.module, fact.level)
            what = (
                f"{module}.{fact.name}"
                if module
                else f"{'.' * fact.level}{fact.module}:{fact.name}"
            )
        bound[(fact.namespace, name)].add(what)
    return {key for key, targets in bound.items() if len(targets) > 1}


class _Overlay(Mapping[str, ModuleFacts]):
    """An index's facts with some files' facts replaced (the files as rewritten)."""

    def __init__(self, base: Mapping[str, ModuleFacts], replaced: Mapping[str, ModuleFacts]):
        self._base, self._replaced = base, replaced

    def __getitem__(self, rel: str) -> ModuleFacts:
        facts = self._replaced.get(rel)
        return self._base[rel] if facts is None else facts

    def __iter__(self) -> Iterator[str]:
        yield from self._base
        yield from (rel for rel in self._replaced if rel not in self._base)

    def __len__(self) -> int:
        return len(self._base) + sum(1 for rel in self._replaced if rel not in self._base)

    def __contains__(self, rel: object) -> bool:
        return rel in self._replaced or rel in self._base


def resolver_with(resolver: Resolver, source: SourceFile, facts: ModuleFacts) -> Resolver:
    """A resolver that sees file `source` as `facts` (its new content) and the rest as is
    (reusing what `resolver` found where that cannot differ: `Resolver.overlay`)."""
    return resolver.overlay(overlay_index(resolver.index, {source.rel: facts}), source)


def resolver_over(resolver: Resolver, replaced: Mapping[str, ModuleFacts]) -> Resolver:
    """A resolver that sees the files of `replaced` with their new facts, the rest as is.

    Built in time proportional to `replaced`, not to the index: the module list is the
    same, so the resolver's module tables are shared.
    """
    return Resolver(overlay_index(resolver.index, replaced), resolver.declared, like=resolver)


def overlay_index(index: Index, replaced: Mapping[str, ModuleFacts]) -> Index:
    """`index` with the facts of `replaced`'s files in place of theirs (no copy of the rest)."""
    return dataclasses.replace(index, facts=_Overlay(index.facts, replaced))


def module_bindings_changed(
    source: SourceFile,
    old: ModuleFacts,
    new: ModuleFacts,
    resolver: Resolver,
    after: Resolver | None = None,
) -> str | None:
    """The first module-level name whose final binding (last binding wins) would differ."""
    if source.module is None:
        return None
    names = {b.name for b in (*old.bindings, *new.bindings) if b.kind != "definition"}
    for name in sorted(names - {"*"}):
        old_bindings = resolver.bindings_named(old, name)
        new_bindings = (after or resolver).bindings_named(new, name)
        if not old_bindings:
            continue  # a name the rewrite adds (import canonical_module binds its package)
        if not new_bindings:
            return name
        before = resolver.resolve_bindings(source.module, old_bindings)
        now = (after or resolver).resolve_bindings(source.module, new_bindings)
        if before.kind == now.kind == "module":
            continue  # which module object a name holds may change, not what it serves
        if (before.kind, before.path) != (now.kind, now.path):
            return name
    return None


@dataclass(frozen=True)
class _Compared:
    """The attribute chains two facts of a file are compared on: every one, or (facts
    recorded for some names of interest, see `extract.extract_facts`) those rooted where
    the file before held every chain, and those naming a name of interest wherever they
    stand now (a rewrite moves a symbol's uses to another module's name).

    What is left out cannot have changed: a chain's object follows from its root's binding,
    and the imports binding the other roots are compared in full (`_signature`'s binds,
    `_rebinds`, `module_bindings_changed`)."""

    names: frozenset[str] | None
    roots: frozenset[str] | None

    def keeps(self, dotted: str) -> bool:
        if self.names is None or self.roots is None:
            return True
        parts = dotted.split(".")
        return parts[0] in self.roots or not self.names.isdisjoint(parts)


_EVERY_CHAIN = _Compared(None, None)


def _signature(
    source: SourceFile,
    facts: ModuleFacts,
    resolver: Resolver,
    chains: _Compared = _EVERY_CHAIN,
) -> Counter[tuple[str, ...]]:
    """What the file's imports, attribute chains (those of `chains`) and dotted strings
    reach (modules aside: which module object a name is bound to may change, never the
    objects used through it)."""
    found: Counter[tuple[str, ...]] = Counter()
    for fact in facts.imports:
        if fact.kind != "from":
            continue
        target = resolver.resolve_import(source, fact)
        if target.kind != "module":
            # Set semantics: binding a name twice to one object is binding it once.
            found[("bind", fact.scope, str(fact.local_name), target.kind, target.path)] = 1
    for use in facts.attributes:
        if not chains.keeps(use.dotted):
            continue
        root, _, rest = use.dotted.partition(".")
        bound = local_import_target(resolver, source, facts, root, use.binder)
        if bound is None or bound[1].kind != "module":
            continue
        target = resolver.resolve_path(f"{bound[1].path}.{rest}")
        if target.found and target.kind != "module":
            found[("use", target.kind, target.path)] += 1
    for ref in facts.strings:
        target = resolver.resolve_path(ref.value)
        if target.found and target.kind not in ("module", "external"):
            found[("string", target.kind, target.path)] += 1
    return found


def _destinations(audits: Iterable[SymbolAudit]) -> dict[str, Destination]:
    """Every path that reaches a symbol, and the canonical import it moves to."""
    found: dict[str, Destination] = {}
    for audit in audits:
        destination = Destination(audit.spec.canonical_module, audit.spec.canonical_name)
        for site in audit.sites:
            found[site.path] = destination
        for legacy in audit.legacy_paths:
            found[legacy.path] = destination
    return found
