"""Apply a phase's rewrite: exact edits at the spans the resolver found.

Only the statements, attribute chains and strings that reach a symbol through a legacy
path are re-read with LibCST (the statement-level rules live in
``ssot_migrate.codemods.canonical_imports``); every other byte is copied as it was. A
rewritten file must parse and bind the same objects under the same names as before, or it
is left untouched and reported. Pure: bytes in, new bytes (or a reason) out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import Protocol

import libcst as cst

from ssot_migrate.analysis.resolve import Resolver
from ssot_migrate.base.outcomes import Note, NoteKind
from ssot_migrate.codemods.import_edits import (
    Destination,
    alias_name,
    append_names,
    import_statement,
    local_name,
    rewrite_import_from,
    without_names,
)
from ssot_migrate.index.extract import extract_facts
from ssot_migrate.index.facts import (
    ImportFact,
    ModuleFacts,
    ParseFailure,
    Progress,
    SourceFile,
    Span,
)
from ssot_migrate.rewrite.absorption import Hosts
from ssot_migrate.rewrite.fallbacks import describe, identical_fallbacks
from ssot_migrate.rewrite.layout import Layout, parse_tree
from ssot_migrate.rewrite.outcomes import FileChange, RewriteResult
from ssot_migrate.rewrite.plan import FilePlan, RewritePlan
from ssot_migrate.rewrite.rename import Rename, RenameRefused, rename_locals
from ssot_migrate.rewrite.sorted_blocks import SortedBlocks, sorted_blocks
from ssot_migrate.rewrite.sorter_settings import SorterLookup, SorterSettings
from ssot_migrate.rewrite.statements import (
    insertion,
    joined_removals,
    rendered,
    statement_at,
    statement_edit,
)
from ssot_migrate.rewrite.text import Edit, Refused, Text, final_newline_as_before, splice
from ssot_migrate.rewrite.uses import module_attribute_edits, string_edits
from ssot_migrate.rewrite.verify import verify


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
    rewritten: list[tuple[str, FilePlan, bytes, bytes]] = []
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
    notes = (*plan.notes, *_identical_fallback_notes(plan, changes), *_rename_notes(plan, changes))
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
        after, before = parse_tree(change.after), parse_tree(change.before)
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
                f"{NoteKind.FALLBACK_IDENTICAL}: the try body and its ImportError handler "
                f"both import {describe(fallback)} (kept: remove the try if the fallback is "
                "no longer needed)",
                NoteKind.FALLBACK_IDENTICAL,
            )


def _rename_notes(plan: RewritePlan, changes: Iterable[FileChange]) -> Iterator[Note]:
    """A note per rewritten file asked to rename: renamed (with its uses) or kept as aliased
    (with why)."""
    for change in changes:
        file_plan = plan.files[change.rel]
        if file_plan.renamed:
            pairs = ", ".join(f"{old} -> {new}" for old, new in sorted(file_plan.renamed.items()))
            uses = file_plan.renamed_uses
            reason = f"renamed {pairs} ({uses} use{'' if uses == 1 else 's'})"
            yield Note(change.rel, 1, reason, NoteKind.RENAMED, str(uses))
        elif file_plan.rename_kept:
            yield Note(change.rel, 1, file_plan.rename_kept, NoteKind.RENAME_KEPT)


def _by_file(note: Note) -> str:
    return note.rel


def _focus(facts: ModuleFacts) -> tuple[tuple[str, ...] | None, frozenset[str]]:
    """The chains to read a rewritten file for, to compare with `facts` (its facts
    before): those `facts` hold, all of each of their roots (see `_signature`)."""
    return facts.chains_for, facts.chain_roots() or frozenset()


def _rewrite(
    plan: FilePlan,
    data: bytes,
    resolver: Resolver,
    relative: bool,
    sorters: Callable[[SourceFile], SorterSettings | None],
) -> bytes | Note:
    """The rewritten bytes, or why the file cannot be rewritten."""
    try:
        text = Text(data)
        layout = Layout(text)
        order = sorted_blocks(plan, text, layout, resolver, sorters)
        edits = list(_edits(plan, text, resolver, relative, layout, order))
        new_text = final_newline_as_before(text.text, splice(text.text, edits))
        if order is not None:
            new_text = order.kept_sorted(text, edits, new_text)
        if plan.renames:
            new_text = _renamed(plan, new_text)
        return text.encode(new_text)
    except Refused as refused:
        return Note(plan.source.rel, 1, str(refused), NoteKind.NOT_REWRITTEN)
    except (SyntaxError, UnicodeError, LookupError, cst.ParserSyntaxError) as error:
        return Note(plan.source.rel, 1, f"cannot rewrite: {error}", NoteKind.NOT_REWRITTEN)


def _renamed(plan: FilePlan, text: str) -> str:
    """`text` with the plan's renames made, or as it is when they are not proven safe (the
    file then keeps its aliases, and says why: `FilePlan.rename_kept`)."""
    renames = [Rename(old, d.name, d.module) for old, d in sorted(plan.renames.items())]
    try:
        done = rename_locals(text, renames, plan.source.module, plan.used_elsewhere)
    except RenameRefused as refused:
        plan.rename_kept = str(refused)
        return text
    plan.renamed = {r.old: r.new for r in renames}
    plan.renamed_uses = done.uses
    return done.text


def _checked(
    plan: FilePlan, after: bytes, resolver: Resolver, new: ModuleFacts | ParseFailure
) -> ModuleFacts | Note:
    """The rewritten file's facts once `verify` accepts it, or why it does not."""
    try:
        return verify(plan, after, resolver, new)
    except Refused as refused:
        return Note(plan.source.rel, 1, str(refused), NoteKind.NOT_REWRITTEN)


def _edits(
    plan: FilePlan,
    text: Text,
    resolver: Resolver,
    relative: bool,
    layout: Layout,
    order: SortedBlocks | None = None,
) -> Iterator[Edit]:
    package = plan.source.package
    extra_modules: dict[Span, list[tuple[str, str | None]]] = defaultdict(list)
    # Module-attribute sites first: they may turn `from P import m` into a from-move too.
    yield from list(module_attribute_edits(plan, text, resolver, extra_modules))
    # from-imports: group the moved names by statement
    by_statement: dict[Span, dict[str, Destination]] = defaultdict(dict)
    facts_of: dict[Span, ImportFact] = {}
    for fact, destination in plan.from_moves.items():
        assert fact.name is not None
        by_statement[fact.stmt][fact.name] = destination
        facts_of[fact.stmt] = fact
    hosts = Hosts(plan, resolver, layout, order)
    absorbed_names: dict[Span, list[tuple[str, str]]] = defaultdict(list)
    rewritten: dict[Span, Edit] = {}
    for span, moved in sorted(by_statement.items()):  # source order: see `Hosts.bound_at`
        fact = facts_of[span]
        statement = statement_at(text, fact)
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
        rewritten[span] = statement_edit(statement, lines, text, extra_modules.pop(span, []))
    for span, modules in extra_modules.items():
        fact = next(f for f in plan.facts.imports if f.stmt == span)
        additions = [import_statement(m, alias) for m, alias in dict.fromkeys(modules)]
        rewritten[span] = insertion(statement_at(text, fact), additions, text)
    for host_span, names in absorbed_names.items():
        host_fact = next(f for f in plan.facts.imports if f.stmt == host_span)
        host = statement_at(text, host_fact)
        name_order = order.name_order(host.first_line) if order is not None else None
        merged = append_names(host.line, names, name_order)
        edit = Edit(host.start, host.end, rendered(host, [merged], text))
        if host_span in rewritten:
            raise Refused(f"line {host_span.line}: a canonical import is also rewritten")
        rewritten[host_span] = edit
    yield from joined_removals(text, rewritten.values())
    yield from string_edits(plan, text)
