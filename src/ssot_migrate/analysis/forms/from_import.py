"""``from pkg import S`` (and ``from pkg import S as T``): the import statement names the
path, ``pkg.S``. Recognised by extraction (`ImportFact.form`: a ``from`` import of level
0). A site when the imported name reaches the symbol; a same-named import of another
object, or of a configured legacy path that resolves nowhere, is reported apart. The
rewrite moves the name to the canonical module in the statement (`Edit.MOVE_NAMES`)."""

from __future__ import annotations

import dataclasses

from ssot_migrate.analysis.forms.form import Edit, Example, Form, SiteFinder
from ssot_migrate.index.facts import ImportFact, SiteForm, SourceFile, absolute_module


def _audit_from_import(finder: SiteFinder, source: SourceFile, fact: ImportFact) -> None:
    """The site of one imported name of a ``from`` import, absolute or relative."""
    assert fact.name is not None and fact.form is not None
    module = absolute_module(source, fact.module, fact.level)
    configured = module is not None and f"{module}.{fact.name}" in finder.configured
    handles = finder.handles
    if fact.name not in finder.names and fact.local_name not in handles and not configured:
        return
    found = finder.resolver.resolve_import(source, fact)
    path = f"{module}.{fact.name}" if module is not None else found.path
    if found.same_object(finder.target):
        site = finder.site(source, fact, path, fact.form, fact.local_name)
        finder.add_site(dataclasses.replace(site, by_declaration=found.by_declaration))
    elif fact.name in handles or fact.local_name in handles or configured:
        finder.apart(source, fact, path, found)


class FromImport(Form):
    name = SiteForm.FROM_IMPORT.value
    site_form = SiteForm.FROM_IMPORT
    edit = Edit.MOVE_NAMES
    examples: tuple[Example, ...] = (
        Example(
            "tools/plain.py",
            "from app import Engine\n\nENGINE = Engine()\n",
            "from core.engine import Engine\n\nENGINE = Engine()\n",
        ),
        Example(
            "tools/renamed.py",
            "from app import Engine as E\n\nENGINE = E()\n",
            "from core.engine import Engine as E\n\nENGINE = E()\n",
        ),
        Example(
            "tools/shared.py",
            "from app import Engine, sub\n\nENGINE, SUB = Engine(), sub\n",
            "from app import sub\nfrom core.engine import Engine\n\nENGINE, SUB = Engine(), sub\n",
        ),
    )

    def audit_import(self, finder: SiteFinder, source: SourceFile, fact: ImportFact) -> None:
        _audit_from_import(finder, source, fact)


FROM_IMPORT = FromImport()
