"""The course policy applied to Classroom 50's scores.csv (grader/regrade/scores.py
policy_rows): the late rule on Classroom 50's `datetime`, scale_to, the overrides and the
duplicates rule, each submission judged as a regrade judges it; and what scores.csv
cannot carry (the bonus split) said in a warning, never guessed."""

import csv
import subprocess
import sys

import pytest

from grader import lab
from grader.paths import REPO_ROOT
from grader.regrade.gradebook import export_grades
from grader.regrade.policy import read_policy
from tests.test_gradebook import rows_of, scores_file, submission

POLICY = """\
scale_to = 20
duplicates = "{duplicates}"

[late]
deadline = 2026-12-02T00:00:00Z
per_day = 10
cap = 50

[[override]]
student = "312551002"
score = 17
reason = "regrade request: the plot's axes are accepted"
by = "TA Lin"
"""
# Alice: 75 on time (12-01), then 90 two started days late (12-03 10:00): 90 - 20 = 70.
# Bob: the override. Dave: 80 on time. Frank: no submission.
CLASS = (submission("alice-gh", 75, 100, 1), submission("alice-gh", 90, 100, 3),
         submission("bob-gh", 60, 100, 1), submission("dave-gh", 80, 100, 1))


def policy(tmp_path, duplicates="latest", text=POLICY):
    path = tmp_path / "policy.toml"
    path.write_text(text.format(duplicates=duplicates), encoding="utf-8")
    return read_policy(path)


def exported(path):
    return {row["student_id"]: (row["grade"], row["max_score"], row["status"])
            for row in rows_of(path)}


@pytest.mark.parametrize("duplicates, alice", [("latest", "14"), ("highest", "15"),
                                               ("first", "15")])
def test_the_late_rule_scale_and_overrides_apply_to_classroom50_scores(tmp_path, duplicates,
                                                                       alice):
    """The late rule takes 20 % of the maximum from Alice's late 90 (70, so 14 of 20); the
    highest grade after the late rule is her on-time 75 (15), not the 90 Classroom 50
    holds."""
    scores, roster = scores_file(tmp_path, *CLASS)
    path, warnings, _ = export_grades(scores, "csv", roster=roster,
                                      policy=policy(tmp_path, duplicates))
    assert exported(path) == {"312551001": (alice, "20", "ok"), "312551002": ("17", "20", "ok"),
                              "312551003": ("0", "20", "missing"),
                              "312551004": ("16", "20", "ok"),
                              "312551006": ("0", "20", "missing")}
    comments = {row["student_id"]: row["comment"] for row in rows_of(path)}
    if duplicates == "latest":
        assert "Late: handed in 2026-12-03 10:00 UTC (from Classroom 50's datetime), 2 days " \
               "after the deadline" in comments["312551001"]
        assert "(-20 points)" in comments["312551001"]
    assert "Adjusted (=17): regrade request: the plot's axes are accepted (TA Lin)" in \
        comments["312551002"]
    assert "Late" not in comments["312551004"]
    assert f"312551001: 2 submissions, exported the {duplicates} ({alice}, alice-gh (submit/" in \
        "\n".join(warnings)


def test_without_a_policy_classroom50_scores_export_as_they_are(tmp_path):
    """The other side: no policy, no deduction: Alice's latest 90 of 100."""
    scores, roster = scores_file(tmp_path, *CLASS)
    path, _, _ = export_grades(scores, "csv", roster=roster)
    assert exported(path)["312551001"] == ("90", "100", "ok")
    assert exported(path)["312551002"] == ("60", "100", "ok")


def test_a_late_submission_after_the_last_day_gets_nothing(tmp_path):
    text = POLICY.replace("cap = 50", "cap = 50\nlast_day = 2026-12-02T12:00:00Z")
    scores, roster = scores_file(tmp_path, submission("dave-gh", 80, 100, 3))
    path, _, _ = export_grades(scores, "canvas", roster=roster, policy=policy(tmp_path,
                                                                             text=text))
    table = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert table[1] == ["Points Possible", "", "", "", "", "20"]
    assert ["Huang Mei", "", "312551004", "312551004", "", "0"] in table


def test_a_policy_override_wins_over_classroom50s_and_both_are_said(tmp_path):
    """Classroom 50's own override picks the submission; the policy's override sets the
    grade on top (the TA's latest word)."""
    scores, roster = scores_file(tmp_path, submission("bob-gh", 40, 100, 1, override="true"),
                                 submission("bob-gh", 95, 100, 2))
    path, warnings, _ = export_grades(scores, "csv", roster=roster, policy=policy(tmp_path))
    assert exported(path)["312551002"] == ("17", "20", "ok")
    assert "bob-gh: the teacher's override in Classroom 50 is exported, not the 1 other" in \
        "\n".join(warnings)


def test_what_scores_csv_cannot_carry_is_said(tmp_path):
    """The bonus split is not in scores.csv: a [bonus] table is not applied, and says so;
    Classroom 50's own late marks without a [late] rule cost nothing, and say so."""
    other = "cap" if lab.BONUS == "extra" else "extra"
    text = f'[bonus]\nrule = "{other}"\nmost = 2\n'
    late = submission("dave-gh", 80, 100, 3).replace(",false,false", ",true,false")
    scores, roster = scores_file(tmp_path, late)
    path, warnings, _ = export_grades(scores, "csv", roster=roster,
                                      policy=policy(tmp_path, text=text))
    said = "\n".join(warnings)
    assert f"the policy's [bonus] (rule '{other}', most 2) is not applied: Classroom 50's " \
           "scores.csv holds each submission's total only" in said
    assert "Classroom 50 marked 1 submission late (its own due date), but the policy has no " \
           "[late] rule: no points are taken" in said
    assert exported(path)["312551004"] == ("80", "100", "ok")


def test_an_override_of_a_student_not_in_the_roster_is_a_warning(tmp_path):
    text = POLICY.replace('student = "312551002"', 'student = "399999999"')
    scores, roster = scores_file(tmp_path, *CLASS)
    _, warnings, _ = export_grades(scores, "csv", roster=roster,
                                   policy=policy(tmp_path, text=text))
    assert any("override of 399999999" in w and "no such student in the roster" in w
               for w in warnings)


def test_the_command_line_applies_the_policy_beside_the_roster(tmp_path):
    scores, roster = scores_file(tmp_path, *CLASS)
    policy(tmp_path)  # policy.toml beside roster.csv, as a regrade finds it
    done = subprocess.run([sys.executable, "-m", "grader", "export-grades", str(scores),
                           "--roster", str(roster), "--format", "csv"], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"policy: {tmp_path / 'policy.toml'}" in done.stderr
    assert exported(tmp_path / "grades-csv.csv")["312551001"] == ("14", "20", "ok")
