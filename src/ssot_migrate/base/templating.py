"""The Jinja2 environment every generated text comes from: StrictUndefined, no autoescape
surprises, templates shipped inside the package."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2


@cache
def environment() -> jinja2.Environment:
    import jinja2  # imported on first use: most runs render no template

    return jinja2.Environment(
        loader=jinja2.PackageLoader("ssot_migrate", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
