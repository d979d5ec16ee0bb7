"""Moodle's assignment grading worksheet, filled in for "Upload grading worksheet"
(the assignfeedback_offline plugin, mod/assign/feedback/offline/importgradeslib.php).

Moodle's importer finds the identifier, grade and "last modified (grade)" columns, and
each feedback plugin's column, by their header text in the uploader's language; it
reads the participant number after the identifier's word, and skips a row whose grade
is empty, negative, above the item's maximum, or older (by "last modified (grade)") than
the grade Moodle holds. So: a worksheet downloaded from Moodle (any language) is
filled in place, headers and identifiers untouched, "last modified (grade)" set to the
export's time; without one, a worksheet in English is built from the participant
numbers of the Moodle download folders. Every row gets its feedback comment.
"""

from grader.regrade.worksheet import read_worksheet

MOODLE_COLUMNS = ("Identifier", "Full name", "Email address", "Status", "Grade",
                  "Maximum Grade", "Grade can be changed", "Last modified (submission)",
                  "Last modified (grade)", "Feedback comments")
MOODLE_PARTICIPANT = "Participant "


def _key(text):
    return " ".join((text or "").split()).casefold()


def above(row, maximum):
    """[(student ID, grade, maximum)] when row's grade is above maximum, else []."""
    try:
        over = float(row["export_grade"]) > float(maximum)
    except (TypeError, ValueError):
        return []
    return [(row["student_id"], row["export_grade"], maximum)] if over else []


def verdict(grade, maximum):
    """What Moodle's importer does with a grade, as a TA reads it."""
    try:
        value, top = float(grade), float(maximum)
    except (TypeError, ValueError):
        return "skipped by Moodle: no grade"
    if value < 0:
        return f"skipped by Moodle: grade {grade} is negative"
    if value > top:
        return (f"skipped by Moodle without a word: grade {grade} is above the maximum "
                f"{maximum} (raise the item's maximum, or set the policy's scale_to or its "
                "bonus rule \"cap\")")
    return f"accepted: grade {grade}"


def _matcher(rows, sheet):
    """The row of a worksheet record: by participant, ID number, email, then full name."""
    keys = {}
    for row in rows:
        for kind, value in (("participant", row.get("participant")),
                            ("id", row["student_id"]), ("email", row.get("email")),
                            ("name", row.get("name"))):
            if value:
                keys.setdefault((kind, _key(value)), row)

    def match(record):
        for kind, column in (("participant", None), ("id", sheet.id_number),
                             ("email", sheet.email), ("name", sheet.name)):
            value = sheet.participant(record) if kind == "participant" else (
                record[column] if column is not None else "")
            if value and (kind, _key(value)) in keys:
                return keys[kind, _key(value)]
        return None

    return match


def fill_worksheet(rows, worksheet, modified, comments):
    """(the worksheet's rows filled from rows, warnings, [(who, verdict)], [(student ID,
    grade, maximum) of grades above the item's maximum])."""
    sheet = read_worksheet(worksheet)
    header, table = list(sheet.header), [list(record) for record in sheet.records]
    graded = sheet.graded
    if graded is None:  # the importer requires it: add it, in English (nothing to copy)
        header.append("Last modified (grade)")
        graded = len(header) - 1
        table = [record + [""] for record in table]
    match, warnings, actions, filled, over = _matcher(rows, sheet), [], [], set(), []
    for record in table:
        row, who = match(record), record[sheet.identifier]
        if row is None:
            actions.append((who, "skipped by Moodle: no grade (not in the grade sheet)"))
            continue
        filled.add(row["submission"])
        record[sheet.grade] = row["export_grade"]
        record[graded] = modified
        if sheet.feedback is not None:
            record[sheet.feedback] = comments[row["submission"]]
        actions.append((f"{who} ({row['student_id']})",
                        verdict(row["export_grade"], record[sheet.maximum])))
        over += above(row, record[sheet.maximum])
    for row in rows:
        if row["submission"] not in filled:
            warnings.append(f"{row['student_id']}: not in the worksheet")
            actions.append((row["student_id"], "not exported: no row of the worksheet"))
    return [header] + table, scale_warning(rows, sheet) + warnings, actions, over


def scale_warning(rows, sheet):
    """A warning when the grades are out of another maximum than the Moodle item's."""
    items = {_float(record[sheet.maximum]) for record in sheet.records}
    ours = {_float(row["export_max"]) for row in rows} - {None}
    if len(items) == 1 and ours and ours != items:
        item, = items
        return [f"the grades are out of {', '.join(f'{m:g}' for m in sorted(ours))}, the "
                f"Moodle item out of {item:g}: set scale_to = {item:g} in the policy to scale "
                "them (or change the item's maximum grade)"]
    return []


def _float(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def build_worksheet(rows, modified, comments):
    """(an English worksheet from the participant numbers, warnings, [(who, verdict)],
    [(student ID, grade, maximum) of grades above the maximum])."""
    table, warnings, actions, over = [list(MOODLE_COLUMNS)], [], [], []
    for row in rows:
        if not row.get("participant"):
            warnings.append(f"{row['student_id']}: no Moodle participant number (grade a "
                            "Moodle bulk download, or pass --worksheet), left out")
            actions.append((row["student_id"], "not exported: no participant number"))
            continue
        status = "No submission" if row["status"] == "missing" else "Submitted for grading"
        table.append([f"{MOODLE_PARTICIPANT}{row['participant']}", row["name"],
                      row.get("email", ""), status, row["export_grade"], row["export_max"],
                      "Yes", "", modified, comments[row["submission"]]])
        actions.append((f"{MOODLE_PARTICIPANT}{row['participant']} ({row['student_id']})",
                        verdict(row["export_grade"], row["export_max"])))
        over += above(row, row["export_max"])
    return table, warnings, actions, over
