"""Shared fixtures: the reference module, imported fresh from solution/."""

import matplotlib
import pytest

from grader.paths import SOLUTION_DIR
from grader.sandbox.loading import import_file

matplotlib.use("Agg")


@pytest.fixture
def lab():
    """solution/backprop.py as a fresh module (so LOSS changes do not leak)."""
    return import_file(SOLUTION_DIR / "backprop.py", "_solution_under_test")
