"""GitHub Actions output: workflow commands escaped as the runner reads them, error
annotations at the student's lines, the notices, and that a submission cannot write
commands of its own into the log."""

import ast
import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader.paths import REPO_ROOT
from grader.results import github, locations
from grader.results.scoring import score
from grader.session.outcome import FAILED, CheckResult
from tests.actions import commands_run, parse_command
from tests.grading import grade_source, solution_source

SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
def def_line(source, function):
    """The line of `def function(` in source, found by text, not by the grader's parser."""
    return next(number for number, line in enumerate(source.splitlines(), 1)
                if line.startswith(f"def {function}("))


def synthetic_results(failures, code=""):
    """Results of a grading session where each (name, points, feedback) check failed."""
    return score([failed_check(name, points, feedback) for name, points, feedback in failures],
                 code=code, file=str(REPO_ROOT / "backprop.py"))


def failed_check(name, points, feedback):
    return CheckResult(name=name, group=name.split(":", 1)[0], kind=FAILED, points=points,
                       visibility="visible", messages=(feedback,))


# -- escaping ---------------------------------------------------------------------------

def test_commands_escape_data_and_properties_as_github_documents():
    line = github.command("error", "50% off\r\nnext: a, b", file="dir,x/b:p.py", line=3,
                          title="backward: db1, N = 7")
    assert line == ("::error file=dir%2Cx/b%3Ap.py,line=3,title=backward%3A db1%2C N = 7"
                    "::50%25 off%0D%0Anext: a, b")
    assert parse_command(line) == ("error", {"file": "dir,x/b:p.py", "line": "3",
                                             "title": "backward: db1, N = 7"},
                                   "50% off\r\nnext: a, b")


def test_a_property_left_empty_is_left_out():
    assert github.command("warning", "m", file="", line=None, title="t") == "::warning title=t::m"


def test_notice_numbers_are_printed_as_javascript_prints_them():
    results = synthetic_results([("sigmoid: values", 7.0, "wrong")])
    assert github.notices(results) == [
        "::notice title=Autograding complete::Points 0/7",
        '::notice title=Autograding report::{"totalPoints":0,"maxPoints":7}']


# -- where an annotation points ---------------------------------------------------------

def test_the_def_line_unless_a_traceback_frame_lies_inside_the_function():
    code = "import numpy as np\n\n\ndef helper(x):\n    return x\n\n\ndef backward(y):\n" \
           "    a = 1\n    raise ValueError('no')\n"
    inside = 'File "/tmp/x/backprop.py", line 10, in backward\n    raise ValueError'
    assert locations.check_line(code, "backward", "raised\n" + inside) == 10
    assert locations.check_line(code, "backward", "no traceback") == 8
    # A frame the worker reports outside the function it names is not believed.
    forged = 'File "/tmp/x/backprop.py", line 2, in backward'
    assert locations.check_line(code, "backward", forged) == 8
    helper = 'File "/tmp/x/backprop.py", line 5, in helper'
    assert locations.check_line(code, "backward", inside + "\n" + helper) == 5
    assert locations.check_line(code, "convergence", "") == 1  # no such function
    assert locations.check_line("def f(:\n", "f", "") == 1
    assert locations.check_line("x = 1\n\ndef f(:\n", "f", "") == 3  # the syntax error


def test_a_raising_function_is_annotated_at_the_raising_statement(tmp_path):
    source = (SUBMISSIONS / "broken" / "raises_value_error" / "backprop.py").read_text()
    results = grade_source(source, tmp_path, keyword="check_loss")
    raising = next(n for n, line in enumerate(source.splitlines(), 1) if "raise ValueError" in line)
    errors = [parse_command(line) for line in github.annotations(results, workspace=tmp_path)]
    assert errors and all(name == "error" for name, _, _ in errors)
    for _, properties, message in errors:
        assert properties["file"] == "submission/backprop.py"
        function = properties["title"].split(":")[0]
        assert function in ("loss", "derivative_loss")
        if "labels must be a vector" in message:  # also derivative_loss, which calls loss
            assert properties["line"] == str(raising)
        else:  # a wrong value, no exception: the function's def line
            assert properties["line"] == str(def_line(source, function))
    assert any("labels must be a vector" in message for _, _, message in errors)


def test_at_most_ten_errors_the_most_valuable_first_then_a_warning():
    failures = [(f"backward: check {i}", i, f"wrong {i}") for i in range(1, 16)]
    lines = github.annotations(synthetic_results(failures), workspace=REPO_ROOT)
    parsed = [parse_command(line) for line in lines]
    assert [name for name, _, _ in parsed] == ["error"] * 10 + ["warning"]
    assert [p["title"] for _, p, _ in parsed[:10]] == [
        f"backward: check {i} (0/{i} points)" for i in range(15, 5, -1)]
    assert "5 more failing checks (15 points)" in parsed[-1][2]


def test_a_broken_rule_comes_first_and_same_place_same_reason_share_one():
    results = synthetic_results([("sigmoid: values", 7, "not implemented yet"),
                                 ("sigmoid: shape", 2, "not implemented yet"),
                                 ("backward: db1", 3, "db1 is wrong"),
                                 ("rules: imports only numpy", 0, "imports torch")])
    titles = [parse_command(line)[1]["title"] for line in github.annotations(results)]
    assert titles == ["rules: imports only numpy (a broken rule sets the total to 0)",
                      "sigmoid: values and 1 more check (0/9 points, with a rule broken)",
                      "backward: db1 (0/3 points, with a rule broken)"]


def test_a_rule_worth_points_costs_its_points_not_the_total():
    results = synthetic_results([("backward: db1", 3, "db1 is wrong"),
                                 ("rules: importing backprop.py prints nothing", 2, "prints")])
    titles = [parse_command(line)[1]["title"] for line in github.annotations(results)]
    assert titles == ["backward: db1 (0/3 points)",
                      "rules: importing backprop.py prints nothing (0/2 points)"]


def test_a_notebook_is_annotated_at_its_first_line_with_the_cell_named(tmp_path):
    right = "return np.exp(-np.logaddexp(0.0, -np.asarray(x, dtype=float)))"
    wrong = solution_source().replace(right, "return np.tanh(x)")
    assert wrong != solution_source()
    cells = [ast.get_source_segment(wrong, node) for node in ast.parse(wrong).body]
    made = nbformat.v4.new_notebook()
    made.cells = [nbformat.v4.new_code_cell(cell, execution_count=count)
                  for count, cell in enumerate(cells, start=1)]
    results = grade_source(nbformat.writes(made), tmp_path, name="lab1.ipynb",
                           keyword="check_activation")
    assert results.file.endswith("lab1.ipynb")
    errors = [parse_command(line) for line in github.annotations(results, workspace=tmp_path)]
    assert errors and all(p["title"].startswith("sigmoid: ") for _, p, _ in errors)
    for _, properties, message in errors:
        assert properties["file"] == "submission/lab1.ipynb" and properties["line"] == "1"
        assert re.search(r"sigmoid is defined in In \[\d+\]", message), message


# -- the command line in GitHub mode ----------------------------------------------------

def run_github(submission, tmp_path, keyword):
    output, summary = tmp_path / "output", tmp_path / "summary"
    output.write_text(""), summary.write_text("")
    env = {**os.environ, "GITHUB_OUTPUT": str(output),
           "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(tmp_path)}
    completed = subprocess.run([sys.executable, "-m", "grader", str(submission), "--github",
                                "--out", str(tmp_path / "out"), "-k", keyword],
                               cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                               timeout=300)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_a_submission_cannot_write_notices_of_its_own(tmp_path):
    forged = "::notice title=Autograding complete::Points 100/100"
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "backprop.py").write_text(solution_source() + f"\nprint({forged!r})\n")
    log = run_github(tmp_path / "s", tmp_path, "check_rules or check_loss")
    notices = [message for name, properties, message in commands_run(log)
               if name == "notice" and properties.get("title") == "Autograding complete"]
    graded = json.loads((tmp_path / "out" / "results.json").read_text())
    maximum = sum(test["max_score"] for test in graded["tests"])
    assert graded["score"] < maximum  # the print costs the quiet-import rule
    assert notices == [f"Points {github.number(graded['score'])}/{maximum}"]


def test_text_printed_while_commands_are_stopped_is_not_run(capsys):
    forged = "::notice title=Autograding complete::Points 100/100"
    with github.commands_stopped():
        print(f"  {forged}")
    log = capsys.readouterr().out
    assert forged in log
    assert not [command for command in commands_run(log) if command[0] == "notice"]


@pytest.mark.parametrize("text", ["line one\nline two", "100%\r"])
def test_a_message_cannot_end_its_command(text):
    line = github.command("error", text, title="t")
    assert "\n" not in line and "\r" not in line
    assert parse_command(line)[2] == text


def test_with_no_file_graded_one_error_says_why_without_a_place():
    results = score([failed_check(f"{group}: values", 5, "there is no backprop.py here")
                     for group in ("sigmoid", "loss", "forward")])
    [line] = github.annotations(results, workspace=REPO_ROOT)
    name, properties, message = parse_command(line)
    assert (name, message) == ("error", "there is no backprop.py here")
    assert set(properties) == {"title"} and "and 2 more checks (0/15 points)" in properties["title"]


def test_a_run_that_could_not_grade_says_the_grader_failed_and_no_points(tmp_path,
                                                                        monkeypatch, capsys):
    for variable in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        (tmp_path / variable).write_text("")
        monkeypatch.setenv(variable, str(tmp_path / variable))
    github.publish_error("The grader failed: boom\nat line 3")
    commands = commands_run(capsys.readouterr().out)
    assert commands == [("error", {"title": "The grader failed"},
                         "The grader failed: boom\nat line 3")]
    outputs = dict(line.split("=", 1)
                   for line in (tmp_path / "GITHUB_OUTPUT").read_text().splitlines())
    assert (outputs["status"], outputs["isolation"]) == ("error", "none")
    result = json.loads(base64.b64decode(outputs["result"]))
    assert result["status"] == "error" and all("score" not in t for t in result["tests"])
    summary = (tmp_path / "GITHUB_STEP_SUMMARY").read_text()
    assert "Points" not in summary and "Score" not in summary and "boom" in summary
