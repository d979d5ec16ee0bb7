"""Auto-grader for the back-propagation lab (see README.md).

Floors, each importing only from those below it (no cycles):
  lab, paths                 the lab's facts, where things live
  options                    the options of a grade (GradeOptions)
  sandbox, intake            running student code; reading a submission (no pytest)
  session (checks, hidden)   the pytest session of checks, on sandbox and intake
  results                    score and reports, from the session's results
  grade                      one grade: a session, scored and written
  regrade, authoring, cli    a class; what staff build; the command line
"""
