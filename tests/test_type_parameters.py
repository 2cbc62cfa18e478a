"""PEP 695 syntax read by an older stdlib parser: type parameter lists blanked by text,
``type X = ...`` made a same-width assignment, every other byte, line and column kept."""

from __future__ import annotations

import ast
import sys

import pytest

from ssot_migrate.index.extract import extract_facts
from ssot_migrate.index.facts import ModuleFacts
from ssot_migrate.index.type_parameters import blank_type_parameters


@pytest.mark.parametrize(
    ("source", "blanked"),
    [
        (b"def f[T](x: T) -> T:\n    return x\n", b"def f   (x: T) -> T:\n    return x\n"),
        (b"async def f[**P, R](): pass\n", b"async def f" + b" " * 8 + b"(): pass\n"),
        (b"def f[\n    T,\n](x): pass\n", b"def f\\\n     \\\n (x): pass\n"),
        (
            b"class Box[T: Callable[..., Any]](Base):\n    pass\n",
            b"class Box                       (Base):\n    pass\n",
        ),
        (b"type Alias[T] = list[T]\n", b"Alias=1 or      list[T]\n"),
        (b"class C:\n    type X = mod.Thing\n", b"class C:\n    X=1 or   mod.Thing\n"),
        (b"type X=int\n", b"X=1 or int\n"),
    ],
)
def test_pep695_constructs_become_same_width_older_syntax(source: bytes, blanked: bytes) -> None:
    assert blank_type_parameters(source) == blanked
    assert len(blanked) == len(source)
    ast.parse(blanked, feature_version=(3, 8))


@pytest.mark.parametrize(
    "source",
    [
        b"x = type(y)\ntype = 3\n",  # the builtin and a name, not type statements
        b"def f(x):\n    return x[0]\n",
        b"values = [type for type in types]\n",
    ],
)
def test_code_without_pep695_syntax_is_left_alone(source: bytes) -> None:
    assert blank_type_parameters(source) is None


def test_a_quote_inside_a_type_parameter_list_is_not_guessed_at() -> None:
    assert blank_type_parameters(b'def f[T: "Fwd"](x: T): pass\n') is None


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the stdlib parser reads PEP 695 here")
def test_facts_keep_the_columns_of_the_file_as_written() -> None:
    source = (
        b"import mod\n"
        b"type Alias = mod.Thing\n"
        b"class Box[T: mod.Base](mod.Base):\n"
        b"    def get[U](self) -> mod.Thing: ...\n"
    )
    facts = extract_facts(source)
    assert isinstance(facts, ModuleFacts)
    uses = sorted((a.dotted, a.span.line, a.span.col) for a in facts.attributes)
    assert uses == [  # the bound in [T: mod.Base] is blanked, not indexed
        ("mod.Base", 3, 23),
        ("mod.Thing", 2, 13),
        ("mod.Thing", 4, 24),
    ]
    bindings = {(b.name, b.kind) for b in facts.bindings}
    assert ("Alias", "definition") in bindings  # a TypeAliasType, not another name for Thing
    assert ("Box", "definition") in bindings


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the stdlib parser reads PEP 695 here")
def test_lines_stay_where_they_were_with_type_parameters_and_pep701_strings() -> None:
    source = (
        b'def f[\n    T,\n](x: T) -> str:\n    return f"{x["k"]}"\n\n'
        b"type Pair = (\n    tuple[int, int]\n)\n"
        b"import mod\nmod.Thing\n"
    )
    facts = extract_facts(source)
    assert isinstance(facts, ModuleFacts)
    assert [(a.dotted, a.span.line) for a in facts.attributes] == [("mod.Thing", 10)]
