"""Regrading a whole class: collect the submissions, grade each in isolation and in
parallel (with the hidden checks), and write the grade sheet, the summary and each
submission's results. See grader/regrade/run.py for the flow."""
