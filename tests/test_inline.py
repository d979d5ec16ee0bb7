"""`from grader import check; check()` inside a notebook, in a real kernel (nbclient).

The notebook defines a correct `sigmoid` (which logs the process id it runs in) and a
wrong `derivative_sigmoid` (in a `%%time` cell, beside a `files = !ls` one: IPython's syntax
is read as IPython reads it); check() must credit the one, diagnose the other, show both
as HTML and as text, run the code outside the kernel, and load no grader machinery
(pytest, the checks, the worker) into it.
"""

import re

import nbformat
import pytest
from nbclient import NotebookClient

from grader import inline
from grader.intake.notebook import without_check_import
from grader.sandbox import bwrap

pytestmark = pytest.mark.student_facing

HEAVY_MODULES = ("pytest", "grader.session.marker", "grader.session.plugin",
                 "grader.intake.prepare", "grader.sandbox.handle", "grader.sandbox.worker",
                 "grader.grade")


def code_cell(source):
    return nbformat.v4.new_code_cell(source)


def notebook_with_check(pid_log):
    cells = [
        "%matplotlib inline\nfiles = !ls\nimport os\nimport sys\n\nimport numpy as np\n"
        "kernel_pid = os.getpid()",
        f"PID_LOG = {str(pid_log)!r}\n\n\ndef sigmoid(x):\n"
        "    try:\n        with open(PID_LOG, 'a') as log:\n"
        "            log.write(f'{os.getpid()}\\n')\n"
        "    except OSError:\n        pass  # in the sandbox, the host's disk is read-only\n"
        "    return 1 / (1 + np.exp(-x))",
        "%%time\ndef derivative_sigmoid(y):\n    return y * (1 + y)  # wrong: y * (1 - y)",
        "for step in range(3):\n    print('a training loop that check() never runs')",
        "from grader import check\n\ncheck('sigmoid')",
        "from grader import check; check('derivative_sigmoid')",
        "everything = check()\nprint(everything.passed, len(everything.tests) > 20)",
        "check('sigmoidd')",
        f"print(kernel_pid)\nprint(sorted(set(sys.modules) & {set(HEAVY_MODULES)!r}))",
    ]
    return nbformat.v4.new_notebook(cells=[code_cell(source) for source in cells])


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inline")
    notebook = notebook_with_check(folder / "pids.txt")
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    return notebook.cells, folder


def shown(cell, kind):
    """The cell's result of MIME type kind (its Out[] value)."""
    results = [o for o in cell.outputs if o.output_type == "execute_result"]
    assert len(results) == 1, cell.outputs
    return results[0].data[kind]


def printed(cell):
    return "".join(o.text for o in cell.outputs if o.output_type == "stream")


def test_a_correct_function_gets_its_points(executed):
    cells, _ = executed
    page = shown(cells[4], "text/html")
    assert "<table>" in page and "sigmoid: 7 / 7" in page and "failed" not in page
    text = shown(cells[4], "text/plain")
    assert "sigmoid: 7 / 7" in text and "FAILED" not in text
    assert "Graded: the cells run in this kernel" in text


def test_a_wrong_function_is_failed_with_its_diagnosis(executed):
    cells, _ = executed
    page, text = shown(cells[5], "text/html"), shown(cells[5], "text/plain")
    earned = re.search(r"derivative_sigmoid: (\d+) / 5", text)
    assert earned and int(earned.group(1)) < 5
    assert f"derivative_sigmoid: {earned.group(1)} / 5" in page
    assert "<details open>" in page and "FAILED" in text
    for shown_as in (page, text):  # the full message with the values, and the cell
        assert "it returned 1.9701, expected 0.0099" in shown_as and "In [3]" in shown_as


def test_check_without_a_name_grades_everything(executed):
    cells, _ = executed
    assert printed(cells[6]).split() == ["False", "True"]


def test_an_unknown_name_says_which_exist(executed):
    cells, _ = executed
    text = shown(cells[7], "text/plain")
    assert "no checks of 'sigmoidd'" in text and "derivative_sigmoid" in text


def test_the_code_runs_outside_the_kernel_which_loads_no_grader_machinery(executed):
    cells, folder = executed
    kernel_pid, modules = printed(cells[8]).splitlines()
    log = folder / "pids.txt"
    if bwrap.unavailable_reason() is None:  # sandboxed: the worker cannot write the host's disk
        assert not log.exists()
    else:
        logged = set(log.read_text().split())
        assert logged and kernel_pid not in logged
    assert modules == "[]"
    assert not any("training loop" in printed(cell) for cell in cells[4:])


def test_outside_a_notebook_check_says_what_to_do_instead():
    feedback = inline.check()
    assert "outside one, run `python -m grader`" in str(feedback)
    assert 'check(path="backprop.py") or check(path="lab1.ipynb")' in str(feedback)
    assert "python -m grader" in feedback._repr_html_()


def test_a_saved_file_can_be_named_and_unenforced_limits_are_shown(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_SIMULATE_MISSING", "resource")  # inherited by the grader
    (tmp_path / "backprop.py").write_text(
        "import numpy as np\n\n\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n",
        encoding="utf-8")
    feedback = inline.check("sigmoid", path=tmp_path / "backprop.py")
    assert feedback.passed and "sigmoid: 7 / 7" in str(feedback)
    for shown_as in (str(feedback), feedback._repr_html_()):
        assert "Not enforced on this system: no limit on memory, CPU time" in shown_as
    missing = inline.check(path=tmp_path / "nothing.ipynb")
    assert "no file" in str(missing)


@pytest.mark.parametrize(("line", "graded_as"), [
    ("from grader import check", ""),
    ("from grader import check; check('backward')", "check('backward')"),
    ("from grader import check  # feedback", "# feedback"),
    ("from grader import checks", "from grader import checks"),  # anything else stays
    ("import grader", "import grader"),
])
def test_the_check_import_is_dropped_from_a_graded_notebook_and_nothing_else(line, graded_as):
    assert without_check_import(line) == graded_as


def result(name, score, max_score, kind, output=""):
    return {"name": name, "score": score, "max_score": max_score, "visibility": "visible",
            "status": "passed" if kind == "passed" else "failed", "output": output,
            "extra_data": {"kind": kind}}


PRINTED_AT_IMPORT = {"output": "Total: 58 / 100", "tests": [
    result("rules: imports only numpy, matplotlib and the standard library", 0, 0, "passed"),
    result("rules: importing backprop.py trains nothing and prints nothing", 0, 2, "failed",
           "importing backprop.py prints:\n  hi"),
    result("backward: every gradient matches the reference", 30, 30, "passed"),
    result("show_result: two scatter subplots", 0, 4, "not_implemented", "not implemented yet"),
    result("show_learning_curve: loss against epoch", 0, 3, "not_implemented",
           "not implemented yet"),
]}


def test_a_function_asked_for_is_counted_alone_beside_a_failed_rule_check():
    """The 2-point import rule is a check of its own, not part of backward's points; a
    rule that zeroes the total is shown with whatever is asked for."""
    feedback = inline.Feedback(PRINTED_AT_IMPORT, only="backward", graded="cells")
    assert "backward: 30 / 30" in str(feedback) and feedback.passed
    everything = str(inline.Feedback(PRINTED_AT_IMPORT, graded="cells"))
    assert "      0/2  rules: importing backprop.py trains nothing" in everything
    assert "     rule  rules: imports only numpy" in everything
    broken = {**PRINTED_AT_IMPORT, "tests": [
        result("rules: imports only numpy, matplotlib and the standard library", 0, 0,
               "failed", "imports torch"), *PRINTED_AT_IMPORT["tests"][1:]]}
    shown = inline.Feedback(broken, only="backward", graded="cells")
    assert shown.tests[0]["name"].startswith("rules: imports only") and not shown.passed


def test_unwritten_functions_are_named_once_not_listed_as_failures():
    feedback = inline.Feedback(PRINTED_AT_IMPORT, graded="cells")
    text, page = str(feedback), feedback._repr_html_()
    assert text.count("not implemented yet") == 2  # the two rows, no repeated message
    assert "Not implemented yet: show_result, show_learning_curve." in text
    assert "Not implemented yet: show_result, show_learning_curve." in page
    assert [t["name"] for t in feedback.failed] == [
        "rules: importing backprop.py trains nothing and prints nothing"]
