"""The edits at a symbol's uses other than from-imports: attribute chains through an
imported module (``m.S``), with the imports of the canonical modules they need, and dotted
strings naming a symbol."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator

import libcst as cst

from ssot_migrate.analysis.resolve import Resolver
from ssot_migrate.codemods.import_edits import Destination, rewrite_import_module, rewritten_string
from ssot_migrate.index.facts import AttributeUse, ImportFact, ModuleFacts, SourceFile, Span
from ssot_migrate.rewrite.plan import FilePlan
from ssot_migrate.rewrite.statements import rendered, statement_at
from ssot_migrate.rewrite.text import Edit, Refused, Text


def module_attribute_edits(
    plan: FilePlan,
    text: Text,
    resolver: Resolver,
    extra_modules: dict[Span, list[tuple[str, str | None]]],
) -> Iterator[Edit]:
    """``import L [as m]`` / ``from P import m`` used for ``m.S``: rewrite the import when it
    serves only the symbols, else keep it; import each other canonical module next to it,
    and point every use at its own."""
    heads: dict[tuple[ImportFact, str], None] = {}
    through: set[ImportFact] = set()
    for site in plan.module_sites:
        fact = site.fact
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
            raise Refused(
                f"line {fact.stmt.line}: imports bind {fact.local_name} to different modules"
            )
        yield from _module_import_edits(
            plan, text, resolver, fact, head, imported, extra_modules, fact in through
        )


def _module_import_edits(
    plan: FilePlan,
    text: Text,
    resolver: Resolver,
    fact: ImportFact,
    head: str,
    imported: _ModuleImports,
    extra_modules: dict[Span, list[tuple[str, str | None]]],
    through: bool = False,
) -> Iterator[Edit]:
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
                raise Refused(f"line {fact.stmt.line}: {head} cannot reach {canonical}")
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
    plan: FilePlan, text: Text, canonical: str, namespace: tuple[int, int]
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


def _module_statement_edit(text: Text, fact: ImportFact, canonical: str) -> Edit:
    statement = statement_at(text, fact)
    line = rewrite_import_module(statement.line, fact.module, canonical)
    return Edit(statement.start, statement.end, rendered(statement, [line], text))


def _bare_use(text: Text, fact: ImportFact, head: str) -> bool:
    """Whether `head` appears other than as ``head.attr`` outside its import statement."""
    start = text.offset(fact.stmt.line, fact.stmt.col)
    end = text.offset(fact.stmt.end_line, fact.stmt.end_col)  # the line may go on: `; m`
    body = text.text[:start] + text.text[end:]
    pattern = re.compile(r"(?<![\w.])" + re.escape(head) + r"(?![\w.])")
    return pattern.search(_code_only(body)) is not None


def _code_only(text: str) -> str:
    """`text` with comments blanked (a rough cut: strings stay, which only errs safe)."""
    return re.sub(r"#[^\r\n]*", "", text)


def _chain_edit(text: Text, use: AttributeUse, old: str, new: str) -> Iterator[Edit]:
    span = use.span
    start = text.offset(span.line, span.col)
    written = text.text[start : start + len(old)]
    if written == old:
        yield Edit(start, start + len(old), new)
    else:
        raise Refused(f"line {span.line}: {old} is written across lines or with spaces")


def string_edits(plan: FilePlan, text: Text) -> Iterator[Edit]:
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
                yield Edit(start, end, new.value)
