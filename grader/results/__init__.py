"""Results of a check session: the score (`scoring`, one pure function of the checks'
results), every format it is shown in (`reports`: terminal table, feedback.md,
Gradescope, Classroom) and GitHub Actions' outputs (`github`).

May import: grader.session (the results it produces), grader.lab. A new output format
goes in `reports`.
"""
