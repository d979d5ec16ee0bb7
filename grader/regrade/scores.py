"""Classroom 50's scores as grade-sheet rows, for the grade-book exports.

    python -m grader export-grades scores.csv --roster roster.csv --format moodle|canvas|csv

`gh teacher download` writes scores.csv, one line per submission: username, first_name,
last_name, email, section, score, max_score, datetime, submission_tag, submitted_by,
review_url, late, override. A roster (CSV: a GitHub username column and the student ID,
optionally name, email and Moodle's participant number) says whose each username is.

Every graded submission is a row of its own, handed in at Classroom 50's `datetime`
(submission_rows); the grade-book export keeps one per student by the duplicates rule
(latest, highest, first, or refuse: grader/regrade/gradebook.py), among the teacher's
overrides where a student has one. A submission Classroom 50 recorded as 0/0 is an error
of the grading, not a grade: it is never exported (an earlier graded submission is, when
there is one). A roster student without a submission gets a `missing` row of 0, as in a
regrade.

With the course's policy (policy_rows), the late rule, scale_to and the overrides apply
to each submission as in a regrade (grader/regrade/adjust.py) before one is kept, so the
highest is the highest grade after the late rule. What scores.csv cannot carry is said,
not guessed: it holds each submission's total only, the bonus already counted as the
course's setting said when it was graded, so a policy's [bonus] table is not applied.
"""

import csv
import datetime
from pathlib import Path

from grader.lab import BONUS
from grader.regrade.adjust import adjusted_total, sheet_number
from grader.regrade.identity import EMAIL_COLUMNS, ID_COLUMNS, NAME_COLUMNS

SCORES_COLUMNS = ("username", "score", "max_score", "datetime")  # the ones read, at least
USERNAME_COLUMNS = ("username", "github", "github username", "github_username", "login")
PARTICIPANT_COLUMNS = ("participant", "moodle participant")


class ScoresError(ValueError):
    """scores.csv or its roster cannot be used; the message names the file and line."""


def _read_csv(path, what):
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ScoresError(f"cannot read the {what} {path}: {error}") from None
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames:
        raise ScoresError(f"{path}: the {what} is empty")
    return reader


def _column(header, aliases, path, required=True):
    lowered = {column.strip().lower(): column for column in header}
    found = next((lowered[alias] for alias in aliases if alias in lowered), None)
    if found is None and required:
        raise ScoresError(f"{path}: no {aliases[0]!r} column (accepted names: "
                          f"{', '.join(aliases)}); the header is {', '.join(header)}")
    return found


def read_roster(path):
    """{username (lower case): {student_id, name, email, participant}}."""
    reader = _read_csv(path, "roster")
    columns = {"username": _column(reader.fieldnames, USERNAME_COLUMNS, path),
               "student_id": _column(reader.fieldnames, ID_COLUMNS, path),
               "name": _column(reader.fieldnames, NAME_COLUMNS, path, required=False),
               "email": _column(reader.fieldnames, EMAIL_COLUMNS, path, required=False),
               "participant": _column(reader.fieldnames, PARTICIPANT_COLUMNS, path,
                                      required=False)}
    roster = {}
    for line, record in enumerate(reader, start=2):
        entry = {key: (record.get(column) or "").strip() if column else ""
                 for key, column in columns.items()}
        username = entry.pop("username").lower()
        if not username or not entry["student_id"]:
            raise ScoresError(f"{path} line {line}: a username and a student ID are both needed")
        if username in roster:
            raise ScoresError(f"{path} line {line}: the username {username} appears twice")
        entry["student_id"] = entry["student_id"].upper()
        roster[username] = entry
    if not roster:
        raise ScoresError(f"{path}: the roster has a header but no students")
    return roster


def _number(text, path, line, column):
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ScoresError(f"{path} line {line}: {column} {text!r} is not a number") from None
    return int(value) if value.is_integer() else value


def read_submissions(path):
    """{username (lower case): [submission, ...]} of scores.csv, each a dict with score,
    max_score, datetime, tag and override."""
    reader = _read_csv(path, "scores")
    missing = [name for name in SCORES_COLUMNS if name not in reader.fieldnames]
    if missing:
        raise ScoresError(f"{path} is not Classroom 50's scores.csv (gh teacher download): "
                          f"no {', '.join(missing)} column")
    found = {}
    for line, record in enumerate(reader, start=2):
        username = (record["username"] or "").strip().lower()
        if not username or not (record["score"] or "").strip():
            continue  # a student listed without a submission
        found.setdefault(username, []).append({
            "score": _number(record["score"], path, line, "score"),
            "max_score": _number(record["max_score"], path, line, "max_score"),
            "datetime": (record.get("datetime") or "").strip(),
            "tag": (record.get("submission_tag") or "").strip(),
            "override": _flag(record.get("override")), "late": _flag(record.get("late"))})
    return found


def _flag(text):
    return (text or "").strip().lower() in ("true", "1", "yes")


def _read(scores, roster):
    """(roster, submissions, warnings for the usernames the roster does not have)."""
    people, submissions = read_roster(roster), read_submissions(scores)
    return people, submissions, [f"{username}: in {scores} but not in the roster, left out"
                                 for username in sorted(set(submissions) - set(people))]


def _one_maximum(scores, rows, maxima):
    """Give `missing` rows the one maximum; ScoresError when the grades have several."""
    if len(maxima) > 1:
        raise ScoresError(f"{scores}: the grades are out of different maxima "
                          f"({', '.join(map(str, sorted(maxima)))}), as when the bonus setting "
                          "changed between submissions: grade them again with one setting")
    for row in rows:
        if row["status"] == "missing":
            row["max_score"] = next(iter(maxima), "")
    return sorted(rows, key=lambda row: (row["student_id"], row["submission"]))


def handed_in_text(text):
    """Classroom 50's `datetime` (RFC 3339, "...Z") as ISO text the grade sheet keeps,
    or "" when it is no time (the late rule then says the time is unknown)."""
    text = text.strip()
    if text[-1:] in ("Z", "z"):  # Python 3.10 reads no "Z"
        text = text[:-1] + "+00:00"
    try:
        return datetime.datetime.fromisoformat(text).isoformat() if text else ""
    except ValueError:
        return ""


def submission_rows(scores, roster):
    """(rows, warnings): a grade-sheet row for every graded submission of each roster
    student (only the teacher's overrides, where a student has one), handed in at
    Classroom 50's `datetime`; a `missing` row for a roster student without one."""
    people, submissions, warnings = _read(scores, roster)
    rows, maxima = [], set()
    for username, person in sorted(people.items()):
        mine = submissions.get(username, [])
        graded = [s for s in mine if s["max_score"] > 0]
        if mine and not graded:
            warnings.append(f"{username}: Classroom 50 recorded only grading errors (0/0), not "
                            "a grade: left out (look at the run's log, and grade it again)")
            continue
        if not mine:
            rows.append({**person, "submission": username, "reason": "no submission",
                         "total": 0, "max_score": "", "status": "missing"})
            continue
        pool = [s for s in graded if s["override"]] or graded
        if len(pool) < len(graded):
            warnings.append(f"{username}: the teacher's override in Classroom 50 is exported, "
                            f"not the {len(graded) - len(pool)} other graded submissions")
        for index, found in enumerate(pool, start=1):
            label = found["tag"] or found["datetime"] or f"#{index}"
            name = username if len(pool) == 1 else f"{username} ({label})"
            rows.append({**person, "submission": name, "reason": "", "status": "ok",
                         "total": found["score"], "max_score": found["max_score"],
                         "handed_in": handed_in_text(found["datetime"]),
                         "handed_in_from": "Classroom 50's datetime",
                         "marked_late": found["late"]})
            maxima.add(found["max_score"])
    return _one_maximum(scores, rows, maxima), warnings


def policy_rows(scores, roster, policy):
    """(rows, warnings) of scores.csv with the policy applied to every graded submission
    (the late rule, scale_to, the overrides: grader/regrade/adjust.py), and a warning for
    each part of the policy scores.csv cannot carry."""
    rows, warnings = submission_rows(scores, roster)
    overrides = {override.student: override for override in policy.overrides}
    for row in rows:
        row.update({key: sheet_number(value) for key, value in adjusted_total(
            row, float(row["total"]), policy, overrides.get(row["student_id"])).items()})
    where = f" in {policy.path}" if policy.path else ""
    warnings += [f"override of {student}{where}: no such student in the roster"
                 for student in sorted(set(overrides) - {row["student_id"] for row in rows})]
    return rows, warnings + not_applied(policy, rows)


def not_applied(policy, rows):
    """Sentences for what of the policy cannot be applied to Classroom 50's scores."""
    said = []
    if policy.bonus_rule != BONUS or policy.bonus_most is not None:
        said.append(f"the policy's [bonus] (rule {policy.bonus_rule!r}"
                    + (f", most {policy.bonus_most:g}" if policy.bonus_most is not None else "")
                    + ") is not applied: Classroom 50's scores.csv holds each submission's "
                    f"total only, its bonus counted as grader/lab.py BONUS = {BONUS!r} said "
                    "when it was graded; regrade the submissions (python -m grader regrade) "
                    "to apply it")
    if policy.download is not None:
        said.append("the policy's download is not read: hand-in times are Classroom 50's "
                    "datetime")
    marked = sum(bool(row.get("marked_late")) for row in rows)
    if policy.late is None and marked:
        said.append(f"Classroom 50 marked {marked} submission{'s' * (marked != 1)} late (its "
                    "own due date), but the policy has no [late] rule: no points are taken; "
                    "add a [late] rule to charge them")
    return said

