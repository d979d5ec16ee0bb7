"""Auto-grader for the back-propagation lab (see README.md)."""


def check(function=None, path=None, timeout=None):
    """Grade the notebook's functions from one of its cells: `from grader import check;
    check()` (or `check("backward")`). See grader/inline.py.

    Imports nothing heavy into the kernel: the grading runs in a separate process.
    """
    from grader.inline import check as check_in_notebook

    return check_in_notebook(function, path=path, timeout=timeout)
