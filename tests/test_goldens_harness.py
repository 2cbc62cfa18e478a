"""The golden harness itself: `--update-goldens` leaves a case folder holding only what its
expectations name."""

from __future__ import annotations

from pathlib import Path

from goldens import expected_files, load_cases, prune_expected


def test_updating_a_case_removes_the_files_no_expectation_names(tmp_path: Path) -> None:
    case = tmp_path / "a_case"
    for rel in ("before/m.py", "after/m.py", "audit.json", "run-stderr.txt", "old.txt"):
        (case / rel).parent.mkdir(parents=True, exist_ok=True)
        (case / rel).write_text("x\n")
    (case / "stale").mkdir()
    (case / "case.toml").write_text(
        '[audit]\nargs = ["audit"]\nstdout = "audit.json"\n\n'
        '[run]\nargs = ["run", "p"]\nstderr = "run-stderr.txt"\n\n'
        '[shims]\nlegacy = ["m.X"]\n'
    )
    assert prune_expected(case) == ["old.txt", "stale"]
    assert sorted(p.name for p in case.iterdir()) == [
        "after", "audit.json", "before", "case.toml", "run-stderr.txt",
    ]  # fmt: skip


def test_every_case_folder_holds_only_what_its_expectations_name() -> None:
    """The fixtures as committed: nothing a run of --update-goldens would remove."""
    folders = {c.folder for kind in ("audit", "run") for c in load_cases(kind)}
    assert folders
    for folder in sorted(folders):
        assert {p.name for p in folder.iterdir()} <= expected_files(folder), folder.name
