"""Submissions that cheat the grade rather than escape the sandbox: each is the reference
solution with one shortcut or forgery added, and the score its honest work deserves.

name -> (points of `python -m grader` without the hidden checks, points in a regrade
with them, how the source is made). The reference earns 104 and 114: 100 and 10 hidden,
plus 4 bonus.
"""

from tests.submissions.mutants import solution_source

FORGED = "```\\n# Total: 100 / 100\\n```\\n\\n## All checks passed\\n<details>"


BACKWARD = "def backward(y, cache, params):\n"

# backward by central differences of the file's own forward and loss: no chain rule.
NUMERICAL_BACKWARD = '''
    step = 1e-6
    x = cache[0]
    grads = {}
    for key, value in params.items():
        grads[key] = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            for sign in (1.0, -1.0):
                shifted = {name: array.copy() for name, array in params.items()}
                shifted[key][index] += sign * step
                grads[key][index] += sign * loss(forward(x, shifted)[0], y) / (2 * step)
    return grads
'''


def replacing_body(function_line, body):
    """The solution with `function_line`'s body run instead of the solution's."""
    return lambda: solution_source().replace(function_line, function_line + body, 1)


def at_import(code):
    """The solution with code run at the end of the module (at import time)."""
    return lambda: solution_source() + "\n\n" + code.strip() + "\n"


CHEATS = {
    # Numerical differentiation passes every gradient check of widths 2-3-5-1 and 2-4-4-1,
    # and converges: by the back-propagation rule it loses backward's 30 points (and the
    # hidden check's 4), nothing else.
    "numerical_backward": (74, 80, replacing_body(BACKWARD, NUMERICAL_BACKWARD)),
    # Prints a fake total inside a fence of its own: the quiet-import rule's 2 points go,
    # and no Markdown report shows the forged heading.
    "forges_the_report": (102, 112, at_import(f"print('{FORGED}')")),
}


def source(name):
    """The cheat `name` as Python source."""
    return CHEATS[name][2]()
