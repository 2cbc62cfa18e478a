"""`audit` and `audit --discover`: the fragmentation of the configured symbols, as counts and
a gate; and the definitions many import paths reach, ranked."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ssot_migrate import __version__
from ssot_migrate.analysis import baseline as ratchet
from ssot_migrate.analysis.audit import SymbolAudit
from ssot_migrate.analysis.candidates import Candidate, discover_candidates
from ssot_migrate.analysis.grouping import find_codeowners, parse_group_by
from ssot_migrate.base.errors import Problem, UsageError
from ssot_migrate.base.exit_codes import EXIT_CHECK_FAILED, EXIT_OK, EXIT_PARTIAL
from ssot_migrate.base.wording import counted
from ssot_migrate.commands.project import (
    RunOptions,
    audit_all,
    load,
    open_project,
    phase_of,
    project_files,
    select_symbols,
)
from ssot_migrate.config.model import Config, SymbolSpec
from ssot_migrate.index.cache import FACTS_FORMAT, FactsCache, listing
from ssot_migrate.index.discovery import IgnoreRules
from ssot_migrate.io import workspace
from ssot_migrate.render.report import AuditRun, Skipped


@dataclass(frozen=True, slots=True)
class AuditResult:
    run: AuditRun
    exit_code: int
    messages: tuple[str, ...]
    """Check failures and notes, for stderr (skipped files are in `run.skipped`)."""
    gate: bool = False
    """A `--check` run: the files it could not parse go to stderr whatever the format."""


def audit(
    options: RunOptions,
    symbols: Sequence[str],
    phase: str | None,
    group_by: str | None,
    baseline_path: Path | None,
    check: bool,
    strict: bool = False,
) -> AuditResult:
    """The audit, and its exit code: with `check`, a gate (0 passes, 1 fails) that files it
    could not parse fail only when `strict`; without, 3 when some were skipped."""
    config = load(options)
    specs = select_symbols(config, symbols, phase)
    group_key = None
    if group_by is not None:
        owners = find_codeowners(config.root)
        group_key = parse_group_by(group_by, workspace.read_text(owners) if owners else None)
    old = _read_baseline(baseline_path) if (check and baseline_path is not None) else None
    audits, skipped, files, parsed = _audit_counts(options, config, specs)
    run = AuditRun(
        audits=audits,
        phases=phase_of(config),
        skipped=skipped,
        files=files,
        parsed=parsed,
        group_key=group_key,
        group_by=group_by,
    )
    messages: list[str] = []
    failed = False
    if old is not None:
        for r in ratchet.regressions(audits, old):
            messages.append(f"{r.symbol}: {r.count} rose from {r.before} to {r.now} (baseline)")
            failed = True
    elif check:
        for a in audits:
            if a.above_target:
                messages.append(
                    f"{a.spec.name}: {counted(len(a.variations), 'variation')}, "
                    f"target {a.spec.target}"
                )
                failed = True
    if baseline_path is not None and not check:
        data = json.dumps(ratchet.baseline_counts(audits), indent=2) + "\n"
        workspace.write_atomic(baseline_path, data.encode())
        messages.append(f"baseline written to {baseline_path}")
    if check and strict and run.skipped:
        messages.append(f"--strict: {counted(len(run.skipped), 'file')} could not be parsed")
        failed = True
    # A gate that passed passes: what it could not parse is listed, not a failure.
    partial = EXIT_PARTIAL if run.skipped and not check else EXIT_OK
    return AuditResult(run, EXIT_CHECK_FAILED if failed else partial, tuple(messages), check)


_Counted = tuple[tuple[SymbolAudit, ...], tuple[Skipped, ...], int, int]


def _audit_counts(options: RunOptions, config: Config, specs: tuple[SymbolSpec, ...]) -> _Counted:
    """(audits, skipped files, files, files parsed) of `specs`. When no file was added,
    removed or touched since the last audit of the same question (same tool, config and
    specs), its answer is reused without reading the cache of facts: a warm rerun costs a
    walk and a stat of each file."""
    files = project_files(config)
    cache = FactsCache(config.root, enabled=options.use_cache)
    question = audit_question(config, specs)
    listed = listing(question, [(f.rel, f.abspath) for f in files]) if cache.enabled else None
    if listed is not None:
        remembered = cache.listed_get(listed)
        if _is_counted(remembered):
            return remembered  # type: ignore[no-any-return]
    stats = listed.stats if listed is not None else None
    project = open_project(options, config, specs, files, cache, stats)
    parsed = len(project.index.facts) + len(project.index.failures)
    counted = (audit_all(project, specs), project.skipped(), len(files), parsed)
    if listed is not None:
        cache.listed_put(listed, counted)
    return counted


def audit_question(config: Config, specs: tuple[SymbolSpec, ...]) -> str:
    """What an audit answers, besides the files: the tool, the whole config, the specs (a
    repr of tuples and paths: the same in every process, whatever the hash seed)."""
    return repr((__version__, FACTS_FORMAT, "audit", config, specs))


def _is_counted(value: object) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 4
        and isinstance(value[0], tuple)
        and all(isinstance(a, SymbolAudit) for a in value[0])
    )


def _read_baseline(path: Path) -> Mapping[str, Mapping[str, int]]:
    try:
        text = workspace.read_text(path)
    except FileNotFoundError:
        raise UsageError(
            [
                Problem(
                    "--baseline",
                    f"no baseline at {path}",
                    "create it first with `ssot-migrate audit --baseline FILE` (without --check)",
                )
            ]
        ) from None
    return ratchet.parse_baseline(text, str(path))


def discover(options: RunOptions, top: int) -> list[Candidate]:
    config = load(options)
    return candidates(options, config)[:top]


def candidates(options: RunOptions, config: Config) -> list[Candidate]:
    """Every candidate symbol, never proposing a path through a `shim-exclude` file."""
    project = open_project(options, config, None)
    excluded = IgnoreRules(config.shim_exclude)
    return discover_candidates(
        project.index, project.resolver, excluded=lambda rel: bool(excluded.decides(rel))
    )
