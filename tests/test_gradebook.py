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


def test_moodle_refuses_grades_above_its_maximum_with_the_way_out(sheet):
    with pytest.raises(ExportError) as refused:
        export_grades(sheet, "moodle", duplicates="highest")
    message = str(refused.value)
    assert "312551001 (114 > 110)" in message and "312551002" not in message
    assert "maximum grade to 114 or more" in message and "--worksheet" in message
    assert "scale_to" in message and '"cap"' in message  # or the policy's way
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
    path, warnings, _ = export_grades(sheet, "moodle", out=tmp_path / "filled.csv",
                                      worksheet=worksheet_with_maximum(tmp_path, "114.00"),
                                      duplicates="highest")
    filled = {row["Identifier"]: row for row in rows_of(path)}
    assert filled["Participant 11"]["Grade"] == "114"
    assert filled["Participant 12"]["Grade"] == "48"
    assert "forward: did not finish within 10 s" in filled["Participant 12"]["Feedback comments"]
    assert filled["Participant 11"]["Feedback comments"].startswith("Grade 114 / 110")
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
    dry = export_grades(sheet, "moodle", worksheet=worksheet, duplicates="highest",
                        dry_run=True)
    actions = dict(dry.actions)
    assert actions["參與者 5501 (312551001)"].startswith("skipped by Moodle without a word: "
                                                      "grade 114 is above the maximum")
    assert actions["參與者 5502 (312551002)"] == "accepted: grade 48"
    assert actions["參與者 5599"].startswith("skipped by Moodle: no grade")
    assert actions["312551021"] == "not exported: no row of the worksheet"
    assert not any("the Moodle item out of" in w for w in dry.warnings)  # both out of 110
    with pytest.raises(ExportError, match=r"312551001 \(114 > 110.00\)"):
        export_grades(sheet, "moodle", worksheet=worksheet, duplicates="highest")
    raised = CHINESE_WORKSHEET.replace("110.00", "114.00")  # the item's maximum raised
    worksheet.write_bytes(b"\xef\xbb\xbf" + raised.encode("utf-8"))
    done = export_grades(sheet, "moodle", out=tmp_path / "filled.csv", worksheet=worksheet,
                         duplicates="highest", modified="2026-12-05 08:00:00 UTC")
    text = done.path.read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(text.decode("utf-8-sig").splitlines()))
    original = list(csv.reader(raised.splitlines()))
    assert table[0] == original[0]  # the headers Moodle will look up, in its language
    assert [row[0] for row in table] == [row[0] for row in original]
    assert (table[1][5], table[1][10]) == ("114", "2026-12-05 08:00:00 UTC")
    assert table[1][11].startswith("Grade 114 / 110")
    assert (table[2][5], table[3][5]) == ("48", "")  # 312551099 has no grade: left empty
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


@pytest.mark.parametrize("parts, said", [
    # The cap: bonus points only make up points lost elsewhere, so the sum says so.
    (("100", "10", "4", "110"), "(checks 100 public + 10 hidden + 0 of 4 bonus points "
                                "counted = 110 of 110)"),
    (("94", "8", "4", "106"), "(checks 94 public + 8 hidden + 4 bonus = 106 of 110)"),
    (("100", "8", "4", "110"), "(checks 100 public + 8 hidden + 2 of 4 bonus points "
                               "counted = 110 of 110)"),
])
def test_the_comments_sum_adds_up_whatever_the_bonus_counted(tmp_path, parts, said):
    from grader.regrade.comments import feedback_comment

    public, hidden, bonus, total = parts
    row = {"submission": "ann", "status": "ok", "grade": total, "grade_max": "110",
           "public": public, "hidden": hidden, "bonus": bonus, "total": total,
           "max_score": "110", "flags": "review: found under another name"}
    comment = feedback_comment(row, tmp_path)
    assert comment.startswith(f"Grade {total} / 110 {said}."), comment
    assert comment.endswith("Flagged for review by the course staff: found under another "
                            "name."), comment


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
    path, warnings, _ = export_grades(scores, "csv", roster=roster)
    assert path == tmp_path / "grades-csv.csv"
    exported = {row["student_id"]: (row["grade"], row["max_score"], row["status"])
                for row in rows_of(path)}
    assert exported == {"312551001": ("90", "100", "ok"), "312551002": ("75", "100", "ok"),
                        "312551004": ("80", "100", "ok"),
                        "312551006": ("0", "100", "missing")}
    said = "\n".join(warnings)
    assert "eve-gh: in" in said and "not in the roster" in said
    assert "carol-gh: Classroom 50 recorded only grading errors (0/0)" in said
    assert ("312551001: 2 submissions, exported the latest (90, alice-gh "
            "(submit/2026-12-03T10-00-00Z-abc3))") in said
    assert "bob-gh: the teacher's override in Classroom 50 is exported, not the 1 other" in said
    highest, _, _ = export_grades(scores, "csv", out=tmp_path / "h.csv", roster=roster,
                                  duplicates="highest")
    assert {r["student_id"]: r["grade"] for r in rows_of(highest)}["312551001"] == "90"
    first, _, _ = export_grades(scores, "csv", out=tmp_path / "f.csv", roster=roster,
                                duplicates="first")
    assert {r["student_id"]: r["grade"] for r in rows_of(first)}["312551001"] == "60"
    with pytest.raises(ExportError, match=r"several submissions of one student: 312551001: "
                                          r"alice-gh \(submit/"):
        export_grades(scores, "csv", out=tmp_path / "r.csv", roster=roster,
                      duplicates="refuse")


def test_classroom50_scores_fill_moodle_and_canvas(tmp_path):
    scores, roster = scores_file(tmp_path, *CLASS)
    moodle, _, _ = export_grades(scores, "moodle", roster=roster, modified="now")
    by_participant = {row["Identifier"]: row for row in rows_of(moodle)}
    assert by_participant["Participant 5501"]["Grade"] == "90"
    assert by_participant["Participant 5501"]["Feedback comments"] == "Grade 90 / 100."
    assert by_participant["Participant 5501"]["Maximum Grade"] == "100"
    assert by_participant["Participant 5506"]["Status"] == "No submission"
    canvas, _, _ = export_grades(scores, "canvas", roster=roster, assignment="Lab 1 (4711)")
    table = list(csv.reader(canvas.read_text(encoding="utf-8-sig").splitlines()))
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
