"""`audit --baseline FILE`: a ratchet for long migrations.

Without --check the current counts are the new baseline; with --check a run fails only
where a symbol's variations or patterns rose above the baseline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ssot_migrate.analysis.audit import SymbolAudit
from ssot_migrate.base.errors import ConfigError, Problem

BASELINE_VERSION = 1
RATCHETED = ("variations", "patterns")


@dataclass(frozen=True, slots=True)
class Regression:
    symbol: str
    count: str
    before: int
    now: int


def baseline_counts(audits: tuple[SymbolAudit, ...]) -> dict[str, Any]:
    return {
        "version": BASELINE_VERSION,
        "symbols": {
            a.spec.name: {"variations": len(a.variations), "patterns": len(a.patterns)}
            for a in audits
        },
    }


def parse_baseline(text: str, where: str) -> Mapping[str, Mapping[str, int]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(
            [
                Problem(
                    f"{where}:{error.lineno}:{error.colno}",
                    f"not valid JSON ({error.msg})",
                    "recreate it with `ssot-migrate audit --baseline FILE`",
                )
            ]
        ) from None
    symbols = data.get("symbols") if isinstance(data, dict) else None
    valid = isinstance(symbols, dict) and all(
        isinstance(v, dict) and all(isinstance(n, int) for n in v.values())
        for v in symbols.values()
    )
    if not valid or not isinstance(symbols, dict) or data.get("version") != BASELINE_VERSION:
        raise ConfigError(
            [
                Problem(
                    where,
                    "not an ssot-migrate baseline (version 1)",
                    "recreate it with `ssot-migrate audit --baseline FILE`",
                )
            ]
        )
    return symbols


def regressions(
    audits: tuple[SymbolAudit, ...], baseline: Mapping[str, Mapping[str, int]]
) -> list[Regression]:
    """Counts that rose; a symbol missing from the baseline counts from zero."""
    current = baseline_counts(audits)["symbols"]
    found: list[Regression] = []
    for symbol, now in current.items():
        before = baseline.get(symbol, {})
        for count in RATCHETED:
            old = before.get(count, 0)
            if now[count] > old:
                found.append(Regression(symbol, count, old, now[count]))
    return found
