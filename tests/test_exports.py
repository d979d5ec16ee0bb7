"""What the course publishes: the student template and the Gradescope autograder.

Both ship without the solution; these tests build each in a temp dir, install it in a
fresh virtual environment the way its users would, and grade the starter (0) and the
solution (100, plus the bonus) with it.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest

from grader.authoring.exports.gradescope import export_gradescope
from grader.authoring.starter import BEGIN, END
from grader.paths import SOLUTION_DIR, STARTER_DIR
from grader.sandbox import privileges
from tests.grading import bonus_headline, bonus_total
from tests.test_notebook_submissions import graded_functions, template_notebook

MIN_LINE = 20  # shorter lines (`return grads`) are too common to betray a solution


def solution_lines():
    """Every code line inside the solution's BEGIN/END SOLUTION regions, stripped."""
    lines, inside = set(), False
    for line in (SOLUTION_DIR / "backprop.py").read_text(encoding="utf-8").splitlines():
        if BEGIN.match(line):
            inside = True
        elif END.match(line):
            inside = False
        elif inside and len(line.strip()) >= MIN_LINE and not line.strip().startswith("#"):
            lines.add(line.strip())
    return lines


def text_files(folder):
    for path in folder.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts and ".venv" not in path.parts:
            try:
                yield path, path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # binary (the stored reference values)


@pytest.fixture(scope="module")
def template(student_template):
    return student_template


def test_template_has_what_students_need_and_no_solution(template):
    for name in ("backprop.py", "lab1.ipynb", "README.md", "Makefile", "grade.py", "pyproject.toml",
                 "grader/reference_values.npz", "datasets/linear.csv",
                 ".github/workflows/classroom.yml"):
        assert (template / name).is_file(), name
    assert not (template / "solution").exists() and not (template / "tests").exists()
    assert (template / "backprop.py").read_bytes() == (STARTER_DIR / "backprop.py").read_bytes()


def test_no_solution_code_appears_in_the_template(template):
    secrets = solution_lines()
    assert len(secrets) > 20  # the search looks for something
    for path, text in text_files(template):
        found = secrets & {line.strip() for line in text.splitlines()}
        assert not found, f"{path.relative_to(template)} holds solution code: {found}"


def run(command, cwd, **env):
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900,
                            encoding="utf-8", errors="replace",
                            env={**os.environ, "PYTHONIOENCODING": "utf-8", **env})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


def headline(output):
    return re.search(r"^Total: .*$", output, re.MULTILINE).group(0)


VENV_PYTHON = ("Scripts", "python.exe") if os.name == "nt" else ("bin", "python")
GRADESCOPE_TEST = "test_gradescope_autograder_grades_in_its_layout"
SETUP_TIMEOUT = 900  # seconds


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    """The Gradescope autograder zip unpacked as Gradescope does, with its setup.sh
    started; (names in the zip, root, the running setup, its log). The setup (a fresh
    virtual environment and pip install) runs while the module's other tests do."""
    root = tmp_path_factory.mktemp("gradescope") / "autograder"
    archive = export_gradescope(root.parent / "autograder.zip")
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        opened.extractall(root / "source")
    for script in ("setup.sh", "run_autograder"):  # zipfile does not restore modes
        (root / "source" / script).chmod(0o755)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    log = root.parent / "setup.log"
    with log.open("w", encoding="utf-8") as stream:
        setup = subprocess.Popen(["bash", str(root / "source" / "setup.sh")], cwd=root,
                                 stdout=stream, stderr=subprocess.STDOUT,
                                 env={**os.environ, "PYTHONIOENCODING": "utf-8",
                                      "AUTOGRADER_ROOT": str(root)})
    yield names, root, setup, log
    if setup.poll() is None:
        setup.kill()
    setup.wait()


@pytest.fixture(scope="module", autouse=True)
def autograder_setup_starts_first(request):
    """When the Gradescope test is selected, its setup starts before this module's first
    test, so that its install overlaps the template's."""
    if any(item.name == GRADESCOPE_TEST for item in request.session.items):
        request.getfixturevalue("autograder")


@pytest.mark.student_facing
def test_template_readme_commands_grade_in_a_fresh_venv(template, tmp_path):
    """`python grade.py` creates .venv, installs and grades; a second run (and `make
    grade`, where make exists) reuses the same .venv."""
    student = tmp_path / "student"
    shutil.copytree(template, student)
    readme = (student / "README.md").read_text(encoding="utf-8")
    assert "python grade.py" in readme and "make grade" in readme
    output = run([sys.executable, "grade.py"], student)
    assert headline(output) == "Total: 0 / 100" and "not implemented yet" in output
    assert student.joinpath(".venv", *VENV_PYTHON).is_file()
    installed = (student / ".venv" / ".installed").stat().st_mtime
    shutil.copy(SOLUTION_DIR / "backprop.py", student / "backprop.py")
    output = run([sys.executable, "grade.py", "-k", "sigmoid"], student)
    assert "Installing" not in output and re.search(r"^\s+3/3\s+sigmoid: values", output,
                                                    re.MULTILINE), output
    if shutil.which("make") and os.name != "nt":
        output = run(["make", "grade", f"PYTHON={sys.executable}"], student)
        assert headline(output) == bonus_headline(100, 100, 4)
    assert (student / ".venv" / ".installed").stat().st_mtime == installed


def test_gradescope_autograder_grades_in_its_layout(autograder, tmp_path):
    names, root, setup, log = autograder
    assert {"setup.sh", "run_autograder", "grader/reference_values.npz"} <= set(names)
    assert not any(name.startswith(("solution/", "tests/")) for name in names)
    returncode = setup.wait(timeout=SETUP_TIMEOUT)  # bash setup.sh, with AUTOGRADER_ROOT
    assert returncode == 0, log.read_text(encoding="utf-8", errors="replace")[-4000:]

    def grade(submission_file, name="backprop.py"):
        shutil.rmtree(root / "submission", ignore_errors=True)
        (root / "submission").mkdir()
        if submission_file:
            shutil.copy(submission_file, root / "submission" / name)
        log = run([str(root / "run_autograder")], root, AUTOGRADER_ROOT=str(root))
        results = json.loads((root / "results" / "results.json").read_text())
        # The isolation that graded is recorded in the results and in the log.
        assert log.splitlines()[-1] == f"isolation: {results['extra_data']['isolation']}"
        return results

    solved = grade(SOLUTION_DIR / "backprop.py")
    assert solved["extra_data"]["isolation"] in ("bwrap", privileges.process_isolation())
    assert f"Isolation: {solved['extra_data']['isolation']}" in solved["output"]
    core = sum(t["score"] for t in solved["tests"] if t["max_score"])
    assert core == 100 and solved["score"] == bonus_total(100, 100, 4)
    assert grade(STARTER_DIR / "backprop.py")["score"] == 0
    missing = grade(None)
    assert missing["score"] == 0
    assert "no backprop.py" in missing["output"]  # the reason, above every "not run" check
    # A notebook handed in alone imports its helpers from the given code the zip ships.
    notebook = tmp_path / "lab1.ipynb"
    solution = (SOLUTION_DIR / "backprop.py").read_text(encoding="utf-8")
    nbformat.write(template_notebook(graded_functions(solution)), str(notebook))
    alone = grade(notebook, "lab1.ipynb")
    assert sum(t["score"] for t in alone["tests"] if t["max_score"]) == 100, alone["output"]
    assert "the starter's backprop.py" in alone["output"]
