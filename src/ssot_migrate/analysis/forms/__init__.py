"""The import forms: one module per way a file reaches a symbol (``from_import``,
``relative_from_import``, ``module_attribute``, ``star_import``, ``dotted_string``), each
holding how the audit recognises and names its sites, what the rewrite makes of them, and
its examples (before and after, run by the tests). `registry` lists them; the auditor and the
rewrite plan dispatch through it. A new rule for a form goes in its module and in a golden
case folder (``fixtures/cases/<sentence>/``)."""
