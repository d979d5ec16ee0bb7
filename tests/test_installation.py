"""A broken grader is the grader's failure, never points the student lost: a deleted data
file, altered reference values, a missing check, a library out of bounds, a check that
cannot run for the grader's reasons each end the grade with exit code 2, status `error`
and one sentence naming the fix, and no score anywhere (results.json, feedback.md, the
GitHub notices and annotations, a regrade's row)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from grader.grade import grade
from grader.options import GradeOptions
from grader.paths import REPO_ROOT, SOLUTION_DIR
from grader.regrade import run as regrade_run
from grader.regrade.collect import collect
from grader.results import reports
from grader.session import datasets, installation
from grader.session.installation import GraderFailure
from tests.actions import commands_run
from tests.grading import bonus_headline

CHECKS_TIMEOUT = 300


def copy_of_repository(destination, solution=True):
    """What grading needs of this repository, copied: a grader to break at will."""
    for part in ("grader", "datasets", "starter") + (("solution", ".course-repository")
                                                      if solution else ()):
        if (REPO_ROOT / part).is_file():
            shutil.copy2(REPO_ROOT / part, destination / part)
        else:
            shutil.copytree(REPO_ROOT / part, destination / part,
                            ignore=shutil.ignore_patterns("__pycache__"))
    return destination


def grade_with(copy, submission, *arguments, env=None):
    """`python -m grader submission` run with the grader of `copy` (its cwd)."""
    out = copy / "out"
    result = subprocess.run([sys.executable, "-m", "grader", str(submission), "--out", str(out),
                             "--json", str(copy / "copy.json"), *arguments],
                            cwd=copy, capture_output=True, text=True, timeout=CHECKS_TIMEOUT,
                            env={**os.environ, **(env or {})})
    return result, json.loads((out / "results.json").read_text(encoding="utf-8"))


def assert_grader_failed(result, results, *fragments):
    """Exit 2, one line naming the failure and its fix, and no score anywhere."""
    assert result.returncode == 2, result.stdout + result.stderr
    [line] = [text for text in result.stderr.splitlines() if text.strip()]
    assert line.startswith(f"{reports.GRADER_FAILED}: ")
    for fragment in fragments:
        assert fragment in line, line
    assert results["status"] == "error" and "score" not in results and results["tests"] == []
    assert results["output"].startswith(reports.GRADER_FAILED)
    assert "Total" not in results["output"] and "Total" not in result.stdout


@pytest.fixture(scope="module")
def repository_copy(tmp_path_factory):
    return copy_of_repository(tmp_path_factory.mktemp("installation") / "repository")


@pytest.fixture
def broken_copy(repository_copy, tmp_path):
    """A fresh copy of the repository's grader, for one test to break."""
    copy = tmp_path / "repository"
    shutil.copytree(repository_copy, copy)
    return copy


def test_a_deleted_data_file_is_the_graders_failure(broken_copy):
    (broken_copy / "datasets" / "xor_easy.csv").unlink()
    result, results = grade_with(broken_copy, broken_copy / "solution")
    assert_grader_failed(result, results, "xor_easy.csv is missing", "restore")
    # --json gets the same error, not a score another tool would read.
    assert json.loads((broken_copy / "copy.json").read_text()) == results


def test_an_altered_data_file_is_the_graders_failure(broken_copy):
    path = broken_copy / "datasets" / "linear.csv"
    path.write_text(path.read_text().replace(",1\n", ",0\n", 3))
    result, results = grade_with(broken_copy, broken_copy / "starter")
    assert_grader_failed(result, results, "linear.csv differs from its checksum")


def test_a_missing_check_file_is_the_graders_failure(broken_copy):
    (broken_copy / "grader" / "checks" / "check_backward.py").unlink()
    result, results = grade_with(broken_copy, broken_copy / "solution")
    assert_grader_failed(result, results, "no checks of backward")


def test_missing_given_code_is_the_graders_failure(broken_copy):
    (broken_copy / "starter" / "backprop.py").unlink()
    result, results = grade_with(broken_copy, broken_copy / "solution")
    assert_grader_failed(result, results, "given code")


@pytest.fixture(scope="module")
def stored_copy(student_template, tmp_path_factory):
    """The student template's grader (stored reference values, no solution)."""
    return student_template


@pytest.fixture
def template_copy(stored_copy, tmp_path):
    copy = tmp_path / "template"
    shutil.copytree(stored_copy, copy, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
    shutil.copy(SOLUTION_DIR / "backprop.py", copy / "backprop.py")
    return copy


def test_the_template_grades_the_reference_in_full(template_copy):
    result = subprocess.run([sys.executable, "-m", "grader", "backprop.py", "--out", "out"],
                            cwd=template_copy, capture_output=True, text=True,
                            timeout=CHECKS_TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert bonus_headline(100, 100, 4) in result.stdout


def test_truncated_reference_values_are_the_graders_failure(template_copy):
    stored = template_copy / "grader" / "reference_values.npz"
    stored.write_bytes(stored.read_bytes()[: stored.stat().st_size // 2])
    result, results = grade_with(template_copy, template_copy / "backprop.py")
    assert_grader_failed(result, results, "reference values", "differ from their checksum")


def test_a_reference_value_missing_during_the_checks_is_the_graders_failure(template_copy):
    """Values that pass the checksum (recorded again) but lack an answer a check asks
    for: the check cannot run for the grader's reason, and the grade stops, unscored."""
    stored = template_copy / "grader" / "reference_values.npz"
    with np.load(stored) as values:
        kept = {name: values[name] for name in values.files if not name.startswith(
            sorted(values.files)[0][:8])}
    np.savez_compressed(stored, **kept)
    (template_copy / "grader" / "reference_values.sha256").write_text(
        f"{datasets.sha256(stored)}  {stored.name}\n")
    result, results = grade_with(template_copy, template_copy / "backprop.py")
    assert_grader_failed(result, results, "the grader failed on this check", "course staff")


def test_github_output_of_a_grader_failure_shows_no_points(broken_copy, tmp_path):
    (broken_copy / "datasets" / "xor_easy.csv").unlink()
    outputs, summary = tmp_path / "output", tmp_path / "summary"
    outputs.write_text(""), summary.write_text("")
    env = {"GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary),
           "GITHUB_WORKSPACE": str(broken_copy)}
    result = subprocess.run([sys.executable, "-m", "grader", "solution", "--github",
                             "--out", "out"], cwd=broken_copy, capture_output=True, text=True,
                            timeout=CHECKS_TIMEOUT, env={**os.environ, **env})
    assert result.returncode == 2
    commands = commands_run(result.stdout)
    assert [(name, properties["title"]) for name, properties, _ in commands] == [
        ("error", reports.GRADER_FAILED)]
    assert "xor_easy.csv is missing" in commands[0][2]
    assert "Points" not in result.stdout and "Points" not in summary.read_text()
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert written["status"] == "error"
    assert reports.GRADER_FAILED in summary.read_text()


def test_versions_out_of_bounds_are_the_graders_failure(monkeypatch):
    from packaging.requirements import Requirement

    monkeypatch.setattr(installation, "dependency_bounds",
                        lambda: [Requirement("numpy>=999"), Requirement("pytest>=7")])
    with pytest.raises(GraderFailure, match=r"numpy \S+ is installed, but the grader needs "
                                            r"numpy>=999: install the pinned versions"):
        installation.verify_versions()
    monkeypatch.setattr(installation, "dependency_bounds",
                        lambda: [Requirement("no-such-library-here>=1")])
    with pytest.raises(GraderFailure, match="no-such-library-here is not installed"):
        installation.verify_versions()


def test_this_installation_passes_its_own_verification():
    assert installation.dependency_bounds(), "the grader is installed (pip install -e .)"
    installation.verify(GradeOptions(hidden=True))


def test_a_check_the_grader_cannot_run_is_its_own_kind_and_no_score(tmp_path, monkeypatch):
    def unreadable(*args, **kwargs):
        raise datasets.DatasetError("datasets/linear.csv cannot be read")

    monkeypatch.setattr(datasets, "load", unreadable)
    with pytest.raises(GraderFailure, match="convergence: .*the grader failed on this check "
                                            r"\(DatasetError: datasets/linear.csv"):
        grade(SOLUTION_DIR, out_dir=tmp_path, keyword="convergence", sandbox="none")
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["status"] == "error" and "score" not in results
    assert (tmp_path / "feedback.md").read_text().startswith(f"# {reports.GRADER_FAILED}")


def test_a_regrade_row_of_a_grader_failure_has_no_score(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "load", lambda *args: (_ for _ in ()).throw(OSError("gone")))
    (tmp_path / "class" / "alice").mkdir(parents=True)
    shutil.copy(SOLUTION_DIR / "backprop.py", tmp_path / "class" / "alice" / "backprop.py")
    [entry] = collect([tmp_path / "class"])
    settings = regrade_run.Settings(out=tmp_path / "out", jobs=1, grading=GradeOptions(
        hidden=True, keyword="convergence", sandbox="none"))
    row = regrade_run.grade_entry(entry, settings, None, {})
    assert row["status"] == "error" and row["reason"].startswith(reports.GRADER_FAILED)
    assert "OSError: gone" in row["reason"]
    assert (row["total"], row["public"], row["hidden"], row["bonus"]) == ("", "", "", "")


def test_a_regrade_with_a_broken_grader_stops_before_grading(broken_copy, tmp_path):
    (broken_copy / "datasets" / "linear.csv").unlink()
    (tmp_path / "class" / "alice").mkdir(parents=True)
    result = subprocess.run([sys.executable, "-m", "grader", "regrade", str(tmp_path / "class"),
                             "--out", str(tmp_path / "out"), "--no-progress"],
                            cwd=broken_copy, capture_output=True, text=True,
                            timeout=CHECKS_TIMEOUT)
    assert result.returncode == 2 and "linear.csv is missing" in result.stderr
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_the_grader_failure_sentence_names_a_fix_for_each_kind_of_copy(tmp_path):
    assert "git checkout -- datasets/linear.csv" in installation.restore_hint(
        REPO_ROOT / "datasets" / "linear.csv") or not (REPO_ROOT / ".git").exists()
    assert "fresh copy" in installation.restore_hint(Path("/elsewhere/linear.csv"))


def test_check_in_a_notebook_says_the_grader_failed(broken_copy, monkeypatch):
    from grader import inline

    (broken_copy / "datasets" / "xor_easy.csv").unlink()
    monkeypatch.setattr(inline, "PACKAGE_PARENT", broken_copy)  # the broken grader runs
    feedback = str(inline.check(path=str(broken_copy / "solution" / "backprop.py")))
    assert feedback.startswith(f"check(): {reports.GRADER_FAILED}: "), feedback
    assert "xor_easy.csv is missing" in feedback and "/100" not in feedback


def test_a_worker_that_cannot_start_is_the_graders_failure(tmp_path, monkeypatch):
    from grader.sandbox import handle

    def refused(*args, **kwargs):
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(handle, "start_worker", refused)
    with pytest.raises(GraderFailure, match=r"no worker process could start \(\[Errno 11\]"):
        grade(SOLUTION_DIR, out_dir=tmp_path, keyword="sigmoid", sandbox="none")
    assert json.loads((tmp_path / "results.json").read_text())["status"] == "error"


def test_a_worker_that_dies_before_it_is_ready_is_the_graders_failure(tmp_path, monkeypatch):
    """A worker whose Python cannot even start (a broken library, a user that cannot read
    it) ends before any of the submission runs: no score, never a crash of the student's."""
    from grader.sandbox import launch

    dying = tmp_path / "dying_entry.py"
    dying.write_text("import sys\nsys.exit(3)\n")
    monkeypatch.setattr(launch, "ENTRY", dying)
    with pytest.raises(GraderFailure, match="ended before it was ready, before any of the "
                                            "submission ran"):
        grade(SOLUTION_DIR, out_dir=tmp_path / "out", keyword="sigmoid", sandbox="none")
