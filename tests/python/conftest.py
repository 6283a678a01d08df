"""pytest setup for the Python package's tests (ctest runs them as `python_package`).

The package under test is the build tree's (FLOPSCOPE_PACKAGE_DIR, ${build}/python), always as fresh as the
build; without it, the installed one. The zoo's references (FLOPSCOPE_ZOO_DIR) are mmengine's own numbers, made by
tests/reference/make_reference.py.
"""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
if os.environ.get("FLOPSCOPE_PACKAGE_DIR"):
    sys.path.insert(0, os.environ["FLOPSCOPE_PACKAGE_DIR"])
sys.path.insert(0, os.path.join(REPO, "tests", "reference"))


def pytest_configure(config):
    config.addinivalue_line("markers", "gpu: needs a CUDA device (skipped without one; scripts/gpu-check.sh runs them)")


@pytest.fixture(scope="session")
def zoo_dir():
    path = os.environ.get("FLOPSCOPE_ZOO_DIR")
    if not path or not os.path.isdir(path):
        pytest.fail("FLOPSCOPE_ZOO_DIR must name the zoo made by make_reference.py (ctest sets it)")
    return path


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("FLOPSCOPE_CLI")
    if not path:
        pytest.fail("FLOPSCOPE_CLI must name the flopscope binary (ctest sets it)")
    return path
