"""Grade-book exports from a hand-made grade sheet: one grade per student, and what
Moodle would skip without a word said before it does."""

import csv
import subprocess
import sys

import pytest

from grader.paths import REPO_ROOT
from grader.regrade.gradebook import ExportError, export_grades

COLUMNS = ("submission", "student_id", "name", "email", "participant", "status", "reason",
           "total", "max_score")
SHEET = [
    ("312551021_WuFang (1)", "312551021", "Wu Fang", "", "", "error", "backward failed",
     "76", "110"),
    ("Wu Fang_5521_assignsubmission_file_", "312551021", "Wu Fang", "", "5521", "ok", "",
     "110", "110"),
    ("312551001_ChenWei", "312551001", "Chen Wei", "", "5501", "ok", "", "114", "110"),
    ("312551002_LinYu", "312551002", "Lin Yu", "", "5502", "timeout", "forward: did not "
     "finish within 10 s", "48", "110"),
]


@pytest.fixture
def sheet(tmp_path):
    with (tmp_path / "grades.csv").open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(COLUMNS)
        writer.writerows(SHEET)
    return tmp_path


def rows_of(path):
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


@pytest.mark.parametrize("fmt", ["moodle", "canvas", "csv"])
def test_several_submissions_of_a_student_are_refused_by_name(sheet, fmt):
    with pytest.raises(ExportError) as refused:
        export_grades(sheet, fmt)
    message = str(refused.value)
    assert "312551021: 312551021_WuFang (1) (76), Wu Fang_5521_assignsubmission_file_ (110)" \
        in message and "--duplicates highest" in message
    assert "312551001" not in message
    assert not (sheet / f"grades-{fmt}.csv").exists()  # nothing half-right is written


def test_the_highest_of_several_is_exported_once_with_a_warning(sheet):
    path, warnings = export_grades(sheet, "csv", duplicates="highest")
    exported = rows_of(path)
    assert [(row["student_id"], row["total"]) for row in exported] == [
        ("312551001", "114"), ("312551002", "48"), ("312551021", "110")]
    assert "312551021: 2 submissions, exported the highest (110, " \
           "Wu Fang_5521_assignsubmission_file_)" in warnings


def test_moodle_refuses_grades_above_its_maximum_with_the_way_out(sheet):
    with pytest.raises(ExportError) as refused:
        export_grades(sheet, "moodle", duplicates="highest")
    message = str(refused.value)
    assert "312551001 (114 > 110)" in message and "312551002" not in message
    assert "maximum grade to 114 or more" in message and "--worksheet" in message
    assert not (sheet / "grades-moodle.csv").exists()  # nothing Moodle would half-take


def worksheet_with_maximum(tmp_path, maximum):
    worksheet = tmp_path / f"Grades-Lab1-{maximum}.csv"
    worksheet.write_text(
        '"Identifier","Full name","ID number","Grade","Maximum Grade",'
        '"Last modified (grade)","Feedback comments"\n'
        f'"Participant 11","Chen Wei","312551001","","{maximum}","-",""\n'
        f'"Participant 12","Lin Yu","312551002","","{maximum}","-",""\n', encoding="utf-8")
    return worksheet


def test_a_filled_worksheet_carries_the_reasons_within_its_maximum(sheet, tmp_path):
    with pytest.raises(ExportError, match=r"312551001 \(114 > 110.00\)"):
        export_grades(sheet, "moodle", out=tmp_path / "filled.csv",
                      worksheet=worksheet_with_maximum(tmp_path, "110.00"), duplicates="highest")
    assert not (tmp_path / "filled.csv").exists()
    # The assignment's maximum grade raised to hold the bonus: the worksheet says so.
    path, warnings = export_grades(sheet, "moodle", out=tmp_path / "filled.csv",
                                   worksheet=worksheet_with_maximum(tmp_path, "114.00"),
                                   duplicates="highest")
    filled = {row["Identifier"]: row for row in rows_of(path)}
    assert filled["Participant 11"]["Grade"] == "114"
    assert filled["Participant 12"]["Grade"] == "48"
    assert filled["Participant 12"]["Feedback comments"] == "forward: did not finish within 10 s"
    assert filled["Participant 11"]["Feedback comments"] == ""  # ok: nothing to explain
    assert not any("above" in w for w in warnings)


def test_the_command_line_refuses_with_the_reason_or_takes_the_policy(sheet):
    def export(*options):
        return subprocess.run([sys.executable, "-m", "grader", "export-grades", str(sheet),
                               "--format", "canvas", *options], cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=120)

    refused = export()
    assert refused.returncode == 2 and "several submissions of one student" in refused.stderr
    assert "Traceback" not in refused.stderr
    taken = export("--duplicates", "highest")
    assert taken.returncode == 0, taken.stderr
    assert "warning: 312551021: 2 submissions, exported the highest" in taken.stderr


# -- Classroom 50's scores.csv (gh teacher download) ------------------------------------

SCORES_HEADER = ("username,first_name,last_name,email,section,score,max_score,datetime,"
                 "submission_tag,submitted_by,review_url,late,override")
ROSTER = ("username,id,name,email,participant\n"
          "Alice-GH,312551001,Chen Wei,chen@example.edu,5501\n"
          "bob-gh,312551002,Lin Yu,lin@example.edu,5502\n"
          "carol-gh,312551003,Wang Fang,wang@example.edu,5503\n"
          "dave-gh,312551004,Huang Mei,huang@example.edu,5504\n"
          "frank-gh,312551006,Liu Yang,liu@example.edu,5506\n")


def submission(username, score, maximum, when, override="false"):
    return (f"{username},,,,,{score},{maximum},2026-12-0{when}T10:00:00Z,"
            f"submit/2026-12-0{when}T10-00-00Z-abc{when},{username},,false,{override}")


def scores_file(tmp_path, *lines, maximum=100):
    path = tmp_path / "scores.csv"
    path.write_text("\n".join([SCORES_HEADER, *lines]) + "\n", encoding="utf-8")
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    return path, tmp_path / "roster.csv"


CLASS = (submission("alice-gh", 60, 100, 1), submission("alice-gh", 90, 100, 3),  # latest
         submission("bob-gh", 75, 100, 1, override="true"),  # the teacher's override wins
         submission("bob-gh", 100, 100, 2),
         submission("carol-gh", 0, 0, 2),  # only a grading error: no grade
         submission("dave-gh", 80, 100, 1), submission("dave-gh", 0, 0, 2),  # error after
         submission("eve-gh", 50, 100, 1))  # not in the roster


def test_classroom50_scores_become_one_grade_per_student(tmp_path):
    scores, roster = scores_file(tmp_path, *CLASS)
    path, warnings = export_grades(scores, "csv", roster=roster)
    assert path == tmp_path / "grades-csv.csv"
    exported = {row["student_id"]: (row["total"], row["max_score"], row["status"])
                for row in rows_of(path)}
    assert exported == {"312551001": ("90", "100", "ok"), "312551002": ("75", "100", "ok"),
                        "312551004": ("80", "100", "ok"),
                        "312551006": ("0", "100", "missing")}
    said = "\n".join(warnings)
    assert "eve-gh: in" in said and "not in the roster" in said
    assert "carol-gh: Classroom 50 recorded only grading errors (0/0)" in said
    assert "alice-gh: 2 submissions, exported the latest (90/100" in said
    assert "bob-gh: 2 submissions, exported the override (75/100" in said
    highest, _ = export_grades(scores, "csv", out=tmp_path / "h.csv", roster=roster,
                               duplicates="highest")
    assert {r["student_id"]: r["total"] for r in rows_of(highest)}["312551001"] == "90"


def test_classroom50_scores_fill_moodle_and_canvas(tmp_path):
    scores, roster = scores_file(tmp_path, *CLASS)
    moodle, _ = export_grades(scores, "moodle", roster=roster, modified="now")
    by_participant = {row["Identifier"]: row for row in rows_of(moodle)}
    assert by_participant["Participant 5501"]["Grade"] == "90"
    assert by_participant["Participant 5501"]["Maximum Grade"] == "100"
    assert by_participant["Participant 5506"]["Status"] == "No submission"
    canvas, _ = export_grades(scores, "canvas", roster=roster, assignment="Lab 1 (4711)")
    table = list(csv.reader(canvas.read_text(encoding="utf-8").splitlines()))
    assert table[1] == ["Points Possible", "", "", "", "", "100"]
    assert ["Chen Wei", "", "312551001", "312551001", "", "90"] in table


def test_classroom50_scores_above_a_moodle_maximum_are_refused(tmp_path):
    # BONUS = "extra": Classroom 50 holds 104 of 104; a Moodle item at 100 would skip it.
    scores, roster = scores_file(tmp_path, submission("alice-gh", 104, 104, 1),
                                 submission("bob-gh", 90, 104, 1))
    worksheet = tmp_path / "worksheet.csv"
    worksheet.write_text('"Identifier","Full name","ID number","Grade","Maximum Grade"\n'
                         '"Participant 1","Chen Wei","312551001","","100.00"\n'
                         '"Participant 2","Lin Yu","312551002","","100.00"\n', encoding="utf-8")
    with pytest.raises(ExportError, match=r"312551001 \(104 > 100.00\).*to 104 or more"):
        export_grades(scores, "moodle", roster=roster, worksheet=worksheet)
    assert not (tmp_path / "grades-moodle.csv").exists()


def test_classroom50_scores_out_of_different_maxima_or_without_a_roster_are_refused(tmp_path):
    scores, roster = scores_file(tmp_path, submission("alice-gh", 90, 100, 1),
                                 submission("bob-gh", 90, 104, 1))
    with pytest.raises(ExportError, match="different maxima"):
        export_grades(scores, "canvas", roster=roster)
    with pytest.raises(ExportError, match="--roster"):
        export_grades(scores, "canvas")
    (tmp_path / "bad.csv").write_text("name,grade\nx,1\n", encoding="utf-8")
    with pytest.raises(ExportError, match="not Classroom 50's scores.csv"):
        export_grades(tmp_path / "bad.csv", "canvas", roster=roster)
    (tmp_path / "roster2.csv").write_text("id,name\n1,x\n", encoding="utf-8")
    with pytest.raises(ExportError, match="no 'username' column"):
        export_grades(scores, "canvas", roster=tmp_path / "roster2.csv")


def test_the_command_line_exports_classroom50_scores(tmp_path):
    scores, roster = scores_file(tmp_path, *CLASS)

    def export(*options):
        return subprocess.run([sys.executable, "-m", "grader", "export-grades", str(scores),
                               "--format", "canvas", *options], cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=120)

    refused = export()
    assert refused.returncode == 2 and "--roster" in refused.stderr
    assert "Traceback" not in refused.stderr
    done = export("--roster", str(roster))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "grades-canvas.csv").is_file() and "eve-gh" in done.stderr
