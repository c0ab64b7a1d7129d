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
