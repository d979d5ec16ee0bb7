"""Classroom 50: result.json against the published rules under both bonus settings, the
Release text and commit status, and the bundle's autograder.py in a job-like folder.

The rules (classroom50/result/v1, as Classroom 50's runner.py validate_result and
collect_scores.py check them): whole non-negative points (never a bool), score <=
max-score overall and per test, a non-empty test-name and a boolean passed per test,
no top-level key beyond the schema's. Where Classroom 50's own files are beside this
repository (../shared/classroom50, see test_real_runner_*), its validate_result judges too.
"""

import ast
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader import lab
from grader.authoring.exports.classroom50 import export_classroom50
from grader.lab import BONUS_FUNCTIONS, BONUS_POINTS, TOTAL
from grader.paths import REPO_ROOT, SOLUTION_DIR, STARTER_DIR
from grader.results import classroom50
from grader.results.scoring import score
from grader.session.outcome import FAILED, PASSED, CheckResult

ENVIRONMENT = {"CLASSROOM": "dlp-2026", "ASSIGNMENT": "lab1-backprop",
               "SUBMISSION_TAG": "submit/2026-12-05T07-00-00Z-abc1234",
               "COMMIT_URL": "https://github.com/dlp/repo/commit/abc1234",
               "RELEASE_URL": "https://github.com/dlp/repo/releases/tag/submit%2Fx",
               "REVIEW_URL": "https://github.com/dlp/repo/compare/a...b"}
# What the runner stamps on result.json before it validates it (runner.py finalize_result).
STAMPED = {"owner": "student-a", "assignment_type": "individual",
           "datetime": "2026-12-05T07:00:00Z", "graded_at": "2026-12-05T07:00:05Z",
           "submitted_by": {"username": "student-a", "id": 1000001}}
BONUS_MAX = sum(BONUS_POINTS.values())
# Classroom 50's files, beside the repository in CI (../shared) or on the course's machine.
HARNESS = next((folder for folder in (REPO_ROOT.parent / "shared" / "classroom50",
                                      REPO_ROOT.parents[1] / "shared" / "classroom50")
                if (folder / "run_local.py").is_file()), None)


def whole(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def rule_breaches(document):
    """What of classroom50/result/v1 `document` breaks ([] when none)."""
    found = sorted(set(document) - set(classroom50.TOP_LEVEL))
    breaches = [f"extra top-level key {key}" for key in found]
    if document.get("schema") != classroom50.SCHEMA:
        breaches.append("schema")
    for key in ("classroom", "assignment", "commit", "release", "review"):
        if not isinstance(document.get(key), str) or not document[key]:
            breaches.append(f"{key} is not a non-empty string")
    if not str(document.get("submission", "")).startswith("submit/"):
        breaches.append("submission")
    if not (whole(document.get("score")) and whole(document.get("max-score"))):
        breaches.append("score or max-score not a whole number")
    elif document["score"] > document["max-score"]:
        breaches.append("score above max-score")
    for test in document.get("tests", []):
        if not isinstance(test.get("test-name"), str) or not test["test-name"]:
            breaches.append("a test without a name")
        if not isinstance(test.get("passed"), bool):
            breaches.append(f"{test.get('test-name')}: passed is not a boolean")
        if not (whole(test.get("score")) and whole(test.get("max-score"))):
            breaches.append(f"{test.get('test-name')}: points not whole")
        elif test["score"] > test["max-score"]:
            breaches.append(f"{test['test-name']}: score above max-score")
    return breaches


def upstream(name):
    """Classroom 50's own module (runner or collect_scores), run from where it is kept."""
    path = HARNESS / "upstream" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"c50_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_valid(document):
    assert rule_breaches(document) == []
    if HARNESS is not None and (HARNESS / "upstream" / "runner.py").is_file():
        stamped = {**document, **STAMPED}
        assert upstream("runner").validate_result(
            stamped, classroom=ENVIRONMENT["CLASSROOM"], assignment=ENVIRONMENT["ASSIGNMENT"],
            owner=STAMPED["owner"]) is None
        upstream("collect_scores").validate_result(
            stamped, ENVIRONMENT["CLASSROOM"], ENVIRONMENT["ASSIGNMENT"], STAMPED["owner"],
            is_group=False)  # raises ValueError when it would not collect the score


def bonus_only_source():
    """The starter with the solution's bonus functions written, and nothing else."""
    solution = (SOLUTION_DIR / "backprop.py").read_text(encoding="utf-8")
    wanted = {name for function in BONUS_FUNCTIONS for name in (function, f"derivative_{function}")}
    functions = [ast.get_source_segment(solution, node) for node in ast.parse(solution).body
                 if isinstance(node, ast.FunctionDef) and node.name in wanted]
    return (STARTER_DIR / "backprop.py").read_text(encoding="utf-8") + "\n\n" + \
        "\n\n\n".join(functions) + "\n"


@pytest.fixture(scope="module")
def submissions(graded):
    """{case: Results} of the four cases, graded once."""
    broken = REPO_ROOT / "tests" / "submissions" / "broken" / "forbidden_import_torch"
    return {"reference": graded(SOLUTION_DIR), "starter": graded(STARTER_DIR),
            "bonus only": graded(bonus_only_source()), "broken rule": graded(broken)}


def under(results, policy):
    """results scored again under the bonus setting `policy`."""
    return score(results.checks, graded=results.graded, file=results.file, policy=policy)


# (case, policy): (score, max-score, status)
EXPECTED = {
    ("reference", "cap"): (TOTAL, TOTAL, "success"),
    ("reference", "extra"): (TOTAL + BONUS_MAX, TOTAL + BONUS_MAX, "success"),
    ("starter", "cap"): (0, TOTAL, "failure"),
    ("starter", "extra"): (0, TOTAL + BONUS_MAX, "failure"),
    ("bonus only", "cap"): (BONUS_MAX, TOTAL, "failure"),
    ("bonus only", "extra"): (BONUS_MAX, TOTAL + BONUS_MAX, "failure"),
    ("broken rule", "cap"): (0, TOTAL, "failure"),
    ("broken rule", "extra"): (0, TOTAL + BONUS_MAX, "failure"),
}


@pytest.mark.parametrize("case, policy", list(EXPECTED), ids=lambda v: str(v).replace(" ", "-"))
def test_result_follows_the_rules_and_the_bonus_setting(submissions, case, policy):
    results = under(submissions[case], policy)
    document = classroom50.result(results, ENVIRONMENT)
    assert_valid(document)
    expected_score, expected_maximum, expected_status = EXPECTED[case, policy]
    assert (document["score"], document["max-score"], classroom50.status(results)) == \
        (expected_score, expected_maximum, expected_status)
    tests = document["tests"]
    # One test per check, plus one per bonus function not written; group and kind kept.
    assert len(tests) == len(results.checks) + sum(
        1 for function in BONUS_FUNCTIONS if function not in {c.group for c in results.checks})
    assert all(test["group"] in lab.GROUPS and test["kind"] for test in tests)
    bonus = [test for test in tests if test["group"] in BONUS_FUNCTIONS]
    assert sorted(test["group"] for test in bonus) == sorted(BONUS_FUNCTIONS)
    assert sum(test["max-score"] for test in tests) == TOTAL + BONUS_MAX
    if case == "broken rule":
        assert all(test["score"] == 0 for test in tests)
    # The tests add up to the score: the bonus rows hold the points that counted.
    assert sum(test["score"] for test in tests) == document["score"]


def test_every_submission_lists_the_same_tests(submissions):
    """The same tests, worth the same, whether the bonus functions are written or not."""
    listed = {case: sorted((t["group"], t["max-score"])
                           for t in classroom50.result(r, ENVIRONMENT)["tests"])
              for case, r in submissions.items()}
    assert listed["reference"] == listed["starter"] == listed["bonus only"]
    names = [t["test-name"] for t in classroom50.result(submissions["starter"], ENVIRONMENT)[
        "tests"] if t["group"] in BONUS_FUNCTIONS]
    assert names == [f"{function} (bonus): not written" for function in BONUS_FUNCTIONS]


def test_bonus_makes_up_lost_points_only_up_to_the_maximum(graded):
    mutant = (SOLUTION_DIR / "backprop.py").read_text(encoding="utf-8").replace(
        "    return np.tanh(x)\n", "    return 2 * np.tanh(x)\n")
    one_wrong = graded(mutant)  # the tanh bonus wrong: 3 bonus points
    cap, extra = under(one_wrong, "cap"), under(one_wrong, "extra")
    assert (cap.score, cap.counted_bonus, extra.score) == (TOTAL, 0, TOTAL + 3)
    assert classroom50.result(extra, ENVIRONMENT)["max-score"] == TOTAL + BONUS_MAX


def test_whole_points_only_and_never_above_the_maximum():
    half = CheckResult(name="report: a figure", group="report", kind=PASSED, points=0.5,
                       visibility="visible")
    with pytest.raises(classroom50.Classroom50Error, match="whole points only"):
        classroom50.result(score([half]), ENVIRONMENT)
    # Bonus beyond what the maximum can hold (a forged result): refused, never written.
    bonus = CheckResult(name="tanh: x", group="tanh", kind=PASSED, points=50, bonus=True,
                        visibility="visible")
    lost = CheckResult(name="sigmoid: x", group="sigmoid", kind=FAILED, points=3,
                       visibility="visible")
    with pytest.raises(classroom50.Classroom50Error, match="not within 0 and the maximum"):
        classroom50.result(score([lost, bonus], policy="extra"), ENVIRONMENT)
    with pytest.raises(classroom50.Classroom50Error, match="SUBMISSION_TAG"):
        classroom50.result(score([lost]), {**ENVIRONMENT, "SUBMISSION_TAG": ""})


def test_release_body_and_status_outputs(submissions, tmp_path, capsys):
    starter = submissions["starter"]
    document = classroom50.result(starter, ENVIRONMENT)
    body = classroom50.release_body(starter, document)
    assert body.startswith(f"## 0 / {TOTAL} points") and "What to fix" in body
    assert "not implemented yet" in body and "<details>" in body
    output = tmp_path / "github_output"
    classroom50.publish(starter, document, {"GITHUB_OUTPUT": str(output)})
    written = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert written["status"] == "failure"
    assert written["summary"].startswith(f"classroom50 autograde: 0/{TOTAL} (")
    printed = capsys.readouterr().out.splitlines()
    assert printed and all(line.startswith(("::error ", "::warning ")) for line in printed)
    assert printed[0].startswith("::error ")


def job_environment(tmp_path, **more):
    """The grade job's environment (what runner.py passes on), without the variables
    that point Python elsewhere."""
    output = tmp_path / "github_output"
    output.touch()
    keep = {key: value for key, value in os.environ.items()
            if key in ("PATH", "HOME", "LANG", "SYSTEMROOT", "TMPDIR")}
    return {**keep, **ENVIRONMENT, "USERNAME": "student-a", "OWNER": "student-a",
            "ASSIGNMENT_TYPE": "individual", "GITHUB_OUTPUT": str(output),
            "GITHUB_ACTIONS": "true", "RUNNER_ENVIRONMENT": "self-hosted", **more}


def outputs_of(environment):
    return dict(line.split("=", 1)
                for line in Path(environment["GITHUB_OUTPUT"]).read_text().splitlines())


def tampered_checkout(folder, submission):
    """A student's checkout: their backprop.py, and a grader/ of their own that would
    claim full marks, a committed result.json, and grading-output as a link."""
    folder.mkdir()
    shutil.copy(submission / "backprop.py", folder / "backprop.py")
    fake = folder / "grader"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "__main__.py").write_text(
        "import json, pathlib\n"
        "pathlib.Path('result.json').write_text(json.dumps({'score': 100, 'max-score': 100}))\n")
    (folder / "result.json").write_text('{"score": 100, "max-score": 100}')
    (folder / "grading-output").symlink_to(folder.parent)
    return folder


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return export_classroom50(tmp_path_factory.mktemp("classroom50") / "bundle")


def test_bundle_is_public_safe(bundle):
    names = {path.relative_to(bundle).as_posix() for path in bundle.rglob("*")}
    assert {"autograder.py", "grader/__main__.py", "grader/reference_values.npz",
            "datasets/linear.csv", "pyproject.toml", "requirements.lock"} <= names
    assert not any(name.startswith(("grader/hidden", "solution", "tests")) for name in names)
    assert not any(name.endswith(".pyc") for name in names)


def test_bundle_autograder_grades_with_its_own_grader(bundle, tmp_path):
    for name, submission, expected, state in (("starter", STARTER_DIR, 0, "failure"),
                                              ("solution", SOLUTION_DIR, TOTAL, "success")):
        checkout = tampered_checkout(tmp_path / name, submission)
        (tmp_path / name.upper()).mkdir()
        # PYTHONPATH naming the checkout would import its grader/: the job must not.
        environment = job_environment(tmp_path / name.upper(), PYTHONPATH=str(checkout))
        done = subprocess.run([sys.executable, str(bundle / "autograder.py")], cwd=checkout,
                              env=environment, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        document = json.loads((checkout / "result.json").read_text())
        assert_valid(document)
        assert (document["score"], document["max-score"]) == (expected, TOTAL)
        assert outputs_of(environment)["status"] == state
        assert (checkout / "release-body.md").is_file()
        out = checkout / "grading-output"
        assert out.is_dir() and not out.is_symlink() and (out / "feedback.md").is_file()


def test_bundle_autograder_fails_only_when_the_grader_fails(bundle, tmp_path):
    broken = Path(shutil.copytree(bundle, tmp_path / "broken-bundle"))
    (broken / "datasets" / "linear.csv").unlink()  # the grader's own data is missing
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    shutil.copy(SOLUTION_DIR / "backprop.py", checkout / "backprop.py")
    environment = job_environment(tmp_path)
    done = subprocess.run([sys.executable, str(broken / "autograder.py")], cwd=checkout,
                          env=environment, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0, done.stdout[-3000:]
    assert not (checkout / "result.json").exists()  # the runner records an error, no grade
    assert "status" not in outputs_of(environment)


# -- Classroom 50's real runner (run_local.py beside the repository) ------------------

DRIVER = '''
import importlib.util, shutil, sys
from pathlib import Path
spec = importlib.util.spec_from_file_location("run_local", sys.argv[1])
harness = importlib.util.module_from_spec(spec)
spec.loader.exec_module(harness)
original = harness.student_repository


def student_repository(work, template, student_dir, username):
    """The harness's student repository; the one named "tampered" with a grader/ of its own
    that claims full marks (run from the checkout, it would write result.json 100/100)."""
    root, workspace, sha = original(work, template, student_dir, username)
    if username.endswith("tampered"):
        (workspace / "grader" / "__main__.py").write_text(sys.argv[2])
        for name in ("__init__.py", "lab.py"):
            (workspace / "grader" / name).write_text("TOTAL = 0\\n")
    return root, workspace, sha


harness.student_repository = student_repository
sys.argv = [sys.argv[1], *sys.argv[3:]]
harness.main()
'''
FORGED_MAIN = (
    "import json, os, pathlib\n"
    "pathlib.Path('result.json').write_text(json.dumps({'schema': 'classroom50/result/v1', "
    "'classroom': os.environ['CLASSROOM'], 'assignment': os.environ['ASSIGNMENT'], "
    "'submission': os.environ['SUBMISSION_TAG'], 'commit': 'x', 'release': 'x', 'review': 'x', "
    "'score': 100, 'max-score': 100, 'tests': []}))\n")


def harness_missing():
    if HARNESS is None:
        return "Classroom 50's harness (../shared/classroom50/run_local.py) is not here"
    if not (HARNESS / "upstream" / "runner.py").is_file():
        return "Classroom 50's upstream files are not beside run_local.py"
    missing = [tool for tool in ("git", "make", "tar") if shutil.which(tool) is None]
    if missing or not (REPO_ROOT / ".git").exists():
        return f"the harness needs {', '.join(missing) or 'a git checkout of the repository'}"
    return ""


@pytest.mark.skipif(bool(harness_missing()), reason=harness_missing() or "ready")
def test_real_runner_grades_the_reference_the_starter_and_a_tampered_repository(tmp_path):
    """run_local.py clones this repository's committed state, exports the template and the
    bundle, serves them on 127.0.0.1 and runs Classroom 50's runner.py as the grade job."""
    tampered = tmp_path / "tampered"
    tampered.mkdir()
    shutil.copy(STARTER_DIR / "backprop.py", tampered / "backprop.py")
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    work = tmp_path / "work"
    done = subprocess.run(
        [sys.executable, str(driver), str(HARNESS / "run_local.py"), FORGED_MAIN,
         str(REPO_ROOT), str(SOLUTION_DIR), str(STARTER_DIR), str(tampered), "--work", str(work)],
        capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "bundle: the project's export-classroom50" in done.stdout
    runs = {Path(r["student"]).name: r for r in json.loads((work / "summary.json").read_text())}
    most = TOTAL + BONUS_MAX if lab.BONUS == "extra" else TOTAL
    expected = {"solution": ("success", most), "starter": ("failure", 0),
                "tampered": ("failure", 0)}
    for name, (state, points) in expected.items():
        run = runs[name]
        assert (run["runner_exit"], run["status"], run["score"], run["max_score"]) == \
            (0, state, points, most), (name, run["summary"], run["log"])
        assert run["collector"] == "accepted" and run["commit_status_valid"]
        assert run["release_published"] and "feedback.md" in run["release_assets"]
        assert not run["template_runs_classroom_yml"]  # the template has no workflow of its own
    assert runs["solution"]["summary"].startswith(f"classroom50 autograde: {most}/{most} (")


# -- the template for Classroom 50 --------------------------------------------------------

def test_classroom50_template_has_no_workflow_and_says_where_the_grade_is(tmp_path):
    done = subprocess.run([sys.executable, "-m", "grader", "export-template", "--for",
                           "classroom50", str(tmp_path / "template")], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    template = tmp_path / "template"
    assert not (template / ".github").exists()
    assert {"backprop.py", "lab1.ipynb", "grade.py", "grader", "datasets"} <= {
        path.name for path in template.iterdir()}
    readme = (template / "README.md").read_text(encoding="utf-8")
    assert "{{" not in readme and "classroom50/autograde" in readme and "Release" in readme
    assert "python grade.py" in readme and "Actions tab shows the same table" not in readme
    refused = subprocess.run([sys.executable, "-m", "grader", "export-template", "--for",
                              "moodle", str(tmp_path / "other")], cwd=REPO_ROOT,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "invalid choice" in refused.stderr


@pytest.mark.parametrize("policy, words", [
    ("cap", "up to the 100 (the total never exceeds it)"),
    ("extra", f"on top of the 100, up to {TOTAL + BONUS_MAX}")])
def test_template_readmes_say_how_the_bonus_counts(monkeypatch, policy, words):
    from grader.authoring.exports.template import HOSTS, readme

    monkeypatch.setattr(lab, "BONUS", policy)
    for host in HOSTS:
        text = readme(host)
        assert words in text and "{{" not in text
    maximum = TOTAL + BONUS_MAX if policy == "extra" else TOTAL
    assert f"The Release's points are out of {maximum}." in readme("classroom50")
    assert "the Actions tab shows the same table" in readme("actions")


def test_bundle_autograder_installs_what_pyproject_names_pinned_by_the_lock(bundle, tmp_path):
    spec = importlib.util.spec_from_file_location("bundle_autograder", bundle / "autograder.py")
    autograder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(autograder)
    assert autograder.lock_file() == bundle / "requirements.lock"
    assert any(d.startswith("numpy") for d in autograder.dependencies())
    autograder.BUNDLE = tmp_path  # a bundle without a lock: the bounds alone
    assert autograder.lock_file() is None
