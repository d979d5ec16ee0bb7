"""What a regrade run grades: its shard, the roster's identities and missing students,
what --resume grades again and why, and the policy with the command line's bonus limit."""

import dataclasses

from grader.regrade import identity
from grader.regrade.sheet import MISSING_PREFIX

RETRIED = ("error", "timeout", "memory")  # statuses --retry-errors grades again


def shard_of(entries, shard):
    """The i-th of n deterministic slices of entries (by position in name order)."""
    index, count = shard
    ordered = sorted(entries, key=lambda entry: entry.name)
    return [entry for position, entry in enumerate(ordered) if position % count == index - 1]


def missing_rows(students):
    """Rows of the roster students who handed nothing in."""
    return [{"submission": f"{MISSING_PREFIX}{student.student_id}",
             "student_id": student.student_id, "name": student.name, "email": student.email,
             "status": "missing", "reason": "no submission from this roster student",
             "total": 0, "public": 0, "hidden": 0, "bonus": 0} for student in students]


def identify(entries, roster_path):
    """Entries with their roster identity, the missing students' rows and the warnings."""
    found = {entry.name: entry.identity for entry in entries}
    warnings, missing = [], []
    if roster_path is not None:
        matching = identity.match_roster(found, identity.read_roster(roster_path))
        found, warnings = matching.identities, list(matching.warnings)
        missing = missing_rows(matching.missing)
    warnings = identity.unparsed_warnings(found) + warnings
    entries = [dataclasses.replace(entry, identity=found[entry.name]) for entry in entries]
    return entries, missing, warnings


def to_grade(entries, sheet, hashes, settings):
    """{entry: why it is graded} of the entries a run grades: all, or with --resume the
    new ("new"), changed ("changed") and, with --retry-errors, retried ones."""
    todo = {}
    for entry in entries:
        row = sheet.rows.get(entry.name)
        if not settings.resume:
            todo[entry] = "graded"
        elif row is None:
            todo[entry] = "new"
        elif row.get("hash") != hashes[entry.name]:
            todo[entry] = "changed"
        elif settings.retry_errors and row.get("status") in RETRIED:
            todo[entry] = f"retried ({row['status']})"
    return todo


def resume_lines(todo, entries):
    """What a --resume run grades again, and why, for the TA."""
    kept = len(entries) - len(todo)
    lines = [f"resume: grading {len(todo)} of {len(entries)} submissions ({kept} unchanged "
             "kept as they are)"]
    lines += [f"  {entry.name}: {why}" for entry, why in todo.items()]
    return lines


def effective_policy(settings):
    """The settings' policy, with --bonus-cap as its bonus limit when given."""
    policy = settings.policy
    if settings.bonus_cap is not None:
        policy = dataclasses.replace(policy, bonus_most=settings.bonus_cap)
    return policy
