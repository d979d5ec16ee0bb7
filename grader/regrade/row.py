"""From one submission's Results to its grade-sheet row: status and reason, the score's
parts, and the per-group columns named with their maximum.

The score's parts (the formula the README documents):
- public: the visible checks, out of their total (100): what the student saw;
- hidden: the hidden checks, out of theirs;
- bonus: points of the bonus checks (they add nothing to any maximum);
- total = public + hidden + the bonus points that count, out of max_score = the two
  maxima: the course's bonus setting (grader.lab.BONUS) decides whether the bonus only
  makes up points lost ("cap") or counts on top ("extra"), and a regrade's --bonus-cap
  counts at most that many either way (grader.results.scoring.counted_bonus);
  a broken rule sets every part to 0.
"""

import dataclasses
import re

from grader.results.scoring import counted_bonus
from grader.session.marker import HIDDEN, VISIBLE
from grader.session.outcome import CRASHED, GRADER_ERROR, INTEGRITY, MEMORY, NOT_RUN, TIMEOUT

# Statuses in the order the summary lists them. "missing": a roster student without a
# submission. The first four are submissions that did not run.
DID_NOT_RUN = ("missing", "error", "timeout", "memory")
STATUSES = ("ok", "integrity", *DID_NOT_RUN)

# (status, the kinds of check outcomes that give it), the first that matches wins.
STATUS_KINDS = (("integrity", {INTEGRITY}), ("timeout", {TIMEOUT}), ("memory", {MEMORY}),
                ("error", {CRASHED, NOT_RUN, GRADER_ERROR}))
INTEGRITY_FLAG = "integrity: replaces "  # how an integrity failure names what was replaced


def _first_line(text):
    return text.strip().splitlines()[0] if text.strip() else ""


def status_and_reason(results):
    """(status, reason) from the kinds of the checks' outcomes; the reason (the first
    line of the check that decided the status) is empty for ok.

    timeout: a call ran out of time; memory: the memory limit was hit; error: the code
    could not be imported or found, or it ended the worker; integrity: a rule is broken.
    """
    for status, kinds in STATUS_KINDS:
        for check in results.checks:
            if check.kind in kinds:
                # An error stops every check alike (and so does a hand-in refused before
                # its import: the import error says why); a timeout names the call that hung.
                from_import = status in ("error", "integrity") and results.import_error
                where = "" if status == "error" or from_import else f"{check.name}: "
                reason = results.import_error if from_import else check.output
                return status, where + _first_line(reason)
    if results.broken_rules:
        return "integrity", "; ".join(rule_flags(results))
    return "ok", ""


# The notes of the intake (grader.intake: (kind, sentence)) that put a row up for review,
# with the flag each gives; the others (an online text kept) are only said in the reason.
REVIEW = {"given": "given code stood in", "renamed": "found under another name",
          "nested": "found in a nested archive", "archives": "several archives",
          "several": "several candidate files", "encoding": "not UTF-8",
          "links": "links left out", "twice": "two hand-ins of one student"}
REVIEW_FLAG = "review: "


def with_notes(reason, notes):
    """reason followed by the notes' sentences, each once."""
    texts = [text for _, text in notes if text not in reason]
    return "; ".join([reason] * bool(reason) + list(dict.fromkeys(texts)))


def review_flags(notes):
    """["review: found under another name", ...] of the notes that need a look."""
    return [REVIEW_FLAG + REVIEW[kind] for kind in dict.fromkeys(kind for kind, _ in notes)
            if kind in REVIEW]


def integrity_flags(results):
    """["integrity: replaces numpy.allclose", ...] of the checks the submission forged."""
    found = []
    for check in results.checks:
        marker = check.output.find(INTEGRITY_FLAG) if check.kind == INTEGRITY else -1
        flag = check.output[marker:].split(" (", 1)[0] if marker >= 0 else None
        if flag and flag not in found:
            found.append(flag)
    return found


def rule_flags(results):
    return [f"rule: {_first_line(check.output)}" for check in results.broken_rules]


def relative_paths(results, *roots):
    """Results whose messages name files relative to the submission, not the TA's disk."""
    def mend(text):
        for root in roots:
            # A bare relative name ("." or "alice") could match ordinary words: skip it.
            spellings = {str(root.resolve())} | ({str(root)} if "/" in str(root) else set())
            for spelling in sorted(spellings, key=len, reverse=True):
                text = text.replace(spelling + "/", "").replace(spelling, "the submission")
        return text

    checks = tuple(dataclasses.replace(check, messages=tuple(map(mend, check.messages)))
                   for check in results.checks)
    broken = tuple(new for new, old in zip(checks, results.checks) if old in results.broken_rules)
    return dataclasses.replace(results, checks=checks, broken_rules=broken,
                               graded=mend(results.graded),
                               import_error=mend(results.import_error))


def score_parts(results, bonus_cap=None):
    """{public, hidden, bonus, total, max_score} of one submission (see the module doc)."""
    def total_of(visibility):
        checks = [c for c in results.checks if c.visibility == visibility and c.max_score]
        return sum(c.score for c in checks), sum(c.max_score for c in checks)

    (public, public_max), (hidden, hidden_max) = total_of(VISIBLE), total_of(HIDDEN)
    bonus = results.bonus
    if results.broken_rules:
        public = hidden = bonus = 0
    counted = counted_bonus(public + hidden, bonus, public_max + hidden_max, results.policy,
                            limit=bonus_cap)
    return {"public": public, "hidden": hidden, "bonus": bonus,
            "total": public + hidden + counted, "max_score": public_max + hidden_max,
            "public_max": public_max, "hidden_max": hidden_max}


def group_columns(results):
    """{"<group>/<maximum>": score} of the visible graded groups, as the student's table."""
    totals = {}
    for check in results.checks:
        if check.visibility == VISIBLE and check.max_score:
            score, maximum = totals.get(check.group, (0, 0))
            totals[check.group] = (score + check.score, maximum + check.max_score)
    zero = bool(results.broken_rules)
    return {f"{group}/{maximum:g}": 0 if zero else score
            for group, (score, maximum) in totals.items()}


GROUP_COLUMN = re.compile(r"^(?P<group>[a-z_]+)/(?P<maximum>[0-9.]+)$")


def result_row(results, bonus_cap=None):
    """The grade-sheet columns a graded submission fills (identity and flags aside)."""
    status, reason = status_and_reason(results)
    parts = score_parts(results, bonus_cap)
    row = {"status": status, "reason": reason,
           **{key: parts[key] for key in ("public", "hidden", "bonus", "total", "max_score")}}
    row.update(group_columns(results))
    return row
