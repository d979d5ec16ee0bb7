"""Auto-grader for the back-propagation lab (see README.md).

Floors, each importing only from those below it (no cycles):
  lab, paths                 the lab's facts, where things live
  options                    the options of a grade (GradeOptions)
  sandbox, intake            running student code; reading a submission (no pytest)
  session (checks, hidden)   the pytest session of checks, on sandbox and intake
  results                    score and reports, from the session's results
  grade                      one grade: a session, scored and written
  regrade, authoring, cli    a class; what staff build; the command line
  inline                     check() inside a notebook (beside cli: it runs the grader)
"""


def check(function=None, path=None, timeout=None):
    """Grade the notebook's functions from one of its cells: `from grader import check;
    check()` (or `check("backward")`). See grader/inline.py.

    Imports nothing heavy into the kernel: the grading runs in a separate process.
    """
    from grader.inline import check as check_in_notebook

    return check_in_notebook(function, path=path, timeout=timeout)
