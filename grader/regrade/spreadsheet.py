"""Cells of the CSV files a TA opens in a spreadsheet (grades.csv, the grade-book exports),
neutralised so that no text a submission influences is run as a formula.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula (also after
a tab or a line break), and a formula can reach the network or, through DDE, run a
program: a Moodle folder named `=HYPERLINK(...)_12345_assignsubmission_file_` or a
hand-in `DL_LAB1_0856001_=cmd|' /C calc'!A0.zip` puts such a name in the sheet. Such a
cell gets a leading apostrophe, which spreadsheets read as "this is text". Numbers (a
late penalty of -10) are left as they are. The importers read the apostrophe as part of
the text: Moodle's worksheet import matches rows by the identifier column ("Participant
N") and reads only the grade and feedback columns, and Canvas's gradebook import matches
by the ID columns; no identifier or comment this grader writes starts with one of those
characters, so only names and e-mail addresses (which neither importer reads when an
identifier matches) can carry the apostrophe. grades.csv, which the grader reads back,
gets the original text back with `restored`.
"""

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
MARK = "'"
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def neutral(value):
    """value for a CSV cell: text a spreadsheet would run as a formula (or text already
    starting with the mark, so that `restored` gives it back whole) gets a leading
    apostrophe; anything else, numbers included, is as it was. A carriage return becomes
    a line feed: Python's CSV writer quotes a cell holding a line feed, not one holding
    a lone carriage return, which spreadsheets (and the reader) take for a new row."""
    if isinstance(value, str):
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    # A lone "-" (Moodle's "never") is no formula.
    if not isinstance(value, str) or len(value) < 2 \
            or not value.startswith((*TRIGGERS, MARK)) or NUMBER.fullmatch(value):
        return value
    return MARK + value


def restored(value):
    """The text `neutral` was given (its carriage returns as line feeds)."""
    return value[1:] if isinstance(value, str) and len(value) > 1 and value.startswith(MARK) \
        else value
