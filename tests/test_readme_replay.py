"""README.md is executable documentation: every ``console`` block is replayed, in order, in
one fresh git repository of the example (`fixtures/example_monorepo/`, as `make demo` makes
the tour's), and each command's output must be what the README shows.

A command is a line starting with ``$ `` (a trailing ``\\`` continues it); the lines up to
the next command are its output, stdout and stderr as a terminal interleaves them. Before
comparing, commit shas become ``<sha>``, durations ``<ms>``, and the repository's path is
dropped (paths read as from its top). An output line ``...`` stands for any number of
lines. A block preceded by ``<!-- replay: skip (why) -->`` is not run: only for what truly
cannot run here (setting up the checkout itself, an example outside the tour).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
EXAMPLE = ROOT / "fixtures" / "example_monorepo"
SKIP = "<!-- replay: skip"
ELLIPSIS = "..."


@dataclass
class Command:
    line: int
    text: str
    expected: list[str] = field(default_factory=list)


@dataclass
class Block:
    line: int
    commands: list[Command]
    skipped: str | None


def console_blocks(text: str) -> list[Block]:
    lines = text.splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        if lines[index].strip() != "```console":
            index += 1
            continue
        before = next((lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), "")
        skipped = before.strip() if before.strip().startswith(SKIP) else None
        start, index = index + 1, index + 1
        commands: list[Command] = []
        while index < len(lines) and lines[index].strip() != "```":
            line = lines[index]
            if line.startswith("$ "):
                text_ = line[2:]
                while text_.endswith("\\") and index + 1 < len(lines):
                    index += 1
                    text_ = text_[:-1] + " " + lines[index].strip()
                commands.append(Command(index + 1, text_))
            elif commands:
                commands[-1].expected.append(line)
            index += 1
        blocks.append(Block(start, commands, skipped))
        index += 1
    return blocks


def normalised(text: str, repo: Path) -> list[str]:
    for spelled in {str(repo), str(repo.resolve())}:
        text = text.replace(spelled + "/", "").replace(spelled, ".")
    text = re.sub(r"\b(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}\b", "<sha>", text)
    text = re.sub(r"\b\d+(\.\d+)? ms\b", "<ms>", text)
    return [line.rstrip() for line in text.splitlines()]


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line by line, ``...`` matching any run of lines (none included)."""
    memo: dict[tuple[int, int], bool] = {}

    def at(e: int, a: int) -> bool:
        if (e, a) not in memo:
            if e == len(expected):
                found = a == len(actual)
            elif expected[e].strip() == ELLIPSIS:
                found = any(at(e + 1, k) for k in range(a, len(actual) + 1))
            else:
                found = a < len(actual) and expected[e] == actual[a] and at(e + 1, a + 1)
            memo[(e, a)] = found
        return memo[(e, a)]

    return at(0, 0)


def tour_repository(folder: Path) -> Path:
    """What `make demo` leaves for the tour: the example, committed, in a fresh repository."""
    subprocess.run(
        [sys.executable, str(ROOT / "fixtures" / "demo.py"), "--tour", str(folder), "--no-demo"],
        check=True,
        capture_output=True,
    )
    return folder


def environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PYTHON", "COLUMNS"))}
    return env | {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1",  # stdout and stderr interleave as on a terminal
        "PYTHONDONTWRITEBYTECODE": "1",
        "GIT_AUTHOR_NAME": "Tour",
        "GIT_AUTHOR_EMAIL": "tour@example.com",
        "GIT_COMMITTER_NAME": "Tour",
        "GIT_COMMITTER_EMAIL": "tour@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CEILING_DIRECTORIES": str(tmp_path),
        "GIT_TERMINAL_PROMPT": "0",
    }


BLOCKS = console_blocks(README.read_text(encoding="utf-8"))


def test_the_readme_has_blocks_to_replay() -> None:
    assert sum(1 for b in BLOCKS if not b.skipped) >= 8
    assert all(b.commands for b in BLOCKS)


def test_every_console_block_of_the_readme_does_what_it_shows(tmp_path: Path) -> None:
    if shutil.which("jq") is None:  # pragma: no cover - the README's sarif example uses it
        pytest.skip("jq is not installed")
    repo = tour_repository(tmp_path / "tour")
    env = environment(tmp_path)
    for block in BLOCKS:
        if block.skipped:
            continue
        for command in block.commands:
            done = subprocess.run(
                ["bash", "-c", command.text],
                cwd=repo,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=300,
                check=False,
            )
            actual = normalised(done.stdout, repo)
            expected = normalised("\n".join(command.expected), repo)
            assert matches(expected, actual), (
                f"README.md:{command.line}: `{command.text}` printed (normalised):\n"
                + "\n".join(actual)
                + "\n--- the README shows:\n"
                + "\n".join(expected)
            )


@pytest.mark.parametrize(
    ("expected", "actual", "ok"),
    [
        (["a", "...", "d"], ["a", "b", "c", "d"], True),
        (["a", "...", "d"], ["a", "d"], True),
        (["a", "..."], ["a"], True),
        (["a", "d"], ["a", "b", "d"], False),
        (["...", "x"], ["a", "b"], False),
        ([], [], True),
        ([], ["a"], False),
    ],
)
def test_an_ellipsis_line_matches_any_run_of_lines(
    expected: list[str], actual: list[str], ok: bool
) -> None:
    assert matches(expected, actual) is ok


def test_shas_durations_and_the_repository_path_are_normalised(tmp_path: Path) -> None:
    text = f"committed 0a1b2c3d4e5f on x; PR: {tmp_path}/.git/p.md in {tmp_path}\n18.3 ms"
    assert normalised(text, tmp_path) == ["committed <sha> on x; PR: .git/p.md in .", "<ms>"]
    assert normalised("a decade added", tmp_path) == ["a decade added"]


def test_the_tour_repository_is_made_outside_the_checkout_and_replaces_only_a_tour(
    tmp_path: Path,
) -> None:
    tour = tour_repository(tmp_path / "tour")
    assert not tour.resolve().is_relative_to(ROOT)
    log = subprocess.run(
        ["git", "-C", str(tour), "status", "--porcelain"], capture_output=True, text=True
    )
    assert log.stdout == "", "the example is committed, and the tour's mark is not listed"
    (tour / "scratch.txt").write_text("a previous tour's leftovers\n")
    tour_repository(tour)  # made again
    assert not (tour / "scratch.txt").exists()
    other = tmp_path / "mine"
    other.mkdir()
    (other / "keep.txt").write_text("not a tour\n")
    refused = subprocess.run(
        [sys.executable, str(ROOT / "fixtures" / "demo.py"), "--tour", str(other), "--no-demo"],
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0
    assert "is not a tour repository: not touched" in refused.stderr + refused.stdout
    assert (other / "keep.txt").read_text() == "not a tour\n"


def test_the_pre_commit_snippets_pin_nothing_that_does_not_exist() -> None:
    """A `rev:` is a placeholder, or a tag or commit this repository has."""
    texts = [README.read_text(encoding="utf-8"), (ROOT / ".pre-commit-hooks.yaml").read_text()]
    revs = [m.group(1) for text in texts for m in re.finditer(r"rev:\s*(\S+)", text)]
    assert revs
    for rev in revs:
        if rev.startswith("<"):
            continue
        found = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
            capture_output=True,
        )
        assert found.returncode == 0, f"rev {rev} names nothing in this repository"
