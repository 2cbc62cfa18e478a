"""``from .. import S``: a ``from`` import of level 1 or more (`ImportFact.form`), its path
resolved against the importing file's package (``app.sub.user`` -> ``app.S``). Audited as
an absolute from-import; the rewrite moves the name to the canonical module, still
relative when that module shares a top-level package with the importer and the config
keeps relative imports (``relative-imports = "keep"``, the default), else absolute
(`relative_form`)."""

from __future__ import annotations

from ssot_migrate.analysis.forms.form import Example
from ssot_migrate.analysis.forms.from_import import FromImport
from ssot_migrate.index.facts import SiteForm


class RelativeFromImport(FromImport):
    name = SiteForm.RELATIVE_FROM_IMPORT.value
    site_form = SiteForm.RELATIVE_FROM_IMPORT
    examples = (
        Example(
            "app/sub/user.py",
            "from .. import Engine\n\nENGINE = Engine()\n",
            "from core.engine import Engine\n\nENGINE = Engine()\n",
        ),
        Example(
            "core/user.py",
            "from .legacy import Engine\n\nENGINE = Engine()\n",
            "from .engine import Engine\n\nENGINE = Engine()\n",
        ),
    )


RELATIVE_FROM_IMPORT = RelativeFromImport()


def relative_form(package: str | None, module: str, relative: bool) -> tuple[int, str]:
    """(dots, module text) for importing absolute `module` from a file of `package`.

    Relative when asked and possible (a common top-level package); absolute otherwise.
    """
    if not relative or not package:
        return 0, module
    here, there = package.split("."), module.split(".")
    common = 0
    while common < min(len(here), len(there)) and here[common] == there[common]:
        common += 1
    if common == 0:
        return 0, module
    return len(here) - common + 1, ".".join(there[common:])
