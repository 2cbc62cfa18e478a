"""The project's own version, as `retire` compares a shim's removal version with it:
``[project] version`` (or ``[tool.poetry] version``) of the root's pyproject.toml."""

from __future__ import annotations

from pathlib import Path

from ssot_migrate.config.load import parse_toml
from ssot_migrate.config.removal import ProjectVersion
from ssot_migrate.io import workspace


def project_version(root: Path) -> ProjectVersion:
    """``[project] version`` (or ``[tool.poetry] version``) of the root's pyproject.toml."""
    path = root / "pyproject.toml"
    try:
        text = workspace.read_text(path)
    except (OSError, UnicodeDecodeError):
        return ProjectVersion(None, f"{path.name} cannot be read")
    document = parse_toml(text, str(path))
    for table, where in ((document.get("project"), "[project]"),
                         (document.get("tool", {}).get("poetry"), "[tool.poetry]")):  # fmt: skip
        if isinstance(table, dict) and isinstance(table.get("version"), str):
            return ProjectVersion(table["version"], f"{path.name} {where} version")
    dynamic = document.get("project", {}).get("dynamic", [])
    if isinstance(dynamic, list) and "version" in dynamic:
        return ProjectVersion(None, f"{path.name} declares the version dynamic")
    return ProjectVersion(None, f"{path.name} names no [project] version")
