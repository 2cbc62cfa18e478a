"""Extraction parses a file's skeleton: its cold top-level definitions (no import, no dotted
use of an imported name, no quoted dotted path on any of their lines) become one-line stubs.
Equal facts on every file is a property (tests/test_properties.py, part 3); these are the
cases where the skeleton is refused, and what reading one gives up."""

from __future__ import annotations

import ast
import sys
from unittest import mock

import pytest

from ssot_migrate.index.extract import extract_facts
from ssot_migrate.index.facts import ModuleFacts, ParseFailure
from ssot_migrate.index.skeleton import may_bind, skeleton

HEAD = b"from app.engine import Engine\n\n\n"


def test_cold_definitions_become_stubs_on_their_own_lines() -> None:
    source = HEAD + b"@cache\ndef helper(x):\n    return x * 2\n\n\nclass Plain:\n    y = 1\n"
    built = skeleton(source)
    assert built is not None
    assert built.stubs == ((5, 0, "helper"), (9, 0, "Plain"))
    assert built.text.count(b"\n") == source.count(b"\n")
    assert built.text.startswith(HEAD)


def test_the_cold_methods_of_a_class_the_facts_read_become_stubs() -> None:
    source = HEAD + (
        b"class Service(Base):\n"
        b"    kind = Engine.kind\n"
        b"\n"
        b"    @property\n"
        b"    def name(self):\n"
        b"        return 'x'\n"
        b"\n"
        b"    def uses(self):\n"
        b"        return Engine.create()\n"
    )
    built = skeleton(source)
    assert built is not None and built.stubs == ((8, 4, "name"),)
    assert b"    def name(): pass\n" in built.text and b"Engine.create()" in built.text
    assert extract_facts(source) == extract_facts(source, whole=True)


@pytest.mark.parametrize(
    "body",
    [
        b"    import os\n",  # a function-level import
        b"    return Engine.create()\n",  # a dotted use of an imported name
        b'    return "app.engine.Engine"\n',  # a quoted dotted path
    ],
    ids=["import", "dotted-use", "dotted-string"],
)
def test_a_definition_with_a_line_the_facts_read_is_kept(body: bytes) -> None:
    built = skeleton(HEAD + b"def f():\n" + body)
    assert built is not None and built.stubs == ()


@pytest.mark.parametrize(
    "definition",
    [
        b'def f():\n    return """\n',  # a string the next column-0 line continues
        b"def f(x=(\n",  # a bracket the next column-0 line closes
        b"def f():\n    return 1 + \\\n",  # a backslash continuation at its end
    ],
    ids=["open-string", "open-bracket", "continued"],
)
def test_a_definition_whose_text_leaves_something_open_is_kept(definition: bytes) -> None:
    built = skeleton(HEAD + definition + b"def g():\n    pass\n")
    assert built is not None and (len(HEAD.splitlines()) + 1, 0, "f") not in built.stubs


def test_a_syntax_error_in_a_cold_body_is_seen_only_by_a_whole_parse() -> None:
    """What the skeleton gives up, as a prefiltered-out file does: the audit reads the
    file's imports; a command that rewrites it parses all of it and refuses it."""
    source = HEAD + b"def broken():\n    return = 1\n"
    assert isinstance(extract_facts(source), ModuleFacts)
    whole = extract_facts(source, whole=True)
    assert isinstance(whole, ParseFailure) and whole.line == 5


def test_a_broken_header_is_still_reported() -> None:
    source = HEAD + b"def run(:\n    return Engine()\n"
    assert isinstance(extract_facts(source), ParseFailure)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"    return '\xff\xfe'\n", "not valid text"),
        (b"    return 1\x00\n", "binary file"),
    ],
    ids=["non-utf8", "nul"],
)
def test_a_stub_never_hides_an_undecodable_byte(body: bytes, reason: str) -> None:
    facts = extract_facts(HEAD + b"def f():\n" + body)
    assert isinstance(facts, ParseFailure) and reason in facts.reason


def test_a_declared_encoding_is_parsed_whole() -> None:
    source = b"# -*- coding: latin-1 -*-\n" + HEAD + b"def f():\n    return '\xe9'\n"
    assert skeleton(source) is None
    assert extract_facts(source) == extract_facts(source, whole=True)


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="3.12 parses this syntax itself")
def test_newer_syntax_in_a_cold_body_no_longer_needs_libcst() -> None:
    source = HEAD + b"def f[T](x: T) -> T:\n    return x\n\n\nE = Engine\n"
    facts = extract_facts(source)
    assert isinstance(facts, ModuleFacts) and facts.parser == "ast"
    assert [b.name for b in facts.bindings] == ["Engine", "f", "E"]
    assert extract_facts(source, whole=True).parser == "libcst"  # type: ignore[union-attr]


SPARSE = HEAD + (
    b"def build(\n"
    b"    first,\n"
    b"    second,\n"
    b") -> None:\n"
    b'    """Build it.\n'
    b"    rows = 1\n"
    b'    """\n'
    b"    rows = [\n"
    b"        first,\n"
    b"    ]\n"
    b"    if rows:\n"
    b"        total = 1\n"
    b"    else:\n"
    b"        total = 2\n"
    b"    from app import engine\n"
    + b"    rows.append(total)\n" * 20
    + b"    return engine.Engine\n"
)


def test_the_cold_statements_of_a_hot_function_become_one_pass_per_run() -> None:
    built = skeleton(SPARSE)
    assert built is not None
    assert [(p.line, p.column) for p in built.passes] == [(8, 4), (19, 4)]
    text = built.text.splitlines()
    assert text[7] == b"    pass" and text[18] == b"    pass"
    assert b"from app import engine" in built.text and b"engine.Engine" in built.text
    assert b'"""Build it.' not in built.text  # the docstring went with the run it starts
    assert extract_facts(SPARSE) == extract_facts(SPARSE, whole=True)


def test_a_stubbed_statement_spelling_a_chain_root_is_parsed_to_tell() -> None:
    """``f(engine)`` and ``engine = None`` both spell the root of ``engine.Engine`` where a
    name could be bound; parsed on their own, the first binds nothing and the skeleton's
    facts stand, the second binds it and the whole file is parsed."""
    parse = ast.parse
    for statement, bound in ((b"    f(engine)\n", False), (b"    engine = None\n", True)):
        source = SPARSE.replace(b"    rows.append(total)\n", statement, 1)
        built = skeleton(source)
        assert built is not None and may_bind(statement, "engine")
        with mock.patch.object(ast, "parse", side_effect=parse) as parsing:
            facts = extract_facts(source)
        assert (mock.call(source) in parsing.call_args_list) is bound
        assert facts == extract_facts(source, whole=True)


def test_a_definition_hot_only_inside_its_docstring_and_comments_is_cold() -> None:
    """``>>> from m import x`` in a doctest, ``# import os`` in a comment: no import
    statement, no chain; a quoted dotted path in a string is a fact and keeps it."""
    doc = b'def f():\n    """Use it.\n\n    >>> from app import engine\n    >>> engine.Engine\n    """\n'
    built = skeleton(HEAD + doc + b"    # import os\n    return 1\n")
    assert built is not None and built.stubs == ((4, 0, "f"),)
    quoted = skeleton(HEAD + doc + b'    return "app.engine.Engine"\n')
    assert quoted is not None and quoted.stubs == ()
