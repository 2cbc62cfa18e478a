"""Taking a shim away, on module texts: `retire_names` takes a retired name out of the
generated block and out of ``__all__`` in every form it edits, and keeps every other byte;
a block whose markers were edited is refused; `only_loads` says when a module is left with
nothing to serve; `removal_due` says when a shim's removal has come. The shimmed inputs are
made by `shim_module`, the way `run` makes them."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from ssot_migrate.config.project_version import project_version
from ssot_migrate.config.removal import ProjectVersion, removal_due
from ssot_migrate.shims.block import BEGIN, END, MovedName, ShimOrigin, ShimRefused, served
from ssot_migrate.shims.legacy_module import shim_module
from ssot_migrate.shims.retire import block_problem, only_loads, retire_names

ORIGIN = ShimOrigin("p1", "Engine from app.core.engine", "DeprecationWarning", "2.0")
ENGINE = MovedName("Engine", "app.core.engine", "Engine")
OTHER = MovedName("Other", "app.core.other", "Other")

IMPORT = "from app.core.engine import Engine\n"
RETIRED = (
    "# ssot-migrate: Engine retired; app.core.engine still loads here\n"
    '__import__("app.core.engine")\n'
)
"""What the import of a retired name leaves: the load, and a comment saying it is retired."""


def shimmed(source: str | bytes, names: list[MovedName] | None = None) -> bytes:
    data = source.encode() if isinstance(source, str) else source
    result = shim_module(data, names or [ENGINE], ORIGIN)
    assert BEGIN.encode() in result
    return result


def retired(source: str | bytes, names: list[MovedName] | None = None) -> bytes:
    """`source` shimmed for `names` (Engine by default), then Engine retired."""
    result = retire_names(shimmed(source, names), {"Engine"}, ORIGIN)
    ast.parse(result)
    return result


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            '__all__ = ["Engine", "X"]\nX = 1\n',
            '__all__ = ["X"]\nX = 1\n',
            id="list-on-one-line",
        ),
        pytest.param(
            '__all__ = ["A", "Engine", "X"]  # public\nA = X = 1\n',
            '__all__ = ["A", "X"]  # public\nA = X = 1\n',
            id="list-on-one-line-name-in-the-middle",
        ),
        pytest.param(
            '__all__ = ["X", "Engine"]\nX = 1\n',
            '__all__ = ["X"]\nX = 1\n',
            id="list-on-one-line-name-last",
        ),
        pytest.param(
            "__all__ = [\n"
            "    # what the package exports\n"
            '    "Engine",  # moved to app.core.engine\n'
            '    "X",  # stays\n'
            '    "Y",\n'
            "]\n"
            "X = Y = 1\n",
            "__all__ = [\n"
            "    # what the package exports\n"
            '    "X",  # stays\n'
            '    "Y",\n'
            "]\n"
            "X = Y = 1\n",
            id="multi-line-list-with-trailing-comma-and-comments",
        ),
        pytest.param(
            '__all__ = ("Engine", "X", "Y")\nX = Y = 1\n',
            '__all__ = ("X", "Y")\nX = Y = 1\n',
            id="tuple",
        ),
        pytest.param(
            '__all__ = ("Engine", "X")\nX = 1\n',
            '__all__ = ("X",)\nX = 1\n',
            id="tuple-of-one-keeps-its-comma",
        ),
        pytest.param(
            'X = 1\n__all__ = ["X"]\n__all__ += ["Engine"]\nY = 2\n',
            'X = 1\n__all__ = ["X"]\nY = 2\n',
            id="plus-equals-left-empty-goes",
        ),
        pytest.param(
            'X = 1\n__all__ = ["X"]\n__all__ += ["Engine", "Y"]\nY = 2\n',
            'X = 1\n__all__ = ["X"]\n__all__ += ["Y"]\nY = 2\n',
            id="plus-equals-keeps-the-others",
        ),
        pytest.param(
            'X = Y = 1\n__all__ = ["X"]\n__all__.extend(["Engine", "Y"])\n',
            'X = Y = 1\n__all__ = ["X"]\n__all__.extend(["Y"])\n',
            id="extend",
        ),
        pytest.param(
            'X = 1\n__all__ = ["X"]\n__all__.extend(("Engine",))\n',
            'X = 1\n__all__ = ["X"]\n',
            id="extend-left-empty-goes",
        ),
        pytest.param(
            'X = Y = 1\n__all__ = ["X"]\n__all__.append("Engine")\n__all__.append("Y")\n',
            'X = Y = 1\n__all__ = ["X"]\n__all__.append("Y")\n',
            id="append",
        ),
    ],
)
def test_a_retired_name_leaves_dunder_all_in_each_form_and_every_other_byte_stays(
    before: str, after: str
) -> None:
    assert retired(IMPORT + "\n" + before) == (RETIRED + "\n" + after).encode()


def test_dunder_all_in_a_function_or_a_class_is_not_the_module_s() -> None:
    body = (
        "\n\ndef names():\n"
        '    __all__ = ["Engine"]\n'
        "    return __all__\n\n\n"
        "class Listing:\n"
        '    __all__ = ["Engine"]\n'
    )
    assert retired(IMPORT + body) == (RETIRED + body).encode()


def test_one_of_two_names_retired_leaves_the_block_serving_the_other() -> None:
    source = (
        "from app.core.engine import Engine\n"
        "from app.core.other import Other\n\n"
        '__all__ = ["Engine", "Other"]\n'
    )
    result = retired(source, [ENGINE, OTHER]).decode()
    assert served(result) == [OTHER]
    head = result[: result.index(BEGIN)]
    assert head == (
        RETIRED + "# ssot-migrate: Other is served by the shim below; app.core.other still "
        'loads here\n__import__("app.core.other")\n\n__all__ = ["Other"]\n\n'
    )
    # What is left is the block `run` would make for Other alone.
    alone = shimmed('from app.core.other import Other\n\n__all__ = ["Other"]\n', [OTHER])
    assert result[result.index(BEGIN) :] == alone.decode()[alone.decode().index(BEGIN) :]
    # And retiring the other one too takes the block away.
    last = retire_names(result.encode(), {"Other"}, ORIGIN)
    assert BEGIN.encode() not in last and END.encode() not in last
    assert b"__all__ = []\n" in last


def test_two_names_of_one_import_leave_a_load_comment_naming_the_one_still_served() -> None:
    both = [ENGINE, MovedName("Other", "app.core.engine", "Other")]
    source = 'from app.core.engine import Engine, Other\n\n__all__ = ["Engine", "Other"]\n'
    result = retired(source, both).decode()
    assert result.startswith(
        "# ssot-migrate: Other is served by the shim below; app.core.engine still loads here\n"
        '__import__("app.core.engine")\n\n__all__ = ["Other"]\n\n' + BEGIN
    )


def test_a_utf8_bom_stays() -> None:
    source = b"\xef\xbb\xbf" + IMPORT.encode() + b'\n__all__ = ["Engine", "X"]\nX = "\xc3\xa9"\n'
    result = retired(source)
    assert result == b"\xef\xbb\xbf" + RETIRED.encode() + b'\n__all__ = ["X"]\nX = "\xc3\xa9"\n'


def test_a_latin1_cookie_and_its_latin1_bytes_stay() -> None:
    cookie = b"# -*- coding: latin-1 -*-\n"
    source = cookie + IMPORT.encode() + b'\nCAFE = "caf\xe9"\n'
    result = retired(source)
    assert result == cookie + RETIRED.encode() + b'\nCAFE = "caf\xe9"\n'
    assert b"\xc3\xa9" not in result  # not re-encoded as UTF-8


def test_a_module_without_a_final_newline_ends_after_its_last_line() -> None:
    """The shim separates the module from its block with one blank line whatever the module
    ended with, so the missing final newline is not what retire reads: it cuts the block and
    its blank line, and leaves the module's last line ending once (no blank lines piled up)."""
    result = retired(IMPORT + '\n__all__ = ["Engine", "X"]\nX = 1')
    assert result == (RETIRED + '\n__all__ = ["X"]\nX = 1\n').encode()
    alone = retired(IMPORT.rstrip("\n"))
    assert alone == RETIRED.encode()


def test_a_star_re_export_pops_the_retired_name_it_still_binds() -> None:
    source = '"""Old home."""\n\nfrom app.core.engine import *  # noqa: F403\n'
    popped = (
        "# ssot-migrate: Engine retired: the star import above no longer serves it\n"
        'globals().pop("Engine", None)\n'
    )
    assert retired(source) == (source + "\n" + popped).encode()


def test_an_edited_end_marker_is_refused_with_the_markers_named() -> None:
    text = shimmed(IMPORT + "X = 1\n").decode()
    edited = text.replace(END, "# <<< ssot-migrate shim (kept by hand) <<<")
    with pytest.raises(ShimRefused) as refused:
        retire_names(edited.encode(), {"Engine"}, ORIGIN)
    assert BEGIN in str(refused.value) and END in str(refused.value)
    assert "edited by hand" in str(refused.value)
    assert block_problem(edited) == str(refused.value)


def test_a_block_that_appears_twice_is_refused_with_the_markers_named() -> None:
    text = shimmed(IMPORT + "X = 1\n").decode()
    twice = text + "\n" + text[text.index(BEGIN) :]
    with pytest.raises(ShimRefused) as refused:
        retire_names(twice.encode(), {"Engine"}, ORIGIN)
    message = str(refused.value)
    assert f"2 {BEGIN!r} and 2 {END!r} lines" in message


def test_markers_in_the_wrong_order_are_refused() -> None:
    text = shimmed(IMPORT + "X = 1\n").decode()
    swapped = text.replace(BEGIN, "\0").replace(END, BEGIN).replace("\0", END)
    with pytest.raises(ShimRefused, match="comes before"):
        retire_names(swapped.encode(), {"Engine"}, ORIGIN)


def test_a_module_with_no_block_has_no_block_problem() -> None:
    assert block_problem("") is None
    assert block_problem("from app.core.engine import Engine\n\n__all__ = ['Engine']\n") is None
    assert block_problem(shimmed(IMPORT + "X = 1\n").decode()) is None


@pytest.mark.parametrize(
    "source",
    [
        "",
        '"""Only a docstring."""\n',
        '"""Compatibility."""\n\nimport os\nfrom app import core\n'
        '__import__("app.core.engine")\n__import__("engine", globals(), level=1)\npass\n',
        RETIRED,
    ],
)
def test_a_module_of_a_docstring_imports_loads_and_pass_only_loads(source: str) -> None:
    assert only_loads(source.encode())


@pytest.mark.parametrize(
    "source",
    [
        RETIRED + "\n\ndef make() -> int:\n    return 1\n",
        RETIRED + "VERSION = 2\n",
        RETIRED + "class Engine:\n    pass\n",
        RETIRED + "print('loaded')\n",
        RETIRED + '__import__("app.core").engine\n',
        RETIRED + '"""A string that is not the docstring."""\n',
        RETIRED + "if True:\n    import os\n",
        "this is not python (\n",
    ],
)
def test_a_module_left_with_anything_else_does_not_only_load(source: str) -> None:
    assert not only_loads(source.encode())


def test_a_module_whose_retired_names_were_all_it_had_only_loads_after_retire() -> None:
    compat = '"""Compatibility: the engine used to live here."""\n\n' + IMPORT
    assert only_loads(retired(compat))
    assert not only_loads(retired(compat + "\nVERSION = 2\n"))


TODAY = dt.date(2026, 6, 30)
VERSION_20 = ProjectVersion("2.0", "pyproject.toml [project] version")


@pytest.mark.parametrize(
    ("removal", "today", "due", "reason"),
    [
        ("2026-06-30", dt.date(2026, 6, 29), False, "not due before 2026-06-30"),
        ("2026-06-30", dt.date(2026, 6, 30), True, "removal date 2026-06-30 reached"),
        ("2026-06-30", dt.date(2027, 1, 1), True, "(today is 2027-01-01)"),
        ("2026-02-30", TODAY, False, "is not a calendar date"),
    ],
)
def test_a_removal_date_is_due_from_that_day(
    removal: str, today: dt.date, due: bool, reason: str
) -> None:
    found = removal_due(removal, VERSION_20, today)
    assert found.due is due
    assert reason in found.reason


@pytest.mark.parametrize(
    ("project", "removal", "due"),
    [
        ("1.9", "2.0", False),
        ("2.0", "2.0", True),
        ("2.0.0", "2.0", True),
        ("2.1", "2.0", True),
        ("10.0", "9.0", True),  # compared as versions, not as text
        ("2.0rc1", "2.0", False),  # a pre-release comes before its release
        ("2.0", "2.0rc1", True),
        ("2.0rc2", "2.0rc1", True),
        ("2026.06", "2026.6", True),
    ],
)
def test_a_removal_version_is_due_once_the_project_s_version_reaches_it(
    project: str, removal: str, due: bool
) -> None:
    found = removal_due(removal, ProjectVersion(project, "pyproject.toml [project] version"), TODAY)
    assert found.due is due
    assert ("reached" if due else f"not due before version {removal}") in found.reason


@pytest.mark.parametrize("removal", [None, ""])
def test_no_removal_is_never_due_and_says_how_to_set_one(removal: str | None) -> None:
    found = removal_due(removal, VERSION_20, TODAY)
    assert not found.due
    assert "[shims] removal" in found.reason and "--force" in found.reason


@pytest.mark.parametrize("removal", ["soon", "v2 final", "2026/06/30"])
def test_an_unparseable_removal_is_not_due_and_says_what_it_should_be(removal: str) -> None:
    found = removal_due(removal, VERSION_20, TODAY)
    assert not found.due
    assert f"{removal!r} is neither a date (YYYY-MM-DD) nor a version" in found.reason


def test_an_unparseable_project_version_is_not_due() -> None:
    found = removal_due("2.0", ProjectVersion("two", "pyproject.toml [project] version"), TODAY)
    assert not found.due
    assert "'two'" in found.reason and "is not a version" in found.reason


def test_a_dynamic_project_version_makes_a_removal_version_never_due(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\ndynamic = ["version"]\n')
    version = project_version(tmp_path)
    assert version.version is None
    found = removal_due("2.0", version, TODAY)
    assert not found.due
    assert "removal 2.0 is a version, but pyproject.toml declares the version dynamic" in (
        found.reason
    )
    # A removal date does not need the project's version.
    assert removal_due("2026-06-30", version, TODAY).due
