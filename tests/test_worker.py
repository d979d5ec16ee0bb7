"""The worker's own start-up: what it imports before a submission, and what that
leaves of matplotlib for the submission's plots."""

import json
import os
import subprocess
import sys

from grader.paths import REPO_ROOT

PLOTS_AFTER_PRELOAD = """
import io, json
from grader.sandbox.worker import preload
preload()
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
line = Line2D([0, 1], [1, 0])
line.set(lw=3, c="r", ls="--")  # aliases, as a student writes them
try:
    line.set(colour="r")
    unknown = "accepted"
except AttributeError as error:
    unknown = str(error)
fig, ax = plt.subplots()
ax.scatter([0, 1], [1, 0], c=["r", "b"])
ax.set(title="Ground truth", xlabel="x1")
fig.savefig(io.BytesIO(), format="png")
print(json.dumps({"line": [line.get_linewidth(), line.get_color(), line.get_linestyle()],
                  "unknown": unknown, "axes": [ax.get_title(), ax.get_xlabel()],
                  "docs": Line2D.set.__doc__ or ""}))
"""


def test_pyplot_comes_without_property_docs_and_plots_as_ever():
    """The worker spares matplotlib its property docstrings (half of pyplot's import);
    set() with aliases, a wrong property's error and a saved figure are unchanged."""
    run = subprocess.run([sys.executable, "-c", PLOTS_AFTER_PRELOAD], cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "MPLBACKEND": "Agg"})
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert seen["line"] == [3.0, "r", "--"]
    assert "colour" in seen["unknown"]
    assert seen["axes"] == ["Ground truth", "x1"]
    assert "linewidth" not in seen["docs"]  # the property list was never written
