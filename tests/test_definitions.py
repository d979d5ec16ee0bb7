"""A .py's definitions only (grader.intake.definitions): what is kept, what is named as
left out, and that every kept line stays at its own line number."""

import ast

from grader.intake.definitions import definitions_only
from tests.grading import solution_source

SCRIPT = '''"""A module docstring."""
import os; run(); A = 1
@decorate(2)
def f(x=forever()):
    while True:
        pass
class Net:
    while True:
        pass
x = 1; y = [i for i in range(3)]; print(x)
rate = 0.5
if __name__ == "__main__":
    main()
params, losses = train(x, y,
                       epochs=10 ** 6)
NAME = "é"
'''


def test_kept_statements_stay_at_their_lines_and_the_rest_is_left_out():
    definitions = definitions_only(SCRIPT)
    lines = definitions.source.splitlines()
    assert len(lines) == len(SCRIPT.splitlines())
    assert lines[1] == "import os; A = 1"  # a statement between two kept ones is cut out
    assert lines[2:9] == SCRIPT.splitlines()[2:9]
    assert lines[9:] == ["x = 1", "rate = 0.5", "", "", "", "", 'NAME = "é"']
    compile(definitions.source, "backprop.py", "exec")


def test_left_out_statements_are_named_with_their_lines_and_inert_ones_are_not():
    definitions = definitions_only(SCRIPT)
    assert definitions.left_out == [
        (2, "run()"), (10, "y = [i for i in range(3)]"), (10, "print(x)"),
        (14, "params, losses = train(x, y, ...")]


def test_statements_that_run_code_as_they_are_defined_are_named():
    running = definitions_only(SCRIPT).running
    assert running == [(4, "def f(x=forever()): ..."), (7, "class Net: ...")]
    # A function's body runs only when it is called.
    assert definitions_only("def f():\n    while True:\n        pass\n").running == []


def test_the_solution_leaves_nothing_out():
    definitions = definitions_only(solution_source())
    assert definitions.left_out == []
    tree = ast.parse(definitions.source)
    assert [ast.dump(node) for node in tree.body] == [
        ast.dump(node) for node in ast.parse(solution_source()).body
        if not isinstance(node, ast.Expr)]  # only the docstring goes


def test_text_that_does_not_parse_has_no_definitions():
    assert definitions_only("def f(:\n") is None
