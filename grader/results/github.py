"""Results in GitHub Actions: the notices, the annotations on the student's code, the job
summary and the step outputs.

The grader writes Classroom's two notices itself, in the format of the reporter action
(classroom-resources/autograding-grading-reporter, src/notify-classroom.js):
`::notice title=Autograding complete::Points X/Y` and
`::notice title=Autograding report::{"totalPoints":X,"maxPoints":Y}`, with X the exact
total (its bonus counted as grader.lab.BONUS says) and Y the maximum without bonus. The
reporter itself is not used: its log table counts passed checks instead of adding points
(README, "Publishing").
"""

import base64
import contextlib
import json
import os
import secrets
from pathlib import Path

from grader.lab import REPORT, RULES, TOTAL
from grader.results import locations, reports
from grader.results.markdown import fenced

OUTPUT_NAME = "result"
MAX_ERRORS = 10  # GitHub keeps at most 10 error annotations per step
MESSAGE_LIMIT = 4000  # characters of a check's feedback in one annotation


def require_environment():
    missing = [name for name in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY")
               if not os.environ.get(name)]
    if missing:
        raise SystemExit(f"--github needs {' and '.join(missing)}, which GitHub Actions sets; "
                         "run without --github elsewhere")


# -- workflow commands ------------------------------------------------------------------

def escape_data(text):
    """A command's message, escaped as GitHub's runner unescapes it (%, CR, LF)."""
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text):
    """A command's property value: the message escapes, and also : and ,."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name, message, **properties):
    """One workflow command line, `::name key=value,...::message` (empty values left out)."""
    listed = ",".join(f"{key}={escape_property(value)}"
                      for key, value in properties.items() if value not in (None, ""))
    return f"::{name}{' ' + listed if listed else ''}::{escape_data(message)}"


@contextlib.contextmanager
def commands_stopped(enabled=True):
    """Within the block, text printed is never read as a workflow command.

    The table and feedback quote what the submission raised or printed; a submission
    must not be able to write its own `::notice::Points 100/100`. The end token is drawn
    here, in the grader, so no submission can know it.
    """
    if not enabled:
        yield
        return
    token = secrets.token_hex(16)
    print(f"::stop-commands::{token}", flush=True)
    try:
        yield
    finally:
        print(f"::{token}::", flush=True)


# -- what the run shows -----------------------------------------------------------------

def number(value):
    """A score as JavaScript prints it (104, not 104.0), as the reporter's notices do."""
    return int(value) if float(value).is_integer() else value


def points(results):
    """(total, maximum) of the run: the total counts the bonus, the maximum does not.

    The same numbers as results.json's score and the reporter's sum of tests[].score.
    """
    return number(results.score), number(results.max_score)


def classroom_notices(total, maximum):
    """The reporter's two notices for `total` points out of `maximum`."""
    report = json.dumps({"totalPoints": total, "maxPoints": maximum}, separators=(",", ":"))
    return [command("notice", f"Points {total}/{maximum}", title="Autograding complete"),
            command("notice", report, title="Autograding report")]


def notices(results):
    """Classroom's notices (as the reporter words them), then one naming the bonus."""
    total, maximum = points(results)
    if not maximum:  # the reporter says nothing when there is no maximum
        return []
    lines = classroom_notices(total, maximum)
    if results.bonus:
        lines.append(command("notice", bonus_sentence(results), title="Autograding bonus"))
    return lines


def bonus_sentence(results):
    total, maximum = points(results)
    bonus, counted = number(results.bonus), number(results.counted_bonus)
    earned = f"{bonus} bonus point{'s' if bonus != 1 else ''}"
    if results.policy == "cap":
        return (f"Points {total}/{maximum} include {counted} of {earned}: "
                f"{number(results.core)}/{maximum} + {counted} bonus. Bonus points make up "
                f"points lost elsewhere, up to the {maximum}.")
    return (f"Points {total}/{maximum} include {earned}: "
            f"{number(results.core)}/{maximum} + {bonus} bonus. Bonus points "
            f"come on top of the {maximum}, so the total may exceed it.")


def relative_file(path, workspace=None):
    """`path` relative to the repository root (GITHUB_WORKSPACE), or "" when outside it."""
    if not path:
        return ""
    root = Path(workspace or os.environ.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return ""


def _line(results, file, check):
    """The line a failing check points at, or None when there is no file to point into."""
    if not file:
        return None
    if results.file.endswith(".ipynb"):
        return 1  # the grader's module is not the notebook: its message names the cell
    return locations.check_line(results.code, check.group, check.output)


def zeroes_total(check):
    """A rule worth no points of its own (the imports): broken, the total is 0. A rule
    worth points (a quiet import) costs only those."""
    return check.group == RULES and not check.max_score


def _failures(results, file):
    """[(value, line, message, checks)]: failing checks grouped by the line and message
    they show, most valuable first (a broken rule costs the whole total)."""
    grouped = {}
    for check in results.checks:
        if not check.passed:
            message = check.output.strip() or "check failed"
            grouped.setdefault((_line(results, file, check), message), []).append(check)
    ranked = []
    for (line, message), checks in grouped.items():
        checks.sort(key=lambda c: (not zeroes_total(c), -c.max_score))
        value = (results.max_score if zeroes_total(checks[0])
                 else sum(c.max_score for c in checks))
        ranked.append((value, line, message, checks))
    return sorted(ranked, key=lambda item: -item[0])  # stable: the report's order on ties


def _title(checks, value, rules_broken):
    title = checks[0].name
    if len(checks) > 1:
        title += f" and {len(checks) - 1} more check{'s' if len(checks) > 2 else ''}"
    if zeroes_total(checks[0]):
        return f"{title} (a broken rule sets the total to 0)"
    if checks[0].group == REPORT:
        return f"{title} (information, no points)"
    if not any(c.max_score for c in checks):
        return f"{title} (bonus)"
    return f"{title} (0/{number(value)} points{', with a rule broken' if rules_broken else ''})"


def annotations(results, workspace=None):
    """Error annotations on the student's file, one per failing check (checks failing at
    the same line for the same reason share one), the most valuable first, at most
    MAX_ERRORS; then a warning for those left out."""
    file = relative_file(results.file, workspace)
    failures = _failures(results, file)
    lines = []
    for value, line, message, checks in failures[:MAX_ERRORS]:
        if len(message) > MESSAGE_LIMIT:
            message = message[:MESSAGE_LIMIT] + "\n... (the job summary has it all)"
        lines.append(command("error", message, file=file, line=line,
                             title=_title(checks, value, bool(results.broken_rules))))
    left = failures[MAX_ERRORS:]
    if left:
        lost = number(sum(value for value, *_ in left))
        lines.append(command("warning", f"{len(left)} more failing checks ({lost} points) "
                             "are not annotated; the job summary lists every check.",
                             title="More failing checks"))
    return lines


def summary(results):
    """The job summary: the feedback, what the notice's total means, how it was graded."""
    total, maximum = points(results)
    if results.bonus:
        meaning = bonus_sentence(results)
    else:
        meaning = (f"Points {total}/{maximum}: no bonus points. Bonus checks, when written, "
                   + (f"make up points lost elsewhere, up to the {maximum}."
                      if results.policy == "cap" else f"add their points on top of the {maximum}."))
    return (reports.feedback_markdown(results)
            + f"\n**Points {total} / {maximum}** (the run's notice \"Autograding complete\"). "
            + meaning + "\n\n"
            + f"Graded in {results.execution_time:g} s; student code isolated by: "
            + f"{results.isolation}.\n"
            + "\n<details><summary>Every check</summary>\n\n"
            + "\n".join(fenced(reports.table(results))) + "\n\n</details>\n")


# -- files GitHub reads -----------------------------------------------------------------

def encode(result):
    """The reporter's format: base64 of the JSON text."""
    return base64.b64encode(json.dumps(result).encode("utf-8")).decode("ascii")


def _append(variable, text):
    with open(os.environ[variable], "a", encoding="utf-8") as stream:
        stream.write(text)


def _outputs(result, total, maximum):
    """The step outputs: Classroom's result, and plainly the points of the notice
    "Points total/maximum" (`total` and `max`, for a badge)."""
    return "".join(f"{key}={value}\n" for key, value in (
        (OUTPUT_NAME, encode(result)), ("status", result["status"]),
        ("isolation", result["isolation"]), ("total", total), ("max", maximum)))


def publish(results):
    """Print the notices and annotations; write the step outputs and the job summary."""
    for line in notices(results) + annotations(results):
        print(line, flush=True)
    _append("GITHUB_OUTPUT", _outputs(reports.classroom(results), *points(results)))
    _append("GITHUB_STEP_SUMMARY", summary(results))


def publish_error(message, max_score=TOTAL):
    """A run the grader could not finish: `message` as an error and in the summary, the
    result's status `error`; no Points notice and no score anywhere, since none was earned
    or lost."""
    result = reports.classroom_error(message, max_score)
    print(command("error", message, title=reports.GRADER_FAILED), flush=True)
    _append("GITHUB_OUTPUT", _outputs(result, "", number(max_score)))
    _append("GITHUB_STEP_SUMMARY", reports.feedback_error(message))
