"""Times as Moodle writes them, in any of its languages, read into aware datetimes."""

import datetime
import re

# Month names of the languages Moodle is used in most (English first), lowercase.
MONTH_NAMES = (
    ("january", "jan", "januar", "janvier", "enero", "janeiro", "gennaio", "januari"),
    ("february", "feb", "februar", "février", "fevrier", "febrero", "fevereiro", "febbraio",
     "februari"),
    ("march", "mar", "märz", "marz", "mars", "marzo", "março", "marco", "maart"),
    ("april", "apr", "avril", "abril", "aprile"),
    ("may", "mai", "mayo", "maio", "maggio", "mei"),
    ("june", "jun", "juni", "juin", "junio", "junho", "giugno"),
    ("july", "jul", "juli", "juillet", "julio", "julho", "luglio"),
    ("august", "aug", "août", "aout", "agosto", "augustus"),
    ("september", "sep", "sept", "septembre", "septiembre", "setembro", "settembre"),
    ("october", "oct", "oktober", "octobre", "octubre", "outubro", "ottobre"),
    ("november", "nov", "novembre", "noviembre", "novembro"),
    ("december", "dec", "dezember", "décembre", "decembre", "diciembre", "dezembro",
     "dicembre"))
MONTHS = {name: number for number, names in enumerate(MONTH_NAMES, start=1) for name in names}
CLOCK = re.compile(r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*"
                   r"(?P<half>am|pm|a\.m\.|p\.m\.)?", re.IGNORECASE)
YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
EAST = re.compile(r"(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]")  # 10月5日, 10월 5일
AFTERNOON, MORNING = ("pm", "p.m."), ("am", "a.m.")
EAST_AFTERNOON, EAST_MORNING = ("下午", "午後", "오후"), ("上午", "午前", "오전")


def looks_like_time(text):
    """Whether text holds a year and a clock time (a date in a language not read here)."""
    return bool(YEAR.search(text or "") and CLOCK.search(text or ""))


def _date_parts(text):
    """(year, month, day) from a date written by Moodle in any of its languages."""
    year = YEAR.search(text)
    if not year:
        return None
    rest = text[:year.start()] + " " + text[year.end():]
    east = EAST.search(rest)
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
        if (marker in AFTERNOON or any(m in text for m in EAST_AFTERNOON)) and hour < 12:
            hour += 12
        elif (marker in MORNING or any(m in text for m in EAST_MORNING)) and hour == 12:
            hour = 0
        try:
            moment = datetime.datetime(*parts, hour, minute, second)
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone) if timezone else moment.astimezone()
    return moment
