"""Grade-book exports of DIR/grades.csv: `python -m grader export-grades DIR --format F`.

- moodle: Moodle's assignment grading worksheet, filled in (grader/regrade/moodle.py):
  the TA's own downloaded worksheet in its language (--worksheet, or the policy's
  `worksheet`), or one built from the participant numbers of a Moodle download.
- canvas: Canvas's gradebook import CSV (lib/gradebook_importer.rb): "Student", "ID",
  "SIS User ID", "SIS Login ID", "Section", then the assignment's column, and a
  "Points Possible" row under the header. Rows are matched by SIS User ID (the student
  ID); "ID" (Canvas's own number) stays empty, "SIS Login ID" holds the student ID too.
- csv: student_id, name, email, grade, max_score, status, comment: for anything else.

The grades come from a regrade's DIR/grades.csv, or from Classroom 50's scores.csv with
a roster of usernames (grader/regrade/scores.py: its total; with a policy, the late rule,
scale_to and the overrides applied to every graded submission, a warning for what it
cannot carry). Each exported grade is the sheet's `grade` out of `grade_max`, the course
policy applied (grader/regrade/adjust.py; `--policy` applies a policy file afresh, and
saves the sheet); a sheet the policy was never applied to exports `total` out of
`max_score`.
Every row carries its feedback comment (grader/regrade/comments.py) where the format
has a place for it. Rows without a student ID cannot be matched and are left out with a
warning. A student with several submissions gets one grade: the latest handed in (the
default), the highest, or the first (`duplicates`), or, with "refuse", none until the
TA keeps one. A grade above Moodle's maximum is refused with the way out, since Moodle
would skip it without a word (the dry run shows it skipped). Files are UTF-8 with a
byte-order mark, which spreadsheets need to read names in any script and both
importers accept (Moodle's csv_import_reader strips it; Canvas finds its headers by
substring). A dry run lists what the grade book will do with each row (accepted, or
skipped and why) and writes nothing.
"""

import csv
import io
from pathlib import Path
from typing import NamedTuple

from grader.regrade.adjust import apply_policy
from grader.regrade.comments import feedback_comment
from grader.regrade.moodle import MOODLE_PARTICIPANT, build_worksheet, fill_worksheet
from grader.regrade.policy import DUPLICATES as POLICY_DUPLICATES
from grader.regrade.scores import ScoresError, policy_rows, submission_rows
from grader.regrade.sheet import BOM, SHEET, GradeSheet
from grader.regrade.spreadsheet import neutral
from grader.regrade.worksheet import WorksheetError

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_ROW = "Points Possible"
CSV_COLUMNS = ("student_id", "name", "email", "grade", "max_score", "status", "comment")
FORMATS = ("moodle", "canvas", "csv")
DUPLICATES = (*POLICY_DUPLICATES, "refuse")  # a student's several submissions
DEFAULT_ASSIGNMENT = "Lab 1: backpropagation"


class ExportError(ValueError):
    """The export cannot be written; the message says why."""


def _csv_text(header, rows):
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)  # the grade book's own words, or the TA's worksheet's
    writer.writerows([neutral(cell) for cell in row] for row in rows)
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


def _chosen(found, duplicates):
    """The one row of a student's several that the rule keeps (None: cannot tell)."""
    if duplicates == "highest":
        return max(found, key=lambda row: float(row["export_grade"] or -1))
    if any(not row.get("handed_in") for row in found):
        return None
    by_time = sorted(found, key=lambda row: (row["handed_in"], row["submission"]))
    return by_time[-1] if duplicates == "latest" else by_time[0]


def one_per_student(rows, duplicates):
    """(rows with one per student ID, warnings, [(who, what happened to a row left
    out)]). A kept row lacking the Moodle participant number or the email takes them from
    the student's other rows (they belong to the student, not to one hand-in)."""
    by_student = {}
    for row in rows:
        by_student.setdefault(row["student_id"] or f"{MOODLE_PARTICIPANT}{row['participant']}",
                              []).append(row)
    several = {student: found for student, found in by_student.items() if len(found) > 1}
    unknown = {student: found for student, found in several.items()
               if duplicates == "refuse" or _chosen(found, duplicates) is None}
    if unknown:
        listed = "; ".join(
            f"{student}: " + ", ".join(f"{row['submission']} ({row['export_grade']}"
                                       + (f", handed in {row['handed_in']}" if row.get(
                                           "handed_in") else ", hand-in time unknown") + ")"
                                       for row in found)
            for student, found in unknown.items())
        why = ("" if duplicates == "refuse" else
               f" (the rule {duplicates!r} needs every one's hand-in time)")
        raise ExportError(f"several submissions of one student{why}: {listed}. A grade book "
                          "takes one grade per student: keep one of each in the class folder "
                          "and regrade, or pass --duplicates highest")
    kept, warnings, left_out = [], [], []
    for student, found in by_student.items():
        chosen = dict(_chosen(found, duplicates) if len(found) > 1 else found[0])
        for key in ("participant", "email"):
            chosen[key] = chosen.get(key) or next((r[key] for r in found if r.get(key)), "")
        kept.append(chosen)
        if len(found) > 1:
            warnings.append(f"{student}: {len(found)} submissions, exported the {duplicates} "
                            f"({chosen['export_grade']}, {chosen['submission']})")
            left_out += [(f"{student} ({row['submission']})",
                          f"not exported: the {duplicates} submission of the student is")
                         for row in found if row["submission"] != chosen["submission"]]
    return kept, warnings, left_out


def refuse_above_maximum(over):
    """ExportError for [(student ID, grade, maximum)] of grades above Moodle's maximum."""
    if not over:
        return
    listed = ", ".join(f"{student} ({grade} > {maximum})" for student, grade, maximum in over)
    highest = max(float(grade) for _, grade, _ in over)
    raise ExportError(f"grades above the maximum grade, which Moodle skips without a word: "
                      f"{listed}. Raise the Moodle assignment's maximum grade to {highest:g} "
                      "or more and pass its grading worksheet (--worksheet), or give a policy "
                      "(--policy) whose scale_to is the item's maximum, or whose [bonus] rule "
                      "is \"cap\"")


def source_rows(source, roster, duplicates, policy, dry_run, participants=False):
    """(rows, rows left out for want of a student ID, warnings, the folder of the output)
    of a regrade's folder (its grades.csv, the policy applied first when given) or of
    Classroom 50's scores.csv with its roster. participants: see gradable_rows."""
    source = Path(source)
    if source.is_file():
        if roster is None:
            raise ExportError(f"{source} is a file: Classroom 50's scores.csv goes with a "
                              "--roster of usernames and student IDs")
        try:  # every graded submission: one per student is kept below (one_per_student)
            rows, warnings = (policy_rows(source, roster, policy) if policy is not None
                              else submission_rows(source, roster))
        except ScoresError as error:
            raise ExportError(str(error)) from None
        return rows, [], warnings, source.parent
    if roster is not None:
        raise ExportError("--roster goes with Classroom 50's scores.csv (a regrade's folder "
                          "has its students already)")
    if not (source / SHEET).is_file():
        raise ExportError(f"no grade sheet {source / SHEET}: run regrade first")
    sheet, warnings = GradeSheet(source / SHEET), []
    if policy is not None:  # a dry run applies it in memory only
        warnings += apply_policy(sheet, policy, save=not dry_run)
    rows, more = gradable_rows(sheet, participants)
    kept = {row["submission"] for row in rows}
    left_out = [row for name, row in sorted(sheet.rows.items()) if name not in kept]
    return rows, left_out, warnings + more, source


def with_export_columns(rows):
    """Rows with `export_grade` and `export_max`: the policy's grade, else (a sheet the
    policy was never applied to) the total; neither for a row the grader failed on."""
    return [{**row, "export_grade": row.get("grade") or row.get("total", ""),
             "export_max": row.get("grade_max") or row.get("max_score") or ""} for row in rows]


def canvas(rows, assignment):
    """Canvas's gradebook import CSV, with the Points Possible row."""
    maximum = rows[0]["export_max"] if rows else ""
    table = [list(CANVAS_COLUMNS) + [assignment], [CANVAS_POINTS_ROW, "", "", "", "", maximum]]
    table += [[row["name"], "", row["student_id"], row["student_id"], "", row["export_grade"]]
              for row in rows]
    # Canvas takes any score, above points possible too; it matches by SIS User ID, and
    # leaves a grade as it is where the cell is empty.
    actions = [(row["student_id"], f"accepted: grade {row['export_grade']} (matched by SIS "
                                   "User ID)" if row["export_grade"] != "" else
                "skipped: no grade (the grader failed on it: regrade it)") for row in rows]
    return table, [], actions


def plain(rows, comments):
    table = [list(CSV_COLUMNS)]
    table += [[row["student_id"], row.get("name", ""), row.get("email", ""), row["export_grade"],
               row["export_max"], row["status"], comments[row["submission"]]] for row in rows]
    return table, [], [(row["student_id"], f"written: grade {row['export_grade']}")
                       for row in rows]


class Export(NamedTuple):
    """What export_grades did: the file written (None on a dry run), the warnings, and
    [(row, what the grade book will do with it)]."""

    path: Path
    warnings: list
    actions: list


def export_grades(directory, fmt, out=None, worksheet=None, assignment=DEFAULT_ASSIGNMENT,
                  modified="", duplicates=None, policy=None, dry_run=False, roster=None):
    """Write the grade-book file of a regrade's DIR/grades.csv (or of Classroom 50's
    scores.csv with `roster`); returns an Export.

    Args:
        directory: a regrade's output folder, or Classroom 50's scores.csv.
        fmt: one of FORMATS.
        out: the file to write (default <folder>/grades-<fmt>.csv).
        worksheet: for moodle, a grading worksheet downloaded from Moodle to fill in
            (default: the policy's).
        assignment: for canvas, the assignment column's header ("Name (id)" matches an
            existing Canvas assignment by its id).
        modified: for moodle, the "Last modified (grade)" time written.
        duplicates: one of DUPLICATES (default: the policy's, else "latest").
        policy: a Policy to apply to the sheet first (None: the sheet's grades as they are).
        dry_run: write nothing; the actions say what the grade book would do.
        roster: with scores.csv, the CSV of usernames and student IDs (scores.py).
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    duplicates = duplicates or (policy.duplicates if policy else DUPLICATES[0])
    worksheet = worksheet or (policy.worksheet if policy else None)
    # Moodle's own worksheet is keyed by the participant number: a row needs no ID there.
    rows, unnamed, warnings, folder = source_rows(
        directory, roster, duplicates, policy, dry_run,
        participants=fmt == "moodle" and worksheet is None)
    rows, more, actions = one_per_student(with_export_columns(rows), duplicates)
    warnings += more
    actions += [(row["submission"], "not exported: no student ID") for row in unnamed]
    comments = {row["submission"]: feedback_comment(row, folder) for row in rows}
    over = []
    if fmt == "moodle" and worksheet is not None:
        try:
            table, more, done, over = fill_worksheet(rows, worksheet, modified, comments)
        except WorksheetError as error:
            raise ExportError(str(error)) from None
    elif fmt == "moodle":
        table, more, done, over = build_worksheet(rows, modified, comments)
    elif fmt == "canvas":
        table, more, done = canvas(rows, assignment)
    else:
        table, more, done = plain(rows, comments)
    if dry_run:
        return Export(None, warnings + more, done + actions)
    refuse_above_maximum(over)
    out = Path(out) if out else folder / f"grades-{fmt}.csv"
    out.write_text(BOM + _csv_text(table[0], table[1:]), encoding="utf-8")
    return Export(out, warnings + more, done + actions)
