"""The grade sheet, DIR/grades.csv: one row per submission, always, and one per roster
student without a submission (status `missing`).

Columns: who (`submission`, `student_id`, `name`), the outcome (`status`, `total`,
`max_score`, `public`, `hidden`, `bonus`, see grader/regrade/row.py), one column per
graded group named with its maximum (`backward/32`, as in the student's table), the
course policy's columns (`handed_in` and `handed_in_from`, `late` and `late_reason`,
`override` and `override_reason`, then `grade` out of `grade_max`: what the exports
send; see grader/regrade/adjust.py), why (`reason` for every row that is not ok, `flags` for
review), then `email` and
`participant` (for the grade-book exports), `hash` (of the submission's content, for
--resume) and `code` (a digest of the code without whitespace and comments).

Rows are kept sorted by submission and the file is rewritten atomically each time a
row is added, so an interrupted run keeps every finished row and a rerun writes the
same bytes.
"""

import csv
import io
from collections import Counter
from pathlib import Path

from grader.grade import write_text
from grader.lab import GROUPS as GROUP_ORDER
from grader.regrade.integrity import duplicates
from grader.regrade.row import GROUP_COLUMN
from grader.regrade.spreadsheet import neutral, restored

SHEET = "grades.csv"
LEADING = ("submission", "student_id", "name", "status", "total", "max_score", "public",
           "hidden", "bonus")
ADJUSTED = ("handed_in", "handed_in_from", "late", "late_reason", "override",
            "override_reason", "grade", "grade_max")
TRAILING = ("reason", "flags", "isolation", "email", "participant", "hash", "code")
MISSING_PREFIX = "missing:"
BOM = "\ufeff"


def number(value):
    return f"{value:g}" if isinstance(value, (int, float)) else value


def _group_rank(column):
    group = GROUP_COLUMN.match(column)["group"]
    return (GROUP_ORDER.index(group) if group in GROUP_ORDER else len(GROUP_ORDER), column)


class GradeSheet:
    """The rows of DIR/grades.csv, by submission name."""

    def __init__(self, path):
        self.path = Path(path)
        self.rows = {}
        if self.path.exists():
            with self.path.open(newline="", encoding="utf-8-sig") as stream:
                self.rows = {}
                for found in csv.DictReader(stream):
                    row = {column: restored(value) for column, value in found.items()}
                    self.rows[row["submission"]] = row

    def columns(self):
        """The fixed columns with every group column any row has, in the lab's order."""
        groups = {column for row in self.rows.values() for column in row
                  if GROUP_COLUMN.match(column)}
        return (*LEADING, *sorted(groups, key=_group_rank), *ADJUSTED, *TRAILING)

    def add(self, row, save=True):
        """Record one submission's row (and write the sheet)."""
        kept = [column for column in row if column in LEADING + ADJUSTED + TRAILING
                or GROUP_COLUMN.match(column)]
        self.rows[row["submission"]] = {column: number(row[column]) for column in kept}
        if save:
            self.save()

    def save(self):
        self.fill_max_score()
        text = io.StringIO()
        text.write(BOM)  # so that a spreadsheet reads it as UTF-8 (names in any script)
        # extrasaction: a sheet of an older version may hold columns no longer written.
        writer = csv.DictWriter(text, fieldnames=self.columns(), lineterminator="\n",
                                restval="", extrasaction="ignore")
        writer.writeheader()
        for name in sorted(self.rows):  # names a submission chose are never formulas
            writer.writerow({column: neutral(value) for column, value in self.rows[name].items()})
        write_text(self.path, text.getvalue())

    def fill_max_score(self):
        """Give rows graded by no check (a crash, a missing student) the class's maximum."""
        known = Counter(row["max_score"] for row in self.rows.values() if row.get("max_score"))
        if known:
            maximum = known.most_common(1)[0][0]
            for row in self.rows.values():
                if not row.get("max_score"):
                    row["max_score"] = maximum


def merge(sheets, out_path):
    """Join grade sheets into one at out_path (a submission in several: the last wins)."""
    merged = GradeSheet(out_path)
    for path in sheets:
        merged.rows.update(GradeSheet(path).rows)
    flag_duplicates(merged)
    return merged


def replace_flags(row, prefixes, new):
    """Drop row's flags starting with any of prefixes, then add the new ones."""
    flags = [f for f in (row.get("flags") or "").split("; ")
             if f and not f.startswith(prefixes)]
    row["flags"] = "; ".join(flags + list(new))


SAME_STUDENT = "two hand-ins of one student"


def flag_same_student(sheet):
    """Flag (and say in the reason) each submission of a student who has several."""
    by_student = {}
    for name, row in sorted(sheet.rows.items()):
        if row.get("student_id") and not name.startswith(MISSING_PREFIX):
            by_student.setdefault(row["student_id"], []).append(name)
    for name, row in sheet.rows.items():
        others = [other for other in by_student.get(row.get("student_id"), []) if other != name]
        note = f"{SAME_STUDENT}: also {', '.join(others)}" if others else ""
        reason = [part for part in (row.get("reason") or "").split("; ")
                  if part and not part.startswith(SAME_STUDENT)]
        row["reason"] = "; ".join(reason + [note] * bool(note))
        replace_flags(row, (f"review: {SAME_STUDENT}",),
                      [f"review: {SAME_STUDENT}"] if others else [])


def flag_duplicates(sheet):
    """Flag rows whose code is identical to another's or to the starter, and save."""
    digests = {name: row["code"] for name, row in sheet.rows.items() if row.get("code")}
    found = duplicates(digests)
    for name, row in sheet.rows.items():
        replace_flags(row, ("identical to",), [found[name]] if name in found else [])
    sheet.save()
