"""Results of a check session: the score (`scoring`, one pure function of the checks'
results, the bonus counted as grader.lab.BONUS says), every format it is shown in
(`reports`: terminal table, feedback.md, Gradescope, Classroom), GitHub Actions' outputs
(`github`) and Classroom 50's (`classroom50`: result.json, the Release text, the status).

May import: grader.session (the results it produces), grader.lab. A new output format
goes in `reports`.
"""
