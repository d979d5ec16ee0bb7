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
