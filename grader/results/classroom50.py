"""Results for Classroom 50 (foundation50/classroom50), GitHub Classroom's successor.

Classroom 50's runner (runner.py, in the course's config repository) runs the
assignment's autograder.py with the student's checkout as working directory, then reads:
- ./result.json in `classroom50/result/v1`: whole, non-negative points, score <= max-score
  overall and per test, no top-level key beyond the schema's (a test may have more: this
  one adds the check's `group` and `kind`); anything else turns the submission into a 0/0
  `error` with no Release;
- ./release-body.md, the text of the Release the student reads (and the run's summary);
- `status=` and `summary=` in $GITHUB_OUTPUT, which become the commit status: only a
  state GitHub's status API takes (success, failure; `error` is the runner's, for a
  grader that failed), never the `pass`/`fail` of GitHub Classroom's format.

Bonus points follow the course's setting (grader.lab.BONUS): with "cap" max-score is the
lab's maximum and the bonus only makes up points lost; with "extra" max-score is raised
by the bonus points for every submission alike, so a total above the lab's maximum fits.
Each bonus check is a test of its own, written or not, so every result lists the same
tests. The runner stamps owner, assignment_type, datetime, graded_at and submitted_by.
"""

import os

from grader.lab import BONUS_POINTS
from grader.results import github, reports
from grader.results.markdown import fenced

SCHEMA = "classroom50/result/v1"
RESULT_FILE, BODY_FILE = "result.json", "release-body.md"
# The runner's environment this output is built from (the grade job's, and what
# runner.py's run_entrypoint adds), as result.json fields.
FIELDS = {"classroom": "CLASSROOM", "assignment": "ASSIGNMENT", "submission": "SUBMISSION_TAG",
          "commit": "COMMIT_URL", "release": "RELEASE_URL", "review": "REVIEW_URL"}
# Every top-level key classroom50/result/v1 allows (runner.py make_result): no other.
TOP_LEVEL = ("schema", "classroom", "assignment", "assignment_type", "owner", "submission",
             "commit", "release", "review", "datetime", "graded_at", "score", "max-score",
             "tests", "submitted_by")
SUCCESS, FAILURE = "success", "failure"  # commit states this output sets
NOT_WRITTEN = "not_written"  # the kind of a bonus check the submission does not have
BODY_LIMIT = 100_000  # characters of release-body.md (GitHub takes 125,000 in a Release)


class Classroom50Error(ValueError):
    """A result Classroom 50 would refuse, or no runner to write it for: the message says
    why (the grader stops with exit code 2 rather than write it)."""


def require_environment(environ=None):
    """The runner's values of FIELDS; Classroom50Error names the ones missing."""
    environ = os.environ if environ is None else environ
    missing = [name for key, name in FIELDS.items() if key != "review" and not environ.get(name)]
    if missing:
        raise Classroom50Error(f"--classroom50 needs {', '.join(missing)}, which Classroom 50's "
                               "runner sets; run without --classroom50 elsewhere")
    values = {key: environ.get(name, "") for key, name in FIELDS.items()}
    values["review"] = values["review"] or values["commit"]  # as the runner falls back
    return values


def whole(value, what):
    """value as an int; Classroom50Error when it has a fraction (Classroom 50 takes whole
    points only)."""
    if not float(value).is_integer():
        raise Classroom50Error(f"Classroom 50 takes whole points only: {what} is {value:g}")
    return int(value)


def maximum(results):
    """max-score: the lab's maximum, raised by every bonus point with the "extra" setting."""
    raised = sum(BONUS_POINTS.values()) if results.policy == "extra" else 0
    return whole(results.max_score + raised, "the maximum")


def tests(results):
    """One test per check (its points as they count in the score), then a test of 0 points
    for each bonus check the submission does not have."""
    rows = []
    for check, points in zip(results.checks, results.counted_scores()):
        most = check.points if check.bonus else check.max_score
        rows.append({"test-name": check.name, "passed": check.passed,
                     "score": whole(points, check.name), "max-score": whole(most, check.name),
                     "group": check.group, "kind": check.kind})
    written = {check.group for check in results.checks if check.bonus}
    for function, points in BONUS_POINTS.items():
        if function not in written:
            rows.append({"test-name": f"{function} (bonus): not written", "passed": False,
                         "score": 0, "max-score": whole(points, function),
                         "group": function, "kind": NOT_WRITTEN})
    return rows


def result(results, environ=None):
    """result.json as a dict (before the runner stamps its own fields).

    A check the grader itself could not run (a data file missing, say) makes no result:
    Classroom50Error, so that the runner records an error rather than a score the student
    did not earn or lose."""
    failed = [check.name for check in results.checks if check.internal_error]
    if failed:
        raise Classroom50Error(f"the grader itself failed on {len(failed)} check"
                               f"{'s' if len(failed) > 1 else ''} ({failed[0]}, ...): no result "
                               "is written; see the messages above")
    document = {"schema": SCHEMA, **require_environment(environ),
                "score": whole(results.score, "the score"), "max-score": maximum(results),
                "tests": tests(results)}
    if not 0 <= document["score"] <= document["max-score"]:
        raise Classroom50Error(f"the score {document['score']} is not within 0 and the maximum "
                               f"{document['max-score']} (grader/lab.py BONUS is "
                               f"{results.policy!r})")
    return document


def status(results):
    """success when the total reaches the lab's maximum, failure otherwise."""
    return SUCCESS if results.score >= results.max_score else FAILURE


def summary_line(results, document):
    passed = sum(1 for test in document["tests"] if test["passed"])
    return (f"classroom50 autograde: {document['score']}/{document['max-score']} "
            f"({passed}/{len(document['tests'])} tests passed)")


def release_body(results, document):
    """What the student reads on the Release: the points, the feedback, every check."""
    feedback = reports.feedback_markdown(results)
    if len(feedback) > BODY_LIMIT:
        feedback = feedback[:BODY_LIMIT] + "\n\n... (feedback.md, attached, has it all)\n"
    rule = reports.bonus_rule(results)
    return (f"## {document['score']} / {document['max-score']} points\n\n"
            + (f"Bonus: {rule}.\n\n" if results.bonus or results.policy == "extra" else "")
            + feedback.replace("# Grading feedback", "### Grading feedback", 1)
            + "\n<details><summary>Every check</summary>\n\n"
            + "\n".join(fenced(reports.table(results))) + "\n\n</details>\n")


def publish(results, document, environ=None):
    """Print the error annotations and set status and summary in $GITHUB_OUTPUT (the files
    result.json and release-body.md are written by the caller, grader.grade)."""
    for line in github.annotations(results):
        print(line, flush=True)
    output = (os.environ if environ is None else environ).get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as stream:
            stream.write(f"status={status(results)}\nsummary={summary_line(results, document)}\n")
