"""starter/ is generated from solution/ and must stay in sync."""

import ast
import subprocess
import sys

import pytest

from grader.authoring.starter import GENERATED, RegionError, render, strip_answers, strip_solution
from grader.paths import REPO_ROOT, SOLUTION_DIR, STARTER_DIR
from grader.sandbox.loading import import_file

GRADED = ("sigmoid", "derivative_sigmoid", "loss", "derivative_loss", "forward", "backward",
          "update", "show_result", "show_learning_curve")


@pytest.mark.parametrize(("source", "target"), GENERATED)
def test_committed_starter_is_what_the_generator_writes(source, target):
    solution = (SOLUTION_DIR / source).read_text(encoding="utf-8")
    assert (STARTER_DIR / target).read_text(encoding="utf-8") == render(source, solution), (
        f"starter/{target} is out of date: run `python -m grader make-starter`")


def test_starter_keeps_signatures_docstrings_and_helpers():
    starter = import_file(STARTER_DIR / "backprop.py", "_starter_under_test")
    solution = import_file(SOLUTION_DIR / "backprop.py", "_solution_for_starter")
    for name, value in vars(solution).items():
        if callable(value) and getattr(value, "__module__", None) == solution.__name__:
            assert getattr(starter, name).__doc__ == value.__doc__, name
    functions = {node.name: node for node in ast.parse(
        (STARTER_DIR / "backprop.py").read_text(encoding="utf-8")).body
        if isinstance(node, ast.FunctionDef)}
    for name in GRADED:
        last = functions[name].body[-1]
        assert isinstance(last, ast.Raise), name
        assert last.exc.func.id == "NotImplementedError" and name in last.exc.args[0].value
    x, y = starter.generate_XOR_easy()
    assert x.shape == (21, 2) and starter.init_params()["W2"].shape == (4, 4)


def test_importing_the_starter_prints_and_trains_nothing():
    result = subprocess.run(
        [sys.executable, "-c", "import backprop"], cwd=STARTER_DIR, capture_output=True,
        text=True, timeout=60, env={"MPLBACKEND": "Agg", "PATH": ""})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""


def test_regions_become_stubs_with_hints():
    source = ("def f(x):\n    \"\"\"Doc.\"\"\"\n    # BEGIN SOLUTION -- double it\n"
              "    return 2 * x\n    # END SOLUTION\n")
    assert strip_solution(source) == (
        "def f(x):\n    \"\"\"Doc.\"\"\"\n    raise NotImplementedError('f: double it')\n")


@pytest.mark.parametrize("source", [
    "# BEGIN SOLUTION\nx = 1\n",
    "x = 1\n# END SOLUTION\n",
    "# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION\n",
])
def test_unbalanced_regions_are_errors(source):
    with pytest.raises(RegionError):
        strip_solution(source)


def test_make_starter_command_writes_both_files(tmp_path):
    for source, _ in GENERATED:
        (tmp_path / "solution").mkdir(exist_ok=True)
        (tmp_path / "solution" / source).write_bytes((SOLUTION_DIR / source).read_bytes())
    (tmp_path / "starter").mkdir()
    from grader.authoring.starter import make_starter

    written = make_starter(tmp_path / "solution", tmp_path / "starter")
    assert sorted(p.name for p in written) == sorted(t for _, t in GENERATED)
    assert REPO_ROOT.exists()


@pytest.mark.parametrize("markdown", [
    "<!-- BEGIN SOLUTION -->\nanswer\n",
    "answer\n<!-- END SOLUTION -->\n",
    "<!-- BEGIN SOLUTION -->\n<!-- BEGIN SOLUTION -->\n<!-- END SOLUTION -->\n",
])
def test_unbalanced_answer_regions_are_errors(markdown):
    with pytest.raises(RegionError, match="SOLUTION"):
        strip_answers(markdown)
