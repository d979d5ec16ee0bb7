"""The course's policy applied to the grade sheet: the columns a grade book receives.

Per row, in this order (the README's formula):
- total = public + hidden + the bonus that counts (the policy's bonus rule);
- late: handed in after the deadline, per_day percent of the maximum per started day,
  at most cap percent; after the last day nothing is accepted (the whole total);
- grade = (total + late) scaled from max_score to scale_to, then the override: its
  score replaces the grade, its delta is added to it; never below 0.
`total` stays the grader's own score: each adjustment has its column and its reason
(`late`, `late_reason`, `override`, `override_reason`), and `grade` out of `grade_max`
is what the exports send. A regrade applies the policy afresh, so nothing is lost.
"""

import datetime
import math

from grader.results.scoring import counted_bonus

DAY = datetime.timedelta(days=1)
TIME_FORMAT = "%Y-%m-%d %H:%M %Z"


def _float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _shown(moment, policy):
    zone = policy.timezone
    local = moment.astimezone(zone) if zone else moment.astimezone()
    return local.strftime(TIME_FORMAT).strip()


def late_deduction(handed_in, late, total, maximum, policy, source=""):
    """(points taken, reason) for a submission handed in at handed_in (aware), a time
    read from `source`."""
    if late is None or handed_in is None or handed_in <= late.deadline:
        return 0.0, ""
    when = f"handed in {_shown(handed_in, policy)}" + (f" (from {source})" if source else "")
    if late.last_day is not None and handed_in > late.last_day:
        return total, (f"{when}, after the last day {_shown(late.last_day, policy)}: "
                       "not accepted")
    days = math.ceil((handed_in - late.deadline) / DAY)
    percent = min(days * late.per_day, late.cap)
    taken = min(round(percent / 100 * maximum, 2), total)
    return taken, (f"{when}, {days} day{'s' * (days != 1)} after the deadline "
                   f"{_shown(late.deadline, policy)}: -{percent:g}% of the maximum")


def ungraded(row, policy, override):
    """The policy's columns of a row without a score (the grader failed on it): no
    grade, unless the override sets one."""
    grade = override.score if override is not None and override.score is not None else ""
    return {"total": "", "late": "", "late_reason": "",
            "override": override.text() if override else "",
            "override_reason": f"{override.reason} ({override.by})" if override else "",
            "grade": grade, "grade_max": policy.scale_to or (row.get("max_score") or "")}


def adjusted(row, policy, override=None):
    """The policy's columns of one grade-sheet row (total, late, override, grade)."""
    if row.get("total") == "" and row.get("status") != "missing":
        return ungraded(row, policy, override)
    public, hidden = _float(row.get("public")), _float(row.get("hidden"))
    earned = public + hidden
    total = earned + counted_bonus(earned, _float(row.get("bonus")), _float(row.get("max_score")),
                                   policy.bonus_rule, limit=policy.bonus_most)
    return adjusted_total(row, total, policy, override)


def adjusted_total(row, total, policy, override=None):
    """The policy's columns of a row whose total is known (the bonus counted already, as
    in Classroom 50's scores): the late rule, the scale and the override."""
    if row.get("total") == "" and row.get("status") != "missing":
        return ungraded(row, policy, override)
    maximum = _float(row.get("max_score"))
    handed_in = None
    if row.get("handed_in"):
        handed_in = policy.aware(datetime.datetime.fromisoformat(row["handed_in"]))
    taken, late_reason = late_deduction(handed_in, policy.late, total, maximum, policy,
                                        row.get("handed_in_from", ""))
    if policy.late is not None and handed_in is None and row.get("status") != "missing":
        late_reason = "hand-in time unknown: no late rule applied"
    scale = policy.scale_to / maximum if policy.scale_to and maximum else 1.0
    grade = (total - taken) * scale
    if override is not None:
        grade = override.score if override.score is not None else grade + override.delta
    return {"total": round(total, 2), "late": -taken if taken else "",
            "late_reason": late_reason,
            "override": override.text() if override else "",
            "override_reason": f"{override.reason} ({override.by})" if override else "",
            "grade": round(max(grade, 0.0), 2),
            "grade_max": policy.scale_to or (maximum or "")}


def apply_policy(sheet, policy, save=True):
    """Set every row's policy columns (and save the sheet); returns warnings."""
    overrides = {override.student: override for override in policy.overrides}
    sheet.fill_max_score()
    used = set()
    for row in sheet.rows.values():
        override = overrides.get((row.get("student_id") or "").upper())
        if override is not None:
            used.add(override.student)
        row.update({key: sheet_number(value) for key, value in
                    adjusted(row, policy, override).items()})
    if save:
        sheet.save()
    where = f" in {policy.path}" if policy.path else ""
    return [f"override of {student}{where}: no such student in the grade sheet"
            for student in sorted(set(overrides) - used)]


def sheet_number(value):
    return f"{value:g}" if isinstance(value, float) else value
