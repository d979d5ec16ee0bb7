"""The GitHub workflows: valid for actionlint, and a local proof that autograding works.

The proof parses classroom.yml, runs its grading step's commands in a clean copy of a
repository (the student template, or this repository) with GITHUB_OUTPUT,
GITHUB_STEP_SUMMARY and GITHUB_WORKSPACE pointing at temp files, and reads every number the
run shows: the notices and the table in the log, the job summary, results.json, and the
step output decoded and added up as Classroom's reporter action does.
"""

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from grader import lab
from grader.lab import TOTAL
from grader.paths import COURSE_MARKER, REPO_ROOT, SOLUTION_DIR
from grader.results import github
from grader.sandbox import privileges
from tests.actions import commands_run
from tests.grading import bonus_total
from tests.submissions.mutants import MUTANTS, mutant_source

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
CLASSROOM = yaml.safe_load((WORKFLOWS / "classroom.yml").read_text())
REPORTER = "classroom-resources/autograding-grading-reporter"
UNDEFINED = object()  # JavaScript's undefined, for a key the JSON does not have


# -- the reporter action's arithmetic, ported ---------------------------------------------
# From classroom-resources/autograding-grading-reporter (v1; src/main.js,
# src/helpers/test-helpers.js getTestScore, src/console-results.js ConsoleResults,
# src/notify-classroom.js NotifyClassroom; the same in its bundled dist/main.js).

def reporter_decode(encoded):
    """main.js: JSON.parse(Buffer.from(process.env[`${RUNNER}_RESULTS`], "base64"))."""
    return json.loads(base64.b64decode(encoded).decode("utf-8"))


def js_value(value):
    """A number as JavaScript holds it: 104.0 and 104 are the same number, printed 104."""
    return int(value) if float(value).is_integer() else value


def js_number(value):
    return str(js_value(value))


def reporter_console(results):
    """ConsoleResults: one line per test, then "Total points" from getTestScore:
    (tests with status "pass") / (all tests) * max_score."""
    lines = []
    for test in results["tests"]:
        line_no = test.get("line_no", UNDEFINED)
        # `test.line_no !== 0`: strict, so undefined (or "0", or false) prints its line.
        shows_line = not (type(line_no) in (int, float) and line_no == 0)
        where = f" - line {'undefined' if line_no is UNDEFINED else line_no}" if shows_line else ""
        if test["status"] == "error":
            lines.append(f"Error: {test.get('message') or test['name']}")
        else:
            lines.append(f"{'✅' if test['status'] == 'pass' else '❌'} {test['name']}{where}")
    passed = sum(test["status"] == "pass" for test in results["tests"])
    score = passed / len(results["tests"]) * (results.get("max_score") or 0)
    return lines, score


def reporter_notice(runner_results):
    """NotifyClassroom: sums tests[].score of every runner with a max_score."""
    total = maximum = 0
    for results in runner_results:
        if results.get("max_score"):
            maximum += results["max_score"]
            total += sum(test["score"] for test in results["tests"])
    report = json.dumps({"totalPoints": js_value(total), "maxPoints": js_value(maximum)},
                        separators=(",", ":"))
    return f"Points {js_number(total)}/{js_number(maximum)}", report


# -- the workflow ------------------------------------------------------------------------

def steps():
    return CLASSROOM["jobs"]["run-autograding-tests"]["steps"]


def step(name):
    return next(s for s in steps() if s["name"] == name)


def test_workflows_pass_actionlint():
    actionlint = Path(sys.executable).parent / "actionlint"
    result = subprocess.run([str(actionlint), *sorted(map(str, WORKFLOWS.glob("*.yml")))],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_classroom_workflow_keeps_classroom_names_and_drops_the_reporter():
    assert CLASSROOM["name"] == "Autograding Tests"
    assert list(CLASSROOM["jobs"]) == ["run-autograding-tests"]
    assert not any(s.get("uses", "").startswith(REPORTER) for s in steps())


@pytest.mark.parametrize("workflow", sorted(p.name for p in WORKFLOWS.glob("*.yml")))
def test_every_action_is_pinned_by_commit_with_its_version_beside_it(workflow):
    """A tag can be moved to other code; a full commit SHA cannot (the template ships
    classroom.yml as it is, so its pins travel to every student repository)."""
    uses = [line.split("uses:", 1)[1].strip()
            for line in (WORKFLOWS / workflow).read_text().splitlines()
            if line.strip().removeprefix("- ").startswith("uses:")]
    parsed = [each["uses"] for job in yaml.safe_load((WORKFLOWS / workflow).read_text())[
        "jobs"].values() for each in job["steps"] if "uses" in each]
    assert uses and len(uses) == len(parsed)
    for line in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line), line
    # One version per action: the same SHA wherever the same version is used.
    pins = {}
    for line in uses:
        action, rest = line.split("@")
        assert pins.setdefault(action, rest) == rest, (action, pins[action], rest)


@pytest.mark.parametrize("workflow, cancels", [("classroom.yml", True), ("ci.yml", True),
                                               ("regrade.yml", False)])
def test_every_workflow_has_a_concurrency_group(workflow, cancels):
    """Grading and CI: a newer push to a branch cancels the older run still going; a
    regrade waits for the one before instead (its sheets are not thrown away)."""
    concurrency = yaml.safe_load((WORKFLOWS / workflow).read_text())["concurrency"]
    assert "${{ github.workflow }}" in concurrency["group"]
    assert concurrency["cancel-in-progress"] is cancels
    assert ("${{ github.ref }}" in concurrency["group"]) is cancels
    assert sorted(p.name for p in WORKFLOWS.glob("*.yml")) == [
        "ci.yml", "classroom.yml", "regrade.yml"]  # a new workflow gets a case here


def test_pip_is_cached():
    assert step("Set up Python")["with"]["cache"] == "pip"


def run_script(script, cwd, tmp_path, **env):
    """Run a `run:` script as GitHub does (bash -e -o pipefail); returns the completed run."""
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                          cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=300)


def run_grading_step(repository, tmp_path):
    """Run the workflow's grade step in `repository`; returns (outputs, summary, log)."""
    output, summary = tmp_path / "github_output", tmp_path / "step_summary"
    output.write_text(""), summary.write_text("")
    completed = run_script(
        step("Grade")["run"], repository, tmp_path, GITHUB_OUTPUT=str(output),
        GITHUB_STEP_SUMMARY=str(summary), GITHUB_WORKSPACE=str(repository),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if line)
    return outputs, summary.read_text(), completed.stdout


@pytest.fixture(scope="module")
def template(student_template):
    return student_template


@pytest.fixture
def student_repository(template, tmp_path):
    """A clean copy of the student template, as a fresh clone would be."""
    return Path(shutil.copytree(template, tmp_path / "repository"))


def numbers_shown(outputs, summary, log, repository):
    """{where: "total/maximum"} for every place the run shows the score."""
    commands = commands_run(log)
    notice = {p["title"]: message for name, p, message in commands if name == "notice"}
    report = json.loads(notice["Autograding report"])
    result = reporter_decode(outputs["result"])
    results_json = json.loads((repository / "grading-output" / "results.json").read_text())
    maximum = sum(test["max_score"] for test in results_json["tests"])
    core, table_maximum, _, with_bonus = re.search(
        r"^Total: (\S+) / (\S+)(?: \+ (\S+) bonus = (\S+))?", log, re.MULTILINE).groups()
    reporter_text, reporter_report = reporter_notice([result])
    return {
        "notice": notice["Autograding complete"].removeprefix("Points "),
        "report notice": f"{report['totalPoints']}/{report['maxPoints']}",
        "reporter's notice of the step output": reporter_text.removeprefix("Points "),
        "reporter's report of the step output": "{totalPoints}/{maxPoints}".format(
            **json.loads(reporter_report)),
        "log table": f"{with_bonus or core}/{table_maximum}",
        "job summary": "/".join(re.search(r"\*\*Points (\S+) / (\S+)\*\*", summary).groups()),
        "results.json": f"{js_number(results_json['score'])}/{js_number(maximum)}",
    }


def assert_one_number(outputs, summary, log, repository, expected):
    shown = numbers_shown(outputs, summary, log, repository)
    assert set(shown.values()) == {expected}, shown
    result = reporter_decode(outputs["result"])
    lines, _ = reporter_console(result)
    assert all(test["line_no"] == 0 for test in result["tests"])
    assert not any("undefined" in line for line in lines + log.splitlines() + [summary])
    assert outputs["isolation"] == result["isolation"] in ("bwrap", privileges.process_isolation())
    assert f"{outputs['total']}/{outputs['max']}" == expected  # plain, for a badge
    assert f"isolated by: {result['isolation']}" in summary
    return result


def test_the_starter_shows_zero_everywhere(student_repository, tmp_path):
    outputs, summary, log = run_grading_step(student_repository, tmp_path)
    result = assert_one_number(outputs, summary, log, student_repository, "0/100")
    assert result["status"] == outputs["status"] == "fail"
    assert "not implemented yet" in summary and "no bonus points" in summary


def test_the_solution_shows_its_bonus_as_the_course_counts_it(student_repository, tmp_path):
    shutil.copy(SOLUTION_DIR / "backprop.py", student_repository / "backprop.py")
    outputs, summary, log = run_grading_step(student_repository, tmp_path)
    total = bonus_total(100, 100, 4)
    result = assert_one_number(outputs, summary, log, student_repository, f"{total}/100")
    assert result["status"] == "pass" and "Total: 100 / 100 + 4 bonus" in summary
    bonus = [m for name, p, m in commands_run(log) if p.get("title") == "Autograding bonus"]
    if lab.BONUS == "extra":
        assert bonus == ["Points 104/100 include 4 bonus points: 100/100 + 4 bonus. Bonus "
                         "points come on top of the 100, so the total may exceed it."]
    else:
        assert bonus == ["Points 100/100 include 0 of 4 bonus points: 100/100 + 0 bonus. "
                         "Bonus points make up points lost elsewhere, up to the 100."]
    assert bonus[0] in summary
    assert not [name for name, _, _ in commands_run(log) if name == "error"]


def test_a_partly_wrong_submission_is_annotated_where_it_fails(student_repository, tmp_path):
    mutant = next(m for m in MUTANTS if m.name == "backward_bias_averaged")
    source = mutant_source(mutant)
    (student_repository / "backprop.py").write_text(source)
    outputs, summary, log = run_grading_step(student_repository, tmp_path)
    total = json.loads((student_repository / "grading-output" / "results.json").read_text())
    assert 0 < total["score"] < 100
    result = assert_one_number(outputs, summary, log, student_repository,
                               f"{js_number(total['score'])}/100")
    errors = [(p, m) for name, p, m in commands_run(log) if name == "error"]
    backward = next(n for n, line in enumerate(source.splitlines(), 1)
                    if line.startswith("def backward("))
    assert errors and all(p["file"] == "backprop.py" and p["line"] == str(backward)
                          for p, _ in errors)
    failed = {t["name"] for t in result["tests"] if t["status"] == "fail"}
    assert {p["title"].split(" (0/")[0] for p, _ in errors} == failed
    assert all("averaged" in message for _, message in errors)
    # The reporter's own table would count passed checks instead of adding points: why
    # the workflow no longer runs it.
    assert reporter_console(result)[1] != total["score"]


def test_a_missing_backprop_scores_zero_with_a_message(student_repository, tmp_path):
    (student_repository / "backprop.py").unlink()
    outputs, summary, log = run_grading_step(student_repository, tmp_path)
    assert_one_number(outputs, summary, log, student_repository, "0/100")
    assert "no backprop.py beside it" in summary
    # The template's notebook is graded instead, on its cells (stubs): importing backprop,
    # which is not there, breaks no rule.
    errors = [p for name, p, _ in commands_run(log) if name == "error"]
    assert not any(p["title"].startswith("rules: imports only numpy") for p in errors)
    assert "rule of the lab is broken" not in summary


@pytest.mark.parametrize("broken, total", [("grader/__main__.py", TOTAL), ("grader", 0)])
def test_a_repository_without_the_grader_says_the_grader_failed(broken, total,
                                                                 student_repository, tmp_path,
                                                                 monkeypatch, capsys):
    """A grader that is missing is the grader's failure, told as the grader tells one
    (grader.results.github.publish_error): status error, no Points notice, no score in
    the result, the summary or the step outputs. The maximum is the lab's TOTAL, read
    from grader/lab.py without its dependencies, or 0 once the grader is gone."""
    gone = student_repository / broken
    shutil.rmtree(gone) if gone.is_dir() else gone.unlink()
    (tmp_path / "run").mkdir()
    outputs, summary, log = run_grading_step(student_repository, tmp_path / "run")
    result = reporter_decode(outputs["result"])
    assert result["status"] == outputs["status"] == "error" and result["max_score"] == total
    assert all("score" not in test for test in result["tests"])
    commands = [(name, p) for name, p, _ in commands_run(log)]
    assert commands == [("error", {"title": "The grader failed"})]
    assert "Points" not in log and "Points" not in summary and "Score" not in summary
    assert (outputs["total"], outputs["max"]) == ("", str(total))
    message = result["tests"][0]["message"]
    assert message.startswith("The grader failed: this repository has no working grader")
    # The same words, summary and outputs as the grader's own report of its failure.
    for variable in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        (tmp_path / variable).write_text("")
        monkeypatch.setenv(variable, str(tmp_path / variable))
    github.publish_error(message, total)
    assert commands_run(capsys.readouterr().out) == commands_run(log)
    assert (tmp_path / "GITHUB_STEP_SUMMARY").read_text() == summary
    told = dict(line.split("=", 1)
                for line in (tmp_path / "GITHUB_OUTPUT").read_text().splitlines())
    assert reporter_decode(told.pop("result")) == result
    assert told == {key: value for key, value in outputs.items() if key != "result"}


@pytest.mark.parametrize("status, exit_code", [("pass", 0), ("fail", 1), ("error", 1),
                                               ("", 1)])
def test_the_result_step_adds_the_run_time_and_fails_short_of_full_marks(tmp_path, status,
                                                                        exit_code):
    summary = tmp_path / "summary"
    summary.write_text("")
    started = int(subprocess.check_output(["date", "+%s"], text=True)) - 42
    completed = run_script(step("Result")["run"], tmp_path, tmp_path, STATUS=status,
                           GRADING_STARTED=str(started), GITHUB_STEP_SUMMARY=str(summary))
    assert completed.returncode == exit_code
    seconds = int(re.search(r"Run time: (\d+) s", summary.read_text()).group(1))
    assert 42 <= seconds < 100
    # A grader failure is told as one, never as checks that did not pass.
    assert ("The grader failed" in completed.stdout) == (status == "error")
    assert ("Not every check passed" in completed.stdout) == (status in ("fail", ""))


def test_in_this_repository_the_workflow_grades_the_reference(tmp_path):
    """The course's repository says so with its marker file; the graded folder is solution/."""
    assert COURSE_MARKER.is_file()
    assert f"[ -f {COURSE_MARKER.name} ]; then submission=solution" in step("Grade")["run"]
    clone = tmp_path / "clone"
    shutil.copytree(REPO_ROOT, clone, ignore=shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", "grading-output", "*.egg-info"))
    outputs, summary, log = run_grading_step(clone, tmp_path)
    assert_one_number(outputs, summary, log, clone, f"{bonus_total(100, 100, 4)}/100")
    assert all(p.get("file", "").startswith("solution/")
               for name, p, _ in commands_run(log) if name == "error")


@pytest.mark.parametrize("solution_folder", ["solution/notes.md", "solution/backprop.py"])
def test_a_students_solution_folder_changes_nothing_of_what_is_graded(solution_folder,
                                                                      student_repository,
                                                                      tmp_path):
    """Only the course's marker (never exported) turns grading to solution/: a student's
    folder of that name is not what is graded, and its backprop.py is no reference."""
    assert not (student_repository / COURSE_MARKER.name).exists()
    shutil.copy(SOLUTION_DIR / "backprop.py", student_repository / "backprop.py")
    extra = student_repository / solution_folder
    extra.parent.mkdir()
    extra.write_text("def sigmoid(x):\n    return 0\n" if extra.suffix == ".py" else "notes\n")
    outputs, summary, log = run_grading_step(student_repository, tmp_path)
    assert_one_number(outputs, summary, log, student_repository,
                      f"{bonus_total(100, 100, 4)}/100")
    assert "Graded: backprop.py" in summary


def test_a_students_own_solution_folder_is_never_the_reference(student_repository, tmp_path):
    """A wrong backward copied into solution/ too is still judged by the course's stored
    answers: it loses the same points as without the folder."""
    mutant = next(m for m in MUTANTS if m.name == "backward_bias_averaged")
    (student_repository / "backprop.py").write_text(mutant_source(mutant))
    alone, _, _ = run_grading_step(student_repository, tmp_path)
    (student_repository / "solution").mkdir()
    shutil.copy(student_repository / "backprop.py", student_repository / "solution")
    outputs, _, _ = run_grading_step(student_repository, tmp_path)
    assert outputs["total"] == alone["total"] and float(alone["total"]) < 100


@pytest.mark.parametrize("seed, expected", [("", []), ("2027", ["--seed", "2027"])])
def test_the_class_regrade_takes_the_terms_seed_unless_given_one(seed, expected, tmp_path):
    """An empty seed leaves the grader's own (grader.lab.HIDDEN_SEED), written once."""
    regrade = yaml.safe_load((WORKFLOWS / "regrade.yml").read_text())
    [step] = [step for job in regrade["jobs"].values() for step in job["steps"]
              if "grader regrade" in step.get("run", "")]
    stub = tmp_path / "python"  # prints the arguments the step passes, one per line
    stub.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    stub.chmod(0o755)
    run = subprocess.run(["bash", "-c", step["run"].replace("${{ matrix.shard }}", "1")],
                         capture_output=True, text=True, check=True,
                         env={"PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}",
                              "SUBMISSIONS": "class folder", "SEED": seed})
    arguments = run.stdout.splitlines()
    assert arguments[:4] == ["-m", "grader", "regrade", "class folder"]
    assert [a for i, a in enumerate(arguments) if a == "--seed" or
            (i and arguments[i - 1] == "--seed")] == expected


def test_ci_runs_the_root_tests_as_root():
    """tests/test_privileges.py skips unless run as root; CI's test job runs it with sudo."""
    ci = yaml.safe_load((WORKFLOWS / "ci.yml").read_text())
    runs = [each.get("run", "") for each in ci["jobs"]["test"]["steps"]]
    assert any("\nsudo " in f"\n{run}" and "tests/test_privileges.py" in run for run in runs)
