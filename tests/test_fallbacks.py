"""`fallbacks.identical_fallbacks`: which ``try``/``except ImportError`` blocks import the
same thing in both branches (the run names such files: see the golden
a_fallback_the_rewrite_makes_identical_is_named_in_the_summary_and_kept)."""

from __future__ import annotations

import ast
import textwrap

import pytest

from ssot_migrate.rewrite.fallbacks import describe, identical_fallbacks


def _lines(source: str, package: str | None = "pkg") -> list[int]:
    tree = ast.parse(textwrap.dedent(source))
    return [f.line for f in identical_fallbacks(tree, package)]


@pytest.mark.parametrize(
    "source",
    [
        "try:\n    from a.b import S\nexcept ImportError:\n    from a.b import S\n",
        "try:\n    from a.b import S\nexcept (ValueError, ModuleNotFoundError):\n    from a.b import S\n",
        "try:\n    from .b import S\nexcept ImportError:\n    from pkg.b import S\n",
        "try:\n    import a.b\nexcept ImportError:\n    import a.b\nelse:\n    pass\n",
        "try:\n    from a import S, T\nexcept ImportError:\n    from a import T\n    from a import S\n",
    ],
)
def test_both_branches_importing_the_same_names_from_the_same_module(source: str) -> None:
    assert _lines(source) == [1]


@pytest.mark.parametrize(
    "source",
    [
        "try:\n    from a.b import S\nexcept ImportError:\n    from a.c import S\n",
        "try:\n    from a.b import S\nexcept ImportError:\n    from a.b import S as T\n",
        "try:\n    from a.b import S\nexcept Exception:\n    from a.b import S\n",
        "try:\n    from a.b import S\nexcept:\n    from a.b import S\n",
        "try:\n    from a.b import S, T\nexcept ImportError:\n    from a.b import S\n",
        "try:\n    x = 1\nexcept ImportError:\n    x = 1\n",
    ],
)
def test_branches_that_differ_are_not_named(source: str) -> None:
    assert _lines(source) == []


def test_a_fallback_inside_a_function_is_found_at_its_line() -> None:
    source = """
        def f():
            try:
                from a import S
            except ImportError:
                from a import S
    """
    assert _lines(source) == [3]


def test_the_description_names_what_both_branches_import() -> None:
    tree = ast.parse(
        "try:\n    from a import S as E\nexcept ImportError:\n    from a import S as E\n"
    )
    (fallback,) = identical_fallbacks(tree, None)
    assert describe(fallback) == "S as E from a"
