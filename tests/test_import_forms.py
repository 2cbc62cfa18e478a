"""Every import form's examples (`analysis.forms`): audited, each example file makes sites of
its form only (or string findings, for the string form), and a run of the example
project's phase turns it into the form's ``after`` text; the registry and the JSON schema
document name the same forms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from goldens import import_every_module, write_tree

from ssot_migrate.analysis.forms.form import EXAMPLE_PROJECT, Example, Form
from ssot_migrate.analysis.forms.registry import FORMS, SITE_FORMS
from ssot_migrate.cli.main import main
from ssot_migrate.index.facts import SiteForm

EXAMPLES = [(form, example) for form in FORMS for example in form.examples]
DOCS = Path(__file__).parent.parent / "docs" / "audit-json.md"


def _project(tmp_path: Path, example: Example) -> Path:
    files = {**EXAMPLE_PROJECT, example.rel: example.before}
    return write_tree(tmp_path / "repo", files)


@pytest.mark.parametrize(
    ("form", "example"), EXAMPLES, ids=[f"{f.name}:{e.rel}" for f, e in EXAMPLES]
)
def test_an_example_is_audited_as_its_form_and_run_to_its_after_text(
    form: Form, example: Example, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _project(tmp_path, example)
    assert main(["--root", str(repo), "audit", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    (symbol,) = report["symbols"]
    sites = [s for s in symbol["sites"] if s["file"] == example.rel]
    strings = [s for s in symbol["strings"] if s["file"] == example.rel]
    if form.site_form is None:
        assert not sites and strings, "a string example makes string findings only"
    else:
        assert sites and {s["form"] for s in sites} == {form.name}
        assert not strings
    assert main(["--root", str(repo), "run", "engine", "--no-commit"]) == 0
    capsys.readouterr()
    assert (repo / example.rel).read_text() == example.after
    assert import_every_module(repo) == ""


def test_every_form_has_examples_and_every_site_form_a_module() -> None:
    assert all(form.examples for form in FORMS)
    assert set(SITE_FORMS) == set(SiteForm)
    assert len({form.name for form in FORMS}) == len(FORMS)


def test_the_json_schema_document_lists_every_site_form() -> None:
    line = next(ln for ln in DOCS.read_text().splitlines() if '"form": "' in ln and "//" in ln)
    documented = {word.strip() for word in line.partition("//")[2].split("|")}
    assert documented == {form.name for form in FORMS if form.site_form is not None}
