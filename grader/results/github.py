"""Results in GitHub Actions: the Classroom reporter's step output and the job summary.

The autograding reporter action (classroom-resources/autograding-grading-reporter)
reads each runner's result from an environment variable holding base64 JSON; the
workflow passes it this step's output `result`, so one grading run gives per-check
partial credit.
"""

import base64
import json
import os

from grader.lab import TOTAL
from grader.results import reports

OUTPUT_NAME = "result"


def require_environment():
    missing = [name for name in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY")
               if not os.environ.get(name)]
    if missing:
        raise SystemExit(f"--github needs {' and '.join(missing)}, which GitHub Actions sets; "
                         "run without --github elsewhere")


def encode(result):
    """The reporter's format: base64 of the JSON text."""
    return base64.b64encode(json.dumps(result).encode("utf-8")).decode("ascii")


def _append(variable, text):
    with open(os.environ[variable], "a", encoding="utf-8") as stream:
        stream.write(text)


def publish(results):
    """Write the step output and the job summary for graded results."""
    _append("GITHUB_OUTPUT", f"{OUTPUT_NAME}={encode(reports.classroom(results))}\n")
    _append("GITHUB_STEP_SUMMARY", reports.feedback_markdown(results)
            + "\n<details><summary>Every check</summary>\n\n```\n"
            + reports.table(results) + "\n```\n\n</details>\n")


def publish_error(message, max_score=TOTAL):
    """Write a zero result with `message`, for a run that could not grade at all."""
    result = {"version": 1, "status": "error", "max_score": max_score,
              "tests": [{"name": "grading", "status": "error", "score": 0, "message": message}]}
    _append("GITHUB_OUTPUT", f"{OUTPUT_NAME}={encode(result)}\n")
    _append("GITHUB_STEP_SUMMARY", f"# Grading failed\n\n**Score: 0 / {max_score}**\n\n{message}\n")
