"""Every way results are shown: the terminal table, feedback markdown, Gradescope's
results.json and GitHub Classroom's autograding result. All pure functions of Results."""

import textwrap

REASON_WIDTH = 60


def _points(value):
    return f"{value:g}"


def _first_line(text):
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= REASON_WIDTH else line[: REASON_WIDTH - 3] + "..."


def _headline(results):
    core = results.score - results.bonus
    text = f"Total: {_points(core)} / {_points(results.max_score)}"
    if results.bonus:
        text += f" + {_points(results.bonus)} bonus = {_points(results.score)}"
    if results.broken_rules:
        text += "  (a rule of the lab is broken: the total is 0)"
    return text


def _isolation_note(results):
    """The limits this platform did not enforce, as one line ("" where all were)."""
    if not results.not_enforced:
        return ""
    return "Not enforced on this system: " + "; ".join(results.not_enforced)


def table(results, visible_only=True):
    """The score table: one row per check (points, name, one-line reason), then the total."""
    checks = [c for c in results.checks if c.visibility == "visible" or not visible_only]
    name_width = max([len(c.name) for c in checks] + [5])
    lines = []
    for rule in results.broken_rules:
        lines += [f"RULE BROKEN: {rule.name}", textwrap.indent(rule.output, "  "), ""]
    header = f"{'points':>9}  {'check':<{name_width}}  reason"
    lines += [header, "-" * len(header)]
    for c in checks:
        mark = _first_line(c.output) or "ok"
        points = f"{_points(c.score)}/{_points(c.max_score)}"
        if c.group == "rules":
            points = "rule"
        elif c.group == "report" and not c.max_score:
            points = "info"
        elif not c.max_score:
            points = f"+{_points(c.score)} bonus"
        lines.append(f"{points:>9}  {c.name:<{name_width}}  {mark}")
    lines += ["-" * len(header), _headline(results)]
    if results.graded:
        lines.append(f"Graded: {results.graded}")
    if results.not_enforced:
        lines.append(_isolation_note(results))
    return "\n".join(lines)


def feedback_markdown(results, visible_only=True):
    """Markdown feedback: the total, then every failed check with its full message."""
    lines = ["# Grading feedback", "", f"**{_headline(results)}**", ""]
    if results.graded:
        lines += [f"Graded: {results.graded}", ""]
    if results.not_enforced:
        lines += [_isolation_note(results), ""]
    for group, (score, max_score) in results.groups().items():
        lines.append(f"- `{group}`: {_points(score)} / {_points(max_score)}")
    failed = [c for c in results.checks
              if not c.passed and (c.visibility == "visible" or not visible_only)]
    if failed:
        lines += ["", "## What to fix", ""]
    for c in failed:
        lines += [f"### {c.name} (0 / {_points(c.max_score)})", "", "```",
                  c.output.strip(), "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def gradescope(results):
    """Gradescope's results.json as a dict."""
    return {
        "score": results.score,
        "execution_time": results.execution_time,
        "output": _headline(results) + (f"\nGraded: {results.graded}" if results.graded else "")
        + (f"\n{_isolation_note(results)}" if results.not_enforced else ""),
        "tests": [
            {"name": c.name, "score": c.score, "max_score": c.max_score,
             "status": "passed" if c.passed else "failed", "output": c.output,
             "visibility": c.visibility}
            for c in results.checks
        ],
    }


def classroom(results):
    """GitHub Classroom's autograding result (what its reporter action reads) as a dict."""
    return {
        "version": 1,
        "status": "pass" if results.score >= results.max_score else "fail",
        "max_score": results.max_score,
        "tests": [
            {"name": c.name, "status": "pass" if c.passed else "fail",
             "score": c.score if not results.broken_rules else 0,
             "max_score": c.max_score, "message": c.output}
            for c in results.checks
        ],
    }
