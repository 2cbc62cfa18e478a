"""``import pkg`` (or ``import pkg as m``, ``from a import pkg``) and then ``pkg.S``: the
uses of an imported module's attribute. Recognised from the file's attribute uses, each
resolved through the import that binds its root where it stands (`resolve_use`); one site
per import and path, counting its uses (`Site.references`). A chain whose root names a
module that is not there, or that reaches another object under the symbol's name, is
reported apart. The rewrite points each chain at the canonical module (`Edit.REPOINT_CHAIN`);
in a module the canonical module imports at import time, a use that runs later goes
through the package it already imports when that package loads the canonical module
(`Site.through`)."""

from __future__ import annotations

import dataclasses
from collections import Counter

from ssot_migrate.analysis.forms.form import Edit, Example, Form, SiteFinder
from ssot_migrate.analysis.resolve import Target
from ssot_migrate.analysis.uses import resolve_use
from ssot_migrate.index.facts import ImportFact, ModuleFacts, SiteForm, SourceFile


class ModuleAttribute(Form):
    name = SiteForm.MODULE_ATTRIBUTE.value
    site_form = SiteForm.MODULE_ATTRIBUTE
    edit = Edit.REPOINT_CHAIN
    binds_name = False
    examples = (
        Example(
            "tools/aliased.py",
            "import app as a\n\nENGINE = a.Engine()\n",
            "import core.engine as a\n\nENGINE = a.Engine()\n",
        ),
        Example(
            "tools/dotted.py",
            "import app\n\nENGINE = app.Engine()\nSUB = app.sub\n",
            "import app\nimport core.engine\n\nENGINE = core.engine.Engine()\nSUB = app.sub\n",
        ),
    )

    def audit_file(self, finder: SiteFinder, source: SourceFile, facts: ModuleFacts) -> None:
        """One site per import and path its chains reach the symbol through."""
        names, handles, configured = finder.names, finder.handles, finder.configured
        uses: Counter[tuple[ImportFact, str]] = Counter()
        modules: dict[tuple[ImportFact, str], str] = {}
        at_import_time: set[tuple[ImportFact, str]] = set()
        declared: set[tuple[ImportFact, str]] = set()
        apart: dict[tuple[ImportFact, str], Target] = {}
        for use in facts.attributes:
            last = use.dotted.rpartition(".")[2]
            if last not in names and last not in finder.configured_names:
                continue
            reached = resolve_use(finder.resolver, source, facts, use)
            if reached is None or reached.fact.kind == "star":
                continue
            fact, start, rest = reached.fact, reached.bound, reached.rest
            if not start.found:
                # ``from pkg import gone`` / ``import pkg.gone as gone``, then ``gone.S``:
                # the import names a module that is not there.
                missing = finder.resolver.resolve_module_import(source, fact)
                full = f"{missing.path}.{rest}"
                if last in handles or full in configured:
                    apart.setdefault((fact, full), missing)
            if reached.target is None:
                continue
            full, found = reached.path, reached.target
            if found.same_object(finder.target):
                uses[(fact, full)] += 1
                modules[(fact, full)] = start.path
                if use.scope != "function":
                    at_import_time.add((fact, full))
                if found.by_declaration:
                    declared.add((fact, full))
            elif last in handles or full in configured:
                apart.setdefault((fact, full), found)
        load_time = finder.context.load_time
        for (fact, full), count in uses.items():
            site = finder.site(
                source, fact, full, SiteForm.MODULE_ATTRIBUTE, fact.local_name, count
            )
            through = ""
            if source.module in load_time and (fact, full) not in at_import_time:
                through = finder.through(modules[(fact, full)], full)
            by_declaration = (fact, full) in declared
            finder.add_site(
                dataclasses.replace(site, by_declaration=by_declaration, through=through)
            )
        for (fact, full), found in apart.items():
            finder.apart(source, fact, full, found)


MODULE_ATTRIBUTE = ModuleAttribute()
