import os
from pathlib import Path

import pytest

# The shared data sits beside the repository (../shared), as in CI; PROPAGANDA_LENS_SHARED overrides it.
SHARED = Path(os.environ.get("PROPAGANDA_LENS_SHARED", Path(__file__).resolve().parents[2] / "shared"))
PTC = SHARED / "data" / "ptc-semeval2020"


def shared(path: Path, what: str) -> Path:
    """A path under ../shared; CI fails without it, elsewhere the test is skipped."""
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must have {what} at {path}")
        pytest.skip(f"{what} is not at {path}")
    return path


def assert_one_line_error(result, fragment: str) -> None:
    """A CLI result that failed with exactly one stderr line containing `fragment`, and no traceback."""
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and fragment in lines[0], result.stderr


@pytest.fixture(scope="session")
def ptc_folder() -> Path:
    return shared(PTC, "the PTC data")


FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE = SHARED / "examples" / "libya-haftar-derna-2018.md"


@pytest.fixture(scope="session")
def example_article() -> Path:
    return shared(EXAMPLE, "the example article")
