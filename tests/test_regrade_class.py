"""A class as a TA receives it: every naming form, a roster with a missing student and
a stranger, disguised copies beside independent solutions; then the grade sheet, the
summary, similarity.md, resume by content, and the grade-book exports."""

import csv
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.paths import REPO_ROOT, SOLUTION_DIR
from grader.regrade.gradebook import CANVAS_COLUMNS
from grader.regrade.moodle import MOODLE_COLUMNS
from tests.grading import bonus_total
from tests.submissions.disguise import disguised
from tests.submissions.mutants import MUTANTS, mutant_source

FULL_MARKS = f"{bonus_total(110, 110, 4):g}"  # 110 with the hidden checks, and 4 bonus

CORRECT = Path(__file__).parent / "submissions" / "correct"
ROSTER = """id,name,email
312551001,Chen Wei,chen@example.edu
312551002,Lin Yu,lin@example.edu
312551003,Wang Xiao,wang@example.edu
312551004,Lin Hao,hao@example.edu
312551005,Huang Mei,huang@example.edu
312551006,Tsai Yu,tsai@example.edu
312551007,Kao Ming,kao@example.edu
312551008,Wu Fang,wu@example.edu
312551009,Lee Jun,lee@example.edu
312551010,Hsu Ting,hsu@example.edu
"""


def zip_of(path, source, inner="code/backprop.py"):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(inner, source)
        archive.writestr("__MACOSX/code/._backprop.py", b"\x00\x05\x16\x07")
        archive.writestr("report.pdf", b"%PDF-1.4")


def folder_of(path, source):
    path.mkdir(parents=True)
    (path / "backprop.py").write_text(source, encoding="utf-8")


def correct(name):
    return (CORRECT / f"{name}.py").read_text(encoding="utf-8")


def build_class(root):
    solution = (SOLUTION_DIR / "backprop.py").read_text(encoding="utf-8")
    bias_averaged = mutant_source(next(m for m in MUTANTS if m.name == "backward_bias_averaged"))
    zip_of(root / "DL_LAB1_312551001_ChenWei.zip", solution)
    zip_of(root / "DL-LAB1-312551002.zip", correct("tuple_cache"))
    zip_of(root / "dl_lab1_312551003_wang (1).zip", bias_averaged)
    folder_of(root / "312551004_LinHao", disguised(correct("tuple_cache")))  # a copy of 002
    moodle = root / "Huang Mei_5501_assignsubmission_file_"
    moodle.mkdir()
    zip_of(moodle / "DL_LAB1_312551005_Huang.zip", correct("einsum_network"))
    folder_of(root / "Tsai Yu_5502_assignsubmission_file_", correct("bce_loss"))  # no ID
    folder_of(root / "312551007", correct("layer_classes"))
    (root / "312551008_WuFang").mkdir()  # empty
    shutil.copytree(REPO_ROOT / "tests/submissions/broken/syntax_error", root / "312551009_Lee")
    folder_of(root / "999999999_Stranger", correct("bias_folded"))  # not in the roster
    folder_of(root / "mystery", correct("pyplot_state_api"))  # no name to read
    return root


def run(*arguments, check=True):
    result = subprocess.run([sys.executable, "-m", "grader", *map(str, arguments)],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    if check:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def regrade(root, out, *options):
    """A regrade with the default timeout: nothing here loops, and honest code keeps the
    margin it needs while other tests share the cores."""
    return run("regrade", root, "--out", out, "--jobs", "2", "--no-progress", *options)


def read_rows(out):
    with (Path(out) / "grades.csv").open(newline="", encoding="utf-8-sig") as stream:
        return {row["submission"]: row for row in csv.DictReader(stream)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = build_class(tmp_path_factory.mktemp("class"))
    roster = root.parent / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    out = tmp_path_factory.mktemp("out")
    result = regrade(root, out, "--roster", roster)
    return root, roster, out, result.stderr


def test_every_naming_form_gives_the_student(graded):
    _, _, out, _ = graded
    table = read_rows(out)
    who = {name: (row["student_id"], row["name"]) for name, row in table.items()}
    assert who["DL_LAB1_312551001_ChenWei"] == ("312551001", "Chen Wei")
    assert who["DL-LAB1-312551002"] == ("312551002", "Lin Yu")
    assert who["dl_lab1_312551003_wang (1)"] == ("312551003", "Wang Xiao")
    assert who["312551004_LinHao"] == ("312551004", "Lin Hao")
    assert who["Huang Mei_5501_assignsubmission_file_"] == ("312551005", "Huang Mei")
    assert who["Tsai Yu_5502_assignsubmission_file_"] == ("312551006", "Tsai Yu")  # by name
    assert who["312551007"] == ("312551007", "Kao Ming")
    assert who["999999999_Stranger"] == ("999999999", "Stranger")
    assert who["mystery"] == ("", "")
    assert table["Huang Mei_5501_assignsubmission_file_"]["participant"] == "5501"
    assert table["DL_LAB1_312551001_ChenWei"]["email"] == "chen@example.edu"


def test_the_roster_adds_the_missing_and_warns_about_the_rest(graded):
    _, _, out, stderr = graded
    missing = read_rows(out)["missing:312551010"]
    assert (missing["status"], missing["name"], missing["total"], missing["max_score"]) == \
        ("missing", "Hsu Ting", "0", "110")
    assert "warning: 999999999_Stranger: 999999999 is not in the roster" in stderr
    assert "warning: 1 submission without a student ID in its name: mystery (" in stderr
    assert stderr.count("without a student ID") == 1
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "999999999 is not in the roster" in summary
    assert "1 submission without a student ID in its name: mystery" in summary


def test_scores_split_and_every_row_complete(graded):
    _, _, out, _ = graded
    table = read_rows(out)
    chen = table["DL_LAB1_312551001_ChenWei"]
    assert (chen["public"], chen["hidden"], chen["bonus"], chen["total"], chen["max_score"]) == \
        ("100", "10", "4", FULL_MARKS, "110")
    assert chen["backward/30"] == "30" and chen["loss/6"] == "6" and chen["rules/2"] == "2"
    wang = table["dl_lab1_312551003_wang (1)"]
    assert float(wang["public"]) < 100 and float(wang["hidden"]) < 10
    core = float(wang["public"]) + float(wang["hidden"])
    assert float(wang["total"]) == bonus_total(core, 110, 4)
    for name, row in table.items():
        assert row["max_score"] == "110", name
        assert (row["status"] == "ok") == (row["reason"] == ""), name
    assert table["312551008_WuFang"]["status"] == "error"
    assert "no backprop.py" in table["312551008_WuFang"]["reason"]
    assert "SyntaxError" in table["312551009_Lee"]["reason"]


def test_copies_are_flagged_on_both_rows_and_independent_solutions_are_not(graded):
    _, _, out, _ = graded
    table = read_rows(out)
    similar = {name for name, row in table.items() if "similar to" in row["flags"]}
    assert similar == {"DL-LAB1-312551002", "312551004_LinHao"}  # a disguised copy: a pair
    assert "similar to 312551004_LinHao" in table["DL-LAB1-312551002"]["flags"]
    # the solution and a mutant of it (one bug apart) with the course's solution: a ring
    ring = {name for name, row in table.items() if "copy ring" in row["flags"]}
    assert ring == {"DL_LAB1_312551001_ChenWei", "dl_lab1_312551003_wang (1)"}
    assert "copy ring 1 with <the course's solution>, dl_lab1_312551003_wang (1) (3 " \
        "submissions" in table["DL_LAB1_312551001_ChenWei"]["flags"]
    assert table["312551004_LinHao"]["total"] == table["DL-LAB1-312551002"]["total"] == "110"
    report = (out / "similarity.md").read_text(encoding="utf-8")
    assert "`DL-LAB1-312551002`" in report and "`312551004_LinHao`" in report


def test_feedback_holds_hidden_failures_and_no_ta_paths(graded):
    root, _, out, _ = graded
    wang = (out / "dl_lab1_312551003_wang (1)" / "feedback.md").read_text(encoding="utf-8")
    assert "(hidden)" in wang and "not visible to the student" in wang
    empty = (out / "312551008_WuFang" / "feedback.md").read_text(encoding="utf-8")
    assert str(root) not in empty and empty.count("no backprop.py") == 1


def test_the_summary_counts_submissions_and_groups_mistakes(graded):
    _, _, out, _ = graded
    summary = (out / "summary.md").read_text(encoding="utf-8")
    mistakes = summary.split("## The class's mistakes")[1].split("##")[0]
    assert "db is averaged over the samples: 1 student (`dl_lab1_312551003_wang (1)`)" in mistakes
    assert "WuFang" not in mistakes  # submissions that did not run are apart
    did_not_run = summary.split("## Did not run")[1].split("##")[0]
    assert "`312551008_WuFang`" in did_not_run and "`missing:312551010`" in did_not_run
    review = summary.split("## For review")[1].split("##")[0]
    assert "`312551009_Lee`" in review and "`312551004_LinHao`" in review
    assert "[100, 110]" in summary and "![Score histogram](histogram.png)" in summary
    assert (out / "histogram.png").read_bytes().startswith(b"\x89PNG")


def test_resume_regrades_changed_content_and_with_retry_the_errors(graded, tmp_path):
    root, roster, _, _ = graded
    out = tmp_path / "out"
    shutil.copytree(graded[2], out)

    def stamp(name):
        return (out / name / "feedback.md").stat().st_mtime_ns

    before = {name: stamp(name) for name in ("312551007", "312551008_WuFang", "mystery")}
    kao = root / "312551007" / "backprop.py"
    kao.write_text(kao.read_text(encoding="utf-8").replace("def sigmoid", "def sigmoid_", 1),
                   encoding="utf-8")
    resumed = regrade(root, out, "--roster", roster, "--resume")
    assert stamp("312551007") != before["312551007"]  # corrected resubmission
    total = len([row for row in read_rows(out).values() if row["status"] != "missing"])
    assert f"resume: grading 1 of {total} submissions ({total - 1} unchanged kept as they " \
           "are)\n  312551007: changed\n" in resumed.stderr
    assert stamp("312551008_WuFang") == before["312551008_WuFang"]
    assert stamp("mystery") == before["mystery"]
    assert float(read_rows(out)["312551007"]["sigmoid/7"]) == 0
    retried = regrade(root, out, "--roster", roster, "--resume", "--retry-errors")
    assert stamp("312551008_WuFang") != before["312551008_WuFang"]
    assert "  312551008_WuFang: retried (error)\n" in retried.stderr
    assert stamp("mystery") == before["mystery"]


def test_a_bad_roster_stops_before_grading(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("name\nLee\n", encoding="utf-8")
    result = run("regrade", tmp_path, "--out", tmp_path / "out", "--roster", roster,
                 check=False)
    assert result.returncode == 2 and "no 'student_id' column" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def read_csv(path):
    with Path(path).open(newline="", encoding="utf-8-sig") as stream:
        return list(csv.reader(stream))


def test_moodle_export_has_the_worksheet_headers_and_participants(graded, tmp_path):
    _, _, out, _ = graded
    result = run("export-grades", out, "--format", "moodle", "--out", tmp_path / "m.csv")
    table = read_csv(tmp_path / "m.csv")
    assert tuple(table[0]) == MOODLE_COLUMNS
    assert {"Identifier", "Grade", "Last modified (grade)"} <= set(table[0])  # what Moodle reads
    by_id = {row[0]: dict(zip(table[0], row, strict=True)) for row in table[1:]}
    assert set(by_id) == {"Participant 5501", "Participant 5502"}
    assert by_id["Participant 5501"]["Full name"] == "Huang Mei"
    assert by_id["Participant 5501"]["Maximum Grade"] == "110"
    assert "no Moodle participant number" in result.stderr


def test_moodle_export_fills_a_downloaded_worksheet_by_student_id(graded, tmp_path):
    _, _, out, _ = graded
    worksheet = tmp_path / "Grades-Lab1.csv"
    worksheet.write_text(
        '"Identifier","Full name","ID number","Email address","Status","Grade",'
        '"Maximum Grade","Grade can be changed","Last modified (submission)",'
        '"Last modified (grade)","Feedback comments"\n'
        '"Participant 11","Chen Wei","312551001","chen@example.edu","Submitted for grading",'
        '"","110.00","Yes","Monday, 30 November 2026, 9:00 PM","-",""\n'
        '"Participant 12","Lin Yu","312551002","lin@example.edu","Submitted for grading",'
        '"","110.00","Yes","Monday, 30 November 2026, 9:05 PM","-",""\n'
        '"Participant 13","Nobody","000","n@example.edu","No submission","","110.00","Yes",'
        '"-","-",""\n', encoding="utf-8")
    run("export-grades", out, "--format", "moodle", "--worksheet", worksheet,
        "--out", tmp_path / "filled.csv")
    table = read_csv(tmp_path / "filled.csv")
    assert table[0] == read_csv(worksheet)[0]  # Moodle's own header, kept
    grades = {row[0]: row[table[0].index("Grade")] for row in table[1:]}
    assert grades == {"Participant 11": FULL_MARKS, "Participant 12": read_rows(out)[
        "DL-LAB1-312551002"]["total"], "Participant 13": ""}


def test_canvas_export_has_the_gradebook_columns_and_points_possible(graded, tmp_path):
    _, _, out, _ = graded
    run("export-grades", out, "--format", "canvas", "--assignment", "Lab 1 (4711)",
        "--out", tmp_path / "c.csv")
    table = read_csv(tmp_path / "c.csv")
    assert tuple(table[0]) == (*CANVAS_COLUMNS, "Lab 1 (4711)")
    assert table[1][0] == "Points Possible" and table[1][-1] == "110"
    by_sis = {row[2]: row for row in table[2:]}
    assert by_sis["312551001"][0] == "Chen Wei" and by_sis["312551001"][-1] == FULL_MARKS
    assert by_sis["312551010"][-1] == "0"  # the missing student
    assert "" not in by_sis  # rows without an ID are left out


def test_plain_export_and_bad_input(graded, tmp_path):
    _, _, out, _ = graded
    run("export-grades", out, "--format", "csv", "--out", tmp_path / "p.csv")
    table = read_csv(tmp_path / "p.csv")
    assert table[0] == ["student_id", "name", "email", "grade", "max_score", "status", "comment"]
    result = run("export-grades", tmp_path, "--format", "canvas", check=False)
    assert result.returncode == 2 and "no grade sheet" in result.stderr
    assert "Traceback" not in result.stderr
