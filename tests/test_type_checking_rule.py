"""One rule says which ``if`` tests are ``TYPE_CHECKING``, read by the index (ast) and by
the shim's binding removal (LibCST) alike: the audit's guard and the shim must agree on
which bindings run."""

from __future__ import annotations

import ast

import libcst as cst
import pytest

from ssot_migrate.index.statements import is_type_checking as ast_rule
from ssot_migrate.shims.bindings import is_type_checking as cst_rule

TESTS = {
    "TYPE_CHECKING": True,
    "typing.TYPE_CHECKING": True,
    "typing_extensions.TYPE_CHECKING": True,
    "_TYPE_CHECKING": True,
    "compat.MY_TYPE_CHECKING": True,
    "get_flags().TYPE_CHECKING": True,
    "TYPE_CHECKING_OFF": False,
    "not TYPE_CHECKING": False,
    "TYPE_CHECKING and DEBUG": False,
    "flags['TYPE_CHECKING']": False,
    "check_types": False,
}


@pytest.mark.parametrize(("test", "expected"), TESTS.items())
def test_the_index_and_the_shim_read_an_if_test_alike(test: str, expected: bool) -> None:
    expression = ast.parse(test, mode="eval").body
    assert ast_rule(expression) is expected
    assert cst_rule(cst.parse_expression(test)) is expected
