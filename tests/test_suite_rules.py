"""The suite's own rules, run on a scratch suite with this conftest and pyproject: skips are listed with
their reasons, under CI every skip is a failure, and property tests have no deadline."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SKIPPING = '''
import pytest

def test_runs():
    pass

def test_needs_a_browser():
    pytest.skip("no browser here")
'''
SLOW_PROPERTY = '''
import time
from hypothesis import given, settings, strategies as st

@settings(max_examples=3)
@given(st.integers())
def test_a_slow_property(number):
    time.sleep(0.3)  # past hypothesis' default deadline of 200 ms
'''
IMPORT_SKIPPING = '''
import pytest

pytest.importorskip("a_package_that_is_not_installed", reason="needs the missing extra")

def test_never_collected():
    pass
'''


def run_suite(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess:
    if not (tmp_path / "tests").exists():
        (tmp_path / "tests").mkdir()
        shutil.copy(ROOT / "pyproject.toml", tmp_path)
        shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "tests")
        (tmp_path / "tests" / "test_skipping.py").write_text(SKIPPING, encoding="utf-8")
        (tmp_path / "tests" / "test_slow_property.py").write_text(SLOW_PROPERTY, encoding="utf-8")
        (tmp_path / "tests" / "test_import_skipping.py").write_text(IMPORT_SKIPPING, encoding="utf-8")
    environment = {key: value for key, value in os.environ.items() if key != "CI"}
    if ci is not None:
        environment["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider"], cwd=tmp_path,
                          capture_output=True, text=True, env=environment, timeout=120)


def test_skips_are_counted_with_their_reasons(tmp_path):
    result = run_suite(tmp_path, ci=None)
    assert result.returncode == 0, result.stdout
    assert "2 passed, 2 skipped" in result.stdout  # the slow property too: no deadline
    assert "SKIPPED [1] tests/test_skipping.py" in result.stdout and "no browser here" in result.stdout
    assert "needs the missing extra" in result.stdout


def test_every_skip_fails_under_ci(tmp_path):
    (tmp_path / "whole").mkdir()
    result = run_suite(tmp_path / "whole", ci="true")  # a module skipped at collection stops the run
    assert result.returncode != 0 and "skipped" not in result.stdout.splitlines()[-1], result.stdout
    assert "skipped under CI, which must run every test: needs the missing extra" in result.stdout
    (tmp_path / "whole" / "tests" / "test_import_skipping.py").unlink()
    result = run_suite(tmp_path / "whole", ci="true")
    assert result.returncode == 1 and "1 failed, 2 passed" in result.stdout.splitlines()[-1], result.stdout
    assert "skipped under CI, which must run every test: no browser here" in result.stdout
