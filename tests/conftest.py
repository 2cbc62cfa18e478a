from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="Rewrite the expected outputs of fixtures/ from the current code (review git diff).",
    )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


# Hypothesis profiles: `ci` (what `make test` runs: bounded example counts, see
# tests/test_properties.py, drawn from a fixed seed and without the local example database,
# so every clone and every CI run tries the same examples) and `fuzz` (`make fuzz`: many
# more examples, a fresh random seed each run: where new bugs are found). Chosen with
# HYPOTHESIS_PROFILE=<name>.
try:
    import os

    from hypothesis import HealthCheck, settings
except ImportError:  # pragma: no cover - hypothesis is a dev dependency
    pass
else:
    settings.register_profile("ci", max_examples=100, derandomize=True, database=None)
    settings.register_profile(
        "fuzz",
        max_examples=2000,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        print_blob=True,
    )
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
