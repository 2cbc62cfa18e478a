"""One run's view of the repository: config, files, index and resolver, built once."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ssot_migrate import __version__
from ssot_migrate.cache import FACTS_FORMAT, FactsCache
from ssot_migrate.config import Config, SymbolSpec, load_config
from ssot_migrate.discovery import auto_source_roots, discover_files
from ssot_migrate.errors import ConfigError, Problem, UsageError
from ssot_migrate.facts import Index, Progress, SourceFile
from ssot_migrate.index import build_index
from ssot_migrate.report import Skipped
from ssot_migrate.resolve import Resolver
from ssot_migrate.validate import check_canonicals, check_legacy


@dataclass(frozen=True, slots=True)
class RunOptions:
    root: Path
    config_file: Path | None = None
    jobs: int = 0
    use_cache: bool = True
    progress: Progress | None = None


@dataclass(frozen=True, slots=True)
class Project:
    config: Config
    files: tuple[SourceFile, ...]
    index: Index
    resolver: Resolver
    cache: FactsCache

    def fingerprint(self, specs: Sequence[SymbolSpec]) -> bytes:
        """A digest of everything an audit of `specs` depends on: the tool, the specs, the
        legacy paths declared to the resolver, the content of every parsed file and the
        module list (submodules and namespace packages resolve through it). Equal
        fingerprints, equal audits."""
        declared = sorted(self.resolver.declared.items())
        digest = hashlib.blake2b(repr((__version__, FACTS_FORMAT, tuple(specs), declared)).encode())
        keys = self.index.content_keys
        digest.update(b"".join(rel.encode() + b"\0" + keys[rel] for rel in sorted(keys)))
        listing = "\n".join(f"{f.rel}\0{f.module}\0{f.is_package}" for f in self.files)
        digest.update(listing.encode())
        return digest.digest()

    def skipped(self) -> tuple[Skipped, ...]:
        failures = [Skipped(rel, f.line, f.col, f.reason) for rel, f in self.index.failures.items()]
        unreadable = [Skipped(rel, 1, 0, why) for rel, why in self.index.unreadable.items()]
        return tuple(sorted(failures + unreadable, key=lambda s: s.rel))


def load(options: RunOptions) -> Config:
    return load_config(options.root, options.config_file)


def source_roots(config: Config) -> tuple[Path, ...]:
    if config.source_roots in ((), (config.root,)):
        return auto_source_roots(config.root)
    return config.source_roots


def open_project(
    options: RunOptions, config: Config, specs: Sequence[SymbolSpec] | None
) -> Project:
    """Index the repository for `specs` (None: everything, for discovery)."""
    files = discover_files(config.root, source_roots(config), config.exclude)
    cache = FactsCache(config.root, enabled=options.use_cache)
    if specs is None:
        index = build_index(files, None, cache, options.jobs, progress=options.progress)
    else:
        names = {n for s in specs for n in spelled_names(s)}
        modules = {s.canonical_module for s in specs}
        index = build_index(
            files, names, cache, options.jobs, always=modules, progress=options.progress
        )
    declared = {path: s.canonical for s in specs or () for path in s.legacy}
    project = Project(config, files, index, Resolver(index, declared), cache)
    if specs:
        problems = check_canonicals(config, tuple(specs), index, project.resolver)
        problems += check_legacy(config, tuple(specs), index, project.resolver)
        if problems:
            raise ConfigError(problems)
    return project


def spelled_names(spec: SymbolSpec) -> set[str]:
    return {spec.name, spec.canonical_name, *(p.rpartition(".")[2] for p in spec.legacy)}


def select_symbols(
    config: Config, symbols: Sequence[str], phase: str | None
) -> tuple[SymbolSpec, ...]:
    """The symbols a command works on; unknown names are a usage error listing valid ones."""
    problems: list[Problem] = []
    pool = config.all_symbols()
    if phase is not None:
        chosen = next((p for p in config.phases if p.name == phase), None)
        if chosen is None:
            problems.append(_unknown("--phase", phase, [p.name for p in config.phases], "phase"))
        else:
            pool = chosen.symbols
    by_name = {s.name: s for s in pool}
    for name in symbols:
        if name not in by_name:
            problems.append(_unknown("--symbol", name, list(by_name), "symbol"))
    if problems:
        raise UsageError(problems)
    if not pool and not problems:
        where = config.config_file or config.root / "pyproject.toml"
        raise UsageError(
            [
                Problem(
                    str(where),
                    "no symbols are configured",
                    "run `ssot-migrate init`, or `ssot-migrate audit --discover` "
                    "to find candidates",
                )
            ]
        )
    return tuple(by_name[n] for n in symbols) if symbols else tuple(pool)


def _unknown(option: str, value: str, valid: list[str], what: str) -> Problem:
    close = difflib.get_close_matches(value, valid, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    listed = ", ".join(valid) if valid else "(none configured)"
    return Problem(option, f"unknown {what} {value!r}", f"{hint}valid: {listed}")


def phase_of(config: Config) -> dict[str, str]:
    return {s.name: p.name for p in reversed(config.phases) for s in p.symbols}
