"""Moodle's grading worksheet as a TA downloads it, in whatever language their Moodle
speaks: its columns are found by position and content, never by their English names.

Moodle writes the worksheet's headers in the downloader's language ("Identifier" is
"參與者" on a Chinese-language site) and reads them back by the uploader's, so a filled
worksheet keeps the header row it came with. The columns, in Moodle's order:
identifier ("Participant 4411": a word, then the participant number), full name, the
identity fields the site shows (email, ID number, ...), status, grade (a number or
empty), maximum grade (the same number on every row), grade can be changed, last
modified (submission), the submission plugins' columns, last modified (grade), and the
feedback plugins' columns (feedback comments).
"""

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from grader.regrade import identity
from grader.regrade.dates import looks_like_time, parse_time

IDENTIFIER = re.compile(r"^(?P<word>\D*?)\s*(?P<number>\d+)$")
NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
STUDENT_ID = re.compile(identity.STUDENT_ID)
NO_TIME = ("", "-")


class WorksheetError(ValueError):
    """A file that is not a Moodle grading worksheet; the message says why."""


@dataclass(frozen=True)
class Worksheet:
    """A downloaded worksheet: its rows (header first) and the index of each column it
    has (None where it has none): identifier, name, email, id_number, grade, maximum,
    submitted (last modified (submission)), graded (last modified (grade)), feedback."""

    path: Path
    table: list
    identifier: int
    name: int
    email: int
    id_number: int
    grade: int
    maximum: int
    submitted: int
    graded: int
    feedback: int

    @property
    def header(self):
        return self.table[0]

    @property
    def records(self):
        return self.table[1:]

    def participant(self, record):
        """The participant number of a record ("Participant 4411" gives "4411")."""
        found = IDENTIFIER.match(record[self.identifier].strip())
        return found["number"] if found else ""


def _values(table, column):
    return [row[column].strip() for row in table[1:] if column < len(row)]


def _all(values, test):
    filled = [value for value in values if value]
    return bool(filled) and all(test(value) for value in filled)


def _identifier(table):
    """The column of "<word> <number>" values sharing one word (Moodle's first)."""
    for column in range(len(table[0])):
        values = _values(table, column)
        words = {IDENTIFIER.match(v)["word"] for v in values if IDENTIFIER.match(v)}
        if values and len(words) == 1 and all(IDENTIFIER.match(v) for v in values) \
                and next(iter(words)):
            return column
    return None


def _maximum(table, after):
    """The first column after `after` holding one number on every row, right after a
    column of numbers or blanks (the grade)."""
    for column in range(after + 2, len(table[0])):
        values = _values(table, column)
        before = _values(table, column - 1)
        if values and all(NUMBER.match(v) for v in values) and len(set(values)) == 1 \
                and all(not v or v == "-" or NUMBER.match(v) for v in before):
            return column
    return None


def _is_time(value):
    return value in NO_TIME or looks_like_time(value) or parse_time(value) is not None


def read_worksheet(path):
    """The Worksheet at path (UTF-8, with or without a byte-order mark)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise WorksheetError(f"cannot read the worksheet {path}: {error}") from None
    table = [row for row in csv.reader(text.splitlines()) if row]
    if len(table) < 2:
        raise WorksheetError(f"{path} has no student rows: download the grading worksheet "
                             "from the assignment's page (Grading action: Download grading "
                             "worksheet)")
    width = len(table[0])
    table = [table[0]] + [row + [""] * (width - len(row)) for row in table[1:]]
    identifier = _identifier(table)
    if identifier is None:
        raise WorksheetError(f"{path} is not a Moodle grading worksheet: no column holds "
                             "participant identifiers (\"Participant 4411\")")
    maximum = _maximum(table, identifier)
    if maximum is None:
        raise WorksheetError(f"{path} is not a Moodle grading worksheet: no grade column "
                             "followed by the maximum grade (the same number on every row)")
    # Moodle's order after the maximum: grade can be changed, last modified (submission),
    # the submission plugins' columns, last modified (grade), the feedback columns. A time
    # column holds dates or "-" (a feedback column of a fresh download is only empty).
    times = [c for c in range(maximum + 1, width) if any(_values(table, c))
             and all(_is_time(v) for v in _values(table, c))]
    graded = times[-1] if times else None  # the importer requires it: always there
    submitted = times[0] if len(times) > 1 else None
    emails = [c for c in range(identifier + 1, maximum - 1) if _all(_values(table, c),
                                                                      EMAIL.match)]
    ids = [c for c in range(identifier + 1, maximum - 1)
           if _all(_values(table, c), STUDENT_ID.fullmatch)]
    return Worksheet(
        path=path, table=table, identifier=identifier, name=identifier + 1,
        email=emails[0] if emails else None, id_number=ids[0] if ids else None,
        grade=maximum - 1, maximum=maximum, submitted=submitted, graded=graded,
        feedback=graded + 1 if graded is not None and graded + 1 < width else None)


def hand_in_times(worksheet, timezone=None):
    """{participant: the aware time of its hand-in} of the rows that have one."""
    found = {}
    if worksheet.submitted is None:
        return found
    for record in worksheet.records:
        moment = parse_time(record[worksheet.submitted], timezone)
        if moment is not None and worksheet.participant(record):
            found[worksheet.participant(record)] = moment
    return found
