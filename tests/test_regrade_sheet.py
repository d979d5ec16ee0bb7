"""The grade sheet's columns from Results (score parts, groups, status and reason), the
TA's feedback, and the summary's pieces, on hand-made results."""

import csv
from pathlib import Path

from grader.regrade.row import group_columns, relative_paths, result_row, score_parts
from grader.regrade.sheet import GradeSheet
from grader.regrade.summary import bins, diagnoses, text_histogram
from grader.results import reports
from grader.results.scoring import score
from grader.session.outcome import FAILED, MEMORY, NOT_RUN, PASSED, TIMEOUT, CheckResult


def check(name, earned, max_score, visibility="visible", output="", kind=None):
    """A check that earned `earned` of `max_score` (a bonus when max_score is 0)."""
    bonus = max_score == 0 and earned > 0
    points = earned if bonus else max_score
    return CheckResult(name=name, group=name.split(":", 1)[0],
                       kind=kind or (PASSED if earned == points else FAILED),
                       points=points, visibility=visibility,
                       messages=(output,) if output else (), bonus=bonus)


def results(*checks):
    return score(checks, execution_time=1.0)


BACKWARD_FAILURE = ("db1 does not match the reference (relative error 0.75).\n"
                    "  got:      [1, 2]\n  expected: [7, 14]\n"
                    "  Diagnosis: db1 is averaged over the samples: a bias gradient sums them "
                    "(the 1/N ...)")

GRADED = results(
    check("rules: no framework", 0, 0, output=""),
    check("sigmoid: values", 3, 3), check("sigmoid: shape", 2, 2),
    check("backward: reference", 0, 30, output=BACKWARD_FAILURE),
    check("backward: fresh widths", 0, 4, "hidden", "db1 differs from the reference"),
    check("forward: fresh", 6, 6, "hidden"),
    check("tanh: bonus", 1, 0), check("relu: bonus", 1, 0),
)


def test_score_parts_add_up_to_the_total():
    parts = score_parts(GRADED)
    assert parts == {"public": 5, "hidden": 6, "bonus": 2, "total": 13, "max_score": 45,
                     "public_max": 35, "hidden_max": 10}
    assert score_parts(GRADED, bonus_cap=1)["total"] == 12
    assert score_parts(GRADED, bonus_cap=0)["total"] == 11


def test_the_bonus_setting_and_bonus_cap_decide_what_of_the_bonus_counts():
    """Bonus makes up lost points only up to the maximum ("cap"), or counts above it
    ("extra"); --bonus-cap P counts at most P either way."""
    nearly = (check("sigmoid: values", 3, 3), check("backward: reference", 0, 2),
              check("tanh: bonus", 1, 0), check("relu: bonus", 1, 0),
              check("adam_update: bonus", 1, 0))
    cap, extra = score(nearly, policy="cap"), score(nearly, policy="extra")
    assert (cap.core, cap.bonus, cap.counted_bonus, cap.score, cap.max_score) == (3, 3, 2, 5, 5)
    assert (extra.counted_bonus, extra.score) == (3, 6)
    assert cap.counted_scores() == (3, 0, 1, 1, 0)  # the tests add up to the total
    assert score_parts(cap)["total"] == 5 and score_parts(extra)["total"] == 6
    assert score_parts(cap, bonus_cap=1)["total"] == 4
    assert score_parts(extra, bonus_cap=1)["total"] == 4
    assert "bonus points make up points lost elsewhere, up to 5" in reports.table(cap)
    assert "Total: 3 / 5 + 3 bonus = 6" in reports.table(extra)
    full = score(nearly[:1] + nearly[2:], policy="cap")
    assert (full.score, full.max_score, full.counted_bonus) == (3, 3, 0)


def test_an_unknown_bonus_setting_is_refused_and_the_course_has_a_known_one():
    from grader import lab
    from grader.results.scoring import counted_bonus

    assert lab.BONUS in lab.BONUS_POLICIES
    assert counted_bonus(90, 4, 100, "cap") == 4 and counted_bonus(98, 4, 100, "cap") == 2
    assert counted_bonus(98, 4, 100, "extra") == 4 and counted_bonus(98, 4, 100, "extra", 1) == 1
    try:
        counted_bonus(90, 4, 100, "double")
    except ValueError as error:
        assert "unknown bonus policy 'double'" in str(error)
    else:
        raise AssertionError("an unknown policy was taken")


def test_a_broken_rule_zeroes_every_part():
    broken = results(check("rules: no framework", 0, 0, output="imports torch", kind=FAILED),
                     check("sigmoid: values", 3, 3), check("tanh: bonus", 1, 0))
    row = result_row(broken)
    assert (row["public"], row["hidden"], row["bonus"], row["total"]) == (0, 0, 0, 0)
    assert row["status"] == "integrity" and row["reason"] == "rule: imports torch"
    assert group_columns(broken) == {"sigmoid/3": 0}


def test_group_columns_carry_the_visible_maximum():
    assert group_columns(GRADED) == {"sigmoid/5": 5, "backward/30": 0}


def test_status_and_reason_name_what_happened():
    assert result_row(GRADED)["status"] == "ok" and result_row(GRADED)["reason"] == ""
    hung = results(check("forward: values", 0, 4, output="forward did not finish within 3 s",
                         kind=TIMEOUT),
                   check("sigmoid: values", 3, 3))
    assert (result_row(hung)["status"], result_row(hung)["reason"]) == \
        ("timeout", "forward: values: forward did not finish within 3 s")
    missing = results(check("sigmoid: values", 0, 3, output="backprop.py could not be imported: "
                            "SyntaxError: '(' was never closed (backprop.py, line 30)",
                             kind=NOT_RUN))
    assert result_row(missing)["status"] == "error"
    assert result_row(missing)["reason"].startswith("backprop.py could not be imported")


def test_paths_become_relative_to_the_submission(tmp_path):
    folder = tmp_path / "class" / "empty"
    text = f"no backprop.py (and no notebook) in {folder}; see {folder}/report.pdf"
    mended = relative_paths(results(check("sigmoid: values", 0, 3, output=text)), folder)
    assert mended.checks[0].output == ("no backprop.py (and no notebook) in the submission; "
                                       "see report.pdf")
    assert str(tmp_path) not in mended.checks[0].output


def test_the_ta_feedback_has_hidden_failures_marked_and_repeats_folded():
    ta = reports.feedback_markdown(GRADED, visible_only=False)
    assert "backward: fresh widths (0 / 4) (hidden)" in ta and reports.HIDDEN_NOTE in ta
    student = reports.feedback_markdown(GRADED)
    assert "fresh widths" not in student and reports.HIDDEN_NOTE not in student
    same = "backprop.py could not be imported: no backprop.py in the submission"
    empty = results(*(check(f"sigmoid: case {i}", 0, 1, output=same) for i in range(36)))
    folded = reports.feedback_markdown(empty)
    assert folded.count(same) == 1 and "36 checks fail with the same message" in folded


def test_diagnoses_are_the_headlines_of_diagnosis_lines_without_the_layer():
    assert diagnoses(BACKWARD_FAILURE) == ["db is averaged over the samples"]
    assert diagnoses("dW1 does not match.\n  got:  [1]\n  expected: [2]") == []
    assert diagnoses("x\n  Diagnosis: every gradient misses the output sigmoid's derivative: "
                     "multiply") == ["every gradient misses the output sigmoid's derivative"]
    assert diagnoses("x\n  Hint: a product got arrays of incompatible shapes: check") == []
    crash = ("backward raised ValueError: shapes (7,5) and (3,1) not aligned\n"
             "Traceback (most recent call last):\n"
             '  File "/tmp/x/backprop.py", line 95, in backward\n'
             '    grads["W%d" % layer] = z_in.T @ delta\n    ~~~~~~^~~~~\n')
    assert diagnoses(crash) == []
    listed = "x\n  Diagnosis: db1, db2, db3 are wrong, dW1, dW2, dW3 right"
    assert diagnoses(listed) == ["db1, db2, db3 are wrong, dW1, dW2, dW3 right"]


def test_histogram_bins_are_integers_ending_at_the_true_maximum():
    assert bins(110) == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]
    assert bins(105) == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 105]
    lines = text_histogram([0, 9.5, 110, 110, 55], bins(110))
    assert lines[0] == "[  0,  10) ## 2" and lines[-1] == "[100, 110] ## 2"
    assert sum(int(line.rsplit(" ", 1)[1]) for line in lines) == 5


def test_the_sheet_orders_group_columns_and_fills_the_maximum(tmp_path):
    sheet = GradeSheet(tmp_path / "grades.csv")
    sheet.add({"submission": "b", "status": "ok", "total": 13, "max_score": 45,
               "backward/30": 0, "sigmoid/5": 5})
    sheet.add({"submission": "a", "status": "error", "reason": "not a readable zip",
               "total": 0, "max_score": ""})
    with Path(tmp_path / "grades.csv").open(newline="", encoding="utf-8-sig") as stream:
        header = next(csv.reader(stream))
    assert header.index("sigmoid/5") < header.index("backward/30") < header.index("reason")
    assert GradeSheet(tmp_path / "grades.csv").rows["a"]["max_score"] == "45"


def test_memory_is_told_apart_from_other_failures():
    bomb = results(check("forward: values", 0, 4, output="forward raised MemoryError",
                         kind=MEMORY),
                   check("sigmoid: values", 3, 3))
    assert result_row(bomb)["status"] == "memory"
    assert result_row(bomb)["reason"] == "forward: values: forward raised MemoryError"


def test_the_progress_names_the_submission_running_longest():
    from grader.regrade.collect import Entry
    from grader.regrade.run import longest_running

    running = {3: (101, Entry("ann", Path("ann")), 10.0, b"", 0),
               4: (102, Entry("ben", Path("ben")), 4.0, b"", 1)}
    assert longest_running(running, 16.4) == "longest: ben 12 s"
    assert longest_running({}, 16.4) == ""


def test_a_sheet_of_an_older_version_is_rewritten_in_the_new_columns(tmp_path):
    path = tmp_path / "grades.csv"
    path.write_text("submission,student,score,max_score,status,flags,code\n"
                    "ann,0756110 Ann,114,110,ok,,abc\n", encoding="utf-8")
    sheet = GradeSheet(path)
    sheet.add({"submission": "ben", "status": "ok", "total": 90, "max_score": 110})
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert "score" not in header and "student" not in header and "total" in header
    assert set(GradeSheet(path).rows) == {"ann", "ben"}


def test_a_submission_that_timed_out_in_one_check_counts_in_the_scores(tmp_path):
    """Its points are exported, so the class's mean and histogram include them; only
    what earned nothing before any check ran is listed as not run."""
    from grader.regrade.summary import write_summary

    sheet = GradeSheet(tmp_path / "grades.csv")
    for name, status, public, total in (("ann", "ok", 100, 104), ("ben", "timeout", 48, 48),
                                        ("cat", "timeout", 0, 0), ("dan", "error", 0, 0),
                                        ("missing:1", "missing", 0, 0)):
        sheet.add({"submission": name, "status": status, "reason": f"{name}'s reason",
                   "public": public, "hidden": 0, "bonus": total - public, "total": total,
                   "max_score": 110, "flags": ""}, save=False)
    summary = write_summary(sheet, tmp_path).read_text(encoding="utf-8")
    assert "- total: mean 76.00, median 76 / 110 of the 2 submissions that ran" in summary
    assert "## The class's mistakes (of the 2 submissions that ran)" in summary
    did_not_run = summary.split("## Did not run")[1].split("##")[0]
    assert [line.split("`")[1] for line in did_not_run.splitlines() if line.startswith("- ")] \
        == ["cat", "dan", "missing:1"]
    # the histogram counts every submission, the two that did not run at 0
    assert "Histogram: all 4 submissions with a score, the 2 that did not run at 0." in summary
    assert "[  0,  10) ## 2" in summary and "[ 40,  50) # 1" in summary


def test_feedback_group_maxima_match_the_sheet_and_keep_hidden_points_apart():
    staff = reports.feedback_markdown(GRADED, visible_only=False).splitlines()
    assert "- `backward`: 0 / 30, hidden 0 / 4" in staff
    assert "- `forward`: hidden 6 / 6" in staff
    assert "backward/30" in group_columns(GRADED)  # the sheet's column: the public maximum
    student = reports.feedback_markdown(GRADED, visible_only=True).splitlines()
    assert "- `backward`: 0 / 30" in student and not any("hidden" in line for line in student
                                                          if line.startswith("- `"))


def test_two_hand_ins_of_one_student_are_flagged_on_both_once(tmp_path):
    from grader.regrade.row import review_flags, with_notes
    from grader.regrade.sheet import flag_same_student

    sheet = GradeSheet(tmp_path / "grades.csv")
    for name, student_id, reason in (("a", "312551001", ""), ("a (1)", "312551001", "late"),
                                     ("b", "312551002", ""), ("missing:312551002",
                                                              "312551002", "no submission")):
        sheet.add({"submission": name, "student_id": student_id, "status": "ok",
                   "reason": reason, "flags": ""}, save=False)
    for _ in range(2):  # a rerun (a merge, a resume) says it once
        flag_same_student(sheet)
    rows = sheet.rows
    assert rows["a"]["reason"] == "two hand-ins of one student: also a (1)"
    assert rows["a (1)"]["reason"] == "late; two hand-ins of one student: also a"
    assert rows["a"]["flags"] == rows["a (1)"]["flags"] == "review: two hand-ins of one student"
    assert rows["b"]["flags"] == rows["b"]["reason"] == ""
    assert with_notes("", [("given", "x"), ("online", "y"), ("given", "x")]) == "x; y"
    assert review_flags([("online", "y"), ("encoding", "z")]) == ["review: not UTF-8"]
