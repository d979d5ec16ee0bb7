"""The course's policy.toml: read with the line at fault, applied to the grade sheet
(late rule, override, bonus rule, scale), and carried into the Moodle and Canvas files."""

import csv
import datetime
import os
import subprocess
import sys
import zipfile

import pytest

from grader.paths import REPO_ROOT
from grader.regrade.adjust import adjusted, late_deduction
from grader.regrade.dates import parse_time
from grader.regrade.gradebook import export_grades
from grader.regrade.policy import Late, Override, Policy, PolicyError, read_policy
from grader.regrade.sheet import GradeSheet
from grader.regrade.times import archive_time, hand_in_time, recorded_times

TAIPEI = datetime.timezone(datetime.timedelta(hours=8))
POLICY = """\
timezone = "+08:00"
scale_to = 100

[bonus]
rule = "cap"

[late]
deadline = 2026-10-05T23:59:00
per_day = 10
cap = 30
last_day = 2026-10-10T23:59:00

[[override]]
student = "312551003"
delta = 5
reason = "regrade request: the plot's axes are accepted"
by = "TA Lin"
"""
# (submission, id, name, participant, public, hidden, bonus, handed in)
CLASS = (
    ("Chen Wei_5501_assignsubmission_file_", "312551001", "Chen Wei", "5501", 100, 8, 4,
     "2026-10-05T22:10:00+08:00"),
    ("Lin Yu_5502_assignsubmission_file_", "312551002", "Lin Yu", "5502", 80, 8, 0,
     "2026-10-07T10:00:00+08:00"),  # 2 started days late: -20 % of 110
    ("Wu Fang_5503_assignsubmission_file_", "312551003", "Wu Fang", "5503", 50, 5, 0,
     "2026-10-05T23:00:00+08:00"),  # on time, overridden +5
    ("Ho Jun_5505_assignsubmission_file_", "312551005", "Ho Jun", "5505", 90, 10, 0,
     "2026-10-11T09:00:00+08:00"),  # after the last day
)


def write_policy(folder, text=POLICY):
    path = folder / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def graded(tmp_path):
    """A regrade's output folder: the grade sheet of CLASS (results aside)."""
    sheet = GradeSheet(tmp_path / "grades.csv")
    for name, student, full, participant, public, hidden, bonus, handed in CLASS:
        sheet.add({"submission": name, "student_id": student, "name": full,
                   "participant": participant, "status": "ok", "public": public,
                   "hidden": hidden, "bonus": bonus, "total": public + hidden + bonus,
                   "max_score": 110, "handed_in": handed, "reason": "", "flags": ""})
    return tmp_path


def table_of(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with the byte-order mark
    return list(csv.reader(raw.decode("utf-8-sig").splitlines()))


# -- reading ------------------------------------------------------------------------------

def test_a_full_policy_reads_into_its_rules(tmp_path):
    policy = read_policy(write_policy(tmp_path))
    assert policy.scale_to == 100 and policy.bonus_rule == "cap" and policy.duplicates == "latest"
    assert policy.late.deadline == datetime.datetime(2026, 10, 5, 23, 59, tzinfo=TAIPEI)
    assert (policy.late.per_day, policy.late.cap) == (10, 30)
    assert policy.overrides == (Override(student="312551003", delta=5.0, by="TA Lin",
                                         reason="regrade request: the plot's axes are accepted"),)


@pytest.mark.parametrize("text, line, words", [
    ("scale_to = 100\nduplicate = 'latest'\n", 2, "unknown key 'duplicate'"),
    ("[late]\ndeadline = '2026-10-05'\n", 2, "TOML date-time without quotes"),
    ("[late]\nper_day = 10\n", 1, "needs a deadline"),
    ("[late]\ndeadline = 2026-10-05T23:59:00\nper_day = 120\n", 3, "between 0 and 100"),
    ("[bonus]\nrule = 'some'\n", 2, "one of cap, extra"),
    ("[[override]]\nstudent = '1'\nscore = 80\nreason = 'x'\nby = 'y'\n\n[[override]]\n"
     "student = '2'\nscore = 80\ndelta = 3\nreason = 'x'\nby = 'y'\n", 7, "either score or delta"),
    ("[[override]]\nstudent = '1'\nscore = 80\nby = 'TA'\n", 1, "needs reason"),
    ("duplicates = 'newest'\n", 1, "one of latest, highest, first"),
    ("timezone = 'Mars/Olympus'\n", 1, "unknown time zone"),
    ("scale_to = 100\n[late\n", 2, "not valid TOML"),
])
def test_a_bad_policy_names_its_line(tmp_path, text, line, words):
    with pytest.raises(PolicyError) as refused:
        read_policy(write_policy(tmp_path, text))
    message = str(refused.value)
    assert words in message
    assert f"line {line}" in message or f"at line {line}" in message


def test_a_bad_policy_stops_the_regrade_before_grading(tmp_path):
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "backprop.py").write_text("x = 1\n", encoding="utf-8")
    policy = write_policy(tmp_path, "[late]\ndeadline = 2026-10-05T23:59:00\ncap = 'all'\n")
    done = subprocess.run([sys.executable, "-m", "grader", "regrade", str(tmp_path / "alice"),
                           "--out", str(tmp_path / "out"), "--policy", str(policy)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and f"{policy} line 3: cap must be a number" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out").exists()


# -- applying -----------------------------------------------------------------------------

def test_the_late_rule_counts_started_days_caps_and_stops_at_the_last_day():
    deadline = datetime.datetime(2026, 10, 5, 23, 59, tzinfo=TAIPEI)
    late = Late(deadline=deadline, per_day=10, cap=30,
                last_day=deadline + datetime.timedelta(days=5))
    policy = Policy(timezone=TAIPEI, late=late)
    on_time = late_deduction(deadline, late, 90, 110, policy)
    a_minute = late_deduction(deadline + datetime.timedelta(minutes=1), late, 90, 110, policy)
    four_days = late_deduction(deadline + datetime.timedelta(days=3, hours=1), late, 90, 110,
                               policy)
    after = late_deduction(deadline + datetime.timedelta(days=6), late, 90, 110, policy)
    assert on_time == (0.0, "")
    assert a_minute[0] == 11 and "1 day after the deadline 2026-10-06" not in a_minute[1]
    assert "1 day after the deadline 2026-10-05 23:59" in a_minute[1]
    assert four_days[0] == 33 and "-30% of the maximum" in four_days[1]  # capped at 30 %
    assert after[0] == 90 and "not accepted" in after[1]


@pytest.mark.parametrize("rule, bonus, expected", [("extra", 4, 112), ("cap", 4, 110),
                                                   ("cap", 1, 109), ("extra", 0, 108)])
def test_the_bonus_rule_is_one_setting(rule, bonus, expected):
    row = {"public": "100", "hidden": "8", "bonus": str(bonus), "max_score": "110"}
    assert adjusted(row, Policy(bonus_rule=rule))["total"] == expected


def test_an_override_sets_or_moves_the_scaled_grade():
    row = {"public": "50", "hidden": "5", "bonus": "0", "max_score": "110", "status": "ok"}
    policy = Policy(scale_to=100)
    assert adjusted(row, policy)["grade"] == 50
    moved = adjusted(row, policy, Override("1", "regrade", "TA", delta=-60))
    assert moved["grade"] == 0 and moved["override"] == "-60"  # never below 0
    assert adjusted(row, policy, Override("1", "appeal", "Prof", score=72))["grade"] == 72


def test_a_late_student_an_override_and_a_scale_make_the_grade_sheet(graded, tmp_path):
    export_grades(graded, "csv", policy=read_policy(write_policy(tmp_path)))
    rows = GradeSheet(graded / "grades.csv").rows
    chen, lin, wu, ho = (rows[entry[0]] for entry in CLASS)
    assert (chen["total"], chen["grade"], chen["grade_max"]) == ("110", "100", "100")
    assert (lin["total"], lin["late"], lin["grade"]) == ("88", "-22", "60")
    assert lin["late_reason"] == ("handed in 2026-10-07 10:00 UTC+08:00, 2 days after the "
                                  "deadline 2026-10-05 23:59 UTC+08:00: -20% of the maximum")
    assert (wu["total"], wu["override"], wu["grade"]) == ("55", "+5", "55")
    assert wu["override_reason"] == "regrade request: the plot's axes are accepted (TA Lin)"
    assert (ho["total"], ho["late"], ho["grade"]) == ("100", "-100", "0")
    assert "after the last day" in ho["late_reason"]
    header = next(csv.reader((graded / "grades.csv").read_text("utf-8-sig").splitlines()))
    assert header.index("total") < header.index("late") < header.index("grade") \
        < header.index("reason")


def test_the_policy_reaches_moodle_and_canvas(graded, tmp_path):
    policy = read_policy(write_policy(tmp_path))
    moodle = export_grades(graded, "moodle", policy=policy, modified="2026-12-05 08:00:00 UTC")
    table = table_of(moodle.path)
    assert table[0][:6] == ["Identifier", "Full name", "Email address", "Status", "Grade",
                            "Maximum Grade"]
    assert [(r[0], r[4], r[5]) for r in table[1:]] == [
        ("Participant 5501", "100", "100"), ("Participant 5502", "60", "100"),
        ("Participant 5503", "55", "100"), ("Participant 5505", "0", "100")]
    comments = {r[0]: r[-1] for r in table[1:]}
    assert comments["Participant 5502"].startswith(
        "Grade 60 / 100 (checks 80 public + 8 hidden + 0 bonus = 88 of 110). Late: handed in")
    assert "Adjusted (+5): regrade request" in comments["Participant 5503"]
    assert all(action.startswith("accepted") for _, action in moodle.actions)
    canvas = table_of(export_grades(graded, "canvas", assignment="Lab 1 (42)").path)
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Lab 1 (42)"]
    assert canvas[1] == ["Points Possible", "", "", "", "", "100"]
    assert [(r[2], r[5]) for r in canvas[2:]] == [("312551001", "100"), ("312551002", "60"),
                                                  ("312551003", "55"), ("312551005", "0")]


def test_a_fresh_regrade_keeps_the_adjustments(graded, tmp_path):
    """What regrade's finish does: the policy is applied again to whatever was graded."""
    from grader.regrade.adjust import apply_policy

    policy = read_policy(write_policy(tmp_path))
    sheet = GradeSheet(graded / "grades.csv")
    apply_policy(sheet, policy)
    sheet.add({**sheet.rows[CLASS[2][0]], "public": 60, "total": 65})  # graded again
    apply_policy(sheet, policy)
    wu = GradeSheet(graded / "grades.csv").rows[CLASS[2][0]]
    assert (wu["override"], wu["grade"]) == ("+5", str(round(65 / 110 * 100 + 5, 2)))


def test_an_override_of_an_unknown_student_is_said(graded, tmp_path):
    text = POLICY.replace('student = "312551003"', 'student = "312559999"')
    done = export_grades(graded, "csv", policy=read_policy(write_policy(tmp_path, text)))
    assert any("override of 312559999" in w and "no such student" in w for w in done.warnings)


# -- hand-in times --------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Monday, 5 October 2026, 11:32 PM", (2026, 10, 5, 23, 32)),
    ("2026年 10月 5日(星期一) 23:32", (2026, 10, 5, 23, 32)),
    ("2026年10月5日 星期一 下午11:32", (2026, 10, 5, 23, 32)),
    ("2026-10-05T23:32:00", (2026, 10, 5, 23, 32)),
    ("5 Oct 2026, 12:05 AM", (2026, 10, 5, 0, 5)),
    ("Montag, 5. Oktober 2026, 23:32", (2026, 10, 5, 23, 32)),
    ("lundi 5 octobre 2026, 23:32", (2026, 10, 5, 23, 32)),
    ("2026년 10월 5일 월요일 오후 11:32", (2026, 10, 5, 23, 32)),
])
def test_moodle_dates_in_several_languages_parse(text, expected):
    moment = parse_time(text, TAIPEI)
    assert (moment.year, moment.month, moment.day, moment.hour, moment.minute) == expected
    assert moment.utcoffset() == datetime.timedelta(hours=8)


def test_nothing_like_a_date_is_no_time():
    assert parse_time("-") is None and parse_time("") is None and parse_time("Yes") is None


def test_hand_in_times_come_from_the_download_and_the_worksheet(tmp_path):
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as opened:
        opened.writestr(zipfile.ZipInfo("Lin Yu_5502_assignsubmission_file_/DL_LAB1_312551002.zip",
                                        (2026, 10, 7, 10, 0, 0)), b"x")
        opened.writestr(zipfile.ZipInfo("Chen Wei_5501_assignsubmission_file_/a.py",
                                        (2026, 10, 5, 22, 0, 0)), b"x")
    worksheet = tmp_path / "ws.csv"
    worksheet.write_text(
        "Identifier,Full name,Status,Grade,Maximum Grade,Grade can be changed,"
        "Last modified (submission),Last modified (grade),Feedback comments\n"
        "Participant 5501,Chen Wei,Submitted,,110.00,Yes,"
        '"Monday, 5 October 2026, 10:10 PM",-,\n', encoding="utf-8")
    policy = Policy(timezone=TAIPEI, download=archive, worksheet=worksheet)
    recorded = recorded_times(policy)
    assert recorded["5502"][0] == datetime.datetime(2026, 10, 7, 10, 0, tzinfo=TAIPEI)
    assert recorded["5501"][0] == datetime.datetime(2026, 10, 5, 22, 10, tzinfo=TAIPEI)
    assert "worksheet" in recorded["5501"][1]  # the worksheet wins over the archive


def test_a_moodle_folder_lends_its_file_times_and_a_plain_one_has_none(tmp_path):
    folder = tmp_path / "Lin Yu_5502_assignsubmission_file_"
    folder.mkdir()
    (folder / "backprop.py").write_text("x = 1\n", encoding="utf-8")
    stamp = datetime.datetime(2026, 10, 7, 10, 0, tzinfo=TAIPEI).timestamp()
    os.utime(folder / "backprop.py", (stamp, stamp))
    moment, source = hand_in_time(folder, "5502", {})
    assert moment.timestamp() == stamp and "Moodle download" in source
    plain = tmp_path / "312551002_LinYu"
    plain.mkdir()
    (plain / "backprop.py").write_text("x = 1\n", encoding="utf-8")
    assert hand_in_time(plain, "", {}) == (None, "")  # the student's own times: never


def test_latest_keeps_the_last_handed_in_and_lends_it_the_participant(graded, tmp_path):
    sheet = GradeSheet(graded / "grades.csv")
    sheet.add({"submission": "312551002_LinYu_mailed", "student_id": "312551002",
               "name": "Lin Yu", "status": "ok", "public": 100, "hidden": 10, "bonus": 0,
               "total": 110, "max_score": 110, "handed_in": "2026-10-12T08:00:00+08:00"})
    sheet.add({"submission": "312551001_ChenWei_early", "student_id": "312551001",
               "name": "Chen Wei", "status": "ok", "public": 10, "hidden": 0, "bonus": 0,
               "total": 10, "max_score": 110, "handed_in": "2026-10-01T08:00:00+08:00"})
    policy = read_policy(write_policy(tmp_path))
    done = export_grades(graded, "moodle", policy=policy, dry_run=True)
    actions = dict(done.actions)
    # Lin Yu's mailed resubmission is the latest, after the last day: 0, yet in Moodle.
    assert actions["Participant 5502 (312551002)"] == "accepted: grade 0"
    assert actions["Participant 5501 (312551001)"] == "accepted: grade 100"
    assert "not exported" in actions["312551001 (312551001_ChenWei_early)"]
    assert not (graded / "grades-moodle.csv").exists()  # a dry run writes nothing
    highest = dict(export_grades(graded, "moodle", policy=policy, duplicates="highest",
                                 dry_run=True).actions)
    assert highest["Participant 5502 (312551002)"] == "accepted: grade 60"


def test_a_row_the_grader_failed_on_gets_no_grade_anywhere(graded, tmp_path):
    sheet = GradeSheet(graded / "grades.csv")
    sheet.add({"submission": "Kao Ru_5506_assignsubmission_file_", "student_id": "312551006",
               "name": "Kao Ru", "participant": "5506", "status": "error", "total": "",
               "public": "", "hidden": "", "bonus": "", "max_score": "",
               "reason": "The grader failed: datasets/linear.csv is missing",
               "handed_in": "2026-10-09T10:00:00+08:00"})
    policy = read_policy(write_policy(tmp_path))
    done = export_grades(graded, "moodle", policy=policy)
    kao = GradeSheet(graded / "grades.csv").rows["Kao Ru_5506_assignsubmission_file_"]
    assert (kao["total"], kao["late"], kao["grade"]) == ("", "", "")  # not a late 0
    row = next(r for r in table_of(done.path) if r[0] == "Participant 5506")
    assert row[4] == "" and row[-1].startswith("No grade yet: the grader failed")
    assert dict(done.actions)["Participant 5506 (312551006)"] == "skipped by Moodle: no grade"


def test_regrade_applies_the_policy_beside_the_roster(tmp_path):
    from grader.paths import SOLUTION_DIR, STARTER_DIR

    root = tmp_path / "class"
    late = root / "Lin Yu_5502_assignsubmission_file_"
    late.mkdir(parents=True)
    (late / "backprop.py").write_text((SOLUTION_DIR / "backprop.py").read_text("utf-8"), "utf-8")
    stamp = datetime.datetime(2026, 10, 7, 10, 0, tzinfo=TAIPEI).timestamp()
    os.utime(late / "backprop.py", (stamp, stamp))  # as unzip leaves Moodle's upload time
    plain = root / "312551001_ChenWei"
    plain.mkdir()
    (plain / "backprop.py").write_text((STARTER_DIR / "backprop.py").read_text("utf-8"), "utf-8")
    course = tmp_path / "course"
    course.mkdir()
    (course / "roster.csv").write_text("id,name\n312551001,Chen Wei\n312551002,Lin Yu\n",
                                       encoding="utf-8")
    write_policy(course, POLICY.replace('"312551003"', '"312551001"').replace(
        "delta = 5", "score = 50"))
    out = tmp_path / "out"

    def regrade(*options):
        done = subprocess.run([sys.executable, "-m", "grader", "regrade", str(root), "--out",
                               str(out), "--roster", str(course / "roster.csv"), "--jobs", "2",
                               "--no-progress", *options], cwd=REPO_ROOT, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        return GradeSheet(out / "grades.csv").rows

    rows = regrade()
    lin, chen = rows["Lin Yu_5502_assignsubmission_file_"], rows["312551001_ChenWei"]
    total = float(lin["total"])
    assert lin["handed_in"].startswith("2026-10-07T02:00:00") and lin["late"] == "-22"
    assert float(lin["grade"]) == round((total - 22) * 100 / 110, 2)
    assert (chen["override"], chen["grade"], chen["grade_max"]) == ("=50", "50", "100")
    assert chen["late_reason"] == "hand-in time unknown: no late rule applied"
    assert regrade("--resume") == rows  # a run that grades nothing keeps every adjustment


def test_a_mailed_zip_lends_its_own_entries_and_says_whose_clock(tmp_path):
    mailed = tmp_path / "DL_LAB1_312551002_LinYu.zip"
    with zipfile.ZipFile(mailed, "w") as opened:
        opened.writestr(zipfile.ZipInfo("backprop.py", (2026, 10, 6, 9, 30, 0)), b"x = 1\n")
        opened.writestr(zipfile.ZipInfo("report.pdf", (2026, 10, 6, 8, 0, 0)), b"%PDF")
    moment, source = hand_in_time(mailed, "", {}, TAIPEI)
    assert moment == datetime.datetime(2026, 10, 6, 9, 30, tzinfo=TAIPEI)
    assert source == "the archive's own entries (the student's clock)"
    assert archive_time(tmp_path / "none.zip") is None
    row = {"public": "80", "hidden": "8", "bonus": "0", "max_score": "110", "status": "ok",
           "total": "88", "handed_in": moment.isoformat(), "handed_in_from": source}
    policy = read_policy(write_policy(tmp_path))
    assert "(from the archive's own entries (the student's clock)), 1 day after" in \
        adjusted(row, policy)["late_reason"]


def test_the_canvas_dry_run_lists_every_row(graded, tmp_path):
    sheet = GradeSheet(graded / "grades.csv")
    sheet.add({"submission": "mystery", "status": "ok", "public": 100, "hidden": 10,
               "bonus": 0, "total": 110, "max_score": 110})
    done = export_grades(graded, "canvas", policy=read_policy(write_policy(tmp_path)),
                         dry_run=True)
    actions = dict(done.actions)
    assert actions["312551002"] == "accepted: grade 60 (matched by SIS User ID)"
    assert actions["mystery"] == "not exported: no student ID"
    assert len(actions) == len(CLASS) + 1 and not (graded / "grades-canvas.csv").exists()
    assert GradeSheet(graded / "grades.csv").rows[CLASS[1][0]]["grade"] == ""  # not saved


def test_a_download_zip_given_as_it_is_lends_its_entries_times(tmp_path):
    from grader.regrade.collect import collect
    from grader.regrade.times import submission_times

    archive = tmp_path / "Lab1-download.zip"
    with zipfile.ZipFile(archive, "w") as opened:
        for folder, stamp in (("Lin Yu_5502_assignsubmission_file_", (2026, 10, 7, 10, 0, 0)),
                              ("Chen Wei_5501_assignsubmission_file_", (2026, 10, 5, 22, 0, 0))):
            opened.writestr(zipfile.ZipInfo(f"{folder}/backprop.py", stamp), b"x = 1\n")
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    entries = collect([archive], unpacked)
    assert {entry.identity.participant for entry in entries} == {"5501", "5502"}
    times = submission_times(entries, Policy(timezone=TAIPEI), [archive])
    by_participant = {entry.identity.participant: times[entry.name] for entry in entries}
    assert by_participant["5502"] == ("2026-10-07T10:00:00+08:00", "Moodle's download archive")
    assert by_participant["5501"][0] == "2026-10-05T22:00:00+08:00"  # not the unpacking's time
