"""Grade-book exports of DIR/grades.csv: `python -m grader export-grades DIR --format F`.

- moodle: Moodle's assignment grading worksheet (the "offline grading worksheet" of
  the assignfeedback_offline plugin, uploaded with "Upload grading worksheet"). Moodle's
  importer finds three columns by their header, "Identifier" ("Participant N"),
  "Grade" and "Last modified (grade)", and ignores the others; it skips a grade above
  the assignment's maximum, and one changed in Moodle after "Last modified (grade)".
  The participant number N comes from the Moodle bulk-download folder name, or from a
  worksheet downloaded from Moodle (--worksheet), whose rows are matched by the
  "ID number" column, else the email, else the full name.
- canvas: Canvas's gradebook import CSV: "Student", "ID", "SIS User ID",
  "SIS Login ID", "Section", then one column per assignment, and a "Points Possible"
  row under the header. Rows are matched by SIS User ID (the student ID); "ID" (Canvas's
  own number) stays empty, "SIS Login ID" holds the student ID too.
- csv: student_id, name, email, total, max_score, status: for anything else.

The grades come from a regrade's DIR/grades.csv, or from Classroom 50's scores.csv with a
roster of usernames (grader/regrade/scores.py). Each exported grade is the row's `total`;
rows without a student ID cannot be matched and are left out with a warning, and so is,
for Moodle, a row without a participant (Moodle's own worksheet, built from the
participant numbers, takes a row of a bulk download without a student ID too). A student
with several submissions in the sheet (a resubmission beside the Moodle download, say) is
refused by default, naming each, since a grade book takes one grade per student;
`duplicates="highest"` exports the highest of them, with a warning. A grade above Moodle's
maximum (bonus points counted on top, grader/lab.py BONUS = "extra") is refused with the
reason, since Moodle would skip it without a word.
"""

import csv
import io
from pathlib import Path

from grader.regrade.scores import ScoresError, score_rows
from grader.regrade.sheet import SHEET, GradeSheet

MOODLE_COLUMNS = ("Identifier", "Full name", "Email address", "Status", "Grade",
                  "Maximum Grade", "Grade can be changed", "Last modified (submission)",
                  "Last modified (grade)", "Feedback comments")
MOODLE_PARTICIPANT = "Participant "
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_ROW = "Points Possible"
CSV_COLUMNS = ("student_id", "name", "email", "total", "max_score", "status")
FORMATS = ("moodle", "canvas", "csv")
DUPLICATES = ("refuse", "highest")  # what to do with a student's several submissions
DEFAULT_ASSIGNMENT = "Lab 1: backpropagation"


class ExportError(ValueError):
    """The export cannot be written; the message says why."""


def _csv_text(header, rows):
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue()


def gradable_rows(sheet, participants=False):
    """(rows with a student ID, warnings for the others), sorted by student ID.
    participants: also the rows with Moodle's participant number (all a Moodle
    worksheet needs)."""
    rows, warnings = [], []
    for name, row in sorted(sheet.rows.items()):
        if row.get("student_id") or participants and row.get("participant"):
            rows.append(row)
        else:
            warnings.append(f"{name}: no student ID, left out (start its name with the "
                            "student ID, or give the student's name in a --roster, and "
                            "regrade it)")
    return sorted(rows, key=lambda row: (row["student_id"], row["submission"])), warnings


def one_per_student(rows, duplicates):
    """(rows with one per student ID, warnings); refuses several unless `duplicates` is
    "highest", which keeps the highest total (the first by submission name on a tie)."""
    by_student = {}
    for row in rows:
        by_student.setdefault(row["student_id"] or f"{MOODLE_PARTICIPANT}{row['participant']}",
                              []).append(row)
    several = {student: found for student, found in by_student.items() if len(found) > 1}
    if several and duplicates != "highest":
        listed = "; ".join(
            f"{student}: " + ", ".join(f"{row['submission']} ({row['total']})" for row in found)
            for student, found in several.items())
        raise ExportError(f"several submissions of one student: {listed}. A grade book takes "
                          "one grade per student: keep one of each in the class folder and "
                          "regrade, or pass --duplicates highest")
    kept, warnings = [], []
    for student, found in by_student.items():
        best = max(found, key=lambda row: float(row["total"] or 0))
        kept.append(best)
        if len(found) > 1:
            warnings.append(f"{student}: {len(found)} submissions, exported the highest "
                            f"({best['total']}, {best['submission']})")
    return kept, warnings


def refuse_above_maximum(over):
    """ExportError for [(student ID, grade, maximum)] of grades above Moodle's maximum."""
    if not over:
        return
    listed = ", ".join(f"{student} ({grade} > {maximum})" for student, grade, maximum in over)
    highest = max(float(grade) for _, grade, _ in over)
    raise ExportError(f"grades above the maximum grade, which Moodle skips without a word: "
                      f"{listed}. Bonus points count above the maximum (grader/lab.py BONUS = "
                      f"'extra'): raise the Moodle assignment's maximum grade to {highest:g} or "
                      "more and pass its grading worksheet (--worksheet), or regrade with "
                      "--bonus-cap 0")


def _above(row, maximum):
    """[(student ID, grade, maximum)] when row's total is above maximum, else []."""
    try:
        over = float(row["total"]) > float(maximum)
    except (TypeError, ValueError):
        return []
    return [(row["student_id"], row["total"], maximum)] if over else []


def _moodle_status(row):
    return "No submission" if row["status"] == "missing" else "Submitted for grading"


def _feedback(row):
    return row["reason"] if row["status"] != "ok" else ""


WORKSHEET_KEYS = ("ID number", "Email address", "Full name")  # matched in this order


def _key(text):
    return " ".join(text.split()).casefold()


def moodle_from_worksheet(rows, worksheet, modified):
    """Moodle's downloaded worksheet with its Grade column filled from rows."""
    try:
        text = Path(worksheet).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ExportError(f"cannot read the worksheet {worksheet}: {error}") from None
    table = list(csv.reader(text.splitlines()))
    if not table or not {"Identifier", "Grade"} <= set(table[0]):
        raise ExportError(f"{worksheet} is not a Moodle grading worksheet: its header needs "
                          "'Identifier' and 'Grade'")
    header = table[0]
    if "Last modified (grade)" not in header:
        header.append("Last modified (grade)")
    column = {name: header.index(name) for name in header}
    keys = {}
    for row in rows:
        for kind, value in (("ID number", row["student_id"]), ("Email address", row.get("email")),
                            ("Full name", row.get("name"))):
            if value:
                keys.setdefault((kind, _key(value)), row)
    warnings, filled, over = [], set(), []
    for record in table[1:]:
        record += [""] * (len(header) - len(record))
        match = next((keys[kind, _key(record[column[kind]])] for kind in WORKSHEET_KEYS
                      if kind in column and (kind, _key(record[column[kind]])) in keys), None)
        if match is None:
            warnings.append(f"worksheet row {record[column['Identifier']]}: no grade found")
            continue
        filled.add(match["submission"])
        record[column["Grade"]] = match["total"]
        record[column["Last modified (grade)"]] = modified
        if "Feedback comments" in column:
            record[column["Feedback comments"]] = _feedback(match)
        over += _above(match, record[column["Maximum Grade"]] if "Maximum Grade" in column
                       else match["max_score"])
    refuse_above_maximum(over)
    warnings += [f"{row['student_id']}: not in the worksheet" for row in rows
                 if row["submission"] not in filled]
    return _csv_text(header, table[1:]), warnings


def moodle(rows, modified):
    """A Moodle grading worksheet built from the participant numbers in the sheet."""
    table, warnings, over = [], [], []
    for row in rows:
        if not row.get("participant"):
            warnings.append(f"{row['student_id']}: no Moodle participant number (grade a "
                            "Moodle bulk download, or pass --worksheet), left out")
            continue
        table.append([f"{MOODLE_PARTICIPANT}{row['participant']}", row["name"],
                      row.get("email", ""), _moodle_status(row), row["total"],
                      row["max_score"], "Yes", "", modified, _feedback(row)])
        over += _above(row, row["max_score"])
    refuse_above_maximum(over)
    return _csv_text(MOODLE_COLUMNS, table), warnings


def canvas(rows, assignment):
    """Canvas's gradebook import CSV, with the Points Possible row."""
    maximum = rows[0]["max_score"] if rows else ""
    table = [[CANVAS_POINTS_ROW, "", "", "", "", maximum]]
    table += [[row["name"], "", row["student_id"], row["student_id"], "", row["total"]]
              for row in rows]
    return _csv_text((*CANVAS_COLUMNS, assignment), table), []


def plain(rows):
    return _csv_text(CSV_COLUMNS, [[row.get(c, "") for c in CSV_COLUMNS] for row in rows]), []


def source_rows(source, roster=None, duplicates="refuse", participants=False):
    """(rows, warnings, the default folder of the output) of a regrade's folder (its
    grades.csv) or of Classroom 50's scores.csv with its roster. participants: see
    gradable_rows."""
    source = Path(source)
    if source.is_file():
        if roster is None:
            raise ExportError(f"{source} is a file: Classroom 50's scores.csv goes with a "
                              "--roster of usernames and student IDs")
        choice = "highest" if duplicates == "highest" else "latest"
        try:
            rows, warnings = score_rows(source, roster, choice)
        except ScoresError as error:
            raise ExportError(str(error)) from None
        return rows, warnings, source.parent
    if roster is not None:
        raise ExportError("--roster goes with Classroom 50's scores.csv (a regrade's folder "
                          "has its students already)")
    if not (source / SHEET).is_file():
        raise ExportError(f"no grade sheet {source / SHEET}: run regrade first")
    rows, warnings = gradable_rows(GradeSheet(source / SHEET), participants)
    return rows, warnings, source


def export_grades(directory, fmt, out=None, worksheet=None, assignment=DEFAULT_ASSIGNMENT,
                  modified="", duplicates="refuse", roster=None):
    """Write the grade-book file of a regrade's DIR/grades.csv (or of Classroom 50's
    scores.csv with `roster`); returns (its path, warnings).

    Args:
        directory: a regrade's output folder, or Classroom 50's scores.csv.
        fmt: one of FORMATS.
        out: the file to write (default <folder>/grades-<fmt>.csv).
        worksheet: for moodle, a grading worksheet downloaded from Moodle to fill in.
        assignment: for canvas, the assignment column's header ("Name (id)" matches an
            existing Canvas assignment by its id).
        modified: for moodle, the "Last modified (grade)" time written.
        duplicates: one of DUPLICATES, for a student with several submissions.
        roster: with scores.csv, the CSV of usernames and student IDs (scores.py).
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    # Moodle's own worksheet is keyed by the participant number: a row needs no ID there.
    rows, warnings, folder = source_rows(directory, roster, duplicates,
                                         participants=fmt == "moodle" and worksheet is None)
    rows, more = one_per_student(rows, duplicates)
    warnings += more
    if fmt == "moodle" and worksheet is not None:
        text, more = moodle_from_worksheet(rows, worksheet, modified)
    elif fmt == "moodle":
        text, more = moodle(rows, modified)
    elif fmt == "canvas":
        text, more = canvas(rows, assignment)
    else:
        text, more = plain(rows)
    out = Path(out) if out else folder / f"grades-{fmt}.csv"
    out.write_text(text, encoding="utf-8")
    return out, warnings + more
