"""Who a submission belongs to: the student ID and name read from its file or folder
name, and the match against the course roster.

Names understood (case, dashes, spaces and underscores between the parts all vary):
- the course's hand-in: `DL_LAB1_<id>_<name>`, `DL-LAB1-<id>`, `dl_lab1_<id>_<name> (1)`;
- a folder `<id>_<name>` or `<id>`;
- a Moodle assignment bulk download folder `<Full name>_<participant>_assignsubmission_file_`
  (Moodle writes the full name with its underscores turned into spaces, then the
  participant number of the grading worksheet's "Participant N" identifier); the ID is
  then read from the hand-in inside it when it follows the course's pattern. Without
  "download as folders", the file `<Full name>_<participant>_assignsubmission_file_<file>`.
Anything else is left unparsed (empty ID and name) and reported, never guessed.
"""

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from grader.intake.archives import archive_stem

STUDENT_ID = r"[A-Za-z]{0,2}\d{5,12}[A-Za-z]?"
SEPARATOR = r"[\s_\-]+"
COPY_SUFFIX = re.compile(r"(\s*\(\d+\)|\s+-\s*copy|\s+copy)+$", re.IGNORECASE)
HAND_IN = re.compile(rf"^DL(?:{SEPARATOR})?LAB(?:{SEPARATOR})?0?1{SEPARATOR}(?P<id>{STUDENT_ID})"
                     rf"(?:{SEPARATOR}(?P<name>.+?))?$", re.IGNORECASE)
ID_FIRST = re.compile(rf"^(?P<id>{STUDENT_ID})(?:{SEPARATOR}(?P<name>.+?))?$")
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<participant>\d+)_assignsubmission_(?P<plugin>[a-z]+)"
                    r"(?:_(?P<file>.*))?$", re.IGNORECASE)
HAND_IN_SUFFIXES = (".py", ".ipynb")
# A re-submission's or a copy's mark after the name: "v2", "(late)", "final", "_new",
# "最終版", "補交", "(1)", " - Copy". Removed before the name is read or matched.
VERSION_SUFFIX = re.compile(
    r"(?:[\s_\-.]*[(\[]?\s*(?:v(?:er(?:sion)?)?[\s_.]?\d+(?:\.\d+)?|final|late|resubmit(?:ted)?"
    r"|resubmission|revised|updated?|new|fixed|last|最終版?|最新版?|修正版?|更新版?|遲交|補交"
    r"|copy(?:\s*\d+)?|\d{1,2}|副本)\s*[)\]]?)+$", re.IGNORECASE)
FUZZY_MATCH = 0.8  # a name this close to exactly one roster name (difflib ratio) matches it
FUZZY_MARGIN = 0.1  # ... and at least this much closer than to any other


@dataclass(frozen=True)
class Identity:
    """student_id and name may be empty (unparsed); participant is Moodle's number."""

    student_id: str = ""
    name: str = ""
    email: str = ""
    participant: str = ""

    @property
    def parsed(self):
        return bool(self.student_id or self.name)


def _stem(text):
    text = archive_stem(unicodedata.normalize("NFC", text).strip())
    for suffix in HAND_IN_SUFFIXES:
        if text.lower().endswith(suffix):
            text = text[: -len(suffix)]
    return COPY_SUFFIX.sub("", text.strip())


def without_version(name):
    """A name without a re-submission's mark: "蘇郁婷 v2" gives "蘇郁婷"."""
    return VERSION_SUFFIX.sub("", name).strip(" _-.")


def _clean_name(text, versions=True):
    """Words of a name, separated by one space; without a version mark when `versions`
    (a file name's, never a name Moodle or the roster writes)."""
    name = " ".join((text or "").replace("_", " ").replace("-", " ").split())
    return without_version(name) if versions else name


def parse_name(text):
    """Identity from one file or folder name (without reading anything inside)."""
    stem = _stem(text)
    moodle = MOODLE.match(stem)
    if moodle:
        # Without "download as folders" the student's file name follows: it may hold the ID.
        inner = parse_name(moodle["file"]) if moodle["file"] else Identity()
        return Identity(student_id=inner.student_id,
                        name=_clean_name(moodle["name"], versions=False),
                        participant=moodle["participant"])
    for pattern in (HAND_IN, ID_FIRST):
        match = pattern.match(stem)
        if match:
            return Identity(student_id=match["id"].upper(), name=_clean_name(match["name"]))
    return Identity()


def moodle_plugin(text):
    """The submission plugin a Moodle download's name says ("file", "onlinetext"), or
    None for a name that is not Moodle's."""
    moodle = MOODLE.match(unicodedata.normalize("NFC", text).strip())
    return moodle["plugin"].lower() if moodle else None


def identity_of(path):
    """Identity of a submission path; a Moodle folder also lends the hand-in inside it."""
    path = Path(path)
    found = parse_name(path.name)
    if found.participant and path.is_dir():
        for child in sorted(path.iterdir()):
            inner = parse_name(child.name)
            if inner.student_id and not inner.participant:
                return replace(found, student_id=inner.student_id)
    return found


# -- the roster ---------------------------------------------------------------------------

ID_COLUMNS = ("student_id", "id", "student id", "studentid", "id number", "sis user id")
NAME_COLUMNS = ("name", "full name", "fullname", "student", "student name")
EMAIL_COLUMNS = ("email", "email address", "e-mail")


class RosterError(ValueError):
    """A roster file that cannot be used; the message names the file and the line."""


def _column(header, aliases, path, required=True):
    lowered = {column.strip().lower(): column for column in header}
    for alias in aliases:
        if alias in lowered:
            return lowered[alias]
    if required:
        raise RosterError(f"{path}: no {aliases[0]!r} column (accepted names: "
                          f"{', '.join(aliases)}); the header is {', '.join(header)}")
    return None


def read_roster(path):
    """{student_id: Identity} from a CSV with columns id, name and optionally email."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise RosterError(f"cannot read the roster {path}: {error}") from None
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames:
        raise RosterError(f"{path}: the roster is empty (expected a header: id,name,email)")
    id_column = _column(reader.fieldnames, ID_COLUMNS, path)
    name_column = _column(reader.fieldnames, NAME_COLUMNS, path)
    email_column = _column(reader.fieldnames, EMAIL_COLUMNS, path, required=False)
    roster = {}
    for line, record in enumerate(reader, start=2):
        student_id = (record.get(id_column) or "").strip().upper()
        if not student_id:
            raise RosterError(f"{path} line {line}: no student ID")
        if student_id in roster:
            raise RosterError(f"{path} line {line}: student ID {student_id} appears twice")
        roster[student_id] = Identity(
            student_id=student_id, name=_clean_name(record.get(name_column), versions=False),
            email=(record.get(email_column) or "").strip() if email_column else "")
    if not roster:
        raise RosterError(f"{path}: the roster has a header but no students")
    return roster


def _name_key(name):
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


@dataclass(frozen=True)
class Matching:
    """Identities by submission, the roster students without one, and warnings."""

    identities: dict
    missing: tuple
    warnings: tuple


def _ratio(name, other):
    """How alike two names are (difflib, 0 to 1), the better of as written and with
    their words in any order ("Wei Chen" and "Chen Wei")."""
    words = ["".join(sorted(unicodedata.normalize("NFKC", n).casefold().split()))
             for n in (name, other)]
    return max(difflib.SequenceMatcher(None, _name_key(name), _name_key(other)).ratio(),
               difflib.SequenceMatcher(None, *words).ratio())


def closest(name, roster):
    """(confidence, roster student) of the one roster name a name is close to, else
    (best confidence, None) when none is close enough or two are about as close."""
    scored = sorted(((_ratio(name, student.name), student.student_id, student)
                     for student in roster.values() if student.name), reverse=True)
    if not scored or not name:
        return 0.0, None
    best, _, student = scored[0]
    second = scored[1][0] if len(scored) > 1 else 0.0
    return best, student if best >= FUZZY_MATCH and best - second >= FUZZY_MARGIN else None


def _candidates(found, roster, by_name, warnings, submission):
    """The roster students a submission's identity matches: by ID, else by exact name,
    else by a close name (said in a warning with its confidence)."""
    if found.student_id:
        return [roster[found.student_id]] if found.student_id in roster else []
    exact = by_name.get(_name_key(found.name), [])
    if exact or not found.name:
        return exact
    confidence, student = closest(found.name, roster)
    if student is None:
        return []
    warnings.append(f"{submission}: the name {found.name!r} matched {student.student_id} "
                    f"{student.name!r} of the roster by similarity (confidence "
                    f"{confidence:.2f}): check it")
    return [student]


def match_roster(identities, roster):
    """Match {submission: Identity} against the roster (by ID, else by exact name, else
    by a close name, reported with its confidence).

    Returns a Matching whose identities take the roster's name and email.
    """
    by_name = {}
    for student in roster.values():
        by_name.setdefault(_name_key(student.name), []).append(student)
    matched, warnings, owners = {}, [], {}
    for submission, found in sorted(identities.items()):
        candidates = _candidates(found, roster, by_name, warnings, submission)
        if len(candidates) == 1:
            student = candidates[0]
            matched[submission] = replace(student, participant=found.participant)
            owners.setdefault(student.student_id, []).append(submission)
            continue
        matched[submission] = found
        label = found.student_id or found.name or "no ID or name"
        if len(candidates) > 1:
            warnings.append(f"{submission}: the name {found.name!r} matches several roster "
                            f"students ({', '.join(s.student_id for s in candidates)})")
        elif found.parsed:
            warnings.append(f"{submission}: {label} is not in the roster")
    for student_id, submissions in sorted(owners.items()):
        if len(submissions) > 1:
            warnings.append(f"{student_id} has several submissions: {', '.join(submissions)}")
    missing = tuple(student for student_id, student in sorted(roster.items())
                    if student_id not in owners)
    return Matching(matched, missing, tuple(warnings))


LISTED = 10  # submissions named in the one line about those without an ID


def unparsed_warnings(identities):
    """One warning for the submissions whose name gave no student ID (nothing is
    guessed), naming the first LISTED of them; [] when every one has an ID."""
    names = sorted(submission for submission, found in identities.items()
                   if not found.student_id)
    if not names:
        return []
    shown = ", ".join(names[:LISTED]) + (f" and {len(names) - LISTED} more"
                                          if len(names) > LISTED else "")
    return [f"{len(names)} submission{'s' * (len(names) > 1)} without a student ID in "
            f"{'their names' if len(names) > 1 else 'its name'}: {shown} (name each "
            "DL_LAB1_<id>_<name>, or give a --roster with the students' names)"]
