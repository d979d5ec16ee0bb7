"""Each check's result says what happened as a kind; the regrade status reads kinds only."""

import pytest

from grader.paths import STARTER_DIR
from grader.regrade.row import status_and_reason
from grader.results.scoring import score
from grader.session.outcome import CheckResult
from tests.grading import grade_source, solution_source

SIGMOIDS = {
    "timeout": "def sigmoid(x):\n    while True:\n        pass",
    "crashed": "def sigmoid(x):\n    import os\n    os._exit(3)",
    "memory": "def sigmoid(x):\n    raise MemoryError('no room')",
    "failed": "def sigmoid(x):\n    return 'sigmoid'",
}


@pytest.mark.parametrize("kind", sorted(SIGMOIDS))
def test_what_a_submission_did_is_the_kind_of_its_results(kind, tmp_path):
    source = solution_source() + "\n\n" + SIGMOIDS[kind] + "\n"  # a later def wins
    results = grade_source(source, tmp_path, keyword="sigmoid and not derivative",
                           timeout=3)
    sigmoid = [c for c in results.checks if c.group == "sigmoid"]
    assert sigmoid and {c.kind for c in sigmoid} == {kind}, [c.output for c in sigmoid]
    assert all(c.score == 0 for c in sigmoid)


def test_a_file_that_cannot_be_imported_is_not_run(tmp_path):
    results = grade_source("def sigmoid(x:\n", tmp_path, keyword="sigmoid")
    assert {c.kind for c in results.checks if c.group == "sigmoid"} == {"not_run"}


def test_a_stub_is_not_implemented(tmp_path):
    source = (STARTER_DIR / "backprop.py").read_text(encoding="utf-8")
    results = grade_source(source, tmp_path, keyword="sigmoid")
    assert {c.kind for c in results.checks if c.group == "sigmoid"} == {"not_implemented"}


def status_from(results):
    return status_and_reason(results)[0]


def result(kind, message="", group="sigmoid", points=1):
    return CheckResult(name=f"{group}: a check", group=group, kind=kind, points=points,
                       visibility="visible", messages=(message,))


@pytest.mark.parametrize(("kinds", "status"), [
    (("passed", "failed"), "ok"), (("failed", "timeout", "memory"), "timeout"),
    (("memory", "crashed"), "memory"), (("crashed",), "error"), (("not_run",), "error"),
    (("not_implemented",), "ok"),
])
def test_the_regrade_status_follows_the_kinds(kinds, status):
    assert status_from(score([result(kind) for kind in kinds])) == status


def test_the_regrade_status_never_reads_the_feedback():
    worded = [result("failed", "did not finish within 10 s; MemoryError; could not be "
                               "imported; ended the grading process")]
    assert status_from(score(worded)) == "ok"
    # The import rule (no points: a broken one zeroes the total) is an integrity matter.
    assert status_from(score([result("failed", group="rules", points=0)])) == "integrity"


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="'slow'"):
        result("slow")


def test_the_json_report_records_each_result(tmp_path):
    from grader.grade import run_checks
    from grader.options import GradeOptions

    session = run_checks(STARTER_DIR, GradeOptions(out=tmp_path, keyword="sigmoid"))
    recorded = [test["metadata"] for test in session.record["tests"] if test.get("metadata")]
    assert [(m["name"], m["kind"]) for m in recorded] == [
        (c.name, c.kind) for c in session.results] and session.results
    # A failed check is recorded with its message; its traceback is the grader's own.
    failed = [test["call"] for test in session.record["tests"]
              if test.get("call", {}).get("outcome") == "failed"]
    assert failed and all(call["longrepr"].startswith("CheckFailed: not implemented yet")
                          for call in failed)


def test_an_error_of_the_grader_keeps_its_whole_traceback():
    from grader.session.marker import CheckFailed
    from grader.session.plugin import short_failure

    def full(excinfo, *args):
        return "the whole traceback"

    for error, expected in ((CheckFailed("values differ"), "CheckFailed: values differ"),
                            (KeyError("W4"), "the whole traceback")):
        try:
            raise error
        except Exception:
            excinfo = pytest.ExceptionInfo.from_current()
        assert short_failure(full, excinfo) == expected
