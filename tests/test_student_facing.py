"""What students run, the way they run it: `python -m grader` on the starter, the solution,
a buggy submission and a notebook. CI runs these (marked student_facing, with
test_platform.py, test_inline.py and the template's bootstrap in test_exports.py) on
Linux, macOS and Windows.
"""

import json
import os
import re
import subprocess
import sys

import nbformat
import pytest

from grader.paths import REPO_ROOT, SOLUTION_DIR, STARTER_DIR
from tests.grading import bonus_headline, bonus_total
from tests.submissions.mutants import MUTANTS, mutant_source

pytestmark = pytest.mark.student_facing

def run(command, cwd):
    """stdout of a command that must succeed (text decoded as UTF-8 on every system)."""
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True,
                               encoding="utf-8", errors="replace", timeout=900,
                               env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return completed.stdout


def headline(output):
    return re.search(r"^Total: .*$", output, re.MULTILINE).group(0)


def grade_command(submission, tmp_path):
    """(printed table, results.json) of `python -m grader submission`."""
    results = tmp_path / "results.json"
    printed = run([sys.executable, "-m", "grader", str(submission), "--json", str(results),
                   "--out", str(tmp_path / "out")], REPO_ROOT)
    return printed, json.loads(results.read_text(encoding="utf-8"))


def test_the_starter_scores_zero_and_says_what_is_missing(tmp_path):
    printed, results = grade_command(STARTER_DIR, tmp_path)
    assert headline(printed) == "Total: 0 / 100" and results["score"] == 0
    assert "not implemented yet" in printed


def test_the_solution_scores_full_marks(tmp_path):
    printed, results = grade_command(SOLUTION_DIR, tmp_path)
    assert headline(printed) == bonus_headline(100, 100, 4)
    assert results["score"] == bonus_total(100, 100, 4)
    assert "Not enforced" not in printed or not sys.platform.startswith("linux")


def test_a_buggy_backward_loses_the_backward_points_with_a_diagnosis(tmp_path):
    mutant = next(m for m in MUTANTS if m.name == "backward_bias_averaged")
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "backprop.py").write_text(mutant_source(mutant), encoding="utf-8")
    _, results = grade_command(tmp_path / "submission", tmp_path)
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert failed and all(t["name"].startswith("backward:") for t in failed)
    assert any("averaged" in t["output"] for t in failed)
    assert 0 < results["score"] < 100


def test_a_notebook_of_the_solution_scores_full_marks(tmp_path):
    code = (SOLUTION_DIR / "backprop.py").read_text(encoding="utf-8")
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(code),
        nbformat.v4.new_code_cell("from grader import check\n\ncheck()"),
        nbformat.v4.new_code_cell("from grader import check; check('forward')"),
        nbformat.v4.new_code_cell("while True:\n    pass  # never run by the grader")])
    nbformat.write(notebook, tmp_path / "lab1.ipynb")
    printed, results = grade_command(tmp_path / "lab1.ipynb", tmp_path)
    assert headline(printed) == bonus_headline(100, 100, 4), printed
