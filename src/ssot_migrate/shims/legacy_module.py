"""Deprecation shims: a legacy module's moved names go behind a PEP 562 ``__getattr__``.

The module keeps every other byte; the bindings of the moved names (``from x import S``,
``Alias = S``) leave its namespace, and a generated block between two marker lines serves
them lazily: the very same object, one warning per importing site, at that site's line, for
``from legacy import S``, ``import legacy; legacy.S`` and ``from legacy import *``, and none
for code that only imports the module's other names. Pure: bytes in, bytes out.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import io
import re
import sys
import tokenize
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import libcst as cst

from ssot_migrate.analysis.audit import BY_DECLARATION, SymbolAudit
from ssot_migrate.base.dotted import is_dotted_identifier, is_identifier, split_path
from ssot_migrate.base.templating import render
from ssot_migrate.codemods.import_edits import local_name, without_names
from ssot_migrate.config.model import DEFAULT_TARGET_VERSION
from ssot_migrate.index.facts import Index

BEGIN = "# >>> ssot-migrate shim >>>"
END = "# <<< ssot-migrate shim <<<"
PREVIOUS_GETATTR = "_SSOT_PREVIOUS_GETATTR"


@dataclass(frozen=True, slots=True)
class MovedName:
    """``legacy.<name>`` now lives at ``<module>.<attribute>``."""

    name: str
    module: str
    attribute: str
    lazy: bool = False
    """A declared lazy legacy path: the module's own ``__getattr__`` keeps serving the name
    (so ``verify --runtime`` still proves what it serves); the shim only adds the warning."""


@dataclass(frozen=True, slots=True)
class ShimOrigin:
    """Where a shim comes from, for its header and its warning."""

    phase: str
    title: str
    category: str = "DeprecationWarning"
    removal: str | None = None
    plan: str = "pyproject.toml"
    """The config file the plan lives in (its name, as the header shows it)."""
    python: tuple[int, int] = DEFAULT_TARGET_VERSION
    """The oldest Python the project supports: the shimmed module must still run there."""
    python_from: str = "the default"
    """Where that version is declared, for the reason a shim is refused."""


class ShimRefused(Exception):
    """The module cannot take a shim safely; the message says why."""


def check_names(names: Sequence[MovedName], origin: ShimOrigin) -> None:
    """Everything that reaches the template must be a (dotted) identifier."""
    for moved in names:
        if not (is_identifier(moved.name) and is_identifier(moved.attribute)):
            raise ValueError(f"not an identifier: {moved.name!r} / {moved.attribute!r}")
        if not is_dotted_identifier(moved.module):
            raise ValueError(f"not a dotted module path: {moved.module!r}")
    if not is_dotted_identifier(origin.category):
        raise ValueError(f"not a dotted warning category: {origin.category!r}")


def render_block(
    names: Sequence[MovedName],
    origin: ShimOrigin,
    previous_getattr: bool = False,
    has_all: bool = True,
    template: str = "shim_block.py.j2",
) -> str:
    check_names(names, origin)
    category_module, category_name = split_path(origin.category)
    removal = origin.removal
    return render(
        template,
        begin=BEGIN,
        end=END,
        phase=origin.phase,
        plan=" ".join(origin.plan.split()) or "the default settings",
        # User text lands in a comment and a string literal: one line, and a repr.
        title=" ".join((origin.title or "no title").split()),
        names=sorted(names, key=lambda m: m.name),
        lazy_literal=_lazy_literal(names),
        category_module=category_module,
        category_name=category_name,
        removal_literal=repr(f" and goes away in {removal}" if removal else ""),
        previous_getattr=PREVIOUS_GETATTR if previous_getattr else None,
        has_all=has_all,
    )


def _lazy_literal(names: Sequence[MovedName]) -> str:
    """``frozenset({"A", "B"})`` of the lazy names (empty string when there are none)."""
    lazy = sorted(m.name for m in names if m.lazy)
    return "frozenset({" + ", ".join(f'"{n}"' for n in lazy) + "})" if lazy else ""


def shim_module(source: bytes, names: Sequence[MovedName], origin: ShimOrigin) -> bytes:
    """`source` with the moved names served by a generated ``__getattr__`` block (or, when
    the module uses them itself, kept bound behind a warning module class).

    Running it again on its own output changes nothing: the block is regenerated in place.
    A run asks for each shim twice (to plan, then to write it): the answer is kept.
    """
    return _shim_module(source, tuple(names), origin)


@functools.lru_cache(maxsize=32)
def _shim_module(source: bytes, asked: tuple[MovedName, ...], origin: ShimOrigin) -> bytes:
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    decoded = source.decode(encoding)
    # A block from an earlier phase keeps serving its names: the new one serves both.
    earlier = {m.name: m for m in _served(decoded)}
    merged = {**earlier, **{m.name: m for m in asked}}
    # Once served by the module's own __getattr__, a name stays so (the block's own
    # TYPE_CHECKING import makes it resolve statically on later runs).
    names = [
        dataclasses.replace(m, lazy=True) if m.name in earlier and earlier[m.name].lazy else m
        for m in merged.values()
    ]
    module = _parsed(_without_block(decoded))
    moved = {m.name for m in names}
    if _own_uses(module, moved):
        # The module's own code reads the names from its globals: they stay bound, and a
        # module class makes reads from outside warn (module __getattr__ never would).
        template = "shim_class_block.py.j2"
        block = render_block(names, origin, template=template)
    else:
        has_all = _has_dunder_all(module)
        remover = _RemoveBindings(moved)
        module = module.visit(remover)
        template = "shim_block.py.j2"
        block = render_block(names, origin, remover.had_getattr, has_all)
    newline = module.default_newline
    # One blank line between the module and the block, whatever the module ended with, as
    # `_without_block` leaves it: a second run regenerates the very same bytes.
    body = module.code.rstrip("\r\n")
    body = body + newline * 2 if body.strip() else ""
    result = body + block.replace("\n", newline)
    try:
        tree = ast.parse(result)
    except SyntaxError as error:  # generated code is checked like rewritten code
        raise ShimRefused(f"the shimmed module would not parse: {error.msg}") from None
    first_line = len(_LINE_BREAK.findall(body)) + 1
    why = check_runs_on(origin.python, tree, block, first_line, template)
    if why is not None:
        oldest = f"Python {_dotted(origin.python)}, the oldest the project supports"
        raise ShimRefused(f"it would not run on {oldest} ({origin.python_from}): {why}")
    return result.encode(encoding)


def unbinds_names(source: bytes, names: Sequence[MovedName]) -> bool:
    """Whether `shim_module` takes `names` out of the module's namespace (a ``__getattr__``
    serves them) rather than keeping them bound behind a warning module class, which it
    does when the module's own code reads one of them (or of the names an earlier block
    serves, which the new block serves too)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    decoded = source.decode(encoding)
    moved = {m.name for m in _served(decoded)} | {m.name for m in names}
    try:
        module = _parsed(_without_block(decoded))
    except (cst.ParserSyntaxError, ShimRefused):
        return False  # no shim can be made: the imports are rewritten like any others
    return not _own_uses(module, moved)


@functools.lru_cache(maxsize=32)
def _parsed(text: str) -> cst.Module:
    """A module's LibCST tree (immutable: planning and writing a shim share it)."""
    return cst.parse_module(text)


_NEEDS = {
    "shim_block.py.j2": ((3, 7), "module __getattr__, PEP 562"),
    "shim_class_block.py.j2": ((3, 6), "f-strings"),
}
"""The oldest Python each generated block can run on, and why."""
_GENERIC_BUILTINS = frozenset({"dict", "frozenset", "list", "set", "tuple", "type"})


def check_runs_on(
    python: tuple[int, int], module: ast.Module, block: str, first_line: int, template: str
) -> str | None:
    """Why `python` could not import `module` because of its generated `block` (rendered
    from `template`, starting at `first_line`), or None.

    The block must parse for that version (``ast.parse(feature_version=...)``) and, unless
    the module starts with ``from __future__ import annotations``, must not make Python
    evaluate an annotation that version cannot (PEP 585 ``list[str]`` before 3.9, PEP 604
    ``A | B`` before 3.10): module- and class-level variable annotations are evaluated at
    import time, a function's at its ``def``. The module's own code is not judged: the
    shim only takes bindings out of it.
    """
    needs, feature = _NEEDS[template]
    if python < needs:
        return f"the generated block needs Python {_dotted(needs)} ({feature})"
    try:
        generated = ast.parse(block, feature_version=min(python, sys.version_info[:2]))
    except SyntaxError as error:
        return f"line {first_line + (error.lineno or 1) - 1} of the generated block: {error.msg}"
    if _future_annotations(module):
        return None
    for annotation in _evaluated_annotations(generated):
        needed = _annotation_needs(annotation)
        if needed is not None and python < needed[0]:
            line = first_line + annotation.lineno - 1
            shown = ast.unparse(annotation)
            return (
                f"line {line}: the annotation `{shown}` is evaluated at import time and "
                f"needs Python {_dotted(needed[0])} ({needed[1]})"
            )
    return None


def _dotted(version: tuple[int, int]) -> str:
    return ".".join(map(str, version))


def _future_annotations(module: ast.Module) -> bool:
    """Whether the module's future statements (after its docstring) include annotations."""
    docstring = ast.get_docstring(module, clean=False) is not None
    for statement in module.body[1:] if docstring else module.body:
        if not (isinstance(statement, ast.ImportFrom) and statement.module == "__future__"):
            return False
        if any(alias.name == "annotations" for alias in statement.names):
            return True
    return False


def _evaluated_annotations(tree: ast.AST) -> list[ast.expr]:
    """The annotations Python evaluates when the code runs (no future import): every
    function's parameters and return, variable annotations outside function bodies."""
    found: list[ast.expr] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = node.args
            every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
            every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
            found.extend(a.annotation for a in every if a.annotation is not None)
            found.extend([node.returns] if node.returns is not None else [])
            in_function = True
        elif isinstance(node, ast.ClassDef):
            in_function = False  # a class body runs, annotations and all
        elif isinstance(node, ast.AnnAssign) and not in_function:
            found.append(node.annotation)
        for child in ast.iter_child_nodes(node):
            visit(child, in_function)

    visit(tree, False)
    return found


def _annotation_needs(annotation: ast.expr) -> tuple[tuple[int, int], str] | None:
    """The newest Python feature evaluating `annotation` needs (a string needs none)."""
    needs: list[tuple[tuple[int, int], str]] = []
    for node in ast.walk(annotation):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            needs.append(((3, 10), "PEP 604, X | Y"))
        elif isinstance(node, ast.Subscript):
            subscripted = ast.unparse(node.value)
            if subscripted in _GENERIC_BUILTINS or subscripted.startswith("collections."):
                needs.append(((3, 9), f"PEP 585, {subscripted}[...]"))
    return max(needs, default=None)


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
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    try:
        module = cst.parse_module(_without_block(source.decode(encoding)))
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
        if isinstance(statement, cst.If) and _is_type_checking(statement.test):
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


def _is_type_checking(test: cst.BaseExpression) -> bool:
    name = cst.helpers.get_full_name_for_node(test)
    return name is not None and name.endswith("TYPE_CHECKING")


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


_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SERVED = re.compile(r'^    "(\w+)": \("([\w.]+)", "(\w+)"\),$', re.MULTILINE)
_LAZY = re.compile(r"^_SSOT_LAZY = frozenset\(\{(.*)\}\)$", re.MULTILINE)


def served_names(source: bytes) -> list[MovedName]:
    """The names a module's generated shim block serves (none without a block)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    return _served(source.decode(encoding, errors="replace"))


def _served(text: str) -> list[MovedName]:
    """The names an existing generated block serves (its `_SSOT_MOVED` entries)."""
    start, end = text.find(BEGIN), text.find(END)
    if start == -1 or end == -1:
        return []
    lazy_line = _LAZY.search(text, start, end)
    lazy = set(re.findall(r'"(\w+)"', lazy_line.group(1))) if lazy_line else set()
    return [
        MovedName(name, module, attribute, name in lazy)
        for name, module, attribute in (m.groups() for m in _SERVED.finditer(text, start, end))
    ]


def _without_block(text: str) -> str:
    start = text.find(BEGIN)
    if start == -1:
        return text
    end = text.find(END, start)
    if end == -1:
        raise ShimRefused(f"an unterminated {BEGIN!r} block: remove it by hand")
    after = end + len(END)
    while after < len(text) and text[after] in "\r\n":
        after += 1
    head = text[:start].rstrip("\r\n")
    # The file's own line break (CRLF stays CRLF when the block is regenerated).
    newline = found.group() if (found := _LINE_BREAK.search(text)) else "\n"
    return head + (newline if head.strip() else "") + text[after:]


def _has_dunder_all(module: cst.Module) -> bool:
    return "__all__" in _bound_names(module)


def _bound_names(module: cst.Module) -> set[str]:
    names: set[str] = set()
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef | cst.ClassDef):
            names.add(statement.name.value)
        elif isinstance(statement, cst.SimpleStatementLine):
            for node in statement.body:
                aliases = _aliases(node)
                if aliases:
                    names.update(local_name(a) for a in aliases)
                if isinstance(node, cst.Assign | cst.AnnAssign | cst.AugAssign):
                    targets = node.targets if isinstance(node, cst.Assign) else [node]
                    for target in targets:
                        if isinstance(target.target, cst.Name):
                            names.add(target.target.value)
    return names


def _aliases(node: cst.BaseSmallStatement) -> Sequence[cst.ImportAlias]:
    if isinstance(node, cst.Import):
        return node.names
    if isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
        return node.names
    return ()


class _Uses(cst.CSTVisitor):
    """Names the module's own code reads (not its imports, not `__all__` strings)."""

    def __init__(self) -> None:
        self.loaded: set[str] = set()

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_AssignTarget(self, node: cst.AssignTarget) -> bool:
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.loaded.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False  # `x.S` is an attribute, not the module's S


def _own_uses(module: cst.Module, moved: set[str]) -> set[str]:
    """The moved names the module's own code reads (its imports and aliases aside)."""
    uses = _Uses()
    for statement in module.body:
        if not _is_alias_of_moved(statement, moved):
            statement.visit(uses)
    return moved & uses.loaded


def _is_alias_of_moved(statement: cst.CSTNode, moved: set[str]) -> bool:
    """``Alias = S`` where Alias is moved too: a re-binding, not a use."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    node = statement.body[0]
    return (
        isinstance(node, cst.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0].target, cst.Name)
        and node.targets[0].target.value in moved
    )


def _load_of(node: cst.ImportFrom) -> cst.SimpleStatementLine | None:
    """What a removed ``from M import S`` still has to do: load M, as the statement did.

    Loading M (and each package on its way) runs their code once and sets each submodule
    as an attribute of its parent package: in ``pkg/core/__init__.py``, ``from .engine
    import S`` is what makes ``pkg.core.engine`` reachable. ``__import__`` is the call the
    statement compiles to, minus the names it binds: it binds nothing, spells the module
    as the import did (relative stays relative) and runs on every Python 3. None for ``from
    . import S`` (``from .. import S``): the module's own packages, loaded before it runs.
    """
    dots = len(node.relative)
    module = cst.helpers.get_full_name_for_node(node.module) if node.module else ""
    if module is None or (dots and not module):
        return None
    assert not isinstance(node.names, cst.ImportStar)
    names = ", ".join(local_name(alias) for alias in node.names)
    served = "is" if len(node.names) == 1 else "are"
    call = f'__import__("{module}", globals(), level={dots})' if dots else f'__import__("{module}")'
    statement = cst.parse_statement(f"{call}\n")
    assert isinstance(statement, cst.SimpleStatementLine)
    comment = f"# ssot-migrate: {names} {served} served by the shim below; {'.' * dots}{module}"
    line = cst.EmptyLine(comment=cst.Comment(f"{comment} still loads here"))
    return statement.with_changes(leading_lines=[line])


class _RemoveBindings(cst.CSTTransformer):
    """Drop module-level bindings of moved names; rename an existing ``__getattr__``.

    A dropped import keeps its side effects: the module it loaded still loads at the same
    point (`_load_of`), unless it sat where nothing runs (``if TYPE_CHECKING:``).
    """

    def __init__(self, moved: set[str]) -> None:
        super().__init__()
        self.moved = moved
        self.had_getattr = False
        self.depth = 0
        # Marked nodes are kept alive here: an id alone could be reused by a node made
        # after the marked one was dropped, and mark the wrong statement.
        self.doomed: dict[int, cst.CSTNode] = {}
        self.emptied: dict[int, cst.CSTNode] = {}
        """Blocks that lost every statement and hold no comment (now a bare ``pass``)."""
        self.unexecuted: dict[int, cst.CSTNode] = {}
        """Blocks that never run: ``if TYPE_CHECKING:`` (the ``else:`` of ``if not ...``)."""
        self.unexecuted_depth = 0

    def visit_If(self, node: cst.If) -> bool:
        if _is_type_checking(node.test):
            self.unexecuted[id(node.body)] = node.body
        elif (
            isinstance(node.test, cst.UnaryOperation)
            and isinstance(node.test.operator, cst.Not)
            and _is_type_checking(node.test.expression)
            and isinstance(node.orelse, cst.Else)
        ):
            self.unexecuted[id(node.orelse.body)] = node.orelse.body
        return True

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> bool:
        if self.unexecuted.get(id(node)) is node:
            self.unexecuted_depth += 1
        return True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.depth += 1
        return False

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        # An existing module __getattr__ stays where it is, untouched: code between it and
        # the generated block still needs it; the block captures it and delegates to it.
        self.depth -= 1
        if self.depth == 0 and updated_node.name.value == "__getattr__":
            self.had_getattr = True
        return updated_node

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        if len(updated_node.body) != 1:
            return updated_node
        node = updated_node.body[0]
        if isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
            drop = {i for i, a in enumerate(node.names) if local_name(a) in self.moved}
            if not drop:
                return updated_node
            if len(drop) == len(node.names):
                load = None if self.unexecuted_depth else _load_of(node)
                if load is None:
                    return self._doom(updated_node)
                leading = [*updated_node.leading_lines, *load.leading_lines]
                return load.with_changes(leading_lines=leading)
            # The names that stay keep the statement, and it still loads its module.
            return updated_node.with_changes(body=[without_names(node, drop)])
        if _is_alias_of_moved(updated_node, self.moved):
            return self._doom(updated_node)
        return updated_node

    def _doom(self, node: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
        """Mark for removal by the enclosing block, which keeps its leading lines."""
        self.doomed[id(node)] = node
        return node

    def _prune(
        self, body: Sequence[cst.BaseStatement], footer: Sequence[cst.EmptyLine]
    ) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine]]:
        """The body without doomed statements; their blank and comment lines stay, on the
        statement that followed them (or in the footer). An ``if`` left with nothing but
        ``pass`` goes too (`_removable`); its blank lines only where no others separate."""
        kept: list[cst.BaseStatement] = []
        carried: list[cst.EmptyLine] = []
        spacing: list[cst.EmptyLine] = []  # a removed `if`'s blank lines
        for statement in body:
            own: Sequence[cst.EmptyLine] = getattr(statement, "leading_lines", ())
            if self.doomed.get(id(statement)) is statement:
                carried += own
                continue
            if self._removable(statement):
                spacing = spacing or list(own)
                continue
            if spacing and not (own and own[0].comment is None):
                carried = [*spacing, *carried]
            spacing = []
            if carried:
                statement = statement.with_changes(leading_lines=[*carried, *own])
                carried = []
            kept.append(statement)
        return kept, [*carried, *footer]

    def _removable(self, statement: cst.BaseStatement) -> bool:
        """``if NAME:`` (``TYPE_CHECKING``, ``typing.TYPE_CHECKING``) whose block lost every
        import, with no ``else``/``elif`` and no comment that would go with it. Any other
        test might have side effects, and an ``else`` needs its ``if``: those keep ``pass``."""
        return (
            isinstance(statement, cst.If)
            and isinstance(statement.body, cst.IndentedBlock)
            and self.emptied.get(id(statement.body)) is statement.body
            and statement.orelse is None
            and isinstance(statement.test, cst.Name | cst.Attribute)
            and all(line.comment is None for line in statement.leading_lines)
            and statement.body.header.comment is None
        )

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body, footer = self._prune(updated_node.body, updated_node.footer)
        # A module left with nothing is empty, not one line break: the block then starts it,
        # as it does when the shim runs again on its own output.
        empty = not (body or footer or updated_node.header)
        return updated_node.with_changes(
            body=body,
            footer=footer,
            has_trailing_newline=updated_node.has_trailing_newline and not empty,
        )

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        if self.unexecuted.get(id(original_node)) is original_node:
            self.unexecuted_depth -= 1
        body, footer = self._prune(updated_node.body, updated_node.footer)
        if body:
            return updated_node.with_changes(body=body, footer=footer)
        # An if/try at module level lost its only import: `pass` keeps it valid (after the
        # comments that led to the import), and an `if` with nothing else to keep is removed
        # by the enclosing block.
        own_footer = list(updated_node.footer)
        leading = footer[: len(footer) - len(own_footer)]
        placeholder = cst.SimpleStatementLine([cst.Pass()], leading_lines=leading)
        block = updated_node.with_changes(body=[placeholder], footer=own_footer)
        if all(line.comment is None for line in footer):
            self.emptied[id(block)] = block
        return block


@dataclass(frozen=True, slots=True)
class ShimTarget:
    """A legacy module and the names its shim serves."""

    rel: str
    module: str
    names: tuple[MovedName, ...]


@dataclass(frozen=True, slots=True)
class ShimNote:
    rel: str
    reason: str


def plan_shims(
    index: Index, audits: Sequence[SymbolAudit]
) -> tuple[list[ShimTarget], list[ShimNote]]:
    """Every module that re-exports a symbol on purpose gets a shim for the names it binds
    explicitly (imports, aliases); a star re-export keeps working as it is and is noted."""
    canonical = {a.spec.canonical_module for a in audits}
    wanted: dict[str, dict[str, MovedName]] = {}
    notes: list[ShimNote] = []
    for audit in audits:
        lazy_paths = {p.path for p in audit.legacy_paths if p.kind == BY_DECLARATION}
        for path in sorted(audit.declared):
            module, name = split_path(path)
            source = index.modules.get(module)
            facts = index.facts_of_module(module)
            if source is None or facts is None or module in canonical:
                continue
            # Explicit bindings are removed; a name a star import provides is popped from the
            # module's globals by the shim block itself.
            lazy = path in lazy_paths
            moved = MovedName(name, audit.spec.canonical_module, audit.spec.canonical_name, lazy)
            wanted.setdefault(module, {})[name] = moved
    targets = [
        ShimTarget(index.modules[module].rel, module, tuple(names.values()))
        for module, names in sorted(wanted.items())
    ]
    return targets, notes
