"""Stored reference values stand in for the live solution without changing any grade."""

import pytest

from grader.authoring.exports import REFERENCE_FILE
from grader.grade import grade
from grader.paths import SOLUTION_DIR, STARTER_DIR
from grader.results import reports
from grader.session.reference import LiveReference, ReferenceMissing, StoredReference
from tests.grading import grade_source
from tests.submissions.mutants import MUTANTS, mutant_source
from tests.test_grader_examples import CORRECT

SAMPLE_MUTANTS = ("derivative_sigmoid_double_sigmoid", "loss_bce_sign_flipped",
                  "derivative_loss_mse_no_mean", "forward_bias_missing",
                  "backward_output_sigmoid_derivative_missing", "backward_bias_per_sample")


@pytest.fixture(scope="module")
def stored(student_template):
    """The values record_reference_values stored, as the student template ships them."""
    return student_template / REFERENCE_FILE


def same_grade(submission_or_source, tmp_path, stored, graded):
    """Grade twice, live (the session's shared grade) and from stored values; return the
    results of both."""
    live = graded(submission_or_source)
    if isinstance(submission_or_source, str):
        replay = grade_source(submission_or_source, tmp_path / "stored", reference_values=stored)
    else:
        replay = grade(submission_or_source, out_dir=tmp_path / "stored", reference_values=stored)
    first, second = reports.gradescope(live), reports.gradescope(replay)
    first.pop("execution_time"), second.pop("execution_time")
    return first, second


@pytest.mark.parametrize("submission", [SOLUTION_DIR, STARTER_DIR, *CORRECT[:3]],
                         ids=lambda path: path.stem)
def test_stored_values_grade_like_the_solution(submission, tmp_path, stored, graded):
    first, second = same_grade(submission, tmp_path, stored, graded)
    assert first == second


@pytest.mark.parametrize("name", SAMPLE_MUTANTS)
def test_stored_values_diagnose_like_the_solution(name, tmp_path, stored, graded):
    mutant = next(m for m in MUTANTS if m.name == name)
    first, second = same_grade(mutant_source(mutant), tmp_path, stored, graded)
    assert first == second


def test_an_unrecorded_question_is_an_error_not_a_wrong_answer(stored):
    import numpy as np

    with pytest.raises(ReferenceMissing):
        StoredReference(stored).sigmoid(np.array([[123.0]]))
    assert LiveReference().sigmoid(np.array([[0.0]]))[0, 0] == 0.5
