"""DIR/summary.md: the class at a glance, from the grade sheet and each results.json.

Everything is counted per submission, never per check: the class's mistakes grouped by
the diagnosis the checks wrote, apart from the submissions that did not run; every row
that is not ok or is flagged is listed for review.
"""

import json
import re
import statistics
from collections import Counter
from pathlib import Path

from grader.regrade.row import DID_NOT_RUN, STATUSES
from grader.results.markdown import code, inline
from grader.session.outcome import DIAGNOSIS, sentences_in

HISTOGRAM = "histogram.png"
WARNINGS = "warnings.txt"  # identity and roster warnings of the run
BIN_WIDTH = 10
LISTED = 12  # names listed per mistake before "and N more"
GRADIENT_LABEL = re.compile(r"\bd(W|b)\d\b")


def _float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def diagnoses(output):
    """The diagnoses in one failure message, each cut to its headline.

    A diagnosis is a "Diagnosis: <what is wrong>: <what to do>" line of the message
    (grader.session.diagnosis). "Diagnosis: db2 is averaged over the samples: a bias ..."
    gives "db is averaged over the samples": the layer's number of the one gradient a
    headline names is dropped, so that the same mistake in any layer counts once (a
    headline listing several, "db1, db2 are wrong, ...", stays as it is).
    """
    found = []
    for sentence in sentences_in(output):
        if not sentence.startswith(DIAGNOSIS):
            continue  # a hint is a guess from an error's wording, not a diagnosed mistake
        text = sentence[len(DIAGNOSIS):]
        headline = text.split(": ", 1)[0]
        if len(GRADIENT_LABEL.findall(headline)) == 1:
            headline = GRADIENT_LABEL.sub(lambda m: f"d{m[1]}", headline)
        headline = re.sub(r"\s*\([^)]*\)", "", headline).strip().rstrip(".")
        if headline and headline not in found:
            found.append(headline)
    return found


def read_results(out_dir, name):
    path = Path(out_dir) / name / "results.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))["tests"]
    except (OSError, ValueError, KeyError):
        return []


def class_findings(out_dir, names):
    """({diagnosis: [submissions]}, {check: [submissions failing it]}) over names."""
    mistakes, failing = {}, {}
    for name in sorted(names):
        seen = set()
        for test in read_results(out_dir, name):
            if test["status"] == "passed" or not test.get("max_score"):
                continue
            failing.setdefault(test["name"], []).append(name)
            for headline in diagnoses(test.get("output", "")):
                if headline not in seen:
                    seen.add(headline)
                    mistakes.setdefault(headline, []).append(name)
    return mistakes, failing


def bins(maximum):
    """Integer bin edges 0, 10, ... ending exactly at maximum."""
    edges = list(range(0, int(maximum), BIN_WIDTH)) + [maximum]
    return edges if len(edges) > 1 else [0, max(maximum, 1)]


def bin_counts(scores, edges):
    counts = [0] * (len(edges) - 1)
    for score in scores:
        index = next((i for i in range(len(counts)) if score < edges[i + 1]), len(counts) - 1)
        counts[index] += 1
    return counts


def text_histogram(scores, edges):
    counts = bin_counts(scores, edges)
    width = len(f"{edges[-1]:g}")
    lines = []
    for i, count in enumerate(counts):
        closing = "]" if i == len(counts) - 1 else ")"
        label = f"[{edges[i]:>{width}g}, {edges[i + 1]:>{width}g}{closing}"
        lines.append(f"{label} {'#' * count} {count}")
    return lines


def draw_histogram(scores, edges, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    figure, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(scores, bins=edges, color="tab:blue", edgecolor="white")
    ax.set_xlim(0, edges[-1])
    ax.set_xticks(edges)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"public + hidden, out of {edges[-1]:g} (bonus not included)")
    ax.set_ylabel("submissions")
    ax.set_title(f"Scores of {len(scores)} submissions")
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


def _names(names):
    shown = ", ".join(code(name) for name in names[:LISTED])
    return shown + (f" and {len(names) - LISTED} more" if len(names) > LISTED else "")


def _who(row):
    who = " ".join(part for part in (row.get("student_id"), row.get("name")) if part)
    return f" ({inline(who)})" if who else ""


def score_lines(ran):
    """The totals of the submissions that ran, and the histogram (as text)."""
    maximum = max((_float(row["max_score"]) or 0 for row in ran), default=0)
    graded = [(_float(row["public"]) or 0) + (_float(row["hidden"]) or 0) for row in ran]
    if not ran or not maximum:
        return [], [], maximum
    lines = [f"- total: mean {statistics.mean(_float(r['total']) or 0 for r in ran):.2f}, "
             f"median {statistics.median(_float(r['total']) or 0 for r in ran):g} "
             f"/ {maximum:g} of the {len(ran)} {'submission' if len(ran) == 1 else 'submissions'}"
             " that ran (total = public + hidden + the bonus that counts)",
             f"- public (what students saw): mean "
             f"{statistics.mean(_float(r['public']) or 0 for r in ran):.2f}; hidden: mean "
             f"{statistics.mean(_float(r['hidden']) or 0 for r in ran):.2f}; bonus earned by "
             f"{sum(1 for r in ran if (_float(r['bonus']) or 0) > 0)}"]
    return lines, graded, maximum


def did_not_run(row):
    """A roster student without a submission, or a submission that earned nothing because
    it stopped before any check (it does not import, times out or runs out of memory at
    once); one that timed out in a single check ran, and its points count."""
    return row["status"] == "missing" or (row["status"] in DID_NOT_RUN
                                          and not _float(row["total"]))


def write_summary(sheet, out_dir):
    """Write summary.md and the score histogram into out_dir; returns the summary's path."""
    out_dir = Path(out_dir)
    rows = [sheet.rows[name] for name in sorted(sheet.rows)]
    ran = [row for row in rows if not did_not_run(row)]
    statuses = Counter(row["status"] for row in rows)
    lines = ["# Regrade summary", "", f"- rows: {len(rows)} (one per submission, and one per "
             "roster student without a submission)",
             "- status: " + ", ".join(f"{s} {statuses[s]}" for s in STATUSES if statuses[s])]
    totals, _, maximum = score_lines(ran)
    lines += totals
    # Every submission with a score, those that did not run at their 0 too; a roster
    # student without one, or a row the grader failed on (no score), is not a score.
    scored = [row for row in rows if row["status"] != "missing"
              and _float(row.get("total")) is not None]
    graded = [(_float(row["public"]) or 0) + (_float(row["hidden"]) or 0) for row in scored]
    if graded and maximum:
        edges = bins(maximum)
        draw_histogram(graded, edges, out_dir / HISTOGRAM)
        stopped = sum(1 for row in scored if did_not_run(row))
        lines += ["", f"![Score histogram]({HISTOGRAM})", "",
                  f"Histogram: all {len(scored)} submissions with a score, the {stopped} that "
                  "did not run at 0.", "", "```", *text_histogram(graded, edges), "```"]
    mistakes, failing = class_findings(out_dir, [row["submission"] for row in ran])
    lines += ["", f"## The class's mistakes (of the {len(ran)} submissions that ran)", ""]
    ordered = sorted(mistakes.items(), key=lambda item: (-len(item[1]), item[0]))
    lines += [f"- {inline(headline)}: {len(names)} student{'s' * (len(names) != 1)} "
              f"({_names(names)})" for headline, names in ordered] or ["none diagnosed"]
    lines += ["", "## Checks failed, by submissions failing them", "",
              "| check | submissions |", "|---|---|"]
    lines += [f"| {inline(check)} | {len(names)} / {len(ran)} |" for check, names in
              sorted(failing.items(), key=lambda item: (-len(item[1]), item[0]))]
    lines += ["", "## Did not run", ""]
    lines += [f"- {code(row['submission'])}{_who(row)}: {row['status']}: {inline(row['reason'])}"
              for row in rows if did_not_run(row)] or ["none"]
    review = [row for row in rows if row["status"] != "ok" or row["flags"]]
    lines += ["", "## For review (every row not ok, or flagged)", ""]
    lines += [f"- {code(row['submission'])}{_who(row)}: {row['status']}"
              + (f": {inline(row['reason'])}" if row["reason"] else "")
              + (f"; flags: {inline(row['flags'])}" if row["flags"] else "")
              for row in review] or ["none"]
    warnings = out_dir / WARNINGS
    found = warnings.read_text(encoding="utf-8").splitlines() if warnings.is_file() else []
    lines += ["", "## Names and roster", ""] + ([f"- {inline(w)}" for w in found]
                                                 or ["no warnings"])
    path = out_dir / "summary.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
