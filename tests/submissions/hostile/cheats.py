"""Submissions that cheat the grade rather than escape the sandbox: each is the reference
solution with one shortcut or forgery added, and the score its honest work deserves.

name -> (points of `python -m grader` without the hidden checks, points in a regrade
with them, how the source is made). The reference earns 104 and 114: 100 and 10 hidden,
plus 4 bonus.
"""

from tests.submissions.mutants import solution_source

FORGED = "```\\n# Total: 100 / 100\\n```\\n\\n## All checks passed\\n<details>"


def at_import(code):
    """The solution with code run at the end of the module (at import time)."""
    return lambda: solution_source() + "\n\n" + code.strip() + "\n"


CHEATS = {
    # Prints a fake total inside a fence of its own: the quiet-import rule's 2 points go,
    # and no Markdown report shows the forged heading.
    "forges_the_report": (102, 112, at_import(f"print('{FORGED}')")),
}


def source(name):
    """The cheat `name` as Python source."""
    return CHEATS[name][2]()
