"""The one pass over a parsed module that collects its `ModuleFacts`: the imports, the
module-level bindings and ``__all__``, and the attribute chains and dotted strings on
the lines the byte scan found hot.

This module stays over 400 lines: the `Collector` class alone takes about 400, one
visitor whose methods share the state of the pass (scope, guard, enclosing functions,
the expressions left to walk); cutting it in two would change code, not move it. Its
helpers live in `statements` (what a statement means), `scopes` (the names a function
binds), `tree_walk` (cheap walks of the tree) and `columns` (character columns).
"""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Sequence

from ssot_migrate.index.byte_scan import Lines, SourceScan, lines_of
from ssot_migrate.index.columns import Columns
from ssot_migrate.index.cutter import PassStub
from ssot_migrate.index.facts import (
    AttributeUse,
    Binding,
    BindingKind,
    Guard,
    ImportFact,
    ModuleFacts,
    Scope,
    Span,
    StringRef,
)
from ssot_migrate.index.focus import Focus, Unfocused
from ssot_migrate.index.scopes import Function, function_locals
from ssot_migrate.index.skeleton import StubbedBinding, may_bind, stub_names
from ssot_migrate.index.statements import (
    catches_import_error,
    dotted_text,
    globals_pop,
    inner,
    is_all,
    is_type_checking,
    reexport_only,
    sets_all,
    spelled_outside,
    string_list,
)
from ssot_migrate.index.tree_walk import (
    definition_header,
    first_line,
    overlaps,
    walk_all,
    walk_lines,
)

_DOTTED_STRING = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+\Z")


class Collector:
    """One pass over the statements, tracking scope and guard; expressions walked once."""

    def __init__(self, source: bytes, focus: Focus | None = None) -> None:
        self._focus = focus
        self._columns = Columns(source)
        self.imports: list[ImportFact] = []
        self.bindings: list[Binding] = []
        self.chains: list[tuple[str, Span, tuple[Function, ...]]] = []
        self.strings: list[StringRef] = []
        self.dunder_all: list[str] | None = None
        self.all_unreadable = False
        self.has_getattr = False
        self.shim_served: tuple[str, ...] = ()
        self.unbound: list[str] = []
        self._all_lines: list[tuple[int, int]] = []
        """Line ranges of the statements that set ``__all__``."""
        self._wanted_lines: list[int] = []
        self._block: tuple[int, int] = (0, 0)
        self.pending: list[tuple[ast.AST, int, int, bool, tuple[Function, ...]]] = []
        """(node, first line, last line, header only, enclosing functions): walked if hot."""
        self._functions: tuple[Function, ...] = ()
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
                raise Unfocused(missed)
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
            reexport_only=reexport_only(tree.body),
            parser="libcst" if parser == "libcst" else "ast",
            unread=self._unread(source),
            shim_served=self.shim_served,
            chains_for=None if focus is None else tuple(sorted(focus.names)),
            unbound=tuple(dict.fromkeys(self.unbound)),
        )

    def _check_passes(
        self,
        source: bytes,
        passes: Sequence[PassStub],
        roots: set[str],
        chains: Sequence[tuple[str, Span, tuple[Function, ...]]],
    ) -> None:
        """Raise `StubbedBinding` if statements the skeleton stubbed in a function bind
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
                        names[stub.line] = stub_names(text)
                    if root in names[stub.line]:
                        raise StubbedBinding

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
            or not spelled_outside(source, name.encode(), lines, quiet)
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
            checking = is_type_checking(st.test) or guard == "type-checking"
            self._body(st.body, scope, "type-checking" if checking else inner(guard))
            self._body(
                st.orelse, scope, "type-checking" if guard == "type-checking" else inner(guard)
            )
        elif isinstance(st, ast.Try | ast.TryStar):
            self._try(st, scope, guard)
        elif isinstance(st, ast.For | ast.AsyncFor | ast.While):
            if isinstance(st, ast.While):
                self._defer(st.test)
            else:
                self._defer(st.target)
                self._defer(st.iter)
            self._body(st.body, scope, inner(guard))
            self._body(st.orelse, scope, inner(guard))
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
                self._body(case.body, scope, inner(guard))
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
        start = first_line(st)
        # The header ends above the body's first statement, its decorators included.
        header_end = max(st.lineno, first_line(st.body[0]) - 1) if st.body else st.lineno
        self.pending.append((st, start, header_end, True, self._functions))
        if overlaps(self._wanted_lines, header_end + 1, st.end_lineno or st.lineno):
            if isinstance(st, ast.ClassDef):
                self._body(st.body, "class", guard)
            else:
                outer, self._functions = self._functions, (*self._functions, st)
                self._body(st.body, "function", guard)
                self._functions = outer

    def _try(self, st: ast.Try | ast.TryStar, scope: Scope, guard: Guard | None) -> None:
        catches = catches_import_error(st)
        fallback: Guard | None = "import-error-fallback" if catches else None
        handler_guard: Guard = "import-error-handler" if catches else inner(guard)
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
        if sets_all(st):
            self._all_lines.append((st.lineno, st.end_lineno or st.lineno))
        if isinstance(st, ast.Assign):
            for target in st.targets:
                self._assign(target, st.value, st.lineno, guard)
        elif isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name):
            if st.value is not None:
                self._assign(st.target, st.value, st.lineno, guard)
        elif isinstance(st, ast.AugAssign) and is_all(st.target):
            self._extend_all(st.value)
        elif isinstance(st, ast.Expr) and isinstance(st.value, ast.Call):
            self._all_method_call(st.value)
            popped = globals_pop(st.value)
            if popped is not None and guard is None:
                self.unbound.append(popped)
        elif isinstance(st, ast.Delete) and guard is None:
            self.unbound += [t.id for t in st.targets if isinstance(t, ast.Name)]

    def _assign(self, target: ast.expr, value: ast.expr, line: int, guard: Guard | None) -> None:
        if isinstance(target, ast.Name):
            if target.id == "__all__":
                names = string_list(value)
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
        names = string_list(value)
        if names is None or self.dunder_all is None:
            self.all_unreadable = True
        else:
            self.dunder_all = [*self.dunder_all, *names]

    def _all_method_call(self, call: ast.Call) -> None:
        func = call.func
        if not (isinstance(func, ast.Attribute) and is_all(func.value)):
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
            if overlaps(hot, start, end):
                if header:
                    for part in definition_header(node):
                        self._walk(part, functions, hot)
                else:
                    self._walk(node, functions, hot)

    def _walk(self, node: ast.AST, functions: tuple[Function, ...], hot: list[int]) -> None:
        """Collect the attribute chains and dotted strings under `node`, breadth first.
        Below a node that spans several lines only the children holding a hot line are
        entered: a hot line of a 300-line call does not walk the other 299."""
        first, last = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        nodes = walk_all(node) if last is None or last == first else walk_lines(node, hot)
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

    def _binder(self, root: str, functions: tuple[Function, ...]) -> tuple[int, int] | None:
        """Which namespace's import of `root` a chain standing in `functions` sees: the
        innermost function importing it, else the module; None where `root` is a
        function's own local (a parameter, an assignment) rather than an import."""
        for function in reversed(functions):
            key = id(function)
            if key not in self._locals:
                self._locals[key] = function_locals(function, self._walrus)
            imported, assigned = self._locals[key]
            if root in imported:
                return (function.lineno, function.col_offset)
            if root in assigned:
                return None
        return (0, 0)


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
