"""``from pkg import *``: a site when a name the star binds (``__all__``, else the
module's public names) reaches the symbol; its path is the name that module binds. Left as
it is by design: the names a star import binds are implicit, and rewriting it would change
every other name it binds. Its module's shim serves it with a warning the user can act on,
so a star import left alone does not keep its path from a shim."""

from __future__ import annotations

from ssot_migrate.analysis.audit import Site
from ssot_migrate.analysis.forms.form import Edit, Example, Form, SiteFinder
from ssot_migrate.base.outcomes import NoteKind
from ssot_migrate.index.facts import ImportFact, SiteForm, SourceFile, absolute_module

LEFT_STAR = "star import: the names it binds are implicit"


class StarImport(Form):
    name = SiteForm.STAR_IMPORT.value
    site_form = SiteForm.STAR_IMPORT
    edit = Edit.NONE
    left = LEFT_STAR
    left_kind = NoteKind.STAR_IMPORT
    left_reads_path = False
    examples = (
        Example(
            "tools/star.py",
            "from app import *\n\nENGINE = Engine()\n",
            "from app import *\n\nENGINE = Engine()\n",
        ),
    )

    def bound_name(self, site: Site) -> str | None:
        return site.path.rpartition(".")[2]

    def audit_import(self, finder: SiteFinder, source: SourceFile, fact: ImportFact) -> None:
        module = absolute_module(source, fact.module, fact.level)
        if module is None:
            return
        exported = sorted(finder.resolver.exports(module) & finder.names)
        reaching = [n for n in exported if finder.reaches(module, n)]
        if reaching:
            # The path the star actually goes through: the name its module binds.
            path = f"{module}.{reaching[0]}"
            finder.add_site(finder.site(source, fact, path, SiteForm.STAR_IMPORT))


STAR_IMPORT = StarImport()
