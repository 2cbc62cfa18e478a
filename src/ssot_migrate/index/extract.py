"""Source bytes in, ModuleFacts out: the stdlib parser, with LibCST for newer syntax.

The stdlib `ast` is an order of magnitude faster than LibCST, so every file is indexed with
it; a file the running interpreter rejects is re-read with LibCST (which knows newer
grammar), its newer-only constructs are replaced by same-shaped older ones, and the result
is indexed the same way, so a valid 3.12+ file is never silently dropped.
"""

from __future__ import annotations

import ast
import bisect
import collections
import io
import re
import tokenize
from collections.abc import Collection, Iterator, Sequence
from typing import NamedTuple

from ssot_migrate.index.byte_scan import (
    Lines,
    SourceScan,
    lines_of,
    whole_words,
)
from ssot_migrate.index.cutter import PassStub
from ssot_migrate.index.facts import (
    AttributeUse,
    Binding,
    BindingKind,
    Guard,
    ImportFact,
    ModuleFacts,
    ParseFailure,
    Scope,
    Span,
    StringRef,
)
from ssot_migrate.index.skeleton import may_bind, skeleton
from ssot_migrate.index.type_parameters import blank_type_parameters

_DOTTED_STRING = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+\Z")
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})
_ASSIGNED = re.compile(rb"[ \t]*(?::[^=\r\n]*)?=(?!=)")
"""What follows a name that a statement assigns to: ``= ...`` or ``: T = ...``."""


class Focus(NamedTuple):
    """Which attribute chains a file's facts record (see `extract_facts`)."""

    names: frozenset[str]
    roots: frozenset[str] = frozenset()


def extract_facts(
    source: bytes,
    whole: bool = False,
    interest: Collection[str] | None = None,
    roots: Collection[str] = (),
) -> ModuleFacts | ParseFailure:
    """Index one file. Never raises for bad input: a failure is returned as a value.

    The parser reads the file's `skeleton` (its cold definitions stubbed) unless
    `whole`: a check of a rewritten file reads all of it.

    `interest`: the names whose chains matter (the symbols, their aliases). The facts
    then record, of the attribute chains, every one rooted at a name of interest, at the
    root of a chain naming one (``m.Symbol``: every ``m.…``, so a module's other uses are
    known), or at one of `roots`: no chain elsewhere (``S.Half`` in a file importing
    Symbol), whose lines need no parse. None: every chain rooted at an imported name.
    """
    focus = None if interest is None else Focus(frozenset(interest), frozenset(roots))
    while True:
        try:
            return _extract(source, whole, focus)
        except _Unfocused as missed:  # a chain's root the byte search did not find
            assert focus is not None
            focus = focus._replace(roots=focus.roots | missed.roots)


def _extract(source: bytes, whole: bool, focus: Focus | None) -> ModuleFacts | ParseFailure:
    names, roots = (None, ()) if focus is None else focus
    stubbed = None if whole else skeleton(source, names, roots)
    if stubbed is not None:
        try:
            tree = ast.parse(stubbed.text)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            pass  # the whole file tells what is wrong, or that it is newer syntax
        else:
            if stubbed.confirmed(tree):
                try:
                    return _Collector(source, focus).collect(
                        tree, source, "ast", stubbed.scan, stubbed.passes
                    )
                except _StubbedBinding:
                    pass  # a stubbed statement may have bound a name a fact depends on
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        return _extract_newer_syntax(source, error, focus)
    except (ValueError, MemoryError, RecursionError) as error:  # NUL bytes, absurd nesting
        return ParseFailure(1, 0, _describe(error))
    return _Collector(source, focus).collect(tree, source, parser="ast")


class _Unfocused(Exception):
    """Chains naming a name of interest stand at roots the focus did not hold."""

    def __init__(self, roots: set[str]) -> None:
        super().__init__(roots)
        self.roots = frozenset(roots)


class _StubbedBinding(Exception):
    """The skeleton's facts could differ from the whole file's: parse all of it."""


def _describe(error: BaseException) -> str:
    text = error.msg if isinstance(error, SyntaxError) else str(error)
    if "null bytes" in text:
        return "binary file (contains NUL bytes)"
    if "codec can't decode" in text:
        return f"not valid text in its declared encoding ({text.removeprefix('(unicode error) ')})"
    return text or type(error).__name__


def _extract_newer_syntax(
    source: bytes, error: SyntaxError, focus: Focus | None
) -> ModuleFacts | ParseFailure:
    failure = ParseFailure(error.lineno or 1, max((error.offset or 1) - 1, 0), _describe(error))
    blanked = blank_type_parameters(source)
    if blanked is not None:
        try:
            tree = ast.parse(blanked)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            source = blanked  # more than type parameters: LibCST replaces the rest
        else:
            return _Collector(blanked, focus).collect(tree, blanked, parser="libcst")
    from ssot_migrate.index.newer_syntax import downgrade_source

    downgraded = downgrade_source(source)
    if downgraded is None:
        return failure
    try:
        tree = ast.parse(downgraded)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return failure
    return _Collector(downgraded, focus).collect(tree, downgraded, parser="libcst")


class _Columns:
    """The stdlib parser counts columns in UTF-8 bytes; editors, SARIF and LibCST count
    characters. ASCII files (nearly all) need no conversion."""

    def __init__(self, source: bytes) -> None:
        self.ascii = source.isascii()
        self.source = source
        self._lines: list[bytes] | None = None

    def char(self, line: int, col: int) -> int:
        if self.ascii or col == 0:
            return col
        if self._lines is None:
            self._lines = [text.encode("utf-8") for text in _text_lines(self.source)]
        if not 0 < line <= len(self._lines):
            return col
        return len(self._lines[line - 1][:col].decode("utf-8", errors="replace"))

    def span(self, node: ast.AST) -> Span:
        line = getattr(node, "lineno", 1)
        col = getattr(node, "col_offset", 0)
        end_line = getattr(node, "end_lineno", None) or line
        end_col = getattr(node, "end_col_offset", None) or col
        return Span(line, self.char(line, col), end_line, self.char(end_line, end_col))


def _text_lines(source: bytes) -> list[str]:
    """The source's lines as Python numbers them (\\n, \\r\\n and \\r only)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        text = source.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        text = source.decode("utf-8", errors="replace")
    return re.split(r"\r\n|\r|\n", text.removeprefix("\ufeff"))


def _is_type_checking(test: ast.expr) -> bool:
    """``TYPE_CHECKING``, ``typing.TYPE_CHECKING`` or an alias of it (``_TYPE_CHECKING``)."""
    if isinstance(test, ast.Name):
        return test.id.endswith("TYPE_CHECKING")
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _handler_names(handler: ast.ExceptHandler) -> set[str]:
    if handler.type is None:
        return {"BaseException"}
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    names: set[str] = set()
    for kind in kinds:
        if isinstance(kind, ast.Name):
            names.add(kind.id)
        elif isinstance(kind, ast.Attribute):
            names.add(kind.attr)
    return names


def _catches_import_error(node: ast.Try | ast.TryStar) -> bool:
    broad = _IMPORT_ERRORS | {"Exception", "BaseException"}
    return any(_handler_names(h) & broad for h in node.handlers)


def dotted_text(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attribute accesses on a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _string_list(node: ast.expr | None) -> list[str] | None:
    if not isinstance(node, ast.List | ast.Tuple):
        return None
    names = [e.value for e in node.elts if isinstance(e, ast.Constant)]
    strings = [n for n in names if isinstance(n, str)]
    return strings if len(strings) == len(node.elts) else None


class _Collector:
    """One pass over the statements, tracking scope and guard; expressions walked once."""

    def __init__(self, source: bytes, focus: Focus | None = None) -> None:
        self._focus = focus
        self._columns = _Columns(source)
        self.imports: list[ImportFact] = []
        self.bindings: list[Binding] = []
        self.chains: list[tuple[str, Span, tuple[_Function, ...]]] = []
        self.strings: list[StringRef] = []
        self.dunder_all: list[str] | None = None
        self.all_unreadable = False
        self.has_getattr = False
        self.shim_served: tuple[str, ...] = ()
        self._all_lines: list[tuple[int, int]] = []
        """Line ranges of the statements that set ``__all__``."""
        self._wanted_lines: list[int] = []
        self._block: tuple[int, int] = (0, 0)
        self.pending: list[tuple[ast.AST, int, int, bool, tuple[_Function, ...]]] = []
        """(node, first line, last line, header only, enclosing functions): walked if hot."""
        self._functions: tuple[_Function, ...] = ()
        self._locals: dict[int, tuple[frozenset[str], frozenset[str]]] = {}
        self._walrus = b":=" in source

    def collect(
        self,
        tree: ast.Module,
        source: bytes,
        parser: str,
        scan: SourceScan | None = None,
        passes: Sequence[PassStub] = (),
    ) -> ModuleFacts:
        # Bodies of defs and classes are walked only where they can hold something we
        # collect: an import, or a hot line (see _walk_hot_expressions) for the names the
        # module's own imports bind. Most function bodies hold neither.
        module_roots = _module_roots(tree.body)
        scan = scan or SourceScan(source)
        focus = self._focus
        if focus is None:
            hot = scan.hot(module_roots)
        else:
            hot = [*scan.quoted(), *scan.focus(focus.names, focus.roots)]
        self._wanted_lines = lines_of(source, [*scan.imports(), *hot])
        self._body(tree.body, "module", None)
        roots = {name for i in self.imports if (name := i.local_name) is not None}
        if focus is None:
            # Imports inside the bodies walked add their own roots (function-level imports).
            hot.extend(scan.dotted(roots - module_roots))
        self._walk_hot_expressions(lines_of(source, hot))
        chains = self.chains
        if focus is not None:
            kept = scan.focus_roots(focus.names, focus.roots)
            missed = {
                root
                for dotted, _, _ in chains
                if (root := dotted.split(".", 1)[0]) not in kept
                and root in roots
                and not focus.names.isdisjoint(dotted.split("."))
            }
            if missed:
                raise _Unfocused(missed)
            chains = [chain for chain in chains if chain[0].split(".", 1)[0] in kept]
        if passes:
            self._check_passes(source, passes, roots, chains)
        # A chain outside the functions importing its root reads the module's import of
        # it: none (``import app`` in a function only) leaves nothing for it to name.
        outside = {i.local_name for i in self.imports if i.scope != "function"}
        attributes = tuple(
            AttributeUse(dotted, span, "function" if functions else "module", binder)
            for dotted, span, functions in chains
            if (root := dotted.split(".", 1)[0]) in roots
            and (binder := self._binder(root, functions)) is not None
            and (binder != (0, 0) or root in outside)
        )
        dunder_all = None if self.all_unreadable or self.dunder_all is None else self.dunder_all
        return ModuleFacts(
            imports=tuple(self.imports),
            bindings=tuple(self.bindings),
            attributes=attributes,
            strings=tuple(self.strings),
            dunder_all=tuple(dunder_all) if dunder_all is not None else None,
            has_getattr=self.has_getattr,
            reexport_only=_reexport_only(tree.body),
            parser="libcst" if parser == "libcst" else "ast",
            unread=self._unread(source),
            shim_served=self.shim_served,
            chains_for=None if focus is None else tuple(sorted(focus.names)),
        )

    def _check_passes(
        self,
        source: bytes,
        passes: Sequence[PassStub],
        roots: set[str],
        chains: Sequence[tuple[str, Span, tuple[_Function, ...]]],
    ) -> None:
        """Raise `_StubbedBinding` if statements the skeleton stubbed in a function bind
        or declare the root of a chain standing in that function: whether the root is
        the function's own local (`_binder`) depends on them. Statements that do not
        spell the root where a name can be bound cannot (`may_bind`); the others are
        parsed (on their own, a fraction of the file) to tell."""
        starts = [stub.line for stub in passes]  # in line order, as the cutter made them
        lines = Lines(source)
        seen: set[tuple[int, str]] = set()  # (stub line, root): each pair asked once
        names: dict[int, frozenset[str]] = {}
        for dotted, _, functions in chains:
            root = dotted.split(".", 1)[0]
            if not functions or root not in roots:
                continue
            for function in functions:
                first = bisect.bisect_left(starts, function.lineno)
                last = bisect.bisect_right(starts, function.end_lineno or function.lineno)
                for stub in passes[first:last]:
                    if (stub.line, root) in seen:
                        continue
                    seen.add((stub.line, root))
                    text = lines.text(stub.line, stub.end_line)
                    if not may_bind(text, root):
                        continue
                    if stub.line not in names:
                        names[stub.line] = _stub_names(text)
                    if root in names[stub.line]:
                        raise _StubbedBinding

    def _unread(self, source: bytes) -> tuple[str, ...]:
        """Module-level from-imported names the module never spells elsewhere (see
        `ModuleFacts.unread`): the words of the lines outside imports and ``__all__``
        rule out most names at once; each name left is confirmed line by line."""
        names = list(dict.fromkeys(b.name for b in self.bindings if b.kind == "import-from"))
        if not names:
            return ()
        quiet: set[int] = set()
        for fact in self.imports:
            quiet.update(range(fact.stmt.line, fact.stmt.end_line + 1))
        for first, last in self._all_lines:
            quiet.update(range(first, last + 1))
        lines = Lines(source)
        words = lines.words_outside(quiet)
        return tuple(
            name
            for name in names
            if (name.isascii() and name not in words)
            or not _spelled_outside(source, name.encode(), lines, quiet)
        )

    # statements -----------------------------------------------------------------------

    def _body(self, body: Sequence[ast.stmt], scope: Scope, guard: Guard | None) -> None:
        if not body:
            return
        outer, self._block = self._block, (body[0].lineno, body[0].col_offset)
        for statement in body:
            self._statement(statement, scope, guard)
        self._block = outer

    def _statement(self, st: ast.stmt, scope: Scope, guard: Guard | None) -> None:
        if isinstance(st, ast.Import):
            self._import(st, scope, guard)
        elif isinstance(st, ast.ImportFrom):
            self._import_from(st, scope, guard)
        elif isinstance(st, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            self._definition(st, scope, guard)
        elif isinstance(st, ast.If):
            self._defer(st.test)
            checking = _is_type_checking(st.test) or guard == "type-checking"
            self._body(st.body, scope, "type-checking" if checking else _inner(guard))
            self._body(
                st.orelse, scope, "type-checking" if guard == "type-checking" else _inner(guard)
            )
        elif isinstance(st, ast.Try | ast.TryStar):
            self._try(st, scope, guard)
        elif isinstance(st, ast.For | ast.AsyncFor | ast.While):
            if isinstance(st, ast.While):
                self._defer(st.test)
            else:
                self._defer(st.target)
                self._defer(st.iter)
            self._body(st.body, scope, _inner(guard))
            self._body(st.orelse, scope, _inner(guard))
        elif isinstance(st, ast.With | ast.AsyncWith):
            for item in st.items:
                self._defer(item.context_expr)
                if item.optional_vars is not None:
                    self._defer(item.optional_vars)
            self._body(st.body, scope, guard)
        elif isinstance(st, ast.Match):
            self._defer(st.subject)
            for case in st.cases:
                self._defer(case.pattern)
                if case.guard is not None:
                    self._defer(case.guard)
                self._body(case.body, scope, _inner(guard))
        else:
            self._simple(st, scope, guard)

    def _import(self, st: ast.Import, scope: Scope, guard: Guard | None) -> None:
        for alias in st.names:
            fact = ImportFact(
                "import",
                alias.name,
                0,
                None,
                alias.asname,
                self._columns.span(alias),
                self._columns.span(st),
                scope,
                guard,
                self._block,
                self._namespace(),
            )
            self.imports.append(fact)
            if scope == "module":
                bound = alias.name if alias.asname else alias.name.split(".")[0]
                name = alias.asname or bound
                self.bindings.append(
                    Binding(name, "import-module", bound, 0, None, st.lineno, guard)
                )

    def _import_from(self, st: ast.ImportFrom, scope: Scope, guard: Guard | None) -> None:
        module = st.module or ""
        statement = self._columns.span(st)
        for alias in st.names:
            star = alias.name == "*"
            name = None if star else alias.name
            self.imports.append(
                ImportFact(
                    "star" if star else "from",
                    module,
                    st.level,
                    name,
                    alias.asname,
                    self._columns.span(alias),
                    statement,
                    scope,
                    guard,
                    self._block,
                    self._namespace(),
                )
            )
            if scope == "module":
                bound = "*" if star else alias.asname or alias.name
                kind: BindingKind = "star" if star else "import-from"
                self.bindings.append(Binding(bound, kind, module, st.level, name, st.lineno, guard))

    def _definition(
        self,
        st: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef,
        scope: Scope,
        guard: Guard | None,
    ) -> None:
        if scope == "module":
            self.bindings.append(Binding(st.name, "definition", "", 0, None, st.lineno, guard))
            if st.name == "__getattr__" and not isinstance(st, ast.ClassDef):
                self.has_getattr = True
        start = _first_line(st)
        # The header ends above the body's first statement, its decorators included.
        header_end = max(st.lineno, _first_line(st.body[0]) - 1) if st.body else st.lineno
        self.pending.append((st, start, header_end, True, self._functions))
        if _overlaps(self._wanted_lines, header_end + 1, st.end_lineno or st.lineno):
            if isinstance(st, ast.ClassDef):
                self._body(st.body, "class", guard)
            else:
                outer, self._functions = self._functions, (*self._functions, st)
                self._body(st.body, "function", guard)
                self._functions = outer

    def _try(self, st: ast.Try | ast.TryStar, scope: Scope, guard: Guard | None) -> None:
        catches = _catches_import_error(st)
        fallback: Guard | None = "import-error-fallback" if catches else None
        handler_guard: Guard = "import-error-handler" if catches else _inner(guard)
        if guard == "type-checking":
            fallback = handler_guard = guard
        self._body(st.body, scope, fallback or guard)
        for handler in st.handlers:
            if handler.type is not None:
                self._defer(handler.type)
            self._body(handler.body, scope, handler_guard)
        self._body(st.orelse, scope, fallback or guard)
        self._body(st.finalbody, scope, guard)

    def _simple(self, st: ast.stmt, scope: Scope, guard: Guard | None) -> None:
        self._defer(st)
        if scope != "module":
            return
        if _sets_all(st):
            self._all_lines.append((st.lineno, st.end_lineno or st.lineno))
        if isinstance(st, ast.Assign):
            for target in st.targets:
                self._assign(target, st.value, st.lineno, guard)
        elif isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name):
            if st.value is not None:
                self._assign(st.target, st.value, st.lineno, guard)
        elif isinstance(st, ast.AugAssign) and _is_all(st.target):
            self._extend_all(st.value)
        elif isinstance(st, ast.Expr) and isinstance(st.value, ast.Call):
            self._all_method_call(st.value)

    def _assign(self, target: ast.expr, value: ast.expr, line: int, guard: Guard | None) -> None:
        if isinstance(target, ast.Name):
            if target.id == "__all__":
                names = _string_list(value)
                self.dunder_all = names
                self.all_unreadable = names is None
                return
            if target.id == "_SSOT_MOVED" and isinstance(value, ast.Dict):
                keys = [k.value for k in value.keys if isinstance(k, ast.Constant)]
                self.shim_served = tuple(k for k in keys if isinstance(k, str))
            dotted = dotted_text(value)
            if dotted is not None:
                self.bindings.append(Binding(target.id, "alias", dotted, 0, None, line, guard))
            else:
                self.bindings.append(Binding(target.id, "definition", "", 0, None, line, guard))
        elif isinstance(target, ast.Tuple | ast.List):
            values = value.elts if isinstance(value, ast.Tuple | ast.List) else None
            for index, element in enumerate(target.elts):
                if values is not None and len(values) == len(target.elts):
                    self._assign(element, values[index], line, guard)
                elif isinstance(element, ast.Name):
                    self.bindings.append(
                        Binding(element.id, "definition", "", 0, None, line, guard)
                    )

    def _extend_all(self, value: ast.expr) -> None:
        names = _string_list(value)
        if names is None or self.dunder_all is None:
            self.all_unreadable = True
        else:
            self.dunder_all = [*self.dunder_all, *names]

    def _all_method_call(self, call: ast.Call) -> None:
        func = call.func
        if not (isinstance(func, ast.Attribute) and _is_all(func.value)):
            return
        if func.attr == "extend" and len(call.args) == 1:
            self._extend_all(call.args[0])
        elif func.attr == "append" and len(call.args) == 1:
            arg = call.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                self._extend_all(ast.List(elts=[arg]))
            else:
                self.all_unreadable = True

    # expressions ----------------------------------------------------------------------

    def _defer(self, node: ast.stmt | ast.expr | ast.pattern) -> None:
        """Remember an expression; only those on "hot" lines are walked (see below)."""
        end = node.end_lineno or node.lineno
        self.pending.append((node, node.lineno, end, False, self._functions))

    def _walk_hot_expressions(self, hot: list[int]) -> None:
        """Walk only the expressions on lines where the text can hold what we collect.

        Walking every expression node costs as much as parsing; a dotted reference to an
        imported name, or a quoted dotted path, is visible in the bytes, so a byte search
        finds the few lines worth walking and the AST confirms them.
        """
        if not hot:
            return
        for node, start, end, header, functions in self.pending:
            if _overlaps(hot, start, end):
                if header:
                    for part in _definition_header(node):
                        self._walk(part, functions, hot)
                else:
                    self._walk(node, functions, hot)

    def _walk(self, node: ast.AST, functions: tuple[_Function, ...], hot: list[int]) -> None:
        """Collect the attribute chains and dotted strings under `node`, breadth first.
        Below a node that spans several lines only the children holding a hot line are
        entered: a hot line of a 300-line call does not walk the other 299."""
        first, last = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        nodes = _walk_all(node) if last is None or last == first else _walk_lines(node, hot)
        for child in nodes:
            if isinstance(child, ast.Attribute):
                dotted = dotted_text(child)
                if dotted is not None:
                    self.chains.append((dotted, self._columns.span(child), functions))
            elif isinstance(child, ast.Constant) and isinstance(child.value, str):
                value = child.value
                if len(value) < 256 and _DOTTED_STRING.match(value):
                    self.strings.append(StringRef(value, self._columns.span(child)))

    def _namespace(self) -> tuple[int, int]:
        """The namespace an import made here binds in (see `ImportFact.namespace`)."""
        if not self._functions:
            return (0, 0)
        function = self._functions[-1]
        return (function.lineno, function.col_offset)

    def _binder(self, root: str, functions: tuple[_Function, ...]) -> tuple[int, int] | None:
        """Which namespace's import of `root` a chain standing in `functions` sees: the
        innermost function importing it, else the module; None where `root` is a
        function's own local (a parameter, an assignment) rather than an import."""
        for function in reversed(functions):
            key = id(function)
            if key not in self._locals:
                self._locals[key] = _function_locals(function, self._walrus)
            imported, assigned = self._locals[key]
            if root in imported:
                return (function.lineno, function.col_offset)
            if root in assigned:
                return None
        return (0, 0)


_Function = ast.FunctionDef | ast.AsyncFunctionDef


def _stub_names(text: bytes) -> frozenset[str]:
    """Every name stubbed statements `text` bind or declare in their function; raises
    `_StubbedBinding` if they do not parse on their own (the whole file then tells)."""
    try:
        tree = ast.parse(b"if 1:\n" + text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        raise _StubbedBinding from None
    block = tree.body[0]
    assert isinstance(block, ast.If)
    imported, assigned, declared = _scope_names(block.body, walrus=b":=" in text)
    return frozenset(imported | assigned | declared)


def _function_locals(
    function: _Function, walrus: bool = True
) -> tuple[frozenset[str], frozenset[str]]:
    """(names the function imports, other names it binds locally): Python's static rule,
    every name bound anywhere in a function body is local to it unless declared
    ``global``/``nonlocal``."""
    arguments = function.args
    imported, assigned, declared = _scope_names(function.body, walrus)
    assigned |= {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}
    assigned |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
    return frozenset(imported - declared), frozenset(assigned - declared - imported)


def _scope_names(body: list[ast.stmt], walrus: bool) -> tuple[set[str], set[str], set[str]]:
    """(names imported, names otherwise bound, names declared ``global``/``nonlocal``) by
    the statements of a function body, down through its blocks but not into the scopes
    of its defs, classes, lambdas and comprehensions.

    Names are bound by statements, except an assignment expression (``:=``), which may
    stand in any expression, a comprehension's too. Without one in the file (`walrus`
    False) only the statements and their targets are visited, not every expression node.
    """
    assigned: set[str] = set()
    imported: set[str] = set()
    declared: set[str] = set()
    if walrus:
        _expression_bindings(body, assigned)
    stack: list[ast.stmt] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Assign):
            for target in node.targets:
                _target_names(target, assigned)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            _target_names(node.target, assigned)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                imported.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            assigned.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            declared.update(node.names)
        elif isinstance(node, ast.For | ast.AsyncFor):
            _target_names(node.target, assigned)
            stack.extend(node.body)
            stack.extend(node.orelse)
        elif isinstance(node, ast.If | ast.While):
            stack.extend(node.body)
            stack.extend(node.orelse)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                if item.optional_vars is not None:
                    _target_names(item.optional_vars, assigned)
            stack.extend(node.body)
        elif isinstance(node, ast.Try | ast.TryStar):
            stack.extend(node.body)
            for handler in node.handlers:
                if handler.name:
                    assigned.add(handler.name)
                stack.extend(handler.body)
            stack.extend(node.orelse)
            stack.extend(node.finalbody)
        elif isinstance(node, ast.Match):
            for case in node.cases:
                for part in ast.walk(case.pattern):
                    if isinstance(part, ast.MatchAs | ast.MatchStar) and part.name:
                        assigned.add(part.name)
                    elif isinstance(part, ast.MatchMapping) and part.rest:
                        assigned.add(part.rest)
                stack.extend(case.body)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                _target_names(target, assigned)
    return imported, assigned, declared


def _target_names(target: ast.expr, names: set[str]) -> None:
    """The names an assignment target binds: ``a``, ``a, *b``, ``[a, (b, c)]``; an
    attribute or a subscript binds none."""
    if isinstance(target, ast.Name):
        names.add(target.id)
    elif isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            _target_names(element, names)
    elif isinstance(target, ast.Starred):
        _target_names(target.value, names)


def _expression_bindings(body: Sequence[ast.stmt], names: set[str]) -> None:
    """Names that assignment expressions (``:=``) in `body` bind in the function, down
    to its comprehensions (whose ``:=`` binds in the enclosing function), not into its
    nested defs, classes and lambdas."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            stack.extend(node.decorator_list)  # evaluated in the enclosing function
            continue
        if isinstance(node, ast.Lambda):
            continue
        stack.extend(_children(node))


def _walk_all(node: ast.AST) -> Iterator[ast.AST]:
    """`node` and its descendants in `ast.walk`'s order, but for expression contexts."""
    todo = collections.deque([node])
    while todo:
        current = todo.popleft()
        todo.extend(_children(current))
        yield current


def _walk_lines(node: ast.AST, hot: list[int]) -> Iterator[ast.AST]:
    """`node` and its descendants in `ast.walk`'s order, leaving out every subtree whose
    lines hold none of the sorted `hot` lines (a node's lines hold all its descendants')."""
    todo = collections.deque([node])
    while todo:
        current = todo.popleft()
        for child in _children(current):
            line = getattr(child, "lineno", None)
            if line is None or _overlaps(hot, line, getattr(child, "end_lineno", None) or line):
                todo.append(child)
        yield current


def _children(node: ast.AST) -> list[ast.AST]:
    """`ast.iter_child_nodes` without its generators, and without the fields that never
    hold a node of interest (``ctx``: a Load or Store per name; names and flags)."""
    kind = type(node)
    fields = _NODE_FIELDS.get(kind)
    if fields is None:
        fields = _NODE_FIELDS[kind] = tuple(f for f in kind._fields if f not in _LEAF_FIELDS)
    found: list[ast.AST] = []
    for name in fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            found.append(value)
        elif isinstance(value, list):
            found.extend(item for item in value if isinstance(item, ast.AST))
    return found


_NODE_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}
_LEAF_FIELDS = frozenset(
    {"ctx", "id", "attr", "arg", "kind", "type_comment", "level", "module", "is_async"}
    | {"conversion", "simple", "name", "names", "asname", "tag"}
)
"""Fields holding a string, a number, a flag or an expression context, never an expression
or a statement. (``names`` of Global/Nonlocal are strings; of Import, aliases: no
expression below either.)"""


def _first_line(st: ast.stmt) -> int:
    """A statement's first line: a definition's starts at its first decorator."""
    decorators = getattr(st, "decorator_list", None)
    return min([st.lineno, *(d.lineno for d in decorators)]) if decorators else st.lineno


def _overlaps(lines: list[int], start: int, end: int) -> bool:
    """Whether sorted `lines` has a line in [start, end]."""
    index = bisect.bisect_left(lines, start)
    return index < len(lines) and lines[index] <= end


def _module_roots(body: Sequence[ast.stmt]) -> set[str]:
    """Names the module-level imports bind (through if/try/with, not into defs)."""
    roots: set[str] = set()
    for st in body:
        if isinstance(st, ast.Import):
            roots.update(a.asname or a.name.split(".")[0] for a in st.names)
        elif isinstance(st, ast.ImportFrom):
            roots.update(a.asname or a.name for a in st.names if a.name != "*")
        elif isinstance(st, ast.If | ast.For | ast.While | ast.With | ast.Try | ast.TryStar):
            for block in ("body", "orelse", "finalbody"):
                roots |= _module_roots(getattr(st, block, []))
            for handler in getattr(st, "handlers", []):
                roots |= _module_roots(handler.body)
    return roots


def _reexport_only(body: Sequence[ast.stmt]) -> bool:
    """Only imports and re-bindings at module level (see ModuleFacts.reexport_only)."""
    for index, st in enumerate(body):
        if isinstance(st, ast.Import | ast.ImportFrom | ast.Pass | ast.Delete):
            continue
        if isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant) and index == 0:
            continue  # the docstring
        if isinstance(st, ast.Assign | ast.AnnAssign | ast.AugAssign):
            value = st.value
            targets = st.targets if isinstance(st, ast.Assign) else [st.target]
            if all(isinstance(t, ast.Name) for t in targets) and (
                any(_is_all(t) for t in targets) or (value is not None and dotted_text(value))
            ):
                continue
            return False
        if isinstance(st, ast.Expr) and isinstance(st.value, ast.Call):
            func = st.value.func
            if isinstance(func, ast.Attribute) and _is_all(func.value):
                continue  # __all__.extend([...])
            return False
        if isinstance(st, ast.If):
            if _reexport_only(st.body) and _reexport_only(st.orelse):
                continue
            return False
        if isinstance(st, ast.Try | ast.TryStar):
            blocks = [st.body, st.orelse, st.finalbody, *(h.body for h in st.handlers)]
            if all(_reexport_only(block) for block in blocks):
                continue
            return False
        return False
    return True


def _sets_all(st: ast.stmt) -> bool:
    """``__all__ = ...``, ``__all__ += ...`` or ``__all__.extend(...)``/``.append(...)``."""
    if isinstance(st, ast.Assign):
        return any(_is_all(t) for t in st.targets)
    if isinstance(st, ast.AnnAssign | ast.AugAssign):
        return _is_all(st.target)
    if isinstance(st, ast.Expr) and isinstance(st.value, ast.Call):
        func = st.value.func
        return isinstance(func, ast.Attribute) and _is_all(func.value)
    return False


def _spelled_outside(source: bytes, word: bytes, lines: Lines, quiet: set[int]) -> bool:
    """Whether `word` stands as a whole word on a line outside `quiet`, not in the line's
    comment (a ``#`` before it with balanced quotes) and not as the target that starts an
    assignment (``S = None`` in an ImportError fallback rebinds, it does not read): a
    rough cut that errs towards seeing a use."""
    for start in whole_words(source, word):
        line, line_start = lines.start_of(start)
        if line in quiet:
            continue
        prefix = source[line_start:start]
        in_comment = b"#" in prefix and not (prefix.count(b'"') % 2 or prefix.count(b"'") % 2)
        stored = not prefix.strip() and _ASSIGNED.match(source, start + len(word)) is not None
        if not in_comment and not stored:
            return True
    return False


def _inner(guard: Guard | None) -> Guard:
    return "type-checking" if guard == "type-checking" else (guard or "conditional")


def _is_all(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "__all__"


def _definition_header(node: ast.AST) -> Iterator[ast.AST]:
    """Decorators, bases, arguments and annotations of a def or class (not its body)."""
    if isinstance(node, ast.ClassDef):
        yield from node.decorator_list
        yield from node.bases
        yield from node.keywords
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        yield from node.decorator_list
        yield node.args
        if node.returns is not None:
            yield node.returns
