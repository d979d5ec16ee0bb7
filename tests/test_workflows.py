"""The GitHub workflows: valid for actionlint, and a local proof that autograding works.

The proof parses classroom.yml, runs its grading step's commands in a clean copy of a
repository (the student template, or this repository) with GITHUB_OUTPUT and
GITHUB_STEP_SUMMARY pointing at temp files, decodes the result the reporter action
would read, and checks that it adds up to the score of results.json.
"""

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from grader.authoring.exports.template import export_template
from grader.paths import REPO_ROOT, SOLUTION_DIR
from tests.submissions.mutants import MUTANTS, mutant_source

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
CLASSROOM = yaml.safe_load((WORKFLOWS / "classroom.yml").read_text())


def steps():
    return CLASSROOM["jobs"]["run-autograding-tests"]["steps"]


def test_workflows_pass_actionlint():
    actionlint = Path(sys.executable).parent / "actionlint"
    result = subprocess.run([str(actionlint), *sorted(map(str, WORKFLOWS.glob("*.yml")))],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_classroom_workflow_has_the_names_and_steps_the_reporter_needs():
    assert CLASSROOM["name"] == "Autograding Tests"
    assert list(CLASSROOM["jobs"]) == ["run-autograding-tests"]
    reporter = steps()[-1]
    assert reporter["uses"].startswith("classroom-resources/autograding-grading-reporter@")
    assert reporter["with"]["runners"] == "grade"
    assert reporter["env"]["GRADE_RESULTS"] == "${{ steps.grade.outputs.result }}"
    for step in steps():
        if "uses" in step:
            assert "@" in step["uses"], step  # pinned


def run_grading_step(repository, tmp_path):
    """Run the workflow's grade step in `repository`; returns (result dict, summary text)."""
    script = next(step["run"] for step in steps() if step.get("id") == "grade")
    output, summary = tmp_path / "github_output", tmp_path / "step_summary"
    output.write_text(""), summary.write_text("")
    env = {**os.environ, "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    # GitHub runs `run:` scripts with bash -e -o pipefail.
    completed = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                               cwd=repository, env=env, capture_output=True, text=True,
                               timeout=300)
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    lines = dict(line.split("=", 1) for line in output.read_text().splitlines() if line)
    return json.loads(base64.b64decode(lines["result"])), summary.read_text()


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return export_template(tmp_path_factory.mktemp("workflow") / "template")


@pytest.fixture
def student_repository(template, tmp_path):
    """A clean copy of the student template, as a fresh clone would be."""
    return Path(shutil.copytree(template, tmp_path / "repository"))


def scores(result, repository):
    """(sum of the reporter's test scores, score in results.json)."""
    results_json = json.loads((repository / "grading-output" / "results.json").read_text())
    return sum(test["score"] for test in result["tests"]), results_json["score"]


def test_the_starter_scores_zero(student_repository, tmp_path):
    result, summary = run_grading_step(student_repository, tmp_path)
    assert scores(result, student_repository) == (0, 0)
    assert result["status"] == "fail" and result["max_score"] == 100
    assert "not implemented yet" in summary


def test_the_solution_scores_full_marks(student_repository, tmp_path):
    shutil.copy(SOLUTION_DIR / "backprop.py", student_repository / "backprop.py")
    result, summary = run_grading_step(student_repository, tmp_path)
    assert scores(result, student_repository) == (104, 104)
    assert result["status"] == "pass" and "Total: 100 / 100 + 4 bonus" in summary


def test_a_partly_correct_submission_gets_partial_credit(student_repository, tmp_path):
    mutant = next(m for m in MUTANTS if m.name == "backward_bias_averaged")
    (student_repository / "backprop.py").write_text(mutant_source(mutant))
    result, _ = run_grading_step(student_repository, tmp_path)
    total, results_json = scores(result, student_repository)
    assert total == results_json and 0 < total < 100
    assert any(t["status"] == "fail" and "averaged" in t["message"] for t in result["tests"])


def test_a_missing_backprop_scores_zero_with_a_message(student_repository, tmp_path):
    (student_repository / "backprop.py").unlink()
    result, summary = run_grading_step(student_repository, tmp_path)
    assert scores(result, student_repository) == (0, 0)
    assert "no backprop.py" in summary


def test_a_repository_without_the_grader_scores_zero_with_a_message(student_repository,
                                                                     tmp_path):
    shutil.rmtree(student_repository / "grader")
    result, summary = run_grading_step(student_repository, tmp_path)
    assert result["status"] == "error" and sum(t["score"] for t in result["tests"]) == 0
    assert "no working grader" in summary and "no working grader" in result["tests"][0]["message"]


def test_in_this_repository_the_workflow_grades_the_reference(tmp_path):
    clone = tmp_path / "clone"
    shutil.copytree(REPO_ROOT, clone, ignore=shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", "grading-output", "*.egg-info"))
    result, _ = run_grading_step(clone, tmp_path)
    assert scores(result, clone) == (104, 104)
