"""Which moved names a module's own hand-written ``__getattr__`` already serves and
deprecates (`deprecated_by_own_getattr`): a static, conservative reading of the machinery it
uses, so that a shim does not take over the module's own deprecation."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

import libcst as cst

from ssot_migrate.base.source_text import source_encoding
from ssot_migrate.shims.bindings import is_type_checking
from ssot_migrate.shims.block import ShimRefused, without_block


def deprecated_by_own_getattr(source: bytes, names: Iterable[str]) -> set[str]:
    """The `names` a module's own (hand-written) module-level ``__getattr__`` already
    serves *and deprecates*.

    The rule, static and conservative: a name is served when it is spelled as a string
    constant (``"Thing"``) inside that ``__getattr__``, or inside a module-level value or
    function it uses, directly or through other module-level names (``_lookup = {"Thing":
    ...}``, ``_importer = create_importer(__package__, deprecated_lookups=LOOKUP)``); that
    machinery deprecates when it calls ``warn``/``warnings.warn`` or spells a name with
    "deprecat" in it (``DeprecationWarning``, ``deprecated_lookups``, ``@deprecated``). Such
    a name is the module's own deprecation, with its own category and message: a shim must
    not take it over. A ``__getattr__`` that spells none of the names but forwards every
    name (``getattr(other_module, name)``, langchain.chat_models 0.1) serves those the
    module binds nowhere at runtime (at most under ``if TYPE_CHECKING:``), and they are
    left to it too when it deprecates. A ``__getattr__`` that only loads names lazily (no
    warning) leaves the shim to add one.
    """
    wanted = set(names)
    encoding = source_encoding(source)
    try:
        module = cst.parse_module(without_block(source.decode(encoding)))
    except (cst.ParserSyntaxError, UnicodeDecodeError, ShimRefused):
        return set()
    definitions: dict[str, list[cst.BaseStatement]] = {}
    for statement in _module_level(module.body):
        for bound in _statement_binds(statement):
            definitions.setdefault(bound, []).append(statement)
    if "__getattr__" not in definitions:
        return set()
    seen: set[str] = set()
    pending = ["__getattr__"]
    spelled: set[str] = set()
    mentioned: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        for definition in definitions.get(name, ()):
            found = _Spelled()
            definition.visit(found)
            spelled |= found.strings
            mentioned |= found.names
            pending.extend(found.names - seen)
    if not any(_warning_word(n) for n in mentioned):
        return set()
    if wanted & spelled:
        # It serves names by name: those it spells where it deprecates them (all of them
        # when it warns outside any `if`).
        machinery = [d for name in seen for d in definitions.get(name, ())]
        if any(_warns_unconditionally(statement) for statement in machinery):
            return wanted & spelled
        return wanted & _spelled_where_deprecated(machinery, definitions)
    # A forwarder (it spells none of them) serves every name the module binds nowhere at
    # runtime (at most under `if TYPE_CHECKING:`): those come from it, with its warning.
    runtime = _bound_at_runtime(module.body)
    return set() if runtime is None else wanted - runtime


def _spelled_where_deprecated(
    machinery: Sequence[cst.BaseStatement],
    definitions: Mapping[str, Sequence[cst.BaseStatement]],
) -> set[str]:
    """The names a ``__getattr__``'s code spells in a deprecating place: a value assigned to
    or passed as something named "deprecat…" (``DEPRECATED_LOOKUP = {"S": ...}``,
    ``create_importer(..., deprecated_lookups=LOOKUP)``), or an ``if`` whose test reads
    the name (``name == "S"``, ``name in _MOVED``) and whose body warns. A dispatch table
    that deprecates only some entries (Airflow's ``__lazy_imports``) deprecates none of them
    by this rule: the shim then adds its warning."""
    memo: dict[str, set[str]] = {}

    def strings(node: cst.CSTNode, seen: frozenset[str] = frozenset()) -> set[str]:
        found = _Spelled()
        node.visit(found)
        result = set(found.strings)
        for name in found.names - seen:
            if name not in memo:
                memo[name] = set()  # cycles end here
                parts = [strings(d, seen | {name}) for d in definitions.get(name, ())]
                memo[name] = set().union(*parts)
            result |= memo[name]
        return result

    deprecated: set[str] = set()
    for statement in machinery:
        for node in _walk(statement):
            if isinstance(node, cst.Assign) and any(
                _deprecat(cst.helpers.get_full_name_for_node(t.target)) for t in node.targets
            ):
                deprecated |= strings(node.value)
            elif isinstance(node, cst.AnnAssign) and node.value is not None:
                if _deprecat(cst.helpers.get_full_name_for_node(node.target)):
                    deprecated |= strings(node.value)
            elif isinstance(node, cst.Arg) and node.keyword is not None:
                if _deprecat(node.keyword.value):
                    deprecated |= strings(node.value)
            elif isinstance(node, cst.If):
                body = _Spelled()
                node.body.visit(body)
                if any(_warning_word(n) for n in body.names):
                    deprecated |= strings(node.test)
    return deprecated


def _warns_unconditionally(node: cst.CSTNode) -> bool:
    """A call of ``warn``/``warnings.warn`` (or of something named "deprecat…") that is not
    under an ``if``, a loop or an exception handler: every name served there warns."""
    if isinstance(node, cst.If | cst.For | cst.While | cst.ExceptHandler | cst.Lambda):
        return False
    if isinstance(node, cst.Call):
        called = cst.helpers.get_full_name_for_node(node.func) or ""
        if _warning_word(called.rpartition(".")[2]):
            return True
    return any(_warns_unconditionally(child) for child in node.children)


def _deprecat(name: str | None) -> bool:
    return name is not None and "deprecat" in name.lower()


def _warning_word(name: str) -> bool:
    """``warn``/``warn_explicit``, or a name with "deprecat" in it: code that deprecates."""
    return name in _WARNS or _deprecat(name)


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    yield node
    for child in node.children:
        yield from _walk(child)


def _bound_at_runtime(body: Sequence[cst.BaseStatement]) -> set[str] | None:
    """Names module-level code binds when it runs (``if TYPE_CHECKING:`` bodies aside);
    None when a star import may bind any name."""
    bound: set[str] = set()
    for statement in body:
        blocks: list[Sequence[cst.BaseStatement]] = []
        if isinstance(statement, cst.If) and is_type_checking(statement.test):
            blocks = [_else_body(statement.orelse)] if statement.orelse is not None else []
        elif isinstance(statement, cst.If | cst.Try | cst.With | cst.TryStar):
            blocks = list(_blocks(statement))
        else:
            names = _binds_or_star(statement)
            if names is None:
                return None
            bound |= names
        for block in blocks:
            inner = _bound_at_runtime(block)
            if inner is None:
                return None
            bound |= inner
    return bound


def _binds_or_star(statement: cst.BaseStatement) -> set[str] | None:
    bound = _statement_binds(statement)
    if not isinstance(statement, cst.SimpleStatementLine):
        return bound
    for node in statement.body:
        if not isinstance(node, cst.Import | cst.ImportFrom):
            continue
        if isinstance(node.names, cst.ImportStar):
            return None
        for alias in node.names:
            name = alias.asname.name if alias.asname else alias.name
            full = cst.helpers.get_full_name_for_node(name)
            if full is not None:
                bound.add(full.split(".")[0])  # `import a.b` binds `a`
    return bound


def _else_body(orelse: cst.If | cst.Else) -> Sequence[cst.BaseStatement]:
    if isinstance(orelse, cst.Else):
        return orelse.body.body if isinstance(orelse.body, cst.IndentedBlock) else []
    return [orelse]


_WARNS = frozenset({"warn", "warn_explicit"})


def _module_level(body: Sequence[cst.BaseStatement]) -> Iterator[cst.BaseStatement]:
    """Module-level statements, those inside module-level if/try/with blocks included."""
    for statement in body:
        if isinstance(statement, cst.If | cst.Try | cst.With | cst.TryStar):
            for block in _blocks(statement):
                yield from _module_level(block)
        else:
            yield statement


def _blocks(statement: cst.CSTNode) -> Iterator[Sequence[cst.BaseStatement]]:
    handlers = cst.ExceptHandler | cst.ExceptStarHandler | cst.Else | cst.Finally | cst.If
    for child in statement.children:
        if isinstance(child, cst.IndentedBlock):
            yield child.body
        elif isinstance(child, handlers):
            yield from _blocks(child)


def _statement_binds(statement: cst.BaseStatement) -> set[str]:
    if isinstance(statement, cst.FunctionDef | cst.ClassDef):
        return {statement.name.value}
    if not isinstance(statement, cst.SimpleStatementLine):
        return set()
    bound: set[str] = set()
    for node in statement.body:
        targets: list[cst.BaseExpression] = []
        if isinstance(node, cst.Assign):
            targets = [t.target for t in node.targets]
        elif isinstance(node, cst.AnnAssign | cst.AugAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, cst.Name):
                bound.add(target.value)
    return bound


class _Spelled(cst.CSTVisitor):
    """The string constants and the names a statement spells."""

    def __init__(self) -> None:
        self.strings: set[str] = set()
        self.names: set[str] = set()

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        value = node.evaluated_value
        if isinstance(value, str):
            self.strings.add(value)

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)
