"""The grade sheet, DIR/grades.csv: one row per submission, always.

Rows are kept sorted by submission and the file is rewritten atomically each time a
row is added, so an interrupted run keeps every finished row and a rerun writes the
same bytes.
"""

import csv
import io
from pathlib import Path

from grader.grade import write_text
from grader.plugin import GROUP_ORDER
from grader.regrade.integrity import duplicates

SHEET = "grades.csv"
GROUPS = tuple(group for group in GROUP_ORDER if group != "rules")
# "code": digest of backprop.py with whitespace and comments set aside (duplicates).
COLUMNS = ("submission", "student", "score", "max_score", "status", *GROUPS, "flags", "code",
           "isolation")
STATUSES = ("ok", "error", "timeout", "memory", "integrity")


def number(value):
    return f"{value:g}" if isinstance(value, (int, float)) else value


class GradeSheet:
    """The rows of DIR/grades.csv, by submission name."""

    def __init__(self, path):
        self.path = Path(path)
        self.rows = {}
        if self.path.exists():
            with self.path.open(newline="", encoding="utf-8") as stream:
                self.rows = {row["submission"]: row for row in csv.DictReader(stream)}

    def add(self, row):
        """Record one submission's row and write the sheet."""
        self.rows[row["submission"]] = {column: number(row.get(column, "")) for column in COLUMNS}
        self.save()

    def save(self):
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for name in sorted(self.rows):
            writer.writerow(self.rows[name])
        write_text(self.path, text.getvalue())


def merge(sheets, out_path):
    """Join grade sheets into one at out_path (a submission in several: the last wins)."""
    merged = GradeSheet(out_path)
    for path in sheets:
        merged.rows.update(GradeSheet(path).rows)
    flag_duplicates(merged)
    return merged


def flag_duplicates(sheet):
    """Flag rows whose code is identical to another's or to the starter, and save."""
    digests = {name: row["code"] for name, row in sheet.rows.items() if row["code"]}
    found = duplicates(digests)
    for name, row in sheet.rows.items():
        flags = [f for f in row["flags"].split("; ") if f and not f.startswith("identical to")]
        row["flags"] = "; ".join(flags + ([found[name]] if name in found else []))
    sheet.save()
