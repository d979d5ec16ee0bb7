"""An exception at import is graded like an import that does not finish: from the file's
definitions, the quiet-import rule naming the line; a file whose definitions themselves
raise still says so, as any file that does not import. Drawing or showing a figure at
import is against the same rule."""

import pytest

from tests.test_grader import assert_graded_without, graded_with

# (statements at the end of the solution, the exception, the statement that raises, as
# the rule names it (its first line), and where it starts among the statements)
RAISING_TAILS = {
    "input": ("epochs = int(input('epochs? '))\n", "EOFError (EOF when reading a line)",
              "epochs = int(input('epochs? '))", 0),
    "sys.exit": ("import sys\n\nsys.exit()\n", "SystemExit", "sys.exit()", 2),
    "raise": ("x, y = generate_linear()\nraise ValueError('stop')\n", "ValueError (stop)",
              "raise ValueError('stop')", 1),
    "open": ("with open('data.txt') as f:\n    rows = f.readlines()\n",
             "FileNotFoundError ([Errno 2] No such file or directory: 'data.txt')",
             "with open('data.txt') as f: ...", 0),
    # The line named is the module's statement, not the line inside the function it calls.
    "a function that raises": ("def main():\n    raise KeyboardInterrupt\n\n\nmain()\n",
                               "KeyboardInterrupt", "main()", 4),
}


@pytest.mark.parametrize("name", sorted(RAISING_TAILS))
def test_an_exception_at_import_costs_only_the_quiet_rule_naming_its_line(name, tmp_path):
    tail, exception, statement, offset = RAISING_TAILS[name]
    results, line = graded_with(tail, tmp_path)
    assert_graded_without(results, f"raised {exception} on line {line + offset}",
                          (line + offset, statement))


# A definition or an import that raises: what the definitions alone run. (definition,
# the exception, the line that raises among the definition's)
RAISING_DEFINITIONS = {
    "a default argument": ("def helper(x=UNDEFINED_RATE):\n    return x\n",
                           "NameError: name 'UNDEFINED_RATE' is not defined", 0),
    "a decorator": ("@undefined_decorator\ndef helper(x):\n    return x\n",
                    "NameError: name 'undefined_decorator' is not defined", 0),
    "an import not handed in": ("from lab_helpers import sigmoid as helper\n",
                                "ModuleNotFoundError: No module named 'lab_helpers'", 0),
    "a decorator that raises, after a constant that imports": (
        "import json\n\nWEIGHTS = json.loads('{}')\n\n\n@json.loads\ndef helper(x):\n"
        "    return x\n", "TypeError: the JSON object must be str, bytes or bytearray, not "
                           "function", 5),
}


@pytest.mark.parametrize("name", sorted(RAISING_DEFINITIONS))
def test_definitions_that_raise_at_import_are_reported_as_the_file_not_importing(
        name, tmp_path):
    definition, error, offset = RAISING_DEFINITIONS[name]
    # A statement left out after it: retried without it, the same exception comes again.
    results, line = graded_with(definition + "\n\nprint('done')\n", tmp_path)
    assert results.score == 0
    banner = results.import_error
    assert banner.startswith(f"backprop.py could not be imported: {error}\n"), banner
    assert f'backprop.py", line {line + offset}, in <module>' in banner
    assert "Without its top-level statements" not in banner


@pytest.mark.parametrize(("tail", "offset"), [
    ("DATA = np.loadtxt('data.txt')\n", 0),
    ("name = input()\nSCALE = 1 / 0\n", 1),  # reached once the input() is left out
    ("LOSS = 'mse'\nHIDDEN = (4,\n          int('four'))\n", 1),
])
def test_a_constant_whose_value_raises_at_import_is_left_out_too(tmp_path, tail, offset):
    results, line = graded_with(tail, tmp_path)
    failed = [c for c in results.checks if not c.passed]
    assert [c.name for c in failed] == ["rules: importing backprop.py trains nothing and "
                                        "prints nothing"], [(c.name, c.output) for c in failed]
    statement = tail.splitlines()[offset]
    assert f"line {line + offset}: {statement}" in failed[0].output
    assert "LOSS" not in failed[0].output  # the constants that import stay


def test_a_function_using_a_constant_left_out_fails_its_own_checks(tmp_path):
    from tests.grading import solution_source

    source = solution_source().replace("def sigmoid(x):\n", "def sigmoid(x):\n"
                                       "    assert SCALE\n", 1)
    results, line = graded_with("SCALE = float(open('scale.txt').read())\n", tmp_path, source)
    sigmoid = [c for c in results.checks if c.group == "sigmoid" and not c.passed]
    assert sigmoid and all("NameError: name 'SCALE' is not defined" in c.output
                           for c in sigmoid)
    assert results.import_error == "" and 0 < results.core < 100


def test_an_exception_before_a_definition_that_raises_names_both(tmp_path):
    results, line = graded_with("import sys\nsys.exit(3)\n\n\n"
                                "def helper(x=UNDEFINED_RATE):\n    return x\n", tmp_path)
    assert results.score == 0
    banner = results.import_error
    assert banner.startswith("backprop.py could not be imported: SystemExit: 3\n")
    assert f"Without its top-level statements that are not definitions (line {line + 1}: " \
           "sys.exit(3)), it still could not be imported: NameError: name 'UNDEFINED_RATE'" \
           in banner


def test_a_forbidden_import_still_zeroes_a_file_graded_without_its_exception(tmp_path):
    results, _ = graded_with("try:\n    import torch\nexcept ImportError:\n    pass\n"
                             "input()\n", tmp_path)
    assert results.score == 0
    assert any("torch (a deep-learning or autodiff framework)" in c.output
               for c in results.checks if not c.passed)


QUIET_RULE = "rules: importing backprop.py trains nothing and prints nothing"


@pytest.mark.parametrize(("tail", "drawn"), [
    ("import matplotlib.pyplot as plt\n\nplt.plot([1, 2, 3])\n", "draws 1 figure"),
    ("import matplotlib.pyplot as plt\n\nplt.figure()\nplt.figure()\n", "draws 2 figures"),
    ("import matplotlib.pyplot as plt\n\nplt.plot([1, 2])\nplt.show()\nplt.close('all')\n",
     "calls show() once"),
    ("show_learning_curve([0.5, 0.2]).show()\n", "draws 1 figure and calls show() once"),
])
def test_drawing_or_showing_a_figure_at_import_costs_only_the_quiet_rule(tail, drawn,
                                                                         tmp_path):
    results, _ = graded_with(tail, tmp_path)
    failed = [c for c in results.checks if not c.passed]
    assert [c.name for c in failed] == [QUIET_RULE], [(c.name, c.output) for c in failed]
    assert f"importing backprop.py {drawn}: a window opens" in failed[0].output
    assert results.core == 98


def test_a_figure_drawn_by_a_function_that_is_never_called_at_import_is_no_window(tmp_path):
    results, _ = graded_with("import matplotlib.pyplot as plt\n\n\ndef plot_it():\n"
                             "    plt.plot([1, 2])\n    plt.show()\n\n\n"
                             "if __name__ == '__main__':\n    plot_it()\n", tmp_path)
    assert results.core == 100
