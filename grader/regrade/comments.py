"""The feedback comment a grade book receives with every grade: one short paragraph
per student, from the grade sheet and the submission's results.json.

It says the grade and its parts, each adjustment with its reason, why a submission
was not graded, the top diagnoses of the checks it failed, and that it is flagged for
review (the kind of flag only: a comment never names another student).
"""

from grader.regrade.row import REVIEW_FLAG
from grader.regrade.summary import diagnoses, read_results

TOP_DIAGNOSES = 3
# Flags that name other submissions: the comment says only their kind.
NAMING_FLAGS = (("identical to", "identical code"), ("similar to", "similar code"),
                ("copy ring", "similar code"))


def _number(value):
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return str(value or 0)


def top_diagnoses(out_dir, name, count=TOP_DIAGNOSES):
    """The headlines of the diagnoses of name's failed checks, the costliest first."""
    failed = [test for test in read_results(out_dir, name)
              if test.get("status") != "passed" and test.get("max_score")]
    failed.sort(key=lambda test: -(test["max_score"] - (test.get("score") or 0)))
    found = []
    for test in failed:
        for headline in diagnoses(test.get("output", "")):
            if headline not in found:
                found.append(headline)
    return found[:count]


def flag_kinds(flags):
    """The kinds of a row's flags, without the names of other submissions."""
    kinds = []
    for flag in filter(None, (flags or "").split("; ")):
        kind = next((said for prefix, said in NAMING_FLAGS if flag.startswith(prefix)), flag)
        kind = kind.removeprefix(REVIEW_FLAG)  # the sentence says "flagged for review"
        if kind not in kinds:
            kinds.append(kind)
    return kinds


def _bonus(row):
    """The bonus part of the sum, with how much of it counted when not all of it did
    (capped at the maximum, or at --bonus-cap), so that the sum adds up."""
    earned = row.get("bonus")
    try:
        counted = float(row.get("total")) - float(row.get("public")) - float(row.get("hidden"))
        counts_all = abs(counted - float(earned)) < 1e-9
    except (TypeError, ValueError):
        return f"{_number(earned)} bonus"
    if counts_all:
        return f"{_number(earned)} bonus"
    return f"{_number(max(counted, 0.0))} of {_number(earned)} bonus points counted"


def feedback_comment(row, out_dir):
    """The comment for one grade-sheet row (see the module doc)."""
    grade = row.get("grade") or row.get("total")
    maximum = row.get("grade_max") or row.get("max_score")
    if grade in ("", None):  # the grader failed: no score was given
        sentences = ["No grade yet: the grader failed on this submission and will grade it "
                     "again"]
    elif row.get("status") == "missing":
        sentences = [f"Grade {_number(grade)} / {_number(maximum)}: no submission"]
    elif row.get("public") in (None, ""):  # a score without its parts (Classroom 50's)
        sentences = [f"Grade {_number(grade)} / {_number(maximum)}"]
    else:
        sentences = [f"Grade {_number(grade)} / {_number(maximum)} (checks "
                     f"{_number(row.get('public'))} public + {_number(row.get('hidden'))} "
                     f"hidden + {_bonus(row)} = {_number(row.get('total'))}"
                     f" of {_number(row.get('max_score'))})"]
    if row.get("late"):
        sentences.append(f"Late: {row['late_reason']} ({_number(row['late'])} points)")
    if row.get("override"):
        sentences.append(f"Adjusted ({row['override']}): {row['override_reason']}")
    if row.get("status") not in ("ok", "missing") and row.get("reason"):
        sentences.append(f"Not fully graded ({row['status']}): {row['reason']}")
    found = top_diagnoses(out_dir, row["submission"]) if row.get("submission") else []
    if found:
        sentences.append("To fix: " + "; ".join(found))
    kinds = flag_kinds(row.get("flags"))
    if kinds:
        sentences.append("Flagged for review by the course staff: " + ", ".join(kinds))
    return ". ".join(sentences) + "."
