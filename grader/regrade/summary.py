"""DIR/summary.md: the class at a glance, from the grade sheet and each results.json."""

import json
import statistics
from collections import Counter
from pathlib import Path

from grader.session.outcome import PASSED

HISTOGRAM = "histogram.png"
COMMON_FAILURES = 10


def _float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def draw_histogram(scores, path, max_score):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(scores, bins=20, range=(0, max(max_score, max(scores, default=0))), color="tab:blue")
    ax.set_xlabel("score")
    ax.set_ylabel("submissions")
    ax.set_title(f"Scores of {len(scores)} submissions")
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


def check_outcomes(out_dir, names):
    """{check name: [passed, total]} and Counter of failure first lines, over results.json."""
    outcomes, failures = {}, Counter()
    for name in names:
        results = Path(out_dir) / name / "results.json"
        if not results.exists():
            continue
        for test in json.loads(results.read_text(encoding="utf-8"))["tests"]:
            outcome = test["extra_data"]  # the check's group and the kind of its outcome
            passed = outcome["kind"] == PASSED
            tally = outcomes.setdefault(test["name"], [0, 0])
            tally[0] += passed
            tally[1] += 1
            if not passed:
                first = test["output"].strip().splitlines()[0] if test["output"].strip() else ""
                failures[f"{outcome['group']}: {first[:120]}"] += 1
    return outcomes, failures


def write_summary(sheet, out_dir):
    """Write summary.md and the score histogram into out_dir; returns the summary's path."""
    out_dir = Path(out_dir)
    rows = [sheet.rows[name] for name in sorted(sheet.rows)]
    scores = [s for s in (_float(row["score"]) for row in rows) if s is not None]
    max_score = max([_float(row["max_score"]) or 0 for row in rows] + [0])
    lines = ["# Regrade summary", "", f"- submissions: {len(rows)}"]
    statuses = Counter(row["status"] for row in rows)
    lines.append("- status: " + ", ".join(f"{s} {n}" for s, n in sorted(statuses.items())))
    if scores:
        lines += [f"- mean score: {statistics.mean(scores):.2f} / {max_score:g}",
                  f"- median score: {statistics.median(scores):g} / {max_score:g}"]
        draw_histogram(scores, out_dir / HISTOGRAM, max_score)
        lines += ["", f"![Score histogram]({HISTOGRAM})"]
    outcomes, failures = check_outcomes(out_dir, sheet.rows)
    lines += ["", "## Pass rate of every check", "", "| check | passed |", "|---|---|"]
    for check, (passed, total) in outcomes.items():
        lines.append(f"| {check} | {passed}/{total} ({100 * passed / total:.0f} %) |")
    lines += ["", "## Most common failures", ""]
    lines += [f"- {count} x {text}" for text, count in failures.most_common(COMMON_FAILURES)]
    flagged = [row for row in rows if row["flags"]]
    lines += ["", "## Flagged for review", ""]
    lines += [f"- `{row['submission']}` ({row['student']}): {row['flags']}" for row in flagged]
    if not flagged:
        lines.append("none")
    path = out_dir / "summary.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
