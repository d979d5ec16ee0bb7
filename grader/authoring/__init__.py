"""What the course staff build from this repository: the starter from the solution
(`starter`), the fixed data sets (`data`), the student template and the Gradescope
autograder (`exports`).

May import anything below the command line (exports grade the solution to record the
reference answers); nothing imports this package but grader.cli.
"""
