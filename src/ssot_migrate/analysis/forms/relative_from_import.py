"""``from .. import S``: a ``from`` import of level 1 or more (`ImportFact.form`), its path
resolved against the importing file's package (``app.sub.user`` -> ``app.S``). Audited as
an absolute from-import; the rewrite moves the name to the canonical module, still
relative when that module shares a top-level package with the importer and the config
keeps relative imports (``relative-imports = "keep"``, the default), else absolute
(``codemods.import_edits.relative_form``)."""

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
