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
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM spreadsheets need
    with path.open(newline="", encoding="utf-8-sig") as stream:
        return list(csv.DictReader(stream))


@pytest.mark.parametrize("fmt", ["moodle", "canvas", "csv"])
def test_several_submissions_of_a_student_are_refused_by_name(sheet, fmt):
    with pytest.raises(ExportError) as refused:
        export_grades(sheet, fmt)
    message = str(refused.value)
    assert "the rule 'latest' needs every one's hand-in time" in message
    assert ("312551021: 312551021_WuFang (1) (76, hand-in time unknown), "
            "Wu Fang_5521_assignsubmission_file_ (110, hand-in time unknown)") in message
    assert "--duplicates highest" in message
    assert "312551001" not in message
    assert not (sheet / f"grades-{fmt}.csv").exists()  # nothing half-right is written


def test_the_highest_of_several_is_exported_once_with_a_warning(sheet):
    path, warnings, _ = export_grades(sheet, "csv", duplicates="highest")
    exported = rows_of(path)
    assert [(row["student_id"], row["grade"]) for row in exported] == [
        ("312551001", "114"), ("312551002", "48"), ("312551021", "110")]
    assert "312551021: 2 submissions, exported the highest (110, " \
           "Wu Fang_5521_assignsubmission_file_)" in warnings


def test_moodle_is_told_of_grades_above_its_maximum(sheet):
    _, warnings, _ = export_grades(sheet, "moodle", duplicates="highest")
    above = [w for w in warnings if "above the maximum" in w]
    assert len(above) == 1 and above[0].startswith("312551001: skipped by Moodle without a "
                                                   "word: grade 114 is above the maximum 110")


def test_a_filled_worksheet_carries_the_reasons_and_warns_above_its_maximum(sheet, tmp_path):
    worksheet = tmp_path / "Grades-Lab1.csv"
    worksheet.write_text(
        '"Identifier","Full name","ID number","Grade","Maximum Grade",'
        '"Last modified (grade)","Feedback comments"\n'
        '"Participant 11","Chen Wei","312551001","","110.00","-",""\n'
        '"Participant 12","Lin Yu","312551002","","110.00","-",""\n', encoding="utf-8")
    path, warnings, _ = export_grades(sheet, "moodle", out=tmp_path / "filled.csv",
                                      worksheet=worksheet, duplicates="highest")
    filled = {row["Identifier"]: row for row in rows_of(path)}
    assert filled["Participant 12"]["Grade"] == "48"
    assert "forward: did not finish within 10 s" in filled["Participant 12"]["Feedback comments"]
    assert filled["Participant 11"]["Feedback comments"].startswith("Grade 114 / 110")
    assert any(w.startswith("312551001: skipped by Moodle without a word: grade 114 is above "
                            "the maximum 110.00") for w in warnings)


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


CHINESE_WORKSHEET = (
    "參與者,全名,電子郵件地址,學號,狀態,成績,最高分數,成績可以被更改,最後修改的(提交),"
    "線上文字,最後修改的(得分),回饋評語\n"
    "參與者 5501,陳偉,chen@example.edu,312551001,已繳交以供評分,,110.00,是,"
    "2026年 10月 5日(星期一) 22:10,,-,\n"
    "參與者 5502,林雨,lin@example.edu,312551002,已繳交以供評分,,110.00,是,"
    "2026年 10月 7日(星期三) 10:00,,-,\n"
    "參與者 5599,王小明,wang@example.edu,312551099,沒有繳交,,110.00,是,-,,-,\n")


def test_a_chinese_worksheet_round_trips_in_its_own_language(sheet, tmp_path):
    from grader.regrade.worksheet import hand_in_times, read_worksheet

    worksheet = tmp_path / "成績.csv"
    worksheet.write_bytes(b"\xef\xbb\xbf" + CHINESE_WORKSHEET.encode("utf-8"))
    read = read_worksheet(worksheet)
    assert (read.identifier, read.email, read.id_number, read.grade, read.maximum,
            read.submitted, read.graded, read.feedback) == (0, 2, 3, 5, 6, 8, 10, 11)
    assert hand_in_times(read)["5502"].day == 7
    done = export_grades(sheet, "moodle", out=tmp_path / "filled.csv", worksheet=worksheet,
                         duplicates="highest", modified="2026-12-05 08:00:00 UTC")
    text = done.path.read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(text.decode("utf-8-sig").splitlines()))
    original = list(csv.reader(CHINESE_WORKSHEET.splitlines()))
    assert table[0] == original[0]  # the headers Moodle will look up, in its language
    assert [row[0] for row in table] == [row[0] for row in original]
    assert (table[1][5], table[1][10]) == ("114", "2026-12-05 08:00:00 UTC")
    assert table[1][11].startswith("Grade 114 / 110")
    assert (table[2][5], table[3][5]) == ("48", "")  # 312551099 has no grade: left empty
    actions = dict(done.actions)
    assert actions["參與者 5501 (312551001)"].startswith("skipped by Moodle without a word: "
                                                      "grade 114 is above the maximum")
    assert actions["參與者 5502 (312551002)"] == "accepted: grade 48"
    assert actions["參與者 5599"].startswith("skipped by Moodle: no grade")
    assert actions["312551021"] == "not exported: no row of the worksheet"
    assert not any("the Moodle item out of" in w for w in done.warnings)  # both out of 110
    # and what Moodle's download gives back is read the same way again
    assert read_worksheet(done.path).grade == 5


def test_a_file_that_is_no_worksheet_is_refused(sheet, tmp_path):
    other = tmp_path / "roster.csv"
    other.write_text("id,name\n312551001,Chen Wei\n", encoding="utf-8")
    with pytest.raises(ExportError) as refused:
        export_grades(sheet, "moodle", worksheet=other, duplicates="highest")
    assert "not a Moodle grading worksheet" in str(refused.value)


def test_the_dry_run_prints_what_the_grade_book_does_and_writes_nothing(sheet):
    done = subprocess.run([sys.executable, "-m", "grader", "export-grades", str(sheet),
                           "--format", "moodle", "--duplicates", "highest", "--dry-run"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "Participant 5502 (312551002): accepted: grade 48" in lines
    assert any(line.startswith("Participant 5501 (312551001): skipped by Moodle without a "
                               "word: grade 114") for line in lines)
    assert "312551021 (312551021_WuFang (1)): not exported: the highest submission of the " \
           "student is" in lines
    assert lines[-1] == "dry run: 2 of 4 rows would be taken; nothing written"
    assert not (sheet / "grades-moodle.csv").exists()


def test_a_worksheet_out_of_another_maximum_asks_for_the_scale(sheet, tmp_path):
    worksheet = tmp_path / "ws.csv"
    worksheet.write_text(CHINESE_WORKSHEET.replace("110.00", "100.00"), encoding="utf-8")
    done = export_grades(sheet, "moodle", worksheet=worksheet, duplicates="highest",
                         dry_run=True)
    assert "the grades are out of 110, the Moodle item out of 100: set scale_to = 100 in " \
           "the policy to scale them (or change the item's maximum grade)" in done.warnings


def test_the_comment_names_the_kind_of_a_flag_never_another_student(tmp_path):
    from grader.regrade.comments import feedback_comment

    row = {"submission": "ann", "status": "ok", "grade": "90", "grade_max": "100",
           "public": "90", "hidden": "9", "bonus": "0", "total": "99", "max_score": "110",
           "flags": "similar to 312551002_LinYu (backward 100%, file 40%); copy ring 2 with "
                    "a, b (3 submissions, strongest: a and b, file 90%); modified "
                    "grader/checks/check_forward.py"}
    comment = feedback_comment(row, tmp_path)
    assert comment.endswith("Flagged for review by the course staff: similar code, modified "
                            "grader/checks/check_forward.py.")
    assert "LinYu" not in comment and "ring" not in comment


def test_a_worksheet_whose_dates_are_not_read_still_finds_its_columns(tmp_path):
    from grader.regrade.worksheet import hand_in_times, read_worksheet

    worksheet = tmp_path / "оценки.csv"
    worksheet.write_text(
        "Идентификатор,Полное имя,Статус,Оценка,Максимальная оценка,Оценка может быть "
        "изменена,Последнее изменение (ответ),Последнее изменение (оценка),Отзыв в виде "
        "комментария\n"
        "Участник 7001,Иван,Ответ отправлен,,100.00,Да,"
        "\"понедельник, 5 октября 2026, 23:32\",\"вторник, 6 октября 2026, 10:00\",\n",
        encoding="utf-8")
    read = read_worksheet(worksheet)
    assert (read.grade, read.maximum, read.submitted, read.graded, read.feedback) == \
        (3, 4, 6, 7, 8)
    assert hand_in_times(read) == {}  # its month names are not read: no time, not a wrong one
