"""Running the target interpreter for `verify --runtime`: a fresh subprocess with the
source roots first on its sys.path (no ``PYTHONPATH``, no bytecode written), and reading the
answer a probe printed after `RESULT_MARKER`."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from ssot_migrate.base.errors import Problem, UsageError
from ssot_migrate.checks.runtime_probes import RESULT_MARKER


@dataclass(frozen=True, slots=True)
class Runner:
    """Runs the target interpreter with the source roots first on its sys.path."""

    python: str
    roots: tuple[str, ...]
    env: dict[str, str]
    timeout: float

    def run(self, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        """Raises `subprocess.TimeoutExpired`; a missing interpreter is a `UsageError`."""
        try:
            return subprocess.run(
                [self.python, *args],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                env=self.env,
                timeout=self.timeout,
                text=True,
                encoding="utf-8",
                errors="replace",
                check=False,
            )
        except OSError as error:
            problem = Problem("--python", f"cannot run {self.python}: {error.strerror or error}")
            raise UsageError([problem]) from None


def env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def child_result(runner: Runner, done: subprocess.CompletedProcess[str]) -> dict[str, object]:
    """The JSON object a child script printed after `RESULT_MARKER` (the last such line:
    what user code prints at import time comes before it), or ``{"error": ...}``."""
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_MARKER):
            loaded = json.loads(line[len(RESULT_MARKER) :])
            if isinstance(loaded, dict):
                return loaded
    return {"error": f"no result from {runner.python} ({exit_reason(done)})"}


def parse_elapsed(stdout: str) -> int | None:
    """The microseconds the timing script printed after `RESULT_MARKER` (the last such
    line: what user code prints at import time comes before it), or None."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_MARKER) and line[len(RESULT_MARKER) :].isdigit():
            return int(line[len(RESULT_MARKER) :])
    return None


def exit_reason(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    last = lines[-1].strip() if lines else "no output"
    return f"exit code {done.returncode}: {last}"


def seeded_env() -> dict[str, str]:
    """A fixed hash seed: a set's repr is then the same in every process."""
    return {**env(), "PYTHONHASHSEED": "0"}
