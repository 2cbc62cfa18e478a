"""`registry`: the SSOT import registry page, from the audits and the shims on disk."""

from __future__ import annotations

from ssot_migrate.commands.project import RunOptions, audit_all, load, open_project, select_symbols
from ssot_migrate.commands.shimming import served_paths
from ssot_migrate.render.registry import render_registry


def registry_page(options: RunOptions) -> str:
    """The SSOT import registry (Markdown) for every configured symbol."""
    config = load(options)
    specs = select_symbols(config, [], None)
    project = open_project(options, config, specs)
    audits = audit_all(project, specs)
    where = config.config_file.name if config.config_file else "the default settings"
    return render_registry(config, audits, served_paths(project), where)
