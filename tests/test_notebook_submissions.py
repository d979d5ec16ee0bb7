"""Notebook submissions: graded like a backprop.py, without running the training cells."""

import ast
import json
import shutil

import nbformat
import pytest

from grader.grade import grade
from grader.intake import prepare
from grader.intake.notebook import assemble
from grader.lab import CONTRACT_FUNCTIONS
from grader.paths import SOLUTION_DIR, STARTER_DIR
from grader.session.installation import GraderFailure
from grader.session.outcome import NOT_IMPLEMENTED
from tests.grading import by_name, failed_groups, grade_source, solution_source
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


def assemble_made(folder, made, given=None):
    """The Assembled module of a notebook node, written into folder."""
    return assemble(write(folder, made), given=given)


def core(results):
    return results.core


def test_functions_written_in_a_notebook_get_full_marks(tmp_path):
    path = write(tmp_path / "student", functions_notebook())
    results = grade(path, out_dir=tmp_path / "out")
    assert core(results) == 100, [(c.name, c.output) for c in results.checks if not c.passed]
    assert "lab1.ipynb" in results.graded
    report = {c.name: c for c in results.checks if c.group == "report"}
    assert all(c.passed for c in report.values())
    assert results.execution_time < 30  # the training cell never ran


def test_a_notebook_saved_in_gbk_is_graded_and_flagged(tmp_path):
    """An editor's GBK re-save of the notebook is graded like the UTF-8 one; the grade
    notes the encoding for review (grader.intake.encoding)."""
    made = functions_notebook(extra=["# 训练网络并画出学习曲线"])
    path = tmp_path / "student" / "lab1.ipynb"
    path.parent.mkdir()
    path.write_bytes(nbformat.writes(made).encode("gbk"))
    results = grade(path, out_dir=tmp_path / "out")
    assert core(results) == 100, [(c.name, c.output) for c in results.checks if not c.passed]
    assert [kind for kind, _ in results.notes] == ["encoding"]


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


# -- a notebook handed in without backprop.py ------------------------------------------------

def graded_functions(source):
    """The source of each graded function a module defines, in order."""
    return [ast.get_source_segment(source, node) for node in ast.parse(source).body
            if isinstance(node, ast.FunctionDef) and node.name in CONTRACT_FUNCTIONS]


def template_notebook(cells):
    """The template's notebook (which imports backprop for its given helpers) with `cells`
    written after its import cell, as a student who fills the functions in the notebook."""
    made = nbformat.read(STARTER_DIR / "lab1.ipynb", as_version=4)
    first = next(i for i, cell in enumerate(made.cells) if "import backprop" in cell.source)
    made.cells[first + 1:first + 1] = [nbformat.v4.new_code_cell(cell) for cell in cells]
    return made


def alone(tmp_path, cells):
    """Grade a folder holding only the template's notebook with `cells` filled in."""
    results = grade(write(tmp_path / "student", template_notebook(cells)).parent,
                    out_dir=tmp_path / "out")
    assert not results.broken_rules, [c.output for c in results.broken_rules]
    return results


def test_a_notebook_handed_in_alone_is_graded_on_its_cells(tmp_path):
    results = alone(tmp_path, graded_functions(solution_source()))
    assert core(results) == 100, [(c.name, c.output) for c in results.checks if not c.passed]
    assert results.graded == ("lab1.ipynb (no backprop.py beside it: the notebook's own "
                              "functions are graded, and what it imports from backprop comes "
                              "from the starter's backprop.py)")


def test_a_notebook_handed_in_alone_scores_like_its_code_as_backprop_py(tmp_path):
    mutant = apply(next(m for m in MUTANTS if m.name == "backward_sign_flipped"),
                   solution_source())
    in_cells = alone(tmp_path / "notebook", graded_functions(mutant))
    as_script = grade_source(mutant, tmp_path / "script")
    assert 0 < core(in_cells) == core(as_script) < 100
    assert failed_groups(in_cells) - {"report"} == failed_groups(as_script) == {
        "backward", "convergence"}


def test_stubs_in_a_notebook_handed_in_alone_are_not_implemented(tmp_path):
    starter = (STARTER_DIR / "backprop.py").read_text(encoding="utf-8")
    results = alone(tmp_path, graded_functions(starter))
    assert results.score == 0
    graded = [c for c in results.checks if c.group in CONTRACT_FUNCTIONS]
    assert graded and all(c.kind == NOT_IMPLEMENTED for c in graded), by_name(results)


def test_the_lab_notebook_handed_in_alone_never_gets_the_solutions_functions(tmp_path):
    """The solution's notebook defines no graded function: what it imports from backprop
    is the starter's stubs, not the solution's code."""
    shutil.copy(SOLUTION_DIR / "lab1.ipynb", tmp_path / "lab1.ipynb")
    results = grade(tmp_path / "lab1.ipynb", out_dir=tmp_path / "out")
    assert results.score == 0 and not results.broken_rules
    assert all(c.kind == NOT_IMPLEMENTED for c in results.checks if c.group == "sigmoid")


def test_a_forbidden_framework_in_a_notebook_handed_in_alone_zeroes_the_total(tmp_path):
    made = template_notebook(["import torch", *graded_functions(solution_source())])
    results = grade(write(tmp_path / "student", made).parent, out_dir=tmp_path / "out")
    assert results.score == 0
    (rule,) = results.broken_rules
    assert "imports torch (a deep-learning or autodiff framework)" in rule.output
    assert "backprop" not in rule.output


def test_a_helper_neither_defined_nor_given_fails_only_the_checks_that_use_it(tmp_path):
    calls_helper = [cell.replace("def forward(x, params):\n", "def forward(x, params):\n"
                                 "    my_helper()\n") for cell in graded_functions(
        solution_source())]
    results = alone(tmp_path, ["from backprop import my_helper, init_params", *calls_helper])
    assert failed_groups(results) - {"report"} == {"forward", "backward", "convergence"}
    forward = next(c for c in results.checks if c.group == "forward")
    assert "NameError: name 'my_helper' is not defined" in forward.output
    assert "Hint: no cell of lab1.ipynb defines my_helper, nor does the starter's " \
           "backprop.py" in forward.output
    assert results.graded.endswith("(which has no my_helper))")


def test_without_a_copy_of_the_given_code_the_grader_refuses(tmp_path, monkeypatch):
    """A notebook handed in alone imports its helpers from the given code: a grader
    without its copy is broken, and says so instead of failing the notebook's checks."""
    monkeypatch.setattr(prepare, "given_code", lambda: None)
    with pytest.raises(GraderFailure, match="copy of the given code .* is missing"):
        alone(tmp_path, graded_functions(solution_source()))


@pytest.mark.parametrize("beside", [None, "starter"])
def test_a_function_in_a_cell_that_does_not_parse_says_so(tmp_path, beside):
    cells = [cell.replace("def show_learning_curve(losses):", "def show_learning_curve(losses)")
             for cell in graded_functions(solution_source())]
    made = template_notebook(cells)
    folder = write(tmp_path / "student", made).parent
    if beside:
        shutil.copy(STARTER_DIR / "backprop.py", folder / "backprop.py")
    results = grade(folder, out_dir=tmp_path / "out")
    index = next(i for i, cell in enumerate(made.cells, 1)
                 if "def show_learning_curve" in cell.source)
    curve = [c for c in results.checks if c.group == "show_learning_curve"]
    assert curve and all(c.output.startswith(
        f"show_learning_curve: its cell {index} has a syntax error on line 1: expected ':'")
        and c.kind != NOT_IMPLEMENTED for c in curve), [c.output for c in curve]
    assert failed_groups(results) == {"show_learning_curve", "report"}


def test_a_stub_standing_in_for_a_skipped_cell_is_named(tmp_path):
    cells = [cell.replace("def sigmoid(x):", "def sigmoid(x)")
             for cell in graded_functions(solution_source())]
    results = alone(tmp_path, cells)
    forward = next(c for c in results.checks if c.group == "forward")
    assert "Hint: sigmoid is not the notebook's: its cell" in forward.output


def test_a_later_cell_that_parses_replaces_a_skipped_definition(tmp_path):
    made = notebook("def sigmoid(x)\n    return x", "def sigmoid(x):\n    return x")
    assembled = assemble_made(tmp_path, made)
    assert assembled.broken == {} and assembled.cells == {"sigmoid": "In [2]"}
    made = notebook("def sigmoid(x):\n    return x", "def sigmoid(x)\n    return x")
    assert assemble_made(tmp_path, made).broken == {
        "sigmoid": "its cell In [2] has a syntax error on line 1: expected ':'"}


def test_imports_from_a_missing_backprop_keep_what_the_given_code_defines(tmp_path):
    made = notebook("import backprop as bp, numpy as np\n"
                    "from backprop import init_params, my_helper\nfrom backprop import *")
    given = assemble_made(tmp_path, made, given={"init_params", "np"})
    assert "import backprop as bp, numpy as np" in given.source
    assert "from backprop import init_params\n" in given.source
    assert given.source.startswith("from backprop import *") and given.left_out == ["my_helper"]
    nothing = assemble_made(tmp_path, made, given=set()).source
    assert "backprop" not in nothing and "import numpy as np" in nothing


def test_a_student_repository_without_backprop_grades_its_notebook_not_the_given_code(
        tmp_path):
    """The template ships the starter's given code as grader/given/backprop.py: it is
    never the file graded (locate skips the template's grader/)."""
    from grader.intake.locate import locate

    (tmp_path / "grader" / "given").mkdir(parents=True)
    (tmp_path / "grader" / "given" / "backprop.py").write_text("x = 1\n", encoding="utf-8")
    shutil.copy(STARTER_DIR / "lab1.ipynb", tmp_path / "lab1.ipynb")
    graded, _ = locate(tmp_path)
    assert graded == tmp_path / "lab1.ipynb"
