"""`registry`: the SSOT import registry page, from the audits and the shims on disk."""

from __future__ import annotations

from ssot_migrate.commands.project import RunOptions, load, open_audited
from ssot_migrate.commands.shimming import served_paths
from ssot_migrate.render.registry import render_registry


def registry_page(options: RunOptions) -> str:
    """The SSOT import registry (Markdown) for every configured symbol."""
    config = load(options)
    _, project, audits = open_audited(options, config, [], None)
    where = config.config_file.name if config.config_file else "the default settings"
    return render_registry(config, audits, served_paths(project), where)
