"""Notebook submissions: graded like a backprop.py, without running the training cells."""

import ast
import json
import shutil

import nbformat
import pytest

from grader.grade import grade
from grader.paths import SOLUTION_DIR, STARTER_DIR
from tests.grading import by_name, solution_source
from tests.submissions.mutants import MUTANTS, apply

LONG_TRAINING = ("x, y = generate_XOR_easy()\n"
                 "params, losses = train(x, y, init_params(), epochs=10**9)")


def function_cells(source):
    """The source of each top-level statement of a module, in order."""
    tree = ast.parse(source)
    return [ast.get_source_segment(source, node) for node in tree.body]


def notebook(*cells, outputs=()):
    """A v4 notebook of code cells (str) with execution counts 1, 2, ..."""
    made = nbformat.v4.new_notebook()
    for count, source in enumerate(cells, start=1):
        cell = nbformat.v4.new_code_cell(source, execution_count=count)
        made.cells.append(cell)
    made.cells[-1].outputs = list(outputs)
    return made


def write(folder, made, name="lab1.ipynb"):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    nbformat.write(made, str(path))
    return path


def functions_notebook(source=None, extra=()):
    """The solution written in a notebook, with magics, a wrong early forward, a training
    cell that would never end, a cell magic and plotting code."""
    wrong_forward = "def forward(x, params):\n    return x[:, :1] * 0, None"
    cells = ["%matplotlib inline\n!pip install numpy", wrong_forward,
             *function_cells(source or solution_source()), LONG_TRAINING,
             "%%time\nshow_learning_curve(losses)", *extra]
    return notebook(*cells, outputs=[
        nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="}),
        nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="}),
        nbformat.v4.new_output("stream", text="loss=0.00245 accuracy=100.00%\n")])


def core(results):
    return results.score - results.bonus


def test_functions_written_in_a_notebook_get_full_marks(tmp_path):
    path = write(tmp_path / "student", functions_notebook())
    results = grade(path, out_dir=tmp_path / "out")
    assert core(results) == 100, [(c.name, c.output) for c in results.checks if not c.passed]
    assert "lab1.ipynb" in results.graded
    report = {c.name: c for c in results.checks if c.group == "report"}
    assert all(c.passed for c in report.values())
    assert results.execution_time < 30  # the training cell never ran


def test_the_solution_notebook_importing_backprop_gets_full_marks(tmp_path):
    results = grade(SOLUTION_DIR / "lab1.ipynb", out_dir=tmp_path)
    assert core(results) == 100


def test_a_later_definition_wins_as_in_jupyter(tmp_path):
    correct_then_wrong = functions_notebook(
        extra=["def forward(x, params):\n    return x[:, :1] * 0 + 0.5, None"])
    results = grade(write(tmp_path / "s", correct_then_wrong), out_dir=tmp_path / "out")
    forward = [c for c in results.checks if c.group == "forward"]
    assert forward and not any(c.passed for c in forward)


def test_feedback_names_the_cell_that_defines_a_function(tmp_path):
    mutant = next(m for m in MUTANTS if m.name == "backward_sign_flipped")
    made = functions_notebook(apply(mutant, solution_source()))
    results = grade(write(tmp_path / "s", made), out_dir=tmp_path / "out")
    failed = [c for c in results.checks if c.group == "backward" and not c.passed]
    index = next(i for i, cell in enumerate(made.cells, 1) if "def backward" in cell.source)
    assert failed and all(f"backward is defined in In [{index}]" in c.output for c in failed)


def test_a_folder_grades_its_notebook_when_it_defines_more(tmp_path):
    folder = tmp_path / "student"
    write(folder, functions_notebook())
    shutil.copy(STARTER_DIR / "backprop.py", folder / "backprop.py")
    results = grade(folder, out_dir=tmp_path / "out")
    assert core(results) == 100
    assert "lab1.ipynb" in results.graded and "defines more graded functions" in results.graded


def test_a_folder_grades_its_backprop_when_the_notebook_only_uses_it(graded):
    # solution/ is such a folder: its lab1.ipynb imports its backprop.py.
    assert "import backprop" in (SOLUTION_DIR / "lab1.ipynb").read_text(encoding="utf-8")
    results = graded(SOLUTION_DIR)
    assert results.graded.startswith("backprop.py")
    assert not any(c.group == "report" for c in results.checks)


def test_a_cell_with_a_syntax_error_is_skipped_and_named(tmp_path):
    made = functions_notebook(extra=["def broken(:\n    pass"])
    results = grade(write(tmp_path / "s", made), out_dir=tmp_path / "out")
    assert core(results) == 100
    cells = by_name(results)["report: every code cell of the notebook parses"]
    assert not cells.passed and f"In [{len(made.cells)}] has a syntax error" in cells.output


BAD = {
    "malformed_json": ('{"cells": [', "is not valid JSON"),
    "not_a_notebook": ('{"hello": "world"}', "not a Jupyter notebook"),
    "nbformat_3": (json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                               "worksheets": [{"cells": []}]}), "notebook format 3"),
    "empty": (nbformat.writes(nbformat.v4.new_notebook()), "has no code"),
    "code_cell_without_outputs": (json.dumps({
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [{"cell_type": "code", "id": "c1", "metadata": {}, "execution_count": None,
                   "source": "def sigmoid(x):\n    return x\n"}]}), "is not a valid notebook"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_notebooks_are_a_zero_with_a_message(name, tmp_path):
    text, message = BAD[name]
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "lab1.ipynb").write_text(text)
    results = grade(folder / "lab1.ipynb", out_dir=tmp_path / "out")
    assert results.score == 0 and len(results.checks) >= 39
    assert not any(c.internal_error for c in results.checks)
    assert message in results.import_error  # shown once, above the table
    assert all(c.output.startswith("not run: lab1.ipynb is not graded") for c in results.checks
               if c.group == "sigmoid"), by_name(results)


def test_a_notebook_with_50_mb_of_outputs_grades_normally(tmp_path):
    made = functions_notebook()
    made.cells[-1].outputs.append(nbformat.v4.new_output("stream", text="x" * 50_000_000))
    results = grade(write(tmp_path / "s", made), out_dir=tmp_path / "out")
    assert core(results) == 100
