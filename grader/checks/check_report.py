"""The lab report's outputs, for notebook submissions: informational by default.

A notebook is graded on its definitions (its cells never run), but the report it is
part of must show results: the comparison figures and learning curves (image outputs)
and the printed accuracy. These checks say what is missing; they are worth the
--report-points the course sets for each (0 by default). For a .py submission they are
skipped.
"""

import pytest

from grader.session.marker import check, fail_unless


def notebook_of(student):
    notebook = student.submission.notebook
    if notebook is None:
        pytest.skip("not a notebook submission")
    return notebook


@check("report: the notebook shows its figures (comparison and learning curve)", points=0)
def check_report_figures(student, note):
    images = notebook_of(student).images
    fail_unless(images >= 2, f"the notebook has {images} image output(s); the report needs at "
                             "least a comparison figure (show_result) and a learning curve: "
                             "run the notebook and save it with its outputs")
    note(f"{images} figures rendered")


@check("report: the notebook prints the accuracy", points=0)
def check_report_accuracy(student, note):
    lines = notebook_of(student).accuracy_lines
    fail_unless(lines, "no printed output mentions the accuracy; print it (for example with "
                       "test(x, y, params)) and save the notebook with its outputs")
    note(lines[-1][:80])


@check("report: every code cell of the notebook parses", points=0)
def check_report_cells(student):
    skipped = notebook_of(student).skipped
    fail_unless(not skipped, "cells left out of grading:\n  " + "\n  ".join(skipped))
