"""When each submission was handed in, from what the course's platform recorded.

Sources, the first that knows wins:
1. the Moodle grading worksheet (policy `worksheet`): "Last modified (submission)" of
   the row with the submission's participant number;
2. the Moodle bulk download as Moodle zipped it (policy `download`): the newest entry of
   the submission's folder (Moodle stamps each file with its upload time);
3. a Moodle download folder or file on disk: the newest file time in it (unzip keeps the
   times Moodle wrote; an extractor that does not gives the extraction time instead:
   use 1 or 2 then).
A submission that is none of these (a cloned repository, a file mailed in) has no known
hand-in time: the student's own archive entries and file times are never trusted, since
the student's machine wrote them. Times written without a zone are in the policy's.
"""

import datetime
import re
import zipfile
from pathlib import Path

MONTHS = {name: number for number, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
    ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
    ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
    ("december", "dec")), start=1) for name in names}
CLOCK = re.compile(r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*"
                   r"(?P<half>am|pm|a\.m\.|p\.m\.)?", re.IGNORECASE)
AFTERNOON = ("下午", "午後", "pm", "p.m.")
MORNING = ("上午", "午前", "am", "a.m.")
MOODLE_FOLDER = re.compile(r"_(?P<participant>\d+)_assignsubmission_", re.IGNORECASE)


def _date_parts(text):
    """(year, month, day) from a date written by Moodle in any of its languages."""
    year = re.search(r"(?<!\d)(\d{4})(?!\d)", text)
    if not year:
        return None
    rest = text[:year.start()] + " " + text[year.end():]
    east = re.search(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日", rest)
    if east:
        return int(year[1]), int(east[1]), int(east[2])
    numeric = re.search(r"(?<!\d)(\d{1,2})[-/.](\d{1,2})(?!\d)", rest)
    if numeric and year.start() < numeric.start():  # 2026-10-05, 2026/10/05
        return int(year[1]), int(numeric[1]), int(numeric[2])
    for word in re.findall(r"[^\W\d_]+", rest.lower()):
        if word in MONTHS:
            day = re.search(r"(?<![\d:])(\d{1,2})(?![\d:])", CLOCK.sub(" ", rest))
            return (int(year[1]), MONTHS[word], int(day[1])) if day else None
    return None


def parse_time(text, timezone=None):
    """An aware datetime from a time Moodle (or a TA) wrote; None when text holds none.

    Understood: ISO 8601; "Monday, 5 October 2026, 11:32 PM"; "2026年 10月 5日(星期一)
    23:32" and "2026年10月5日 下午11:32". Without a zone, `timezone` (default: this
    machine's) is assumed.
    """
    text = (text or "").strip()
    if not text or text == "-":
        return None
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None:
        parts = _date_parts(text)
        clock = CLOCK.search(text)
        if parts is None:
            return None
        hour, minute, second = (0, 0, 0) if not clock else (
            int(clock["hour"]), int(clock["minute"]), int(clock["second"] or 0))
        marker = (clock["half"] or "").lower() if clock else ""
        if (marker in AFTERNOON or any(m in text for m in AFTERNOON[:2])) and hour < 12:
            hour += 12
        elif (marker in MORNING or any(m in text for m in MORNING[:2])) and hour == 12:
            hour = 0
        try:
            moment = datetime.datetime(*parts, hour, minute, second)
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone) if timezone else moment.astimezone()
    return moment


def participant_of(name):
    """The Moodle participant number in a download's folder or file name, or ""."""
    found = MOODLE_FOLDER.search(name)
    return found["participant"] if found else ""


def download_times(archive, timezone=None):
    """{participant: newest entry time} of Moodle's bulk download zip."""
    found = {}
    try:
        with zipfile.ZipFile(archive) as opened:
            for member in opened.infolist():
                participant = participant_of(member.filename.split("/", 1)[0])
                if participant and not member.is_dir():
                    moment = datetime.datetime(*member.date_time)
                    moment = moment.replace(tzinfo=timezone) if timezone else moment.astimezone()
                    found[participant] = max(found.get(participant, moment), moment)
    except (OSError, zipfile.BadZipFile) as error:
        raise ValueError(f"cannot read the Moodle download {archive}: {error}") from None
    return found


def folder_time(path):
    """The newest file time of a Moodle download folder or file (aware), or None."""
    path = Path(path)
    if path.is_symlink() or not path.exists():
        return None
    files = [path] if path.is_file() else [p for p in path.rglob("*")
                                            if p.is_file() and not p.is_symlink()]
    if not files:
        return None
    newest = max(p.stat().st_mtime for p in files)
    return datetime.datetime.fromtimestamp(newest, datetime.timezone.utc)


def hand_in_time(path, participant, recorded):
    """(aware time, where it came from) of one submission, or (None, "")."""
    if participant and participant in recorded:
        return recorded[participant]
    if participant_of(Path(path).name):
        moment = folder_time(path)
        if moment is not None:
            return moment, "the Moodle download's file times"
    return None, ""
