"""From the checks' results to a score: one pure function, `score`.

The check session (grader.session.plugin) gives one CheckResult per check that ran,
with its group, kind and points; this module only adds up.
"""

from dataclasses import dataclass

from grader.lab import RULES
from grader.sandbox.bwrap import PROCESS


@dataclass(frozen=True)
class Results:
    checks: tuple  # CheckResults, in the order the checks ran
    score: float
    max_score: float
    broken_rules: tuple  # CheckResults of the rules that were broken
    execution_time: float
    graded: str = ""  # which file was graded, and why
    code: str = ""  # the code submitted (all of a notebook's code cells)
    import_error: str = ""  # why the submission could not be imported, in full ("" if it was)
    file: str = ""  # absolute path of the file graded ("" when there was none)
    isolation: str = PROCESS  # what kept the submission apart: "bwrap" or "process"
    not_enforced: tuple = ()  # isolation limits this platform could not enforce
    notes: tuple = ()  # (kind, sentence) about the hand-in a TA should review (intake)

    @property
    def bonus(self):
        """Points earned by bonus checks (included in score)."""
        return 0 if self.broken_rules else sum(c.score for c in self.checks if c.bonus)

    def groups(self):
        """{group: (score, max_score)} in the order the groups first appear."""
        totals = {}
        for result in self.checks:
            score, max_score = totals.get(result.group, (0.0, 0.0))
            totals[result.group] = (score + result.score, max_score + result.max_score)
        return totals


def score(checks, execution_time=0.0, graded="", code="", import_error="", file="",
          isolation=None, not_enforced=(), notes=()):
    """Results of the CheckResults of one grading session.

    A broken rule (a failed check of the group "rules" worth no points: the imports) sets
    the total to zero; a rule worth points (a quiet import) costs only those. Bonus checks
    add their points to the score and nothing to the maximum.
    """
    checks = tuple(checks)
    broken = tuple(c for c in checks if c.group == RULES and not c.passed and not c.max_score)
    return Results(
        checks=checks,
        score=0 if broken else sum(c.score for c in checks),
        max_score=sum(c.max_score for c in checks),
        broken_rules=broken,
        execution_time=round(execution_time, 3),
        graded=graded,
        code=code,
        import_error=import_error,
        file=file,
        isolation=isolation or PROCESS,
        not_enforced=tuple(not_enforced),
        notes=tuple(tuple(note) for note in notes),
    )
