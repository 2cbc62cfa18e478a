"""Every import form, in the order the auditor asks them about a file: the forms one import
statement makes (in the file's import order), then those made by uses across the file."""

from __future__ import annotations

from collections.abc import Mapping

from ssot_migrate.analysis.forms.dotted_string import STRING
from ssot_migrate.analysis.forms.form import Form
from ssot_migrate.analysis.forms.from_import import FROM_IMPORT
from ssot_migrate.analysis.forms.module_attribute import MODULE_ATTRIBUTE
from ssot_migrate.analysis.forms.relative_from_import import RELATIVE_FROM_IMPORT
from ssot_migrate.analysis.forms.star_import import STAR_IMPORT
from ssot_migrate.base.outcomes import NoteKind
from ssot_migrate.index.facts import SiteForm

FORMS: tuple[Form, ...] = (
    FROM_IMPORT,
    RELATIVE_FROM_IMPORT,
    STAR_IMPORT,
    MODULE_ATTRIBUTE,
    STRING,
)

SITE_FORMS: Mapping[SiteForm, Form] = {f.site_form: f for f in FORMS if f.site_form is not None}
"""The form of every `Site.form`."""

FORM_LEFT_KINDS: Mapping[str, NoteKind] = {
    f.left: f.left_kind for f in FORMS if f.left and f.left_kind is not None
}
"""How a run counts a site its form leaves by design, by `Site.left`."""
