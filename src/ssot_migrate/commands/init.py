"""`init`: a starter `[tool.ssot-migrate]` section from the definitions many import paths
reach (see `audit --discover`), for the user to check before the first run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ssot_migrate.analysis.candidates import Candidate
from ssot_migrate.base.errors import ConfigError, Problem
from ssot_migrate.commands.audit import candidates
from ssot_migrate.commands.project import RunOptions, load
from ssot_migrate.config.load import PYPROJECT_NAME
from ssot_migrate.config.starter import add_init_section
from ssot_migrate.io import workspace


@dataclass(frozen=True, slots=True)
class InitResult:
    path: Path
    """The pyproject.toml the section goes into."""
    text: str
    """Its whole new text."""
    notes: tuple[str, ...]
    """Close calls between two public paths, for the user to check before running."""


def init_text(options: RunOptions, top: int, section_only: bool = False) -> InitResult:
    """The pyproject.toml path and its new text with a starter section; `section_only`:
    the section alone (to print: then settings that exist already are no obstacle)."""
    config = load(options)
    if config.config_file is not None and not section_only:
        raise ConfigError(
            [
                Problem(
                    str(config.config_file),
                    "ssot-migrate is already configured",
                    "edit that file, or remove its section and run init again",
                )
            ]
        )
    chosen: dict[str, str] = {}
    notes: list[str] = []
    for candidate in candidates(options, config):
        if candidate.name not in chosen:
            chosen[candidate.name] = candidate.canonical
            if candidate.close:
                notes.append(close_call(candidate))
        if len(chosen) >= top:
            break
    path = config.root / PYPROJECT_NAME
    text = workspace.read_text(path) if path.exists() and not section_only else ""
    section = add_init_section(text, list(chosen.items()), str(path))
    return InitResult(path, section, tuple(notes))


def close_call(candidate: Candidate) -> str:
    """One line on a close choice between two public paths."""
    assert candidate.close is not None
    ours, theirs = candidate.sites_of(candidate.canonical), candidate.sites_of(candidate.close)
    return (
        f"{candidate.name}: canonical {candidate.canonical} ({ours} sites) was a close call "
        f"against {candidate.close} ({theirs} sites)"
    )
