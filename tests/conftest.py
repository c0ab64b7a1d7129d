import os
from pathlib import Path

import pytest

# The shared data sits beside the repository (../shared), as in CI; PROPAGANDA_LENS_SHARED overrides it.
SHARED = Path(os.environ.get("PROPAGANDA_LENS_SHARED", Path(__file__).resolve().parents[2] / "shared"))
PTC = SHARED / "data" / "ptc-semeval2020"


@pytest.fixture(scope="session")
def ptc_folder() -> Path:
    if not PTC.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI must have the PTC data at {PTC}")
        pytest.skip(f"the PTC data is not at {PTC}")
    return PTC


FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE = SHARED / "examples" / "libya-haftar-derna-2018.md"


@pytest.fixture(scope="session")
def example_article() -> Path:
    if not EXAMPLE.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"CI must have the example article at {EXAMPLE}")
        pytest.skip(f"the example article is not at {EXAMPLE}")
    return EXAMPLE
