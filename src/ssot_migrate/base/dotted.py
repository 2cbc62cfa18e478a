"""Checks on dotted Python paths, applied before a name reaches a template or a rewrite."""

from __future__ import annotations

import keyword


def is_identifier(part: str) -> bool:
    return part.isidentifier() and not keyword.iskeyword(part)


def is_dotted_identifier(path: str) -> bool:
    """True for ``a``, ``a.b.C``; false for ``""``, ``a..b``, ``.a``, ``a.class``, ``1a``."""
    return bool(path) and all(is_identifier(part) for part in path.split("."))


def split_path(path: str) -> tuple[str, str]:
    """``"a.b.C"`` -> ``("a.b", "C")``; a bare name has an empty module."""
    module, _, name = path.rpartition(".")
    return module, name


def is_private_path(path: str) -> bool:
    """A component of `path` starts with an underscore (dunder names like ``__init__``
    aside): ``pkg._impl.Thing``, ``pkg.mod._Factory``."""
    return any(
        p.startswith("_") and not (p.startswith("__") and p.endswith("__")) for p in path.split(".")
    )


def resolve_relative(package: str | None, level: int, module: str) -> str | None:
    """The absolute module ``from <level dots><module> import …`` names from inside
    `package` (None: the file is in no package a relative import can climb), or None
    when the dots climb past the top."""
    if level == 0:
        return module
    if package is None:
        return None
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    if module:
        base.append(module)
    return ".".join(base) or None


def is_type_checking_flag(name: str) -> bool:
    """The last name of an ``if`` test that is ``TYPE_CHECKING``: the flag itself, an alias
    of it (``_TYPE_CHECKING``) or a module's (``typing.TYPE_CHECKING``,
    ``compat.MY_TYPE_CHECKING``). The index and the shims read ``if`` tests by this rule."""
    return name.endswith("TYPE_CHECKING")
