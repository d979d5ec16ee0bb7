"""The course's grading policy for a lab: `policy.toml`, kept beside the roster.

    timezone = "Asia/Taipei"      # times without an offset are in it (default: this machine's)
    scale_to = 100                # the grade book item's maximum (default: the grader's maximum)
    duplicates = "latest"         # several submissions of a student: latest | highest | first
    worksheet = "Grades-Lab1.csv" # Moodle's grading worksheet (hand-in times; the Moodle export)
    download = "Lab1-download.zip"  # Moodle's bulk download as it came (hand-in times)

    [bonus]                       # overrides the course's setting, grader/lab.py BONUS
    rule = "extra"                # extra: bonus counts above the maximum; cap: up to it only
    most = 10                     # at most this many bonus points count (default: all)

    [late]
    deadline = 2026-10-05T23:59:00
    per_day = 10                  # percent of the maximum taken per day late (a started day counts)
    cap = 50                      # at most this percent in all (default 100)
    last_day = 2026-10-12T23:59:00  # handed in after it: not accepted, grade 0

    [[override]]
    student = "312551001"
    score = 85                    # the grade to export (on scale_to), or: delta = -5
    reason = "regrade request: the plot's axes are accepted"
    by = "TA Lin"

Every key is optional. A policy that cannot be used stops the run before anything is
graded, naming the file, the line and what to write instead (PolicyError).
"""

import datetime
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from grader.lab import BONUS, BONUS_POLICIES

POLICY_FILE = "policy.toml"
DUPLICATES = ("latest", "highest", "first")  # the first is the default
TOP_KEYS = {"timezone", "scale_to", "duplicates", "worksheet", "download", "bonus", "late",
            "override"}
BONUS_KEYS = {"rule", "most"}
LATE_KEYS = {"deadline", "per_day", "cap", "last_day"}
OVERRIDE_KEYS = {"student", "score", "delta", "reason", "by"}


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and the line."""


@dataclass(frozen=True)
class Late:
    """The late rule: per_day percent of the maximum per started day after deadline, at
    most cap percent; nothing accepted after last_day (None: no last day). Times aware."""

    deadline: datetime.datetime
    per_day: float = 0.0
    cap: float = 100.0
    last_day: datetime.datetime = None


@dataclass(frozen=True)
class Override:
    """A grade the course sets by hand: score (the grade) or delta (added to it)."""

    student: str
    reason: str
    by: str
    score: float = None
    delta: float = None

    def text(self):
        return f"={self.score:g}" if self.score is not None else f"{self.delta:+g}"


@dataclass(frozen=True)
class Policy:
    """The rules regrade and export-grades apply; Policy() is the grader's default."""

    timezone: datetime.tzinfo = None  # None: this machine's local time zone
    scale_to: float = None  # None: the grader's own maximum
    duplicates: str = DUPLICATES[0]
    worksheet: Path = None
    download: Path = None
    bonus_rule: str = BONUS  # the course's default (grader/lab.py), which this file overrides
    bonus_most: float = None
    late: Late = None
    overrides: tuple = field(default_factory=tuple)
    path: Path = None

    def aware(self, moment):
        """moment with this policy's time zone when it has none."""
        if moment is None or moment.tzinfo is not None:
            return moment
        return moment.replace(tzinfo=self.timezone) if self.timezone else moment.astimezone()


class _Source:
    """The text of a policy file, to name the line a key stands on."""

    def __init__(self, path, text):
        self.path, self.lines = path, text.splitlines()

    def line(self, table=None, key=None, index=0):
        """The 1-based line of key (in the index-th [table] or [[table]]), or of the table."""
        start, seen = 0, -1
        if table:
            header = re.compile(rf"^\s*\[\[?\s*{re.escape(table)}\s*\]\]?\s*(#.*)?$")
            for number, text in enumerate(self.lines):
                if header.match(text):
                    seen += 1
                    if seen == index:
                        start = number
                        break
        if key is None:
            return start + 1
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(start, len(self.lines)):
            text = self.lines[number]
            if number > start and table and re.match(r"^\s*\[", text):
                break
            if not table and re.match(r"^\s*\[", text):
                break
            if pattern.match(text):
                return number + 1
        return start + 1

    def error(self, message, table=None, key=None, index=0):
        return PolicyError(f"{self.path} line {self.line(table, key, index)}: {message}")


def _number(source, table, data, key, index=0, low=0.0, high=None):
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise source.error(f"{key} must be a number, not {value!r}", table, key, index)
    if value < low or (high is not None and value > high):
        bound = f"between {low:g} and {high:g}" if high is not None else f"{low:g} or more"
        raise source.error(f"{key} must be {bound}, not {value:g}", table, key, index)
    return float(value)


def _text(source, table, data, key, index=0, choices=None, required=False):
    value = data.get(key)
    if value is None:
        if required:
            raise source.error(f"[[{table}]] needs {key} = \"...\"", table, None, index)
        return None
    if not isinstance(value, str) or not value.strip():
        raise source.error(f"{key} must be a non-empty string, not {value!r}", table, key, index)
    if choices and value not in choices:
        raise source.error(f"{key} must be one of {', '.join(choices)}, not {value!r}",
                           table, key, index)
    return value.strip()


def _unknown(source, data, known, table=None, index=0):
    for key in data:
        if key not in known:
            raise source.error(f"unknown key {key!r} (known: {', '.join(sorted(known))})",
                               table, key, index)


def _moment(source, table, data, key, timezone, index=0):
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        pass
    elif isinstance(value, datetime.date):  # a bare day: its end
        value = datetime.datetime.combine(value, datetime.time(23, 59, 59))
    else:
        raise source.error(f"{key} must be a TOML date-time without quotes, e.g. "
                           f"{key} = 2026-10-05T23:59:00, not {value!r}", table, key, index)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone) if timezone else value.astimezone()
    return value


def _timezone(source, data):
    name = _text(source, None, data, "timezone")
    if name is None:
        return None
    offset = re.fullmatch(r"(?:UTC)?([+-])(\d{1,2}):?(\d{2})", name)
    if offset:
        sign = 1 if offset[1] == "+" else -1
        return datetime.timezone(sign * datetime.timedelta(hours=int(offset[2]),
                                                           minutes=int(offset[3])))
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise source.error(f"unknown time zone {name!r}: write an IANA name such as "
                           "\"Asia/Taipei\", or an offset such as \"+08:00\"",
                           None, "timezone") from None


def _table(source, data, name):
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise source.error(f"{name} must be a table: write [{name}] on its own line",
                           None, name)
    return value


def _late(source, data, timezone):
    late = _table(source, data, "late")
    if not late:
        return None
    _unknown(source, late, LATE_KEYS, "late")
    deadline = _moment(source, "late", late, "deadline", timezone)
    if deadline is None:
        raise source.error("[late] needs a deadline = 2026-10-05T23:59:00", "late")
    last_day = _moment(source, "late", late, "last_day", timezone)
    if last_day is not None and last_day < deadline:
        raise source.error("last_day is before the deadline", "late", "last_day")
    per_day = _number(source, "late", late, "per_day", high=100.0)
    cap = _number(source, "late", late, "cap", high=100.0)
    return Late(deadline=deadline, per_day=per_day or 0.0, cap=100.0 if cap is None else cap,
                last_day=last_day)


def _overrides(source, data):
    found = data.get("override", [])
    if not isinstance(found, list):
        raise source.error("write each override as its own [[override]] table", None, "override")
    overrides, seen = [], {}
    for index, entry in enumerate(found):
        _unknown(source, entry, OVERRIDE_KEYS, "override", index)
        student = entry.get("student")
        if isinstance(student, int) and not isinstance(student, bool):
            student = str(student)  # an ID written without quotes
        student = _text(source, "override", {"student": student}, "student", index,
                        required=True).upper()
        score = _number(source, "override", entry, "score", index)
        delta = _number(source, "override", entry, "delta", index, low=float("-inf"))
        if (score is None) == (delta is None):
            raise source.error(f"override of {student}: give either score or delta",
                               "override", None, index)
        if student in seen:
            raise source.error(f"{student} is overridden twice (also on line {seen[student]}): "
                               "keep one override per student", "override", "student", index)
        seen[student] = source.line("override", "student", index)
        overrides.append(Override(
            student=student, score=score, delta=delta,
            reason=_text(source, "override", entry, "reason", index, required=True),
            by=_text(source, "override", entry, "by", index, required=True)))
    return tuple(overrides)


def read_policy(path):
    """The Policy of a policy file; raises PolicyError naming the line at fault."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError(f"cannot read the policy {path}: {error}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{path}: not valid TOML: {error}") from None
    source = _Source(path, text)
    _unknown(source, data, TOP_KEYS)
    timezone = _timezone(source, data)
    bonus = _table(source, data, "bonus")
    _unknown(source, bonus, BONUS_KEYS, "bonus")
    files = {key: _file(source, data, key) for key in ("worksheet", "download")}
    policy = Policy(
        timezone=timezone, scale_to=_number(source, None, data, "scale_to"),
        duplicates=_text(source, None, data, "duplicates", choices=DUPLICATES) or DUPLICATES[0],
        worksheet=files["worksheet"], download=files["download"],
        bonus_rule=_text(source, "bonus", bonus, "rule", choices=BONUS_POLICIES) or BONUS,
        bonus_most=_number(source, "bonus", bonus, "most"),
        late=_late(source, data, timezone), overrides=_overrides(source, data), path=path)
    if policy.scale_to == 0:
        raise source.error("scale_to must be more than 0", None, "scale_to")
    return policy


def _file(source, data, key):
    """A file the policy names, relative to the policy's folder; it must exist."""
    name = _text(source, None, data, key)
    if name is None:
        return None
    path = source.path.parent / name
    if not path.is_file():
        raise source.error(f"the {key} {path} does not exist", None, key)
    return path


def find_policy(given=None, roster=None):
    """The policy to apply: the file given, else policy.toml beside the roster, else the
    default Policy()."""
    if given is not None:
        return read_policy(given)
    if roster is not None and (Path(roster).parent / POLICY_FILE).is_file():
        return read_policy(Path(roster).parent / POLICY_FILE)
    return Policy()
