"""A string literal whose whole value is a dotted path reaching the symbol (``"app.Engine"``,
as ``mock.patch`` and lazy-import tables spell it): a string finding, canonical or legacy,
not a site. The rewrite replaces a legacy value by the canonical path
(`Edit.REPLACE_STRING`), except in the canonical module, the modules it imports at import
time and shimmed modules (a lazy loader's table there must keep naming the definition), or
with ``--no-strings``. A string only *starting* with a legacy path is reported, never
rewritten (``rewrite.plan``)."""

from __future__ import annotations

from ssot_migrate.analysis.audit import Finding
from ssot_migrate.analysis.forms.form import Edit, Example, Form, SiteFinder
from ssot_migrate.index.facts import ModuleFacts, SourceFile


class String(Form):
    name = "string"
    edit = Edit.REPLACE_STRING
    examples = (
        Example(
            "tools/patching.py",
            'import importlib\n\nTARGET = "app.Engine"\n',
            'import importlib\n\nTARGET = "core.engine.Engine"\n',
        ),
    )

    def audit_file(self, finder: SiteFinder, source: SourceFile, facts: ModuleFacts) -> None:
        canonical = finder.spec.canonical
        for ref in facts.strings:
            if ref.value.rpartition(".")[2] not in finder.names:
                continue
            if finder.resolver.resolve_path(ref.value).same_object(finder.target):
                status = "canonical" if ref.value == canonical else "legacy"
                finder.add_string(
                    Finding(source.rel, ref.span.line, ref.span.col, ref.value, status)
                )


STRING = String()
