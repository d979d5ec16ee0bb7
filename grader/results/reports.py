"""Every way results are shown: the terminal table, feedback markdown, Gradescope's
results.json and GitHub Classroom's autograding result. All pure functions of Results."""

import re
import textwrap
from pathlib import Path

from grader.lab import REPORT, RULES, TOTAL
from grader.results.locations import function_spans
from grader.results.markdown import fenced, inline
from grader.session.outcome import sentences_in

REASON_WIDTH = 60
# How every report of a grade the grader could not finish begins: no score follows.
GRADER_FAILED = "The grader failed"
NOT_A_GRADE = ("no score was given, since the failure is the grader's, not the "
               "submission's: once the grader is fixed as said, grade again")
DETAIL_WIDTH = 100  # the wrapped reasons and diagnoses printed under the table


def _points(value):
    return f"{value:g}"


def _first_line(text):
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= REASON_WIDTH else line[: REASON_WIDTH - 3] + "..."


def bonus_rule(results):
    """How the bonus counts in the total, in words (grader.lab.BONUS)."""
    maximum = _points(results.max_score)
    if results.policy == "cap":
        return f"bonus points make up points lost elsewhere, up to {maximum}"
    return f"bonus points count on top of the {maximum}"


def _headline(results):
    text = f"Total: {_points(results.core)} / {_points(results.max_score)}"
    if results.bonus:
        text += f" + {_points(results.bonus)} bonus = {_points(results.score)}"
        if results.counted_bonus != results.bonus:
            text += f" ({bonus_rule(results)})"
    if results.broken_rules:
        text += "  (a rule of the lab is broken: the total is 0)"
    return text


def _isolation_note(results):
    """The limits this platform did not enforce, as one line ("" where all were)."""
    if not results.not_enforced:
        return ""
    return "Not enforced on this system: " + "; ".join(results.not_enforced)


def table(results, visible_only=True):
    """The score table: one row per check (points, name, one-line reason), then the total,
    then each failing check's reason and diagnosis in full.

    A submission that could not be imported gets one banner at the top instead of the
    same reason on every row.
    """
    checks = _by_group([c for c in results.checks
                        if c.visibility == "visible" or not visible_only])
    name_width = max([len(c.name) for c in checks] + [5])
    lines = []
    if results.import_error:
        lines += [results.import_error, "",
                  "Nothing else could be checked (every check below: not run).", ""]
    for rule in results.broken_rules:
        lines += [f"RULE BROKEN: {rule.name}", textwrap.indent(rule.output, "  "), ""]
    header = f"{'points':>9}  {'check':<{name_width}}  reason"
    lines += [header, "-" * len(header)]
    for c in checks:
        mark = _first_line(c.output) or "ok"
        points = f"{_points(c.score)}/{_points(c.max_score)}"
        if c.group == RULES and not c.max_score:
            points = "rule"
        elif c.group == REPORT and not c.max_score:
            points = "info"
        elif c.bonus:
            points = f"+{_points(c.score)} bonus"
        lines.append(f"{points:>9}  {c.name:<{name_width}}  {mark}")
    lines += ["-" * len(header), _headline(results)]
    if results.graded:
        lines.append(f"Graded: {results.graded}")
    if results.not_enforced:
        lines.append(_isolation_note(results))
    if not results.import_error:
        lines += _details(checks, _definitions(results))
    return "\n".join(lines)


def _definitions(results):
    """{function: "at backprop.py line 12, in forward"} for the .py file graded (a
    notebook's code is its cells joined, whose line numbers mean nothing to its author)."""
    if not results.code or not results.file.endswith(".py"):
        return {}
    name = Path(results.file).name
    return {function: f"at {name} line {start}, in {function}"
            for function, (start, _) in function_spans(results.code).items()}


def _by_group(checks):
    """checks with each group's rows together, groups in the order they first appear."""
    first = {}
    for index, c in enumerate(checks):
        first.setdefault(c.group, index)
    return sorted(checks, key=lambda c: first[c.group])


def _wrapped(text, indent="    "):
    return textwrap.fill(text, DETAIL_WIDTH, initial_indent=indent,
                         subsequent_indent=indent + "  ", break_on_hyphens=False)


FOLDED_NAMES = 4  # names shown of the checks that fail with one message
LISTED_LINES = 4  # lines of a reason that ends with ":" (what was printed, say) shown
# A number in a message: checks whose messages differ only in numbers are told once.
NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
# A frame of a traceback in a failure message (already naming the student's own file).
FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<function>\S+)\s*$')


def reason_lines(output):
    """What the terminal shows of a failure message: its first line; when that announces
    a list ("importing backprop.py prints:"), the list (a few lines) and the line after
    it; where a call raised, the student's line it raised at."""
    lines = output.strip().splitlines()
    if not lines:
        return [""]
    shown = [lines[0]]
    if lines[0].endswith(":"):
        listed = [line for line in lines[1:] if line.startswith((" ", "\t"))]
        shown += listed[:LISTED_LINES]
        if len(listed) > LISTED_LINES:
            shown.append(f"  ... ({len(listed) - LISTED_LINES} more lines in feedback.md)")
        after = lines[1 + len(listed):2 + len(listed)]
        shown += [line for line in after if line.strip() and not line.lstrip().startswith(
            ("Diagnosis:", "Hint:"))]
    frames = [(match, index) for index, line in enumerate(lines)
              if (match := FRAME.match(line))]
    if frames:
        frame, index = frames[-1]
        code = lines[index + 1].strip() if index + 1 < len(lines) else ""
        shown.append(f"at {Path(frame['file']).name} line {frame['line']}, in "
                     f"{frame['function']}" + (f": {code}" if code else ""))
    return shown


def _details(checks, definitions=None):
    """Under the table: every failing check's reason (reason_lines), where in the file
    to look, and its diagnoses, wrapped. Checks whose messages differ only in numbers
    are named together and told once; a diagnosis already told is not repeated."""
    # A broken rule worth no points is shown above the table already.
    failed = [c for c in checks if not c.passed and (c.max_score or c.group != RULES)]
    stubs = [c for c in failed if c.not_implemented]
    explained = [c for c in failed if c not in stubs]
    lines = ["", "What to fix (the full messages are in feedback.md):"] if explained else []
    by_output = {}  # checks failing with the same message are named together, told once
    for c in explained:
        by_output.setdefault(NUMBER.sub("#", c.output.strip()), []).append(c)
    told = set()
    for same in by_output.values():
        output = same[0].output.strip()
        names = [c.name for c in same]
        if len(names) > FOLDED_NAMES:
            names = names[:FOLDED_NAMES - 1] + [f"and {len(same) - FOLDED_NAMES + 1} more "
                                                "checks failing the same way"]
        lines += [f"  {name}" for name in names]
        shown = reason_lines(output)
        where = (definitions or {}).get(same[0].group)
        if where and not any(text.startswith("at ") for text in shown):
            shown.append(where)
        lines += [_wrapped(line.strip(), indent="      " if line[:1].isspace() else "    ")
                  for line in shown]
        for sentence in sentences_in(output):
            if NUMBER.sub("#", sentence) not in told:
                told.add(NUMBER.sub("#", sentence))
                lines.append(_wrapped(sentence))
    if stubs:
        names = sorted({c.group for c in stubs}, key=[c.group for c in stubs].index)
        lines += ["", _wrapped(f"Not implemented yet: {', '.join(names)}.", indent="")]
    return lines


HIDDEN_NOTE = ("Checks marked (hidden) were not visible to the student: they are the "
               "course's hidden checks, shown here for the staff.")


def group_lines(results, visible_only=True):
    """"- `backward`: 26 / 30" per group, of its visible checks (as the student's table and
    the grade sheet's `backward/30` column count), then its hidden checks apart."""
    lines, totals = [], {}
    for check in results.checks:
        if check.visibility != "visible" and visible_only:
            continue
        kind = "visible" if check.visibility == "visible" else "hidden"
        parts = totals.setdefault(check.group, {})
        score, maximum = parts.get(kind, (0.0, 0.0))
        parts[kind] = (score + check.score, maximum + check.max_score)
    bonus_groups = {c.group for c in results.checks if c.bonus}
    for group, parts in totals.items():
        if group in bonus_groups and not sum(m for _, m in parts.values()):
            lines.append(f"- `{group}`: +{_points(sum(s for s, _ in parts.values()))} bonus")
            continue
        shown = [f"{_points(s)} / {_points(m)}" for s, m in [parts["visible"]]] \
            if "visible" in parts else []
        if "hidden" in parts:
            score, maximum = parts["hidden"]
            shown.append(f"hidden {_points(score)} / {_points(maximum)}")
        lines.append(f"- `{group}`: {', '.join(shown)}")
    return lines


def feedback_markdown(results, visible_only=True):
    """Markdown feedback: the total, then every failed check with its full message.

    With visible_only=False the hidden checks' failures are included, each marked, with a
    line saying students did not see them. Checks failing with the same message (every
    check of a submission that cannot be imported) share one entry.
    """
    lines = ["# Grading feedback", "", f"**{_headline(results)}**", ""]
    if results.graded:
        lines += [f"Graded: {inline(results.graded)}", ""]
    if results.not_enforced:
        lines += [_isolation_note(results), ""]
    if results.import_error:
        lines += [*fenced(results.import_error), ""]
    lines += group_lines(results, visible_only)
    failed = [c for c in results.checks
              if not c.passed and (c.visibility == "visible" or not visible_only)]
    if failed:
        lines += ["", "## What to fix", ""]
    if any(c.visibility != "visible" for c in failed):
        lines += [HIDDEN_NOTE, ""]
    by_message = {}
    for c in failed:
        by_message.setdefault(c.output.strip(), []).append(c)
    for message, checks in by_message.items():
        titles = [f"{c.name} ({'+0 bonus' if c.bonus else f'0 / {_points(c.max_score)}'})"
                  + (" (hidden)" if c.visibility != "visible" else "") for c in checks]
        if len(checks) == 1:
            lines += [f"### {titles[0]}", ""]
        else:
            lines += [f"### {len(checks)} checks fail with the same message", ""]
            lines += [f"- {title}" for title in titles] + [""]
        lines += [*fenced(message), ""]
    return "\n".join(lines).rstrip() + "\n"


def gradescope(results):
    """Gradescope's results.json as a dict."""
    return {
        "score": results.score,
        "execution_time": results.execution_time,
        "output": _headline(results) + (f"\nGraded: {results.graded}" if results.graded else "")
        + (f"\n{results.import_error}" if results.import_error else "")
        + (f"\n{_isolation_note(results)}" if results.not_enforced else "")
        + f"\nIsolation: {results.isolation}",
        "extra_data": {"isolation": results.isolation},
        "tests": [
            {"name": c.name, "score": c.score, "max_score": c.max_score,
             "status": "passed" if c.passed else "failed", "output": c.output,
             "visibility": c.visibility, "extra_data": {"group": c.group, "kind": c.kind}}
            for c in results.checks
        ],
    }


def gradescope_error(message):
    """Gradescope's results.json (a dict) of a grade the grader could not finish: the
    message and no score, neither overall nor per test, so none can be read as earned."""
    return {"status": "error", "output": f"{GRADER_FAILED}: {message}\n{NOT_A_GRADE}.",
            "extra_data": {"status": "error", "isolation": "none"}, "tests": []}


def feedback_error(message):
    """feedback.md of a grade the grader could not finish."""
    return "\n".join([f"# {GRADER_FAILED}", "", *fenced(message), "",
                      f"Not graded: {NOT_A_GRADE}.", ""])


def classroom(results):
    """GitHub Classroom's autograding result (what its reporter action reads) as a dict.

    tests[].score adds up to the total (the bonus as it counts); every test has `line_no`
    0, since the reporter prints "line <line_no>" for any other value, undefined included.
    """
    return {
        "version": 1,
        "status": "pass" if results.score >= results.max_score else "fail",
        "max_score": results.max_score,
        "isolation": results.isolation,
        "tests": [
            {"name": c.name, "status": "pass" if c.passed else "fail", "score": points,
             "max_score": c.max_score, "message": c.output, "line_no": 0}
            for c, points in zip(results.checks, results.counted_scores())
        ],
    }


def classroom_error(message, max_score=TOTAL):
    """The autograding result of a run that could not grade: status error and `message`;
    its one test carries no score (the reporter would add it up as points)."""
    return {"version": 1, "status": "error", "max_score": max_score, "isolation": "none",
            "tests": [{"name": "grading", "status": "error", "message": message,
                       "line_no": 0}]}
