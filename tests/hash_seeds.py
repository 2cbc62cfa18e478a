"""What a value prints as in fresh interpreters under different hash seeds: a cache key
computed from it must be the same in every process, or the next run never finds it."""

from __future__ import annotations

import os
import subprocess
import sys


def printed_under_seeds(
    script: str, *args: str, seeds: tuple[str, ...] = ("1", "2", "3")
) -> set[str]:
    """The distinct stdouts of `script` (run with `args`) under each PYTHONHASHSEED."""
    return {
        subprocess.run(
            [sys.executable, "-c", script, *args],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in seeds
    }
